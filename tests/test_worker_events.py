"""The indexing child's events: one typed record each way through the JSON line that carries it."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsreader.index.models import WorkerEvent

counts = st.integers(min_value=0, max_value=10**9)
texts = st.text(max_size=40)
reports = st.none() | st.dictionaries(st.sampled_from(["added", "updated", "removed", "failed"]),
                                      st.integers(0, 99) | st.lists(texts, max_size=3), max_size=4)
events = st.builds(WorkerEvent, st.sampled_from(["start", "progress", "waiting", "done", "error"]),
                   kind=st.sampled_from(["index", "refresh"]), phase=texts, done=counts, total=counts,
                   articles=counts, read=counts, path=texts, report=reports, message=texts, rebuild=st.booleans(), final=st.booleans())


@given(events)
def test_every_event_survives_its_line(event):
    line = event.to_json()
    assert "\n" not in line
    assert WorkerEvent.from_json(line) == event


@given(st.text(max_size=200))
def test_any_other_line_is_a_value_error_or_an_event(line):
    try:
        event = WorkerEvent.from_json(line)
    except ValueError:
        return
    assert isinstance(event, WorkerEvent) and isinstance(event.done, int)


@pytest.mark.parametrize("line", ["", "progress", "[]", '{"phase": "index"}', '{"event": 3}',
                                  '{"event": "progress", "done": "many"}', '{"event": "progress", "done": [1]}'])
def test_lines_that_are_not_events(line):
    with pytest.raises(ValueError):
        WorkerEvent.from_json(line)


def test_older_and_newer_children_still_parse():
    """Unknown keys are ignored and missing ones take their defaults, so the record can grow."""
    event = WorkerEvent.from_json(json.dumps({"event": "progress", "done": 2, "eta": 5}))
    assert event == WorkerEvent("progress", done=2)
