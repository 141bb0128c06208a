"""HTML pages: the article's main text and metadata, extracted with trafilatura."""

from __future__ import annotations

import re
from pathlib import Path

from ...article import Article, stable_id
from ...textclean import clean_body, clean_line, clean_url
from .base import ReadError, ReadResult, parse_date
from .decoding import decode


# An internal DTD subset can only declare entities (an expansion bomb at worst); HTML never needs one,
# and lxml's HTML parser would otherwise leak its tail ("]>") into the text.
_DTD_SUBSET = re.compile(r"<!DOCTYPE[^>\[]*\[.*?\]\s*>", re.DOTALL | re.IGNORECASE)


def extract(html: str, url: str | None = None) -> dict | None:
    """trafilatura's main-text extraction; None when it finds no article in the page."""
    import trafilatura

    try:
        found = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=False
        )
        doc = found.as_dict() if found is not None and hasattr(found, "as_dict") else found
    except Exception:  # trafilatura raises a zoo of lxml/parse errors on hostile markup
        return None
    if not doc or not (doc.get("text") or "").strip():
        return None
    return doc


def read(path: Path, data: bytes) -> ReadResult:
    html, warning = decode(data)
    doc = extract(_DTD_SUBSET.sub("", html, count=1))
    if doc is None:
        raise ReadError("no article text found in the HTML")
    title = clean_line(doc.get("title") or "")
    lines = [line for line in (doc.get("text") or "").split("\n")]
    if lines and title and clean_line(lines[0]) == title:
        lines = lines[1:]
    body = clean_body("\n\n".join(lines))
    if not title:
        title = clean_line(body.split("\n", 1)[0])[:200] or path.stem
    article = Article(
        id=stable_id("file", str(path)),
        title=title,
        body=body,
        source=clean_line(doc.get("sitename") or doc.get("hostname") or path.parent.name),
        url=clean_url(doc.get("url") or ""),
        published=parse_date(doc.get("date")),
        path=str(path),
        source_key=str(path),
    )
    return ReadResult([article], [warning] if warning else [])
