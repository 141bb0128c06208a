"""JSON Lines: one article object per line; bad lines are reported by number and the rest kept."""

from __future__ import annotations

import json
from pathlib import Path

from ...article import Article, stable_id
from ...textclean import clean_body, clean_line, clean_url
from .base import ReadError, ReadResult, parse_date
from .decoding import decode


def read(path: Path, data: bytes) -> ReadResult:
    text, warning = decode(data)
    result = ReadResult(warnings=[warning] if warning else [])
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            result.warnings.append(f"line {number}: invalid JSON ({exc.msg})")
            continue
        if not isinstance(obj, dict):
            result.warnings.append(f"line {number}: expected an object, got {type(obj).__name__}")
            continue
        title = clean_line(str(obj.get("title") or ""))
        raw_body = obj.get("text") if obj.get("text") is not None else obj.get("body")
        body = clean_body(str(raw_body or ""))
        if not title and not body:
            result.warnings.append(f"line {number}: no title and no text")
            continue
        if not title:
            title = clean_line(body.split("\n", 1)[0])[:120]
        url = clean_url(str(obj.get("url") or ""))
        article_id = stable_id("jsonl", url) if url else stable_id("jsonl", str(path), title, body[:2000])
        if article_id in seen:
            result.warnings.append(f"line {number}: duplicate of an earlier line, skipped")
            continue
        seen.add(article_id)
        result.articles.append(Article(
            id=article_id,
            title=title,
            body=body,
            source=clean_line(str(obj.get("source") or "")) or path.stem,
            url=url,
            published=parse_date(obj.get("date") or obj.get("published")),
            path=str(path),
            source_key=str(path),
        ))
    if not result.articles:
        raise ReadError("no readable lines" + (f" ({'; '.join(result.warnings[:3])})" if result.warnings else ""))
    return result
