"""The library survives interruption, a second writer, damage, a read-only folder and a full disk.

Interruption is real (a KeyboardInterrupt raised from the progress callback; a child process killed
with SIGKILL); the second writer is a real second process holding the write lock; damage is done to
real index files. The read-only folder and the full disk use a private mount namespace
(``unshare -m``: a read-only bind mount, a tiny tmpfs) when the machine allows it, and are skipped
otherwise; a full SQLite catalog is also simulated in-process so the message is checked everywhere.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import newsreader.index.ingest.sync as sync_module
from newsreader.index.errors import DiskFull, IndexDamaged, LibraryBusy, ReadOnlyLibrary
from newsreader.index.library import Library
from newsreader.tui.cli import main

N_FILES = 240
FIRST = 20  # files in the first, committed sync


def _story(i: int) -> str:
    return (f"Story {i} from town{i}\n\nThe council of town{i} met on Tuesday to discuss the "
            f"harbour and the new school; item{i} was agreed.\n")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A folder of a few hundred small stories; the first FIRST live in ``first/``."""
    root = tmp_path_factory.mktemp("corpus") / "news"
    (root / "first").mkdir(parents=True)
    (root / "rest").mkdir()
    for i in range(N_FILES):
        folder = root / ("first" if i < FIRST else "rest")
        (folder / f"story{i:03d}.txt").write_text(_story(i))
    return root


def _consistent(home: Path) -> int:
    """Open the library, check the index and catalog agree, return the article count."""
    with Library.open(home) as library:
        count = library.article_count()
        assert library.catalog.count_articles() == count
        assert library.search("").total == count
        assert library.search("town3").total == 1  # from the first, committed sync
        return count


def test_ctrl_c_keeps_what_was_committed_and_the_same_command_finishes(tmp_path, corpus, monkeypatch):
    monkeypatch.setattr(sync_module, "COMMIT_EVERY", 40)
    home = tmp_path / "home"
    with Library.open(home) as library:
        library.sync([corpus / "first"], workers=1)
        library.mark_read(library.search("town3").hits[0].id)

    def interrupt_midway(progress) -> None:
        if progress.phase == "index" and progress.articles >= 130:
            raise KeyboardInterrupt

    with Library.open(home) as library:
        with pytest.raises(KeyboardInterrupt):
            library.sync([corpus], progress=interrupt_midway, workers=1)

    count = _consistent(home)
    assert FIRST + 120 <= count < N_FILES  # three commits of 40 made it; the rest did not
    with Library.open(home) as library:
        report = library.sync([corpus], workers=1)
        assert report.added == N_FILES - count and report.failed == []
        assert library.state.read_count() == 1
    assert _consistent(home) == N_FILES


KILLABLE = """
import json, sys
import newsreader.index.ingest.sync as sync
sync.COMMIT_EVERY = 25
from newsreader.index.library import Library
def progress(p):
    print(json.dumps({"phase": p.phase, "articles": p.articles}), flush=True)
with Library.open(sys.argv[1]) as library:
    library.sync([sys.argv[2]], progress=progress, workers=1)
print("finished", flush=True)
"""


def test_a_killed_indexer_leaves_a_usable_library_and_a_rerun_completes(tmp_path, corpus):
    home = tmp_path / "home"
    with Library.open(home) as library:
        library.sync([corpus / "first"], workers=1)
    proc = subprocess.Popen([sys.executable, "-c", KILLABLE, str(home), str(corpus)], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        for line in proc.stdout:
            assert line.strip() != "finished", "the indexer finished before it could be killed"
            event = json.loads(line)
            if event["phase"] == "index" and event["articles"] >= 90:
                os.kill(proc.pid, signal.SIGKILL)
                break
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == -signal.SIGKILL

    count = _consistent(home)
    assert FIRST <= count < N_FILES
    with Library.open(home) as library:
        report = library.sync([corpus], workers=1)
        assert report.failed == [] and not report.interrupted
    assert _consistent(home) == N_FILES


HOLDER = """
import sys
from pathlib import Path
from newsreader.index.store.locking import write_lock
with write_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.readline()
"""


@pytest.fixture
def lock_holder(tmp_path):
    """Another process holding the library's write lock until told to let go."""
    procs = []

    def start(home: Path) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(home / "write.lock")], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "locked"
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _release(proc: subprocess.Popen) -> None:
    proc.stdin.write("\n")
    proc.stdin.flush()


