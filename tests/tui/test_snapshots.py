"""Snapshots of the reader's screens (pytest-textual-snapshot). Update with ``--snapshot-update``.

The fixture seeds have fixed file times and no publication date, and the reader shows no date derived from
file times, so these pictures are the same on every machine.
"""

from __future__ import annotations

import shutil

import pytest

from newsreader.index.library import Library

from .conftest import SNAPSHOT_ROOT, reader, settle


async def _ready(pilot) -> None:
    await settle(pilot)


def _open_first(*keys: str):
    async def run(pilot) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        if keys:
            await pilot.press(*keys)
            await settle(pilot)
    return run


def test_main_screen_on_seeds(snap_compare, reader_library):
    assert snap_compare(reader(reader_library), terminal_size=(130, 36), run_before=_open_first())


def test_search(snap_compare, reader_library):
    async def run(pilot) -> None:
        await settle(pilot)
        await pilot.press("slash", *"esper", "enter")
        await pilot.pause(0.1)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)

    assert snap_compare(reader(reader_library), terminal_size=(130, 36), run_before=run)


def test_help_screen(snap_compare, reader_library):
    assert snap_compare(reader(reader_library), terminal_size=(110, 50), run_before=_open_first("question_mark"))


def test_library_entities(snap_compare, reader_library):
    assert snap_compare(reader(reader_library), terminal_size=(130, 36), run_before=_open_first("e", "e"))


def test_80x24(snap_compare, reader_library):
    assert snap_compare(reader(reader_library), terminal_size=(80, 24), run_before=_open_first())


@pytest.fixture
def fixed_empty_library():
    """The empty screen prints the library folder, so it lives at a fixed path."""
    home = SNAPSHOT_ROOT / "empty-home"
    shutil.rmtree(home, ignore_errors=True)
    with Library.open(home) as library:
        yield library
    shutil.rmtree(home, ignore_errors=True)


def test_empty_library(snap_compare, fixed_empty_library):
    assert snap_compare(reader(fixed_empty_library), terminal_size=(100, 30), run_before=_ready)


def test_reading_the_oldest_at_80x24(snap_compare, day_library):
    """G then enter on an 80-article list: the last page only, the oldest open, the count one down."""
    assert snap_compare(reader(day_library), terminal_size=(80, 24), run_before=_open_first_after("G"))


def test_mark_all_read_asks(snap_compare, day_library):
    assert snap_compare(reader(day_library), terminal_size=(80, 24), run_before=_keys("A"))


def _keys(*keys):
    async def run(pilot):
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)
    return run


def _open_first_after(*keys):
    async def run(pilot):
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
    return run
