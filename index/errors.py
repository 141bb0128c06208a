"""Errors the engine raises on purpose; each carries a message meant for the user, not a traceback."""

from __future__ import annotations

from pathlib import Path


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
