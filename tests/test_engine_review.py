"""Engine fixes from the review: cancelling a two-process index, a rebuild seen by an open library,
an unreadable folder, a failed Whoosh commit, the reading state's errors and the log file.

Everything is real: a real worker process cancelled with SIGTERM (its NER pool included), a real
rebuild by a second process, real index files; only the failures that root cannot cause for real
(EACCES on a folder, EIO on a commit) are injected at the system-call boundary.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import newsreader.index.ingest.sync as sync_module
from newsreader.index.config import resolve_paths
from newsreader.index.errors import LibraryBusy, NewsreaderError
from newsreader.index.library import Library
from newsreader.index.models import WorkerEvent
from newsreader.index.store.locking import write_lock
from newsreader.index.logs import setup_logging
from newsreader.index.state import State
from newsreader.index.ingest.worker import index_in_subprocess


def _story(i: int, word: str = "harbour") -> str:
    return (f"Story {i} from town{i}\n\nThe council of town{i} met on Tuesday to discuss the "
            f"{word} and the new school; item{i} was agreed.\n")


def _write_corpus(root: Path, n: int, word: str = "harbour") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (root / f"story{i:04d}.txt").write_text(_story(i, word))
    return root


# -- T1 / R1: cancelling an index that runs two NER processes -------------------------------------

def _children(pid: int) -> set[int]:
    """Live (not zombie) processes whose parent is ``pid``."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.add(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:].split()[0] != "Z"


def _holds(pid: int, name: str) -> bool:
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}").endswith(name) for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


def test_cancelling_a_two_process_index_leaves_no_process_and_no_lock(tmp_path):
    corpus = _write_corpus(tmp_path / "many", 600)
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text("[engine]\nworkers = 2\n")
    cancel = threading.Event()
    seen: dict[str, set[int]] = {"worker": set(), "pool": set()}
    events: list[WorkerEvent] = []

    def on_event(event: WorkerEvent) -> None:
        events.append(event)
        if event.event == "progress" and event.articles > 0 and not cancel.is_set():
            # NER results are coming back, so the pool is up: note its processes, then cancel.
            seen["worker"] = {p for p in _children(os.getpid())
                              if "newsreader.index.ingest.worker" in Path(f"/proc/{p}/cmdline").read_text()}
            seen["pool"] = {c for w in seen["worker"] for c in _children(w)}
            cancel.set()

    result = index_in_subprocess(str(home), [str(corpus)], on_event=on_event, cancel=cancel)

    assert (result.event, result.message, result.final) == ("error", "cancelled", True)
    assert not any(e.event == "done" for e in events), "the index finished before it was cancelled"
    assert len(seen["worker"]) == 1 and len(seen["pool"]) >= 2, seen
    left = [p for p in seen["worker"] | seen["pool"] if _alive(p)]
    for _ in range(50):  # the worker has exited; give init a moment to reap reparented children
        if not left:
            break
        time.sleep(0.1)
        left = [p for p in left if _alive(p)]
    assert left == [], [(p, _holds(p, "write.lock")) for p in left]

    with write_lock(home / "write.lock"):  # wait=0: raises LibraryBusy if anything still holds it
        with Library.open(home) as library:
            library.store.open_writer(timeout=0).cancel()  # Whoosh's own lock is free too
            assert library.catalog.count_articles() == library.article_count()


# -- R2: a rebuild by another process --------------------------------------------------------------

REBUILD = """
import sys
from newsreader.index.library import Library
from newsreader.index.models import WorkerEvent
with Library.open(sys.argv[1]) as library:
    library.sync([], rebuild=True, workers=1)
"""


def test_an_open_library_sees_a_rebuild_by_another_process(tmp_path):
    home = tmp_path / "home"
    first = _write_corpus(tmp_path / "first", 3, word="harbour")
    with Library.open(home) as writer:
        writer.sync([first], workers=1)
    reader = Library.open(home)
    try:
        assert reader.search("harbour").total == 3
        before = {e.key for e in reader.entities(limit=200, include_noise=True)}
        assert before

        # The folder changes and another process rebuilds the library from it.
        for f in first.iterdir():
            f.write_text(_story(int(f.stem[5:]) + 50, word="lighthouse"))
        subprocess.run([sys.executable, "-c", REBUILD, str(home)], check=True, timeout=300)

        # Search follows the new index at once, although it reached the same generation number.
        assert reader.search("harbour").total == 0
        assert reader.search("lighthouse").total == 3
        # The catalog needs reopen(): the old connection still reads the deleted file.
        reader.reopen()
        after = {e.key for e in reader.entities(limit=200, include_noise=True)}
        with Library.open(home) as fresh:
            assert after == {e.key for e in fresh.entities(limit=200, include_noise=True)}
        assert after != before
        hit = reader.search("lighthouse").hits[0]
        assert {e.key for e in reader.article_entities(hit.id)} <= after
    finally:
        reader.close()


