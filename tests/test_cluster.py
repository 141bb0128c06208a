"""Entity extraction on a real Dask cluster on 127.0.0.1 builds the library a local run builds.

A scheduler and two worker processes (distributed's ``LocalCluster``) are started once for the module;
the corpus is a few dozen short stories written here. Failures are real too: a worker process killed
with SIGKILL mid-run, Ctrl-C (SIGINT) to an indexing process, a closed port, a worker process that
cannot import newsreader, a model no worker has.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import newsreader.index.ingest.sync as sync_module

distributed = pytest.importorskip("distributed")  # the test extra installs it; see pyproject.toml

from newsreader.index.errors import ClusterError  # noqa: E402
from newsreader.index.library import Library  # noqa: E402

PEOPLE = ["Maria Lindqvist", "Tomasz Wrobel", "Aiko Tanaka", "Daniel Okafor", "Priya Raman", "Lucas Ferreira"]
PLACES = ["Lisbon", "Glasgow", "Nairobi", "Osaka", "Toronto", "Krakow"]
ORGS = ["Northwind Shipping", "Greenfield Bank", "the Atlantic Rail Company", "the University of Leeds"]
N_STORIES = 36
QUERIES = ["harbour", "bank", 'person:"Maria Lindqvist"', "place:Osaka", "org:Greenfield", "rail AND Lisbon",
           '"new terminal"']


def _story(i: int) -> str:
    person, place, org = PEOPLE[i % 6], PLACES[(i // 6) % 6], ORGS[i % 4]
    other = PEOPLE[(i + 2) % 6]
    return (f"{org.removeprefix('the ')} plans new terminal in {place}\n\n"
            f"{person} said on Tuesday that {org} would open a new terminal near the harbour in {place} "
            f"next spring, story {i}. {other} of {ORGS[(i + 1) % 4]} welcomed the plan.\n\n"
            f"The project will employ {100 + i} people. Officials in {PLACES[(i + 3) % 6]} said they were "
            f"watching closely, and {person.split()[-1]} promised a public meeting in {place} in March.\n")


@pytest.fixture(scope="module", autouse=True)
def _commits_by_count_only():
    """Whoosh's scores move in their last digits with where commits cut the index into segments, and
    the time-based cadence puts those cuts where a run's speed does: builds compared bit for bit
    commit by count only."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sync_module, "COMMIT_SECONDS", float("inf"))
        yield


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cluster-corpus") / "news"
    root.mkdir()
    for i in range(N_STORIES):
        (root / f"story{i:02d}.txt").write_text(_story(i), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=":0") as local:
        with distributed.Client(local, set_as_default=False) as client:
            yield local, client


def _home(tmp_path: Path, name: str, *, batch_size: int = 4, model: str | None = None) -> Path:
    """A library home whose batches are small, so a few dozen stories make several tasks per worker."""
    home = tmp_path / name
    home.mkdir()
    lines = ["[engine]", f"batch_size = {batch_size}"] + ([f'model = "{model}"'] if model else [])
    (home / "config.toml").write_text("\n".join(lines) + "\n")
    return home


def _answers(home: Path, *, scores: bool = True) -> dict:
    """Everything a user can ask the library: articles with their spans, entities, search results
    (without their scores when the library was committed at other points: see above)."""
    with Library.open(home) as library:
        ids = sorted(h.id for h in library.search("", limit=1000).hits)
        search = {q: library.search(q, limit=100).to_json() for q in QUERIES}
        if not scores:
            for result in search.values():
                result["results"] = sorted((dict(hit, score=None) for hit in result["results"]),
                                           key=lambda hit: hit["id"])
        return {
            "count": (library.article_count(), library.catalog.count_articles(), library.search("").total),
            "articles": [library.article(i).to_json() for i in ids],
            "entities": [e.to_json() for e in library.entities(limit=10_000, include_noise=True)],
            "search": search,
        }


