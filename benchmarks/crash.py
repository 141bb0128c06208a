"""Nothing lost, ever (issue 15), on real articles: interruptions of a real ``newsreader index``.

    python benchmarks/crash.py                 # 400 BBC articles, Ctrl+C after 14 s, 20 SIGKILL trials
    python benchmarks/crash.py --trials 5      # fewer SIGKILL trials

Every check is made against a clean build of the same folder, measured in the same run:

1. Ctrl+C (SIGINT to the process group, as a terminal sends it) 14 s into ``newsreader index``: how many
   articles were kept, whether catalog, index and entity statistics agree, and whether running the same
   command again gives exactly the clean build's answers (search totals, counts, top entities).
2. Ctrl+C during ``index --rebuild``: the old library's files are unchanged byte for byte, and it
   answered while the rebuild ran.
3. ``search`` and ``stats`` on an empty library leave it empty.
4. SIGKILL at a random moment of a fresh run, ``--trials`` times: each library agrees with itself and a
   re-run brings it to the clean build's answers.

Prints one line per check and a summary; writes ``benchmarks/results/crash-<timestamp>.json``. Exit
status 1 if any check failed. Timing is not asserted (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

import corpus  # noqa: E402
from crash_helpers import agreement, answers, tree  # noqa: E402

NEWSREADER = str(Path(sys.executable).parent / "newsreader")
RESULTS = HERE / "results"
# Generic words and the library's own top entities (added at run time): nothing tuned to the corpus.
QUERIES = ["", "the", "government", "market", "film", "music", "technology", "election", "game", "said",
           '"prime minister"', "economy OR growth"]


def say(text: str = "") -> None:
    print(text, flush=True)


def index(home: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([NEWSREADER, "index", "--home", str(home), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=1800)
    return proc.returncode, out, err


def started(proc: subprocess.Popen, home: Path) -> float:
    """Wait until the run holds the write lock; returns when it was launched (perf_counter)."""
    launched = time.perf_counter()
    lock = home / "write.lock"
    while not (lock.exists() and lock.read_text() == str(proc.pid)):
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    return launched


def agrees(home: Path) -> tuple[bool, int, str]:
    """(agreed, articles, what disagreed): catalog, index and entity statistics checked together."""
    try:
        return True, agreement(home), ""
    except AssertionError as exc:
        return False, -1, str(exc)


def settle(home: Path) -> int:
    """Open the library as the next command that writes does: a commit that the kill cut between Whoosh
    and the catalog is settled then. Returns how many articles that commit held (0: none was cut)."""
    from newsreader.index.ingest.sync import PENDING
    from newsreader.index.library import Library

    pending = home / "library" / PENDING
    held = len(pending.read_text().split()) if pending.exists() else 0
    if (home / "library").exists():
        Library.open(home).close()
    return held


def entity_queries(home: Path) -> list[str]:
    from newsreader.index.library import Library

    with Library.open(home, readonly=True) as library:
        return [library.entity_query(e) for e in library.entities(limit=8)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--ctrl-c-after", type=float, default=14.0, help="seconds after launch")
    parser.add_argument("--trials", type=int, default=20, help="SIGKILL trials")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--steps", default="1234", help="which checks to run (the clean build always runs)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    folder = corpus.bbc_files(args.articles)
    work = Path(tempfile.mkdtemp(prefix="nr-crash-"))
    out: dict = {"started": datetime.now().isoformat(timespec="seconds"), "articles": args.articles,
                 "loadavg": os.getloadavg()[0], "checks": {}}
    failures: list[str] = []

    def check(name: str, ok: bool, detail: str) -> None:
        out["checks"][name] = {"ok": ok, "detail": detail}
        say(f"  {'ok  ' if ok else 'FAIL'} {name}: {detail}")
        if not ok:
            failures.append(name)

    try:
        say(f"Clean build of {args.articles} BBC articles")
        clean = work / "clean"
        t0 = time.perf_counter()
        code, stdout, err = finish(index(clean, str(folder), "--json"))
        full_seconds = time.perf_counter() - t0
        assert code == 0, err
        queries = QUERIES + entity_queries(clean)
        reference = answers(clean, queries)
        out["clean"] = {"seconds": round(full_seconds, 1), "articles": reference["articles"],
                        "totals": reference["totals"]}
        say(f"  {reference['articles']} articles in {full_seconds:.1f} s; {len(queries)} queries compared")

        def matches_clean(home: Path) -> bool:
            return answers(home, queries) == reference

        if "1" in args.steps:
            say(f"1. Ctrl+C {args.ctrl_c_after:g} s after launching newsreader index")
            home = work / "ctrl-c"
            proc = index(home, str(folder))
            launched = time.perf_counter()
            time.sleep(max(0.0, args.ctrl_c_after - (time.perf_counter() - launched)))
            os.killpg(proc.pid, signal.SIGINT)
            code, stdout, err = finish(proc)
            summary = " ".join(stdout[stdout.find("Interrupted:"):].split()) if "Interrupted:" in stdout else ""
            agreed, kept, why = agrees(home)
            out["ctrl_c"] = {"exit": code, "kept": kept, "summary": " ".join(stdout.split()[-30:])}
            check("ctrl-c keeps what was analysed", code == 130 and kept > 0 and agreed and "Interrupted:" in stdout,
                  f"exit {code}, {kept} articles kept, {'agreeing' if agreed else 'DISAGREEING: ' + why} "
                  f"({summary or stdout.strip()[-200:]})")
            code, stdout, err = finish(index(home, str(folder), "--json"))
            rerun = json.loads(stdout) if code == 0 else {}
            agreed, _, why = agrees(home)
            check("re-run completes to the clean build", code == 0 and agreed and matches_clean(home),
                  f"re-run added {rerun.get('added')}, unchanged {rerun.get('unchanged')}; search totals, counts "
                  f"and top entities {'equal' if matches_clean(home) else 'DIFFER'}; {'agreeing' if agreed else why}")

        if "2" in args.steps:
            say("2. Ctrl+C during index --rebuild")
            home = work / "rebuild"
            shutil.copytree(clean, home)
            before = tree(home / "library")
            proc = index(home, "--rebuild")
            started(proc, home)
            while not (home / "library.new" / "catalog.sqlite").exists() and proc.poll() is None:
                time.sleep(0.05)
            time.sleep(min(8.0, full_seconds / 4))
            during = answers(home, queries)  # the old library answers while the new one is written
            os.killpg(proc.pid, signal.SIGINT)
            code, stdout, err = finish(proc)
            same = tree(home / "library") == before
            agreed, _, why = agrees(home)
            check("ctrl-c during --rebuild keeps the previous library",
                  code == 130 and same and agreed and matches_clean(home) and during == reference
                  and not (home / "library.new").exists(),
                  f"exit {code}; old files {'unchanged' if same else 'CHANGED'}; answers during the rebuild "
                  f"{'equal' if during == reference else 'DIFFER'}; after {'equal' if matches_clean(home) else 'DIFFER'}"
                  f"; summary: {' '.join(stdout.split()[-22:])}")

        if "3" in args.steps:
            say("3. search and stats on an empty library")
            empty = work / "empty"
            empty.mkdir()
            for argv in (["search", "Esper"], ["stats"], ["search", "Esper", "--json"], ["stats", "--json"]):
                subprocess.run([NEWSREADER, argv[0], "--home", str(empty), *argv[1:]], capture_output=True,
                               timeout=120)
            left = tree(empty)
            check("search/stats leave an empty library empty", left == {},
                  f"files afterwards: {sorted(left) or 'none'}")

        if "4" in args.steps:
            say(f"4. {args.trials} SIGKILL trials at random moments (0-{0.9 * full_seconds:.0f} s), each re-run")
            trials = []
            for n in range(args.trials):
                home = work / f"kill{n}"
                delay = rng.uniform(0.0, 0.9 * full_seconds)  # mostly before a run could finish
                proc = index(home, str(folder))
                launched = time.perf_counter()
                time.sleep(delay)
                alive = proc.poll() is None
                if alive:
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
                settled = settle(home)
                agreed, kept, why = agrees(home)
                if not agreed:
                    say(f"     disagreement: {why}")
                code, _, err = finish(index(home, str(folder), "--json"))
                ok = agreed and code == 0 and matches_clean(home)
                trials.append({"delay_s": round(delay, 2), "killed": alive, "kept": kept, "agreed": agreed,
                               "settled_cut_commit": settled, "recovered": ok})
                say(f"     trial {n + 1}: killed at {delay:5.1f} s{'' if alive else ' (had finished)'}, "
                    f"{kept} articles committed{f' (a cut commit of {settled} settled)' if settled else ''}, "
                    f"re-run {'matches' if ok else 'DIFFERS'}")
                shutil.rmtree(home, ignore_errors=True)
            out["sigkill"] = trials
            recovered = sum(t["recovered"] for t in trials)
            killed = sum(t["killed"] for t in trials)
            check(f"{args.trials} SIGKILL trials recover to the clean build", recovered == len(trials),
                  f"{recovered}/{len(trials)} recovered ({killed} killed mid-run, committed counts "
                  f"{sorted(t['kept'] for t in trials)})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"crash-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(out, indent=1))
    passed = len(out["checks"]) - len(failures)
    say(f"\n{passed}/{len(out['checks'])} checks passed; saved {path.relative_to(HERE.parent)}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