def test_search_reports_a_library_being_rebuilt_instead_of_raising(tmp_path):
    home = tmp_path / "home"
    with Library.open(home) as writer:
        writer.sync([_write_corpus(tmp_path / "news", 2)], workers=1)
    with Library.open(home) as library:
        assert library.search("harbour").total == 2
        moved = tmp_path / "moved"
        (home / "library").rename(moved)  # what a rebuild looks like between rmtree and the new index
        try:
            result = library.search("harbour")
            assert result.total == 0 and "being rebuilt" in result.error
            with pytest.raises(LibraryBusy):
                library.article_count()
        finally:
            moved.rename(home / "library")
        assert library.search("harbour").total == 2


# -- R8: an unreadable folder ----------------------------------------------------------------------

def test_an_unreadable_folder_keeps_its_articles(tmp_path, monkeypatch):
    root = tmp_path / "news"
    _write_corpus(root / "open", 2)
    locked = _write_corpus(root / "locked", 3)
    home = tmp_path / "home"
    with Library.open(home) as library:
        assert library.sync([root], workers=1).added == 5

    # What a folder without read and search permission does to a process that is not root: it cannot
    # be listed (scandir) and nothing inside it can be stat'ed.
    prefix = str(locked) + os.sep
    real_scandir, real_stat = os.scandir, os.stat

    def scandir(path=".", *a, **k):
        if os.fspath(path) == str(locked):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_scandir(path, *a, **k)

    def stat(path, *a, **k):
        if isinstance(path, (str, os.PathLike)) and os.fspath(path).startswith(prefix):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_stat(path, *a, **k)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "stat", stat)
    with Library.open(home) as library:
        report = library.sync([root], workers=1)
    monkeypatch.undo()

    assert [(Path(p.path).name, p.reason) for p in report.failed] == [("locked", "permission denied")]
    assert report.removed == 0
    with Library.open(home) as library:
        assert library.article_count() == 5 and library.catalog.count_articles() == 5
        assert len(library.catalog.files_under(str(locked))) == 3


def test_a_deleted_folder_still_removes_its_articles(tmp_path):
    root = tmp_path / "news"
    _write_corpus(root / "keep", 2)
    gone = _write_corpus(root / "gone", 2)
    home = tmp_path / "home"
    with Library.open(home) as library:
        library.sync([root], workers=1)
        for f in gone.iterdir():
            f.unlink()
        gone.rmdir()
        report = library.sync([root], workers=1)
        assert report.removed == 2 and report.failed == []
        assert library.article_count() == 2 == library.catalog.count_articles()


# -- R9: a failed Whoosh commit --------------------------------------------------------------------

def test_a_failed_index_commit_leaves_no_phantom_rows_in_the_catalog(tmp_path, monkeypatch):
    home = tmp_path / "home"
    first = _write_corpus(tmp_path / "first", 2)
    second = _write_corpus(tmp_path / "second", 3, word="lighthouse")
    third = _write_corpus(tmp_path / "third", 1, word="quay")
    with Library.open(home) as library:
        library.sync([first], workers=1)

        real_open = library.store.open_writer
        failures = []

        def failing_writer(*a, **k):
            writer = real_open(*a, **k)
            real_commit = writer.commit

            def commit(*ca, **ck):
                if not failures:
                    failures.append(1)
                    raise OSError(errno.EIO, "Input/output error")
                return real_commit(*ca, **ck)

            writer.commit = commit
            return writer

        monkeypatch.setattr(library.store, "open_writer", failing_writer)
        with pytest.raises(OSError):
            library.sync([second], workers=1)
        assert failures == [1]
        # The same process carries on: this commit must not carry the failed batch's rows with it.
        library.sync([third], workers=1)
        assert library.article_count() == 3 == library.catalog.count_articles()

    with Library.open(home) as library:
        assert library.catalog.count_articles() == library.article_count() == 3
        report = library.sync([second], workers=1)  # nothing was recorded: all three are read again
        assert report.added == 3 and report.unchanged == 0
        assert library.search("lighthouse").total == 3


# -- State._write ----------------------------------------------------------------------------------

def test_a_locked_state_database_is_a_newsreader_error(tmp_path):
    path = tmp_path / "state.sqlite"
    state = State(path)
    state.db.execute("PRAGMA busy_timeout=0")
    other = sqlite3.connect(path)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(NewsreaderError, match="another newsreader process kept it locked"):
            state.set_read("a1")
    finally:
        other.rollback()
        other.close()
    state.set_read("a1")  # the failed write left nothing pending
    assert state.flags(["a1"]) == {"a1": (True, False)}
    state.close()


# -- logging ---------------------------------------------------------------------------------------

def test_log_records_go_to_the_data_folder_and_not_to_stderr(tmp_path, capfd):
    paths = resolve_paths(tmp_path / "home")
    handler = setup_logging(paths)
    try:
        assert setup_logging(paths) is handler
        assert not paths.log_file.exists()  # nothing logged yet: no file
        logging.getLogger("newsreader.index.ingest.sync").exception("reader crashed on %s", "x.txt")
        logging.getLogger("newsreader.index.ingest.sync").info("indexed %d", 3)
        logging.getLogger("whoosh").info("chatter")
        handler.flush()
        text = paths.log_file.read_text()
        assert "reader crashed on x.txt" in text and "indexed 3" in text and "chatter" not in text
        assert capfd.readouterr().err == ""
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
