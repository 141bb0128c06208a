"""Fixture libraries for the reader's tests: the seeds with fixed file times, a hostile corpus, an empty one.

The seeds carry no publication date, so "newest first" falls back to file mtimes; fixing them here makes
the list order (and so the snapshots) the same on every machine.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from newsreader.index.library import Library
from newsreader.tui.app import NewsReader

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SNAPSHOT_ROOT = Path("/tmp/newsreader-tui-snapshots")

HOSTILE = [
    {"title": "[bold red]Markup[/bold red] in a title \x1b[2J\x1b]0;pwned\x07 with escapes",
     "text": "Angela Merkel met Emmanuel Macron in Berlin. [link=file:///etc/passwd]click me[/link] and "
             "\x1b]8;;https://evil.example\x1b\\a hyperlink\x1b]8;;\x1b\\ and \u202eoverride\u202c text.\n\n"
             + "x" * 3000,
     "url": "javascript:alert(1)", "date": "2024-03-01", "source": "hostile"},
    {"title": "A safe web story about Berlin",
     "text": "Angela Merkel spoke in Berlin on Tuesday. Emmanuel Macron listened.",
     "url": "https://example.org/story", "date": "2024-03-05", "source": "web"},
    {"title": "A local file pretending to be a link",
     "text": "Angela Merkel was mentioned in a file that links to file:///etc/passwd.",
     "url": "file:///etc/passwd", "date": "2024-03-04", "source": "files"},
]


@pytest.fixture(autouse=True)
def _no_animations(monkeypatch):
    """Scrolls jump instead of gliding. Pilot waits for every animation to end after each key, so this
    only saves time: the state a test asserts on is the same once an animation has finished."""
    import textual.constants

    monkeypatch.setattr(textual.constants, "TEXTUAL_ANIMATIONS", "none")


@pytest.fixture(scope="session")
def fixed_seeds_home(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("fixed") / "seeds"
    shutil.copytree(SEEDS, src)
    for i, path in enumerate(sorted(src.glob("*.txt"))):
        stamp = 1_600_000_000 + i * 86_400  # later files are newer
        os.utime(path, (stamp, stamp))
    home = tmp_path_factory.mktemp("fixed-home")
    with Library.open(home) as library:
        assert library.sync([src]).added == 2
    return home


@pytest.fixture
def reader_home(tmp_path, fixed_seeds_home) -> Path:
    """A private, writable copy of the fixed seeds library."""
    target = tmp_path / "home"
    shutil.copytree(fixed_seeds_home, target)
    return target


@pytest.fixture
def reader_library(reader_home):
    with Library.open(reader_home) as library:
        yield library


@pytest.fixture(scope="session")
def hostile_home(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("hostile-src")
    (src / "feed.jsonl").write_text("\n".join(json.dumps(x) for x in HOSTILE) + "\n", encoding="utf-8")
    home = tmp_path_factory.mktemp("hostile-home")
    with Library.open(home) as library:
        assert library.sync([src]).added == 3
    return home


def day_of_news(n: int = 80) -> list[dict]:
    """``n`` dated articles, one a day, each long enough to need a few pages at 80x24; their words are
    ours (numbered towns and rivers), never a publisher's."""
    out = []
    for i in range(n):
        paragraph = (f"Story {i} reports on the town of Townford{i} beside the river Flow{i}. The council met "
                     f"on the matter for the {i}th time and agreed to meet again. ")
        out.append({"title": f"Story number {i:03d}", "text": "\n\n".join([paragraph * 3] * 6),
                    "date": f"2024-{1 + i // 28:02d}-{1 + i % 28:02d}", "source": "gazette"})
    return out


@pytest.fixture(scope="session")
def day_home(tmp_path_factory) -> Path:
    """80 articles: more than three pages of the list, for G, J, space and A."""
    src = tmp_path_factory.mktemp("day-src")
    (src / "day.jsonl").write_text("\n".join(json.dumps(x) for x in day_of_news()) + "\n", encoding="utf-8")
    home = tmp_path_factory.mktemp("day-home")
    with Library.open(home) as library:
        assert library.sync([src]).added == 80
    return home


@pytest.fixture
def day_library(tmp_path, day_home):
    target = tmp_path / "day"
    shutil.copytree(day_home, target)
    with Library.open(target) as library:
        yield library


@pytest.fixture
def hostile_library(tmp_path, hostile_home):
    target = tmp_path / "hostile"
    shutil.copytree(hostile_home, target)
    with Library.open(target) as library:
        yield library


@pytest.fixture
def empty_library(tmp_path):
    with Library.open(tmp_path / "empty") as library:
        yield library


def reader(library, **kwargs) -> NewsReader:
    """The app as tests run it: no background seeding unless a test asks for it."""
    kwargs.setdefault("seed", False)
    return NewsReader(library, **kwargs)


async def settle(pilot, delay: float = 0.05) -> None:
    """Let workers finish and their messages be handled (workers may start more workers)."""
    for _ in range(2):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause(delay)
