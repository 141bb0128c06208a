"""Errors the engine raises on purpose; each carries a message meant for the user, not a traceback."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .ingest.sync import Problem

LOW_SPACE = 64 << 10  # less free than this and SQLite cannot even create its WAL index files (32 kB)


class NewsreaderError(Exception):
    """Base class: ``str(error)`` is a complete sentence to show the user."""


class LibraryBusy(NewsreaderError):
    def __init__(self, detail: str = "another newsreader process is indexing") -> None:
        super().__init__(f"The library is busy: {detail}. Try again when it has finished.")


class IndexDamaged(NewsreaderError):
    def __init__(self, directory: Path, cause: BaseException) -> None:
        self.directory = directory
        self.cause = cause
        super().__init__(
            f"The search index at {directory} is damaged or incomplete "
            f"({type(cause).__name__}: {cause}). Run `newsreader index --rebuild` to rebuild it from its sources."
        )


class ReadOnlyLibrary(NewsreaderError):
    def __init__(self, where: Path, cause: BaseException | None = None) -> None:
        detail = f" ({cause})" if cause else ""
        super().__init__(
            f"The data folder {where} is read-only{detail}; the library can be read but not changed."
        )


class NoSuchArticle(NewsreaderError):
    def __init__(self, article_id: str) -> None:
        super().__init__(f"No article with id {article_id!r} in this library.")


class DiskFull(NewsreaderError):
    def __init__(self, where: Path, cause: BaseException) -> None:
        self.cause = cause
        super().__init__(
            f"The disk holding {where} is full ({getattr(cause, 'strerror', None) or cause}). Everything "
            "committed before is kept; free some space and run the same command again."
        )


class Unreadable(NewsreaderError):
    """A file or folder of the library this user may not read: a permission problem, not damage."""

    def __init__(self, path: Path, cause: BaseException | None = None) -> None:
        self.path = path
        self.cause = cause
        super().__init__(
            f"Cannot read {path}: permission denied. Nothing is damaged; give this user access to it "
            f"(e.g. chmod u+rwX or chown), or run newsreader as its owner."
        )


class BadHome(NewsreaderError):
    def __init__(self, home: Path) -> None:
        super().__init__(
            f"The data folder {home} is a file, not a folder; point --home or NEWSREADER_HOME at a folder."
        )


def disk_full(where: Path, cause: BaseException | None = None) -> bool:
    """True when ``cause`` says the disk is full, or the disk holding ``where`` has (almost) no space left."""
    if cause is not None and (getattr(cause, "errno", None) in (errno.ENOSPC, errno.EDQUOT) or "full" in str(cause)):
        return True
    probe = Path(where)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        st = os.statvfs(probe)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < LOW_SPACE


def full_disk_error(where: Path) -> DiskFull:
    return DiskFull(where, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))


def unreadable_part(*paths: Path) -> Path | None:
    """The first of ``paths`` (and, for folders, what they hold) that exists but this user cannot read."""
    for path in paths:
        try:
            exists = path.exists()
        except PermissionError:
            return path.parent
        if not exists:
            continue
        need = os.R_OK | os.X_OK if path.is_dir() else os.R_OK
        if not os.access(path, need):
            return path
        if path.is_dir():
            try:
                for child in path.iterdir():
                    if not os.access(child, os.R_OK | (os.X_OK if child.is_dir() else 0)):
                        return child
            except OSError:
                return path
    return None


class StateNotSaved(NewsreaderError):
    """A read mark, star or saved search could not be written; nothing else is affected.

    Callers on the reader's worker threads catch NewsreaderError; a raw sqlite3 error there would
    vanish and leave the action silently undone.
    """

    def __init__(self, path: Path, cause: sqlite3.Error) -> None:
        self.cause = cause
        if "locked" in str(cause) or "busy" in str(cause):
            why = "another newsreader process kept it locked; try again in a moment"
        else:
            why = str(cause)
        super().__init__(f"Could not save the reading state in {path}: {why}.")


class StrictFailure(Exception):
    """``index --strict``: the first file that could not be read stops the run (not a NewsreaderError:
    the command line reports it with the file's path and exits 1)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(f"{problem.path}: {problem.reason}")


class MissingExtra(NewsreaderError):
    """An optional part of newsreader is not installed (``pip install 'newsreader[EXTRA]'``)."""

    def __init__(self, extra: str, purpose: str) -> None:
        self.extra = extra
        super().__init__(f"{purpose} needs the optional {extra!r} support: pip install 'newsreader[{extra}]'")


class ClusterError(NewsreaderError):
    """The Dask cluster doing entity extraction failed; the message says which part and what to do."""
