"""A date for an article whose file carries none (plain text, Markdown), read from its words.

Evidence, strongest first: a "Published ..."/"Updated ..." line; a dateline (a full date near the start);
a weekday named with a month and day ("Monday (Oct. 26)") whose year is one the text mentions and on
which that day really is that weekday. dateutil reads the dates; the rules only find where they are.
Nothing found: None, and the listing falls back to the file's time (marked as such in the reader).
"""

from __future__ import annotations

import re
from datetime import datetime

from dateutil import parser as date_parser

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_PUBLISHED = re.compile(r"\b(?:Published|Posted|Updated|First published)(?:\s+on)?:?\s+([^\n]{6,60})", re.I)
_FULL_DATE = re.compile(rf"\b(?:\d{{1,2}}\s+{_MONTH},?\s+(?:19|20)\d\d|{_MONTH}\s+\d{{1,2}},?\s+(?:19|20)\d\d"
                        r"|(?:19|20)\d\d-\d\d-\d\d)\b", re.I)
_WEEKDAY_DATE = re.compile(rf"\b({'|'.join(_WEEKDAYS)})\W{{1,3}}(?:({_MONTH})\s+(\d{{1,2}})|(\d{{1,2}})\s+({_MONTH}))\b",
                           re.I)
_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_HEAD = 400  # a dateline sits in the first lines


def _parse(text: str) -> datetime | None:
    """A date with its year (dateutil fills a missing year from ``default``: two defaults tell)."""
    try:
        one = date_parser.parse(text, fuzzy=True, default=datetime(1904, 1, 1))
        two = date_parser.parse(text, fuzzy=True, default=datetime(1908, 2, 2))
    except (ValueError, OverflowError, TypeError):
        return None
    if one.year != two.year or one.month != two.month or one.day != two.day:
        return None  # year, month or day came from the default, not the text
    return one.replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)


def date_in_text(text: str) -> datetime | None:
    m = _PUBLISHED.search(text)
    if m and (found := _parse(m.group(1))):
        return found
    m = _FULL_DATE.search(text[:_HEAD])
    if m and (found := _parse(m.group(0))):
        return found
    years = sorted({int(y) for y in _YEAR.findall(text)}, reverse=True)
    for m in _WEEKDAY_DATE.finditer(text):
        weekday = _WEEKDAYS.index(m.group(1).lower())
        month_text, day_text = (m.group(2), m.group(3)) if m.group(2) else (m.group(5), m.group(4))
        for year in years:
            found = _parse(f"{day_text} {month_text} {year}")
            if found and found.weekday() == weekday:
                return found
    return None
