"""What every reader shares: the result type, the error type and date parsing (decoding is in decoding.py)."""

from __future__ import annotations

import email.utils
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ...article import Article


class ReadError(Exception):
    """A source that cannot be read; the message is shown to the user next to the file name."""


@dataclass
class ReadResult:
    articles: list[Article] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


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
