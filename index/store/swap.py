"""Replacing the whole library in one step: ``index --rebuild`` builds beside the old one, then swaps.

The live library is ``HOME/library`` (Whoosh index and catalog). A rebuild writes ``HOME/library.new``
while the old one goes on answering, and only when the new one is complete and on disk:

1. writes a token into ``library.new/BUILD`` and then the same token into the marker ``HOME/library.swap``
   (each written to a temporary name, flushed and renamed): from here the swap is decided;
2. exchanges the two folders with one ``renameat2(RENAME_EXCHANGE)`` (Linux); where the filesystem
   cannot, it renames ``library`` to ``library.old`` and ``library.new`` to ``library``;
3. removes the marker, then what was swapped out.

A crash anywhere is finished at the next open by a writer, under the write lock (``recover``): with
no marker, a ``library.new`` is an abandoned build and is deleted (the old library was never touched);
with a marker, the swap is completed (the build it names is whole). Readers never repair anything:
``resolve`` only tells them which folder holds the library at that moment. Processes that have the
old files open (a reader's searcher and catalog) keep reading them until they reopen; Linux keeps
deleted files readable while they are open.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

log = logging.getLogger(__name__)

LIVE = "library"
NEW = "library.new"
OLD = "library.old"
MARK = "library.swap"
TOKEN = "BUILD"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def building_dir(home: Path) -> Path:
    return home / NEW


def resolve(home: Path) -> Path:
    """The folder that holds the library now, without changing anything (for readers)."""
    live = home / LIVE
    if live.exists():
        return live
    token = _read(home / MARK)
    if token is not None and _read(home / NEW / TOKEN) == token:
        return home / NEW  # crashed between the two renames of the fallback: the new one is decided
    if (home / OLD).exists():
        return home / OLD
    return live


def pending(home: Path) -> bool:
    """Whether a crashed rebuild or swap left something for ``recover`` to do."""
    return any((home / name).exists() for name in (NEW, OLD, MARK))


def recover(home: Path) -> bool:
    """Complete a swap that a crash interrupted, or throw away an abandoned build. Call only under the
    library's write lock (a ``library.new`` may otherwise be another process's rebuild in progress).
    Returns True when the live folder changed (open stores and catalogs must be reopened)."""
    live, new, old, mark = home / LIVE, home / NEW, home / OLD, home / MARK
    changed = False
    token = _read(mark)
    if token is not None:
        if _read(live / TOKEN) != token and _read(new / TOKEN) == token:
            log.info("completing an interrupted library swap in %s", home)
            _swap_in(new, live, old)
            changed = True
        _unlink(mark)
    if not live.exists() and old.exists():  # only a marker-less crash could leave this; put it back
        os.rename(old, live)
        changed = True
    for leftover in (new, old):
        if leftover.exists():
            log.info("removing %s, left by an interrupted rebuild", leftover)
            shutil.rmtree(leftover, ignore_errors=True)
    _fsync_dir(home)
    return changed


def install(home: Path, built: Path) -> None:
    """Make ``built`` (``building_dir(home)``, complete and closed) the live library in one step."""
    import secrets

    _fsync_tree(built)
    token = secrets.token_hex(16)
    _write_durably(built / TOKEN, token)
    _write_durably(home / MARK, token)
    _swap_in(built, home / LIVE, home / OLD)
    _unlink(home / MARK)
    _fsync_dir(home)
    for leftover in (home / NEW, home / OLD):  # the old library, whichever way it was swapped out
        shutil.rmtree(leftover, ignore_errors=True)


def _swap_in(new: Path, live: Path, old: Path) -> None:
    if live.exists():
        if _exchange(new, live):
            _fsync_dir(live.parent)
            return
        os.rename(live, old)
    os.rename(new, live)
    _fsync_dir(live.parent)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically (Linux renameat2); False where that is not available."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    log.info("renameat2 exchange not available here (%s); renaming in two steps", os.strerror(err))
    return False


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _write_durably(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="ascii") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)
    _fsync_dir(path.parent)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    """Flush a finished build to disk before the swap names it live (Whoosh and SQLite close their
    files without forcing them out; after a power cut the renamed folder must not hold empty files)."""
    for folder, _, files in os.walk(root):
        for name in files:
            try:
                fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            except OSError:
                continue
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(folder))
