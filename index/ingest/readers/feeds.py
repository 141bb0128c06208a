"""RSS, Atom and RDF feed files: one article per entry, parsed with feedparser."""

from __future__ import annotations

import re
from pathlib import Path

from ...article import Article, stable_id
from ...textclean import clean_line, clean_url
from .base import ReadError, ReadResult, parse_date
from .decoding import reject_binary
from .htmltext import html_to_text

# A DOCTYPE with an internal subset can declare entities ("billion laughs"); feeds never need one.
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*(\[.*?\])?\s*>", re.DOTALL | re.IGNORECASE)


def entry_id(entry) -> str:
    """Same entry, same id, whichever feed it came through: guid first, then link, then title+date."""
    key = entry.get("id") or entry.get("link") or (entry.get("title", "") + entry.get("published", ""))
    return stable_id("entry", key)


def entry_text(entry) -> tuple[str, bool]:
    """The entry's best text and whether it is only a summary (the feed cut the article short)."""
    contents = entry.get("content") or []
    best = max((c.get("value", "") for c in contents), key=len, default="")
    summary = entry.get("summary", "") or ""
    if best and len(best) >= len(summary):
        return html_to_text(best), False
    return html_to_text(summary), True


def parse(data: bytes, *, location: str, source_key: str, path: str = "") -> ReadResult:
    """Articles from feed bytes; shared by feed files and fetched feeds."""
    reject_binary(data)
    import feedparser

    data = _DOCTYPE.sub(b"", data, count=1)
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    entries = parsed.get("entries") or []
    if not entries:
        if parsed.get("bozo"):
            raise ReadError(f"not a valid feed: {parsed.get('bozo_exception')}")
        if not parsed.get("version"):
            raise ReadError("not a feed (no RSS, Atom or RDF elements found)")
        return ReadResult([], ["the feed has no entries"])
    feed_title = clean_line(parsed.feed.get("title", "")) or Path(location).stem
    result = ReadResult()
    if parsed.get("bozo"):
        result.warnings.append(f"malformed feed, read leniently: {parsed.get('bozo_exception')}")
    for n, entry in enumerate(entries, 1):
        body, partial = entry_text(entry)
        title = clean_line(entry.get("title", "")) or clean_line(body[:80])
        if not title and not body:
            result.warnings.append(f"entry {n}: no title and no text, skipped")
            continue
        published = parse_date(entry.get("published_parsed") or entry.get("updated_parsed")
                                or entry.get("published") or entry.get("updated"))
        result.articles.append(Article(
            id=entry_id(entry),
            title=title,
            body=body,
            source=feed_title,
            url=clean_url(entry.get("link", "") or ""),
            published=published,
            path=path or location,
            source_key=source_key,
            partial=partial,
        ))
    return result


def read(path: Path, data: bytes) -> ReadResult:
    return parse(data, location=str(path), source_key=str(path), path=str(path))
