"""Nothing lost, ever (issue 15): interruptions keep finished work, rebuilds are atomic, reading never writes,
and progress only moves forward.

Interruptions are real: SIGINT to the process group of an installed ``newsreader index`` (what a
terminal's Ctrl+C does), SIGTERM to the reader's indexing child, SIGKILL at random moments. Each
interrupted library is checked for agreement between catalog, index and entity statistics, then finished
by running the same command again and compared with a clean build's answers. The corpus is our own
made-up text (tests/crash_helpers.py). The longer loops (20 SIGKILL trials, real articles) are in
benchmarks/crash.py.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from newsreader.index.store import swap
from newsreader.index.library import Library
from newsreader.index.models import WorkerEvent

from crash_helpers import agreement, answers, make_corpus, tree

NEWSREADER = str(Path(sys.executable).parent / "newsreader")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("crash") / "news")


@pytest.fixture(scope="module")
def clean(tmp_path_factory, corpus) -> tuple[Path, dict]:
    """A clean build of the corpus, and its answers: what every interrupted run must end up giving."""
    home = tmp_path_factory.mktemp("clean") / "home"
    with Library.open(home) as library:
        report = library.sync([corpus], workers=1)
        assert report.failed == [] and not report.interrupted
    agreement(home)
    return home, answers(home)


def _index(home: Path, *args: str) -> subprocess.Popen:
    """``newsreader index`` in its own process group, as a shell runs it in the foreground."""
    return subprocess.Popen([NEWSREADER, "index", "--home", str(home), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _started(proc: subprocess.Popen, home: Path) -> subprocess.Popen:
    """Once the run holds the library's write lock (its pid is in write.lock): past Python's start-up."""
    _wait_for(lambda: (home / "write.lock").exists() and (home / "write.lock").read_text() == str(proc.pid))
    return proc


def _finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        raise
    return proc.returncode, out, err


def _rerun_matches_clean(home: Path, corpus: Path, clean_answers: dict) -> None:
    code, out, err = _finish(_index(home, str(corpus), "--json"))
    assert code == 0, err
    assert not json.loads(out)["interrupted"]
    agreement(home)
    assert answers(home) == clean_answers


# -- progress -------------------------------------------------------------------------------------------

def test_progress_only_moves_forward_with_files_read_and_articles_analysed_apart(tmp_path, corpus):
    events = []
    with Library.open(tmp_path / "home") as library:
        library.sync([corpus], progress=events.append, workers=1)
    indexing = [e for e in events if e.phase in ("index", "done")]
    assert len(indexing) >= 2 * 48  # a step for each file read and each article analysed
    for name in ("read", "done", "articles"):
        values = [getattr(e, name) for e in indexing]
        assert values == sorted(values), f"{name} went backwards"
    assert all(e.done <= e.read <= e.total for e in indexing)
    assert (indexing[-1].read, indexing[-1].done, indexing[-1].articles) == (48, 48, 48)
    # Reading runs ahead of the analysis: the two counts really are apart at some point.
    assert any(e.read > e.done for e in indexing)


def test_the_bar_never_shows_a_smaller_figure_than_it_showed(tmp_path):
    from io import StringIO

    from rich.console import Console

    from newsreader.index.ingest.sync import Progress
    from newsreader.tui.progress import IndexProgress

    console = Console(file=StringIO(), force_terminal=True, width=160)
    with IndexProgress(console) as bar:
        bar.update(Progress("index", 5, 10, 20, "a", read=8))
        bar.update(Progress("index", 3, 10, 12, "b", read=6))  # a late event from the reading side
        task = bar.progress.tasks[0]
        assert task.completed == 5 and "8 read" in task.fields["read"] and "20 articles" in task.fields["analysed"]


# -- Ctrl+C and SIGTERM keep what was analysed -------------------------------------------------------------

def test_a_stop_request_commits_every_analysed_article_and_a_rerun_finishes(tmp_path, corpus, clean):
    home = tmp_path / "home"
    stop = threading.Event()
    seen = []

    def progress(p) -> None:
        seen.append(p.articles)
        if p.articles >= 10:
            stop.set()

    with Library.open(home) as library:
        report = library.sync([corpus], progress=progress, cancel=stop, workers=1)
    assert report.interrupted and not report.rebuild
    assert 10 <= report.added < 48
    assert agreement(home) == report.added  # everything analysed was committed, and only that
    _rerun_matches_clean(home, corpus, clean[1])


def test_ctrl_c_on_newsreader_index_keeps_what_was_analysed(tmp_path, corpus, clean):
    """Two runs of the installed command, each sent SIGINT (to its whole process group, as a terminal
    does) at a random moment: scanning, loading the model, analysing or committing."""
    rng = random.Random(1515)
    interrupted = 0
    for trial, (early, late) in enumerate([(0.0, 1.2), (1.2, 2.5)]):  # loading or analysing; then later
        home = tmp_path / f"home{trial}"
        proc = _started(_index(home, str(corpus), "--workers", "1"), home)
        time.sleep(rng.uniform(early, late))
        os.killpg(proc.pid, signal.SIGINT)
        code, out, err = _finish(proc)
        out = " ".join(out.split())  # the summary is wrapped to the terminal's width
        kept = agreement(home)
        if code == 130:
            interrupted += 1
            assert "Interrupted:" in out and f"{kept} article" in out, out
            assert "run the same command again" in out
        else:  # it finished first (a signal during the interpreter's exit ends it with SIGINT's status)
            assert code in (0, -signal.SIGINT) and kept == 48, (code, err)
        _rerun_matches_clean(home, corpus, clean[1])
    assert interrupted, "every run finished before the signal; the test proved nothing"


def test_the_readers_indexing_child_commits_on_sigterm(tmp_path, corpus, clean):
    """The reader cancels its indexing child with SIGTERM: what was analysed is committed, not rolled back."""
    home = tmp_path / "home"
    proc = subprocess.Popen([sys.executable, "-m", "newsreader.index.ingest.worker", "--home", str(home), str(corpus)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    final = sent = None
    for line in proc.stdout:
        event = json.loads(line)
        if event["event"] == "progress" and event["articles"] >= 8 and not sent:
            proc.send_signal(signal.SIGTERM)  # once: a second signal means "stop now, roll back"
            sent = True
        if event["event"] in ("done", "error"):
            final = event
    assert proc.wait(30) == 130
    assert final["event"] == "done" and final["report"]["interrupted"]
    kept = final["report"]["added"]
    assert 8 <= kept < 48 and agreement(home) == kept
    _rerun_matches_clean(home, corpus, clean[1])


def test_sigkill_at_random_moments_always_recovers_to_a_clean_build(tmp_path, corpus, clean, monkeypatch):
    rng = random.Random(2015)
    for trial in range(2):
        home = tmp_path / f"home{trial}"
        proc = _started(_index(home, str(corpus), "--workers", "1"), home)
        time.sleep(rng.uniform(0.0, 3.0))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        agreement(home)
        with Library.open(home) as library:
            assert not library.never_used()  # an interrupted library never gets the sample
        # `index` with no PATH finishes the folders the library already indexes.
        code, out, err = _finish(subprocess.Popen([NEWSREADER, "index", "--home", str(home), "--json"],
                                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        assert code == 0, err
        agreement(home)
        assert answers(home) == clean[1]


# -- rebuilds are atomic ---------------------------------------------------------------------------------

def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _search_json(home: Path, query: str) -> dict:
    proc = subprocess.run([NEWSREADER, "search", "--home", str(home), query, "--json", "--limit", "0"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL])
def test_an_interrupted_rebuild_leaves_the_library_exactly_as_it_was(tmp_path, corpus, clean, how):
    home = tmp_path / "home"
    shutil.copytree(clean[0], home)
    before = tree(home / "library")
    proc = _index(home, "--rebuild", "--workers", "1")
    # The new library is being written beside the old one, which goes on answering.
    _wait_for(lambda: (home / swap.NEW / "catalog.sqlite").exists())
    with Library.open(home, readonly=True) as reader:
        assert reader.search("harbour").total == clean[1]["totals"]["harbour"]
    os.killpg(proc.pid, how)
    code, out, err = _finish(proc)
    out = " ".join(out.split())
    if how == signal.SIGINT:
        assert code == 130, (out, err)
        assert "rebuild was abandoned" in out and "exactly as it was" in out
        assert "added 0" in out  # nothing was added to the library
        assert not (home / swap.NEW).exists()
    else:
        assert code == -signal.SIGKILL
    assert tree(home / "library") == before  # not one byte of the old library changed
    assert answers(home) == clean[1]
    # The next writer throws the abandoned build away; a rebuild then completes to the same answers.
    code, out, err = _finish(_index(home, "--rebuild", "--json"))
    assert code == 0, err
    agreement(home)
    assert answers(home) == clean[1]


def test_a_rebuild_swaps_in_one_step_and_an_open_library_follows_it(tmp_path, corpus, clean):
    home = tmp_path / "home"
    shutil.copytree(clean[0], home)
    with Library.open(home, readonly=True) as reader:
        assert reader.search("harbour").total == clean[1]["totals"]["harbour"]
        old_identity = os.stat(home / "library").st_ino
        with Library.open(home) as writer:
            report = writer.sync([], rebuild=True, workers=1)
            assert report.rebuild and not report.interrupted and report.added == 48
            assert writer.search("harbour").total == clean[1]["totals"]["harbour"]
        assert os.stat(home / "library").st_ino != old_identity
        assert not any((home / n).exists() for n in (swap.NEW, swap.OLD, swap.MARK))
        # The reader still open on the old files answers from the new library on its next call.
        assert reader.search("harbour").total == clean[1]["totals"]["harbour"]
        assert reader.lists_at_once()
    agreement(home)
    assert answers(home) == clean[1]


def _fake_library(folder: Path, text: str) -> Path:
    (folder / "whoosh").mkdir(parents=True)
    (folder / "catalog.sqlite").write_text(text)
    return folder


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_a_crash_at_each_step_of_the_swap_is_completed_or_rolled_back(tmp_path, monkeypatch, exchange):
    """Every state a crash can leave between the steps of ``swap.install``: readers see a whole library
    (old or new) and the next writer ends with exactly one, the new one once the marker was written."""
    if not exchange:
        monkeypatch.setattr(swap, "_exchange", lambda a, b: False)
    steps = []
    real_rename = os.rename

    class Crash(Exception):
        pass

    def crash_after(n):
        calls = {"n": 0}

        def rename(a, b):
            calls["n"] += 1
            real_rename(a, b)
            if calls["n"] == n:
                raise Crash

        return rename

    def build(home: Path) -> None:
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir()
        _fake_library(home / swap.LIVE, "old")
        _fake_library(home / swap.NEW, "new")

    home = tmp_path / "home"
    # With no marker yet (a crash before the swap was decided) the old library stays.
    build(home)
    assert swap.resolve(home) == home / swap.LIVE
    swap.recover(home)
    assert (home / swap.LIVE / "catalog.sqlite").read_text() == "old" and not swap.pending(home)
    # A crash after each rename that install makes (token, marker, then the swap's own renames).
    for n in range(1, 6):
        build(home)
        monkeypatch.setattr(os, "rename", crash_after(n))
        try:
            swap.install(home, home / swap.NEW)
            finished = True
        except Crash:
            finished = False
        monkeypatch.setattr(os, "rename", real_rename)
        marked = (home / swap.MARK).exists() or finished or (home / swap.LIVE / swap.TOKEN).exists()
        seen = swap.resolve(home)
        assert (seen / "catalog.sqlite").read_text() in ("old", "new")
        swap.recover(home)
        expected = "new" if marked else "old"
        assert (home / swap.LIVE / "catalog.sqlite").read_text() == expected, (n, steps)
        assert not swap.pending(home)
        steps.append((n, expected))
    assert ("new" in {e for _, e in steps}) and steps[-1][1] == "new"


@pytest.mark.skipif(not shutil.which("unshare") or subprocess.run(
    ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"], capture_output=True).returncode != 0,
    reason="needs `unshare -m` with mount rights for a real full disk")
def test_a_rebuild_that_fills_the_disk_leaves_the_library_as_it_was(tmp_path, corpus, clean):
    home = tmp_path / "home"
    home.mkdir()
    big = tmp_path / "big"
    big.mkdir()
    for i in range(20):  # ~2.4 MB to store, few tokens: NER stays quick
        words = " ".join(os.urandom(40).hex() for _ in range(600))
        (big / f"long{i:03d}.txt").write_text(f"Long story {i}\n\n{words}\n")
    py = sys.executable
    script = f"""
