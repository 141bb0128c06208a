"""What every reader shares: the result type, the error type, decoding and date parsing."""

from __future__ import annotations

import email.utils
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..article import Article


class ReadError(Exception):
    """A source that cannot be read; the message is shown to the user next to the file name."""


@dataclass
class ReadResult:
    articles: list[Article] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def reject_binary(data: bytes) -> None:
    if not data.strip():
        raise ReadError("empty file" if not data else "file contains only whitespace")
    if b"\x00" in data[:8192]:
        raise ReadError("binary data, not text (NUL bytes found)")


def decode(data: bytes) -> tuple[str, str | None]:
    """Decode text of unknown encoding; returns the text and a warning when it was not clean UTF-8.

    UTF-8 is tried first because it is by far the most common and cannot be confused with anything
    else when it decodes; otherwise charset-normalizer guesses, and as a last resort bytes that fit no
    encoding are replaced so the rest of the article is kept.
    """
    reject_binary(data)
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding:
        return str(best), f"not UTF-8; decoded as {best.encoding}"
    return data.decode("utf-8", errors="replace"), "not valid UTF-8; undecodable bytes replaced"


def parse_date(value: object) -> datetime | None:
    """A naive UTC datetime from the many shapes dates come in (ISO 8601, RFC 2822, struct_time)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    elif hasattr(value, "tm_year"):  # time.struct_time from feedparser, already UTC
        try:
            dt = datetime(*value[:6])  # type: ignore[index]
        except (TypeError, ValueError):
            return None
    else:
        text = str(value).strip()
        dt = None
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                dt = email.utils.parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                try:
                    from dateutil import parser as dateutil_parser

                    dt = dateutil_parser.parse(text)
                except (ValueError, OverflowError, TypeError):
                    return None
    if dt.tzinfo is not None:
        dt = dt.astimezone(timezone.utc).replace(tzinfo=None)
    if not (1800 <= dt.year <= 2200):
        return None
    return dt