def test_a_second_writer_is_told_the_library_is_busy_or_waits(tmp_path, corpus, lock_holder, capsys):
    home = tmp_path / "home"
    with Library.open(home) as library:
        library.sync([corpus / "first"], workers=1)
    holder = lock_holder(home)

    assert main(["--home", str(home), "index", str(corpus / "rest")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("newsreader: The library is busy") and len(err.strip().splitlines()) == 1
    assert _consistent(home) == FIRST

    with Library.open(home) as library:
        with pytest.raises(LibraryBusy):
            library.sync([corpus / "rest"], wait=0.3)
        waits = []
        report = library.sync([corpus / "first"], wait=60, on_wait=lambda: (waits.append(1), _release(holder)))
        assert waits == [1] and report.failed == []

    holder = lock_holder(home)
    result = {}
    runner = threading.Thread(target=lambda: result.setdefault(
        "code", main(["--home", str(home), "index", "--wait", "60", str(corpus / "first")])))
    runner.start()
    err = ""
    for _ in range(600):
        err += capsys.readouterr().err
        if "waiting" in err:
            break
        runner.join(0.05)
    _release(holder)
    runner.join(60)
    assert "Another newsreader is indexing; waiting" in err
    assert result["code"] == 0


# -- damage ----------------------------------------------------------------------------------------

def _damage_truncate_segment(home: Path) -> None:
    [segment] = (home / "library" / "whoosh").glob("*.seg")
    with open(segment, "r+b") as f:
        f.truncate(segment.stat().st_size // 3)


def _damage_remove_segment(home: Path) -> None:
    for segment in (home / "library" / "whoosh").glob("*.seg"):
        segment.unlink()


def _damage_catalog(home: Path) -> None:
    with open(home / "library" / "catalog.sqlite", "r+b") as f:
        f.write(b"this is no longer an SQLite database" * 4)


def _damage_toc(home: Path) -> None:
    [toc] = (home / "library" / "whoosh").glob("_articles_*.toc")
    toc.write_bytes(toc.read_bytes()[:40])


@pytest.mark.parametrize("damage", [_damage_truncate_segment, _damage_remove_segment, _damage_catalog, _damage_toc])
def test_a_damaged_index_is_detected_and_rebuilt_with_reading_state_kept(tmp_path, corpus, capsys, damage):
    home = tmp_path / "home"
    with Library.open(home) as library:
        library.sync([corpus / "first"], workers=1)
        target = library.search("town7").hits[0].id
        library.mark_read(target)
        library.set_starred(target, True)
        library.state.save_search("towns", "town*")
    damage(home)

    with pytest.raises(IndexDamaged, match=r"Run `newsreader index --rebuild`"):
        Library.open(home)
    assert main(["--home", str(home), "search", "town7"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "damaged" in err and "Traceback" not in err

    assert main(["--home", str(home), "index", "--rebuild"]) == 0
    err = " ".join(capsys.readouterr().err.split())  # undo Rich's wrapping
    assert "the index was damaged" in err and "rebuilding it from its sources" in err
    with Library.open(home) as library:
        assert library.article_count() == FIRST
        assert library.search("town7").hits[0].id == target
        assert library.flags([target]) == {target: (True, True)}
        assert library.state.saved_searches() == [("towns", "town*")]


# -- read-only and full ----------------------------------------------------------------------------

def test_a_read_only_library_can_be_read_but_not_changed(tmp_path, corpus):
    home = tmp_path / "home"
    with Library.open(home) as library:
        library.sync([corpus / "first"], workers=1)
    with Library.open(home, readonly=True) as library:
        hit = library.search("town5").hits[0]
        assert library.article(hit.id).title == "Story 5 from town5"
        with pytest.raises(ReadOnlyLibrary, match="read-only"):
            library.sync([corpus / "rest"])
        with pytest.raises(ReadOnlyLibrary):
            library.mark_read(hit.id)


def _namespace_available() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt 2>/dev/null "
                            "|| mount -t tmpfs -o size=64k tmpfs /tmp"], capture_output=True)
    return probe.returncode == 0


needs_namespace = pytest.mark.skipif(not _namespace_available(),
                                     reason="needs `unshare -m` with mount rights for a real read-only or full folder")


def _in_namespace(script: str, **env) -> list[dict]:
    """Run ``script`` (sh) in a private mount namespace; it prints one JSON object per command."""
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=240,
                          env={**os.environ, **env})
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


RUN = """run() {{ out=$("{python}" -m newsreader.tui.cli --home "$HOME_DIR" "$@" 2>/tmp/err.$$); code=$?
  printf '{{"code": %s, "out": %s, "err": %s}}\\n' "$code" \\
    "$(printf '%s' "$out" | "{python}" -c 'import json,sys; print(json.dumps(sys.stdin.read()))')" \\
    "$("{python}" -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' /tmp/err.$$)"; }}
"""


@needs_namespace
def test_a_read_only_mount_is_read_and_writes_are_refused(tmp_path, corpus):
    home = tmp_path / "home"
    with Library.open(home) as library:
        library.sync([corpus / "first"], workers=1)
    script = RUN.format(python=sys.executable) + f"""
mount --bind -o ro "$HOME_DIR" "$HOME_DIR"
run search town5 --json
run index "{corpus / 'rest'}"
run stats --json
"""
    search, index, stats = _in_namespace(script, HOME_DIR=str(home))
    assert search["code"] == 0 and json.loads(search["out"])["total"] == 1
    assert index["code"] == 1 and index["err"].strip() == (
        f"newsreader: The data folder {home} is read-only; the library can be read but not changed.")
    assert json.loads(stats["out"])["readonly"] is True


@needs_namespace
def test_a_full_disk_stops_indexing_with_a_clear_message_and_keeps_the_library(tmp_path, corpus):
    big = tmp_path / "big"
    big.mkdir()
    for i in range(20):  # ~2.4 MB to store, but few tokens, so NER stays quick
        words = " ".join(os.urandom(40).hex() for _ in range(600))
        (big / f"long{i:03d}.txt").write_text(f"Long story {i}\n\n{words}\n")
    built = tmp_path / "built"
    with Library.open(built) as library:
        library.sync([corpus / "first"], workers=1)
    home = tmp_path / "home"
    home.mkdir()
    script = RUN.format(python=sys.executable) + f"""
mount -t tmpfs -o size=1200k tmpfs "$HOME_DIR"
cp -a "{built}/." "$HOME_DIR/"
run index --workers 1 "{big}"
run search town5 --json
"""
    full, search = _in_namespace(script, HOME_DIR=str(home))
    assert full["code"] == 1 and "Traceback" not in full["err"]
    assert full["err"].strip().startswith(f"newsreader: The disk holding {home}/library is full (")
    assert "free some space and run the same command again" in full["err"]
    assert search["code"] == 0 and json.loads(search["out"])["total"] == 1


def test_a_full_catalog_database_is_reported_as_a_full_disk(tmp_path, corpus, monkeypatch, capsys):
    """Simulated: SQLite's own 'database or disk is full' error, raised when the catalog commits."""
    from newsreader.index.store.catalog import Catalog

    home = tmp_path / "home"
    with Library.open(home) as library:
        library.sync([corpus / "first"], workers=1)
    extra = tmp_path / "extra"
    extra.mkdir()
    for i in range(5):
        (extra / f"extra{i}.txt").write_text(_story(1000 + i))

    def full(self):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Catalog, "commit", full)
    with Library.open(home) as library:
        with pytest.raises(DiskFull, match="is full"):
            library.sync([extra], workers=1)
    assert main(["--home", str(home), "index", "--workers", "1", str(extra)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("newsreader: The disk holding") and "Traceback" not in err
    monkeypatch.undo()
    with Library.open(home) as library:  # Whoosh committed before the catalog failed: the next run redoes it
        assert library.sync([extra], workers=1).failed == []
    assert _consistent(home) == FIRST + 5


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads the open files from /proc")
def test_a_reopened_library_lets_go_of_the_deleted_catalog_with_start_up_frozen(make_library):
    """The reader freezes its start-up objects out of the cyclic collector (tui/collector.py); the
    catalog it opened then must still close when a rebuild replaces it, or the deleted file stays open."""
    import gc
    import os
    import shutil

    library = make_library({"a.txt": "Angela Merkel visited Paris on Monday.\n"})
    library.search("")
    gc.collect()
    gc.freeze()
    try:
        folder = library.paths.library_dir
        spare = folder.with_name("rebuilt")
        shutil.copytree(folder, spare)
        shutil.rmtree(folder)  # what a rebuild by another process does
        spare.rename(folder)
        library.reopen()
        gc.collect()

        def target(fd: str) -> str:
            try:
                return os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                return ""

        held = [t for t in map(target, os.listdir("/proc/self/fd")) if "catalog" in t and "(deleted)" in t]
        assert held == []
        assert library.search("").total == 1
    finally:
        gc.unfreeze()
