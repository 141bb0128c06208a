"""Plain text and Markdown: the first non-empty line is the headline, the rest the body."""

from __future__ import annotations

import re
from pathlib import Path

from ...article import Article, stable_id
from ...textclean import clean_body, clean_line
from .base import ReadError, ReadResult
from .dates import date_in_text
from .decoding import decode

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_MD_SETEXT = re.compile(r"^\s*(=+|-+)\s*$")


def read(path: Path, data: bytes) -> ReadResult:
    text, warning = decode(data)
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise ReadError("file contains only whitespace")
    title = lines[first]
    rest = lines[first + 1:]
    if path.suffix.lower() in (".md", ".markdown"):
        title = _MD_HEADING.sub("", title).rstrip("#").strip()
        if rest and _MD_SETEXT.match(rest[0]):
            rest = rest[1:]
    title = clean_line(title)
    body = clean_body("\n".join(rest))
    if not title:
        raise ReadError("no readable text")
    article = Article(
        id=stable_id("file", str(path)),
        title=title,
        body=body,
        source=path.parent.name,
        published=date_in_text(body),  # the format has no date of its own (models.date_source: "text")
        path=str(path),
        source_key=str(path),
    )
    return ReadResult([article], [warning] if warning else [])
