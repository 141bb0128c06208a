"""Issue 20's goal, rerunnable: hostile servers, file names and settings against the installed command.

    python benchmarks/hostile.py     # as root it re-runs itself in a loopback-only network namespace

1. ``newsreader refresh --timeout 5`` with a good feed, a server that drips its headers one byte a
   second and a 1.8 kB body that expands to 1 GB through two layers of gzip. Goal: within 60 s and
   400 MB peak, the good feed's articles indexed, both bad feeds named. Reference, same run: the good
   feed alone.
2. ``newsreader index`` on a folder whose own name is not UTF-8, holding names that carry terminal
   escapes and links leading outside it. Goal: the good files indexed, no raw escape byte printed, the
   links' target never read, no traceback.
3. ``newsreader feed import`` of a 5,000-feed OPML file. Goal: under 5 s. Reference: 1,000 feeds.
4. Settings and homes that are wrong: one line each, no traceback.

Peak memory is the child's own maximum resident set (``wait4``). Nothing here fails a build.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from feeds_server import FeedServer, gzip_bomb, rss  # noqa: E402
from test_hostile_names import LEAK, hostile_folder  # noqa: E402

NEWSREADER = str(Path(sys.executable).parent / "newsreader")
ITEMS = [{"title": f"Harbour story {i}", "guid": f"urn:bench:{i}", "summary": "x",
          "content": f"<p>The Portmere harbour board met on day {i} to discuss the north pier with the "
                     f"engineers of Calloway Marine and Mayor Ingrid Salo.</p>"} for i in range(5)]


def say(text: str = "") -> None:
    print(text, flush=True)


def run(*argv: str, env: dict | None = None) -> dict:
    """Run the installed command; its exit status, output, wall time and peak memory (MB)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([NEWSREADER, *argv], stdout=out, stderr=err, env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return {"code": proc.returncode, "out": out.read(), "err": err.read(), "seconds": seconds,
                "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}


def check_output(result: dict) -> list[str]:
    data = result["out"] + result["err"]
    problems = [f"raw escape bytes {LEAK.findall(data)[:3]}"] if LEAK.search(data) else []
    if b"Traceback" in data:
        problems.append("a traceback")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append("bytes that are not UTF-8")
    return problems


def articles(home: Path) -> int:
    return json.loads(run("--home", str(home), "stats", "--json")["out"])["articles"]


def refresh_part(work: Path) -> dict:
    server = FeedServer()
    try:
        good = server.add("/good.xml", rss("Portmere Gazette", ITEMS))
        slow = server.add("/slow.xml", drip=1.0)
        bomb_body = gzip_bomb(1 << 30)
        bomb = server.add("/bomb.xml", bomb_body, headers={"Content-Encoding": "gzip, gzip"})
        out = {}
        for label, urls in (("reference (good feed alone)", [good]), ("good + slow headers + bomb", [good, slow, bomb])):
            home = work / label.split()[0]
            for url in urls:
                run("--home", str(home), "feed", "add", url)
            result = run("--home", str(home), "refresh", "--timeout", "5", "--json")
            report = json.loads(result["out"])
            feeds = {f["url"]: f for f in report["feeds"]}
            out[label] = {"seconds": round(result["seconds"], 1), "cpu_s": round(result["cpu"], 1),
                          "peak_mb": round(result["peak_mb"]),
                          "articles": articles(home), "exit": result["code"],
                          "good": feeds[good]["status"],
                          "slow": feeds.get(slow, {}).get("error"), "bomb": feeds.get(bomb, {}).get("error"),
                          "slow_requests": len(server.hits("/slow.xml")), "problems": check_output(result)}
        out["bomb body bytes"] = len(bomb_body)
        return out
    finally:
        server.close()


def names_part(work: Path) -> dict:
    folder = hostile_folder(work)
    home = work / "names-home"
    first = run("--home", str(home), "index", str(folder))
    again = run("--home", str(home), "index", "--json", str(folder))
    secret = run("--home", str(home), "search", "kestrelword", "--json")
    shown = run("--home", str(home), "search", "harbour", "--limit", "50")
    summary = json.loads(again["out"])
    return {"seconds": round(first["seconds"], 1), "exit": first["code"], "articles": articles(home),
            "second run unchanged": summary["unchanged"], "second run added": summary["added"],
            "links skipped": sum("outside the folder" in p["reason"] for p in summary["skipped"]),
            "link target found by search": json.loads(secret["out"])["total"],
            "problems": check_output(first) + check_output(again) + check_output(shown)}


def opml_part(work: Path) -> dict:
    out = {}
    for n in (1_000, 5_000):
        items = "".join(f'<outline text="Feed {i % 700}" xmlUrl="https://host{i % 50}.invalid/feed/{i}.xml"/>'
                        for i in range(n))
        path = work / f"{n}.opml"
        path.write_text(f'<?xml version="1.0"?><opml version="2.0"><head/><body>{items}</body></opml>')
        result = run("--home", str(work / f"opml-{n}"), "feed", "import", str(path))
        added = re.search(rb"Added (\d+) feed", result["out"])
        out[f"{n} feeds"] = {"seconds": round(result["seconds"], 2), "cpu_s": round(result["cpu"], 2), "added": int(added.group(1)) if added else None,
                             "exit": result["code"], "problems": check_output(result)}
    return out


def settings_part(work: Path) -> dict:
    docs = work / "docs"
    docs.mkdir()
    (docs / "story.txt").write_text(ITEMS[0]["title"] + "\n\n" + ITEMS[0]["content"][3:-4] + "\n")
    bad_config = work / "bad-config"
    bad_config.mkdir()
    (bad_config / "config.toml").write_text("[engine]\nmax_file_mb = -5\n")
    broken = work / "broken-config"
    broken.mkdir()
    (broken / "config.toml").write_text("[engine\nmodel = ")
    a_file = work / "a-file"
    a_file.write_text("x")
    cases = {
        "max_file_mb = -5": run("--home", str(bad_config), "index", str(docs)),
        "broken config.toml": run("--home", str(broken), "stats"),
        "NEWSREADER_MODEL=xx_missing": run("--home", str(work / "m"), "index", str(docs),
                                           env={"NEWSREADER_MODEL": "xx_missing"}),
        "NEWSREADER_HOME is a file": run("stats", env={"NEWSREADER_HOME": str(a_file)}),
    }
    return {name: {"exit": r["code"], "stderr lines": len(r["err"].splitlines()),
                   "first line": r["err"].decode("utf-8", "replace").splitlines()[0][:120] if r["err"] else "",
                   "problems": check_output(r)} for name, r in cases.items()}


def main() -> None:
    if os.geteuid() == 0 and not os.environ.get("NEWSREADER_BENCH_NS"):
        ok = subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0
        if ok:
            os.environ["NEWSREADER_BENCH_NS"] = "1"
            os.execvp("unshare", ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" "$@"',
                                  sys.executable, __file__, *sys.argv[1:]])
        say("(unshare -n is not available: running with the machine's network; only 127.0.0.1 is contacted)")
    if os.environ.get("NEWSREADER_BENCH_NS"):
        say("In a loopback-only network namespace (unshare -n).")
    os.environ.pop("NEWSREADER_HOME", None)
    results = {}
    with tempfile.TemporaryDirectory(prefix="newsreader-hostile-") as tmp:
        work = Path(tmp)
        for name, part in (("refresh", refresh_part), ("names", names_part), ("opml", opml_part),
                           ("settings", settings_part)):
            (work / name).mkdir()
            results[name] = part(work / name)
            say(f"\n== {name}")
            say(json.dumps(results[name], indent=2, default=str))
    hostile = results["refresh"]["good + slow headers + bomb"]
    say("\n== goal")
    say(f"refresh: {hostile['seconds']} s (goal < 60), {hostile['peak_mb']} MB peak (goal < 400; reference "
        f"{results['refresh']['reference (good feed alone)']['peak_mb']} MB), {hostile['articles']} articles")
    say(f"names: {results['names']['articles']} articles, problems {results['names']['problems'] or 'none'}")
    say(f"opml: 5,000 feeds in {results['opml']['5000 feeds']['seconds']} s, CPU "
        f"{results['opml']['5000 feeds']['cpu_s']} s (goal < 5; 1,000 feeds {results['opml']['1000 feeds']['seconds']} s)")
    say(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
