"""Entity extraction on a Dask cluster against local processes, on this machine; and the writer's ceiling.

    .venv/bin/python benchmarks/cluster_bench.py [--articles 400] [--rounds 3] [--json OUT]

Each round indexes the same BBC articles (benchmarks/corpus.py) into a fresh library four ways, in
turn so that the machine's load moves them alike: local one process (``--workers 1``), local two
processes, and through a Dask cluster on 127.0.0.1 with one and with two worker processes (one thread
each), started as ``dask scheduler`` and ``dask worker`` processes. A cluster is started before its
run and not timed (a real one is long-running), and its workers have loaded the model (the time that
took is reported apart); the local pool loads the model inside its timed run, as it must on every run.
Commits are by count only (see ``main``). Every library is compared with the first one (articles with their spans,
entities, search answers): the figures are only worth reading if the answers are the same.

The writer's ceiling: the same sync with NER replayed from spans cached by
benchmarks/profile_indexing.py (so NER is free) is the rate at which the single writer (reading,
canonical entities, Whoosh, the catalog, commits) absorbs articles; no number of NER workers can
index faster than that.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

QUERIES = ["economy", "prime minister", 'person:"Tony Blair"', "place:US", "org:BBC", "film AND award", "mobile"]


def fingerprint(home: Path) -> str:
    """A hash of everything a user can ask the library."""
    from newsreader.index.library import Library

    with Library.open(home) as library:
        ids = sorted(h.id for h in library.search("", limit=100_000).hits)
        answers = {
            "articles": [library.article(i).to_json() for i in ids],
            "entities": [e.to_json() for e in library.entities(limit=100_000, include_noise=True)],
            "search": {q: library.search(q, limit=50).to_json() for q in QUERIES},
        }
    return hashlib.sha256(json.dumps(answers, sort_keys=True, default=str).encode()).hexdigest()[:16]


def cpu_self() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def cpu_children() -> float:
    """CPU of this process's reaped children: the local NER pool, which is joined at the end of a run."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def cpu_of_trees(pids: list[int]) -> float:
    """CPU used so far by these processes and everything under them (a Dask scheduler, nannies, workers)."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for proc in [root] + root.children(recursive=True):
                times = proc.cpu_times()
                total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def one_run(folder: Path, mode: str, *, replay=None, address: str = "", pids: list[int] = ()) -> dict:
    """Index ``folder`` into a fresh home: mode is local1, local2, replay, or a cluster run (at ``address``)."""
    from newsreader.index.library import Library

    home = Path(tempfile.mkdtemp(prefix=f"nr-cluster-{mode}-"))
    try:
        kwargs: dict = {}
        if mode.startswith("local"):
            kwargs["workers"] = int(mode[-1])
        elif address:
            kwargs["cluster"] = address
        with Library.open(home) as library:
            if replay is not None:
                library._extractor_factory = lambda workers, cluster="": replay
                kwargs["workers"] = 1
            cpu0, kids0, tree0, wall0 = cpu_self(), cpu_children(), cpu_of_trees(pids), time.perf_counter()
            report = library.sync([folder], **kwargs)
            wall, cpu = time.perf_counter() - wall0, cpu_self() - cpu0
            others = cpu_children() - kids0 + cpu_of_trees(pids) - tree0
        assert not report.failed and not report.interrupted, report.to_dict()
        return {"mode": mode, "articles": report.analysed, "wall_s": round(wall, 2),
                "articles_per_s": round(report.analysed / wall, 2), "writer_cpu_s": round(cpu, 2),
                "all_cpu_ms_per_article": round(1000 * (cpu + others) / report.analysed, 1),
                "fingerprint": fingerprint(home)}
    finally:
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def dask_cluster(workers: int):
    """A scheduler and ``workers`` worker processes (one thread each) as separate processes on 127.0.0.1,
    started with the ``dask scheduler`` / ``dask worker`` commands as on a real cluster (distributed's
    LocalCluster would run the scheduler inside this process, on the writer's CPU). The model is loaded
    on the workers before the timed run, as it is on a standing cluster after its first run; the first
    run on a new cluster waits for it (the "cold" start in the summary)."""
    import distributed

    from newsreader.index.config import DEFAULT_MODEL
    from newsreader.index.entities.extract import load_model

    folder = Path(tempfile.mkdtemp(prefix="nr-dask-"))
    info = folder / "scheduler.json"
    dask = str(Path(sys.executable).with_name("dask"))
    procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address", ":0",
                               "--scheduler-file", str(info)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)]
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        procs.append(subprocess.Popen([dask, "worker", "--scheduler-file", str(info), "--nworkers", str(workers),
                                       "--nthreads", "1", "--host", "127.0.0.1", "--dashboard-address", ":0"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        with distributed.Client(scheduler_file=str(info), set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=120)
            started = time.perf_counter()
            client.run(load_model, DEFAULT_MODEL)
            cold = time.perf_counter() - started
            yield client.scheduler.address, cold, [proc.pid for proc in procs]
    finally:
        for proc in reversed(procs):
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(procs):
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        shutil.rmtree(folder, ignore_errors=True)


class Replay:
    """NER replayed from spans spaCy found before (profile_indexing's cache): the writer alone."""

    def __init__(self, spans) -> None:
        self.spans = spans

    def extract(self, texts, stop=None):
        for text in texts:
            yield self.spans[text]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--modes", default="local1,local2,cluster1,cluster2,replay")
    parser.add_argument("--json", type=Path, help="write every run and the medians here")
    args = parser.parse_args()

    from corpus import bbc_files
    from profile_indexing import cached_spans

    import newsreader.index.ingest.sync as sync

    # Commits by count only (every 500, so once for 400 articles): with the time-based cadence a run's
    # commits fall where its speed puts them, and Whoosh's scores move in the last digits with the
    # segments, so libraries built at different speeds would never compare equal.
    sync.COMMIT_SECONDS = float("inf")

    folder = bbc_files(args.articles)
    replay = Replay(cached_spans(folder))
    modes = args.modes.split(",")
    load = os.getloadavg()[0]
    runs = []
    for round_ in range(args.rounds):
        for mode in modes:
            if mode.startswith("cluster"):
                with dask_cluster(int(mode[-1])) as (address, cold, pids):
                    done = [one_run(folder, mode, address=address, pids=pids)]
                    done[0]["model_load_on_workers_s"] = round(cold, 2)
            else:
                done = [one_run(folder, mode, replay=replay if mode == "replay" else None)]
            for run in done:
                run["round"] = round_
                run["load"] = round(os.getloadavg()[0], 2)
                runs.append(run)
                print(json.dumps(run), flush=True)
    medians = {}
    for mode in dict.fromkeys(r["mode"] for r in runs):
        mine = [r for r in runs if r["mode"] == mode]
        medians[mode] = {"articles_per_s": statistics.median(r["articles_per_s"] for r in mine),
                         "writer_cpu_ms_per_article": round(1000 * statistics.median(
                             r["writer_cpu_s"] / r["articles"] for r in mine), 2),
                         "all_cpu_ms_per_article": statistics.median(r["all_cpu_ms_per_article"] for r in mine)}
    same = len({r["fingerprint"] for r in runs}) == 1
    writer = medians.get("replay", {}).get("articles_per_s")
    summary = {"articles": args.articles, "rounds": args.rounds, "load_at_start": round(load, 2),
               "same_answers_in_every_run": same, "writer_ceiling_articles_per_s": writer, "medians": medians}
    for cluster in ("cluster1", "cluster2"):
        local = "local" + cluster[-1]
        if cluster in medians and local in medians:
            summary[f"{cluster}_over_{local}"] = [
                round(c["articles_per_s"] / l["articles_per_s"], 3)
                for l, c in zip([r for r in runs if r["mode"] == local], [r for r in runs if r["mode"] == cluster])]
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(json.dumps({"runs": runs, "summary": summary}, indent=2))


if __name__ == "__main__":
    main()