@pytest.fixture(scope="module")
def local_home(tmp_path_factory, corpus) -> Path:
    home = _home(tmp_path_factory.mktemp("local"), "home")
    with Library.open(home) as library:
        assert library.sync([corpus], workers=1).added == N_STORIES
    return home


@pytest.fixture(scope="module")
def local_answers(local_home) -> dict:
    return _answers(local_home)


def _tasks_seen(client) -> int:
    return client.run_on_scheduler(lambda dask_scheduler: dask_scheduler.transition_counter)


def test_a_cluster_build_equals_a_local_build_and_an_unchanged_folder_sends_nothing(
        tmp_path, corpus, cluster, local_answers):
    local, client = cluster
    home = _home(tmp_path, "home")
    seen: list[str] = []
    with Library.open(home) as library:
        report = library.sync([corpus], cluster=local.scheduler_address, progress=lambda p: seen.append(p.cluster))
    assert report.added == N_STORIES and not report.failed
    assert _answers(home) == local_answers
    assert local_answers["count"] == (N_STORIES,) * 3
    assert any(s.startswith("Dask: 2 workers, ") for s in seen)

    before = _tasks_seen(client)
    with Library.open(home) as library:
        report = library.sync([corpus], cluster=local.scheduler_address)
    assert (report.added, report.unchanged) == (0, N_STORIES)
    assert _tasks_seen(client) == before


def test_a_worker_killed_mid_run_is_replaced_and_nothing_is_indexed_twice(tmp_path, corpus, cluster, local_answers):
    local, client = cluster
    killed: list[str] = []

    def kill_a_busy_worker(progress) -> None:
        if killed or progress.phase != "index" or progress.articles < 2:
            return
        busy = [w for w, keys in client.processing().items() if keys]
        if not busy:  # between batches: try again at the next progress report
            return
        pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
        os.kill(pid, signal.SIGKILL)
        killed.append(busy[0])

    home = _home(tmp_path, "home", batch_size=2)
    with Library.open(home) as library:
        report = library.sync([corpus], cluster=local.scheduler_address, progress=kill_a_busy_worker)
    assert killed, "every batch had finished before a worker could be killed: the test proved nothing"
    assert report.added == N_STORIES and not report.failed
    assert _answers(home) == local_answers
    client.wait_for_workers(2, timeout=60)  # the nanny restarts it, for the tests after this one


CTRL_C = """
import json, sys, threading
from newsreader.index.ingest.interrupt import stop_on_signals
from newsreader.index.library import Library
def progress(p):
    print(json.dumps({"phase": p.phase, "articles": p.articles}), flush=True)
stop = threading.Event()
with Library.open(sys.argv[1]) as library, stop_on_signals(stop):  # as `newsreader index` does
    report = library.sync([sys.argv[2]], progress=progress, cancel=stop, cluster=sys.argv[3])
print(json.dumps(report.to_dict()), flush=True)
"""


def test_ctrl_c_keeps_what_was_analysed_and_leaves_nothing_on_the_cluster(tmp_path, corpus, cluster, local_home):
    local, client = cluster
    home = _home(tmp_path, "home", batch_size=2)
    child = subprocess.Popen([sys.executable, "-c", CTRL_C, str(home), str(corpus), local.scheduler_address],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in child.stdout:
        lines.append(json.loads(line))
        if "phase" in lines[-1] and lines[-1]["articles"] >= 6 and len(lines) > 1 and "phase" in lines[-2] \
                and lines[-2]["articles"] < 6:
            child.send_signal(signal.SIGINT)
    err = child.stderr.read()
    assert child.wait(60) == 0, err
    report = lines[-1]
    assert report["interrupted"] and 6 <= report["added"] < N_STORIES, report
    with Library.open(home) as library:  # what was analysed was committed, and only that
        assert library.article_count() == library.catalog.count_articles() == library.search("").total \
            == report["added"]
    assert client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) == 0
    with Library.open(home) as library:
        assert library.sync([corpus], cluster=local.scheduler_address).added == N_STORIES - report["added"]
    assert _answers(home, scores=False) == _answers(local_home, scores=False)


