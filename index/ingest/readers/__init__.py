"""Turn one source file into Article records: one reader per format, chosen by file extension."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .base import ReadError, ReadResult
from . import feeds, html, jsonl, text

Reader = Callable[[Path, bytes], ReadResult]

READERS: dict[str, Reader] = {
    ".txt": text.read,
    ".text": text.read,
    ".md": text.read,
    ".markdown": text.read,
    ".html": html.read,
    ".htm": html.read,
    ".xhtml": html.read,
    ".xml": feeds.read,
    ".rss": feeds.read,
    ".atom": feeds.read,
    ".rdf": feeds.read,
    ".jsonl": jsonl.read,
    ".ndjson": jsonl.read,
}


def reader_for(path: Path) -> Reader | None:
    """The reader for ``path``, or None for a type newsreader does not read (skipped, not an error)."""
    return READERS.get(path.suffix.lower())


def read_file(path: Path, data: bytes) -> ReadResult:
    """Read already-loaded bytes; raises ReadError with a reason a person can act on."""
    reader = reader_for(path)
    if reader is None:
        raise ReadError(f"unsupported file type {path.suffix or '(none)'}")
    return reader(path, data)


__all__ = ["READERS", "ReadError", "ReadResult", "read_file", "reader_for"]