mount -t tmpfs -o size=1500k tmpfs "{home}"
cp -a "{clean[0]}/." "{home}/"
"{py}" -c 'import json,sys; sys.path.insert(0, "{Path(__file__).parent}")
from crash_helpers import tree; print(json.dumps(tree(sys.argv[1])))' "{home}/library"
"{NEWSREADER}" index --home "{home}" --rebuild --workers 1 "{big}" >/dev/null 2>"{tmp_path}/err"
echo "code=$?"
"{py}" -c 'import json,sys; sys.path.insert(0, "{Path(__file__).parent}")
from crash_helpers import tree, answers; print(json.dumps(tree(sys.argv[1])))
print(json.dumps(answers(sys.argv[2])))' "{home}/library" "{home}"
ls "{home}"
"""
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=300)
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0 and len(lines) >= 4, (proc.stdout, proc.stderr)
    before, code, after, seen = json.loads(lines[0]), lines[1], json.loads(lines[2]), json.loads(lines[3])
    err = (tmp_path / "err").read_text()
    assert code == "code=1" and "is full" in err and "Traceback" not in err, err
    assert after == before
    assert seen == json.loads(json.dumps(clean[1]))
    assert swap.NEW not in lines[4:]


# -- reading never writes --------------------------------------------------------------------------------

READING = [["search", "harbour"], ["stats"], ["entities"], ["entity", "Lisbon"], ["show", "nosuchid"],
           ["related", "nosuchid"]]


def _read_everything(home: Path, commands: list[list[str]] = READING) -> None:
    for args in commands:
        proc = subprocess.run([NEWSREADER, args[0], "--home", str(home), *args[1:]], capture_output=True,
                              text=True, timeout=60)
        assert proc.returncode in (0, 1), (args, proc.stderr)
        assert "Traceback" not in proc.stderr, (args, proc.stderr)


def test_reading_commands_never_write_to_an_empty_library(tmp_path):
    missing = tmp_path / "missing"
    _read_everything(missing, READING[:2])
    assert not missing.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    _read_everything(empty)
    assert tree(empty) == {}
    search = _search_json(empty, "Esper")
    assert search["total"] == 0  # no sample articles behind the user's back


def test_reading_commands_never_write_to_a_half_built_library(tmp_path, corpus):
    home = tmp_path / "home"
    stop = threading.Event()
    with Library.open(home) as library:
        library.sync([corpus], progress=lambda p: p.articles >= 12 and stop.set(), cancel=stop, workers=1)
    # ... and one whose rebuild was killed, leaving its half-built new library beside it.
    proc = _index(home, "--rebuild", "--workers", "1")
    _wait_for(lambda: (home / swap.NEW / "catalog.sqlite").exists())
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    before = tree(home)
    _read_everything(home)
    assert tree(home) == before
    assert _search_json(home, "")["total"] == agreement_count(home)


def agreement_count(home: Path) -> int:
    with Library.open(home, readonly=True) as library:
        return library.catalog.count_articles()


def test_the_sample_goes_only_into_a_library_that_never_had_anything(tmp_path, corpus):
    home = tmp_path / "home"
    with Library.open(home) as library:
        assert library.never_used()
        library.state.add_root(str(corpus))  # what a run does first: an interrupted first run looks like this
        assert not library.never_used() and not library.never_used(cheap=True)
    proc = subprocess.run([sys.executable, "-m", "newsreader.index.ingest.worker", "--home", str(home), "--seed"],
                          capture_output=True, text=True, timeout=60)
    assert WorkerEvent.from_json(proc.stdout.splitlines()[-1]) == WorkerEvent("done")
    assert agreement_count(home) == 0


CUT = """
import os, sys
from newsreader.index.store.catalog import Catalog
from newsreader.index.library import Library
commits = 0
real = Catalog.commit
def commit(self):
    global commits
    commits += 1
    if commits == 3 and os.path.exists(os.path.join(sys.argv[1], "library", "commit.pending")):
        os._exit(9)  # a crash between the batch's Whoosh commit and its catalog commit
    real(self)
Catalog.commit = commit
import newsreader.index.ingest.sync as sync
sync.COMMIT_EVERY = 10
with Library.open(sys.argv[1]) as library:
    library.sync([sys.argv[2]], workers=1)
"""


def test_a_crash_between_the_two_commits_of_a_batch_is_settled_by_the_next_writer(tmp_path, corpus, clean):
    home = tmp_path / "home"
    proc = subprocess.run([sys.executable, "-c", CUT, str(home), str(corpus)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 9, proc.stderr
    assert (home / "library" / "commit.pending").exists()
    with Library.open(home, readonly=True) as reader:  # cut in two: Whoosh has a batch the catalog lacks
        assert reader.store.count() > reader.catalog.count_articles()
    with Library.open(home):  # the next writer to open it settles the batch before anything else
        pass
    assert not (home / "library" / "commit.pending").exists()
    assert 0 < agreement(home) < 48
    _rerun_matches_clean(home, corpus, clean[1])
