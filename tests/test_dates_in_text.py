"""Dates read from an article's words (plain text and Markdown carry none of their own), and where every
date shown comes from (``date_source`` in --json)."""

from __future__ import annotations

import json
from datetime import datetime

from hypothesis import given, settings, strategies as st

from newsreader.index.ingest.readers.dates import date_in_text
from newsreader.index.library import Library


def test_evidence_in_the_text():
    assert date_in_text("Published 3 March 2021\n\nThe council met.") == datetime(2021, 3, 3)
    assert date_in_text("PARIS, Jan. 5, 2019 - Ministers met.") == datetime(2019, 1, 5)
    # a weekday with a date, and a year elsewhere on which that day is that weekday
    assert date_in_text("They met on Monday (Oct. 26) in Delhi.\n\n(c) 2020 Times") == datetime(2020, 10, 26)
    assert date_in_text("On Friday 7 March the vote; reports from 2021 and 2025.") == datetime(2025, 3, 7)


def test_no_date_without_evidence():
    assert date_in_text("Ministers met on Monday (Oct. 26).") is None  # no year at all
    assert date_in_text("Monday (Oct. 26). (c) 2019") is None  # 26 Oct 2019 was a Saturday
    assert date_in_text("In 2020 prices rose.") is None
    assert date_in_text("Published: yesterday") is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_date_or_none(text):
    found = date_in_text(text)
    assert found is None or (isinstance(found, datetime) and 1950 <= found.year <= 2099)


def test_date_source_in_json(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "dated.txt").write_text("Council votes\n\nPublished 3 March 2021\n\nThe council met.\n", encoding="utf-8")
    (src / "undated.txt").write_text("River floods\n\nThe river rose again.\n", encoding="utf-8")
    (src / "feed.jsonl").write_text(json.dumps({"title": "Feed story", "text": "A story.", "date": "2022-02-02"})
                                    + "\n", encoding="utf-8")
    with Library.open(tmp_path / "home") as library:
        library.sync([src])
        hits = {h.title: h.to_json() for h in library.search("", limit=10).hits}
        assert hits["Council votes"]["date_source"] == "text" and hits["Council votes"]["date"].startswith("2021-03-03")
        assert hits["River floods"]["date_source"] == "file" and hits["River floods"]["published"] is None
        assert hits["Feed story"]["date_source"] == "metadata"
        article = library.article(library.search("", limit=10).hits[0].id).to_json()
        assert "date_source" in article and article["date"]