def test_a_model_the_workers_lack_is_named(tmp_path, corpus, cluster):
    local, _ = cluster
    home = _home(tmp_path, "home", model="no_such_model_xyz")
    with Library.open(home) as library:
        with pytest.raises(ClusterError, match=r"^Dask worker tcp://127\.0\.0\.1:\d+ cannot load the spaCy model "
                                               r"'no_such_model_xyz' .*install it there$") as caught:
            library.sync([corpus], cluster=local.scheduler_address)
    assert "\n" not in str(caught.value)


WORKER_WITHOUT_NEWSREADER = """
import sys
sys.modules["newsreader"] = None  # this worker's Python cannot import newsreader
from distributed.cli.dask_worker import main
sys.argv = ["dask worker", sys.argv[1], "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1",
            "--no-dashboard"]
main()
"""


def test_a_worker_without_newsreader_is_named(tmp_path, corpus):
    with distributed.LocalCluster(n_workers=0, processes=True, host="127.0.0.1", dashboard_address=":0") as bare:
        worker = subprocess.Popen([sys.executable, "-c", WORKER_WITHOUT_NEWSREADER, bare.scheduler_address],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with distributed.Client(bare, set_as_default=False) as client:
                client.wait_for_workers(1, timeout=60)
            with Library.open(_home(tmp_path, "home")) as library:
                with pytest.raises(ClusterError, match=r"^Dask worker tcp://127\.0\.0\.1:\d+ cannot import newsreader "
                                                       r"\(.*\); install it there: pip install 'newsreader\[cluster\]'$"):
                    library.sync([corpus], cluster=bare.scheduler_address)
        finally:
            worker.terminate()
            worker.wait(30)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _newsreader(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    command = Path(sys.executable).with_name("newsreader")
    return subprocess.run([str(command), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_an_unreachable_scheduler_is_one_line_and_the_library_is_untouched(tmp_path, corpus):
    home = tmp_path / "home"
    address = f"tcp://127.0.0.1:{_closed_port()}"
    done = _newsreader("--home", str(home), "index", str(corpus), "--cluster", address,
                       env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert done.returncode == 1
    assert done.stderr.startswith(f"newsreader: Cannot reach the Dask scheduler at {address} (")
    assert done.stderr.count("\n") == 1, done.stderr
    with Library.open(home) as library:
        assert library.article_count() == 0


def test_without_distributed_cluster_exits_2_naming_the_extra(tmp_path, corpus):
    blocked = ("import sys; sys.modules['distributed'] = None; from newsreader.tui.cli import main; "
               "raise SystemExit(main())")
    done = subprocess.run([sys.executable, "-c", blocked, "--home", str(tmp_path / "home"), "index", str(corpus),
                           "--cluster", "tcp://127.0.0.1:8786"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr == ("newsreader: Entity extraction on a Dask cluster (--cluster) needs the optional 'cluster' "
                           "support: pip install 'newsreader[cluster]'\n")


def test_cluster_and_workers_together_are_misuse(tmp_path, capsys):
    from newsreader.tui.cli import main

    assert main(["--home", str(tmp_path), "index", "--cluster", "tcp://127.0.0.1:8786", "--workers", "2"]) == 2
    assert "--workers counts local processes" in capsys.readouterr().err


def test_engine_cluster_in_config_is_read(tmp_path):
    from newsreader.index.config import Settings

    (tmp_path / "config.toml").write_text('[engine]\ncluster = "tcp://10.0.0.5:8786"\n')
    assert Settings.load(tmp_path / "config.toml").cluster == "tcp://10.0.0.5:8786"
    (tmp_path / "config.toml").write_text("[engine]\ncluster = 8786\n")
    settings = Settings.load(tmp_path / "config.toml")
    assert settings.cluster == "" and "engine.cluster should be a Dask scheduler address" in settings.problems[0]

