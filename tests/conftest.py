"""Shared fixtures: small libraries built in tmp folders, never the user's data folder.

Building a library runs spaCy (about a second for the seeds), so the seeds library is built once per
session and copied for tests that change it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from newsreader.index.library import Library

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(autouse=True)
def _isolated_home(monkeypatch, tmp_path_factory):
    """No test may touch the real user data or config folders."""
    home = tmp_path_factory.mktemp("default-home")
    monkeypatch.setenv("NEWSREADER_HOME", str(home))
    monkeypatch.delenv("NEWSREADER_MODEL", raising=False)


@pytest.fixture(scope="session")
def seeds_copy(tmp_path_factory) -> Path:
    """The sample corpus copied to a tmp folder (tests must not depend on ../shared)."""
    target = tmp_path_factory.mktemp("seeds") / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def seeds_home(tmp_path_factory, seeds_copy) -> Path:
    """A library home with the seeds indexed, built once per session. Treat as read-only."""
    home = tmp_path_factory.mktemp("seeds-home")
    with Library.open(home) as library:
        report = library.sync([seeds_copy])
        assert report.added == 2, report.to_dict()
    return home


@pytest.fixture
def seeds_library(seeds_home):
    """The session's seeds library, opened for reading."""
    with Library.open(seeds_home) as library:
        yield library


@pytest.fixture
def writable_seeds_home(tmp_path, seeds_home) -> Path:
    """A private copy of the seeds library that a test may change."""
    target = tmp_path / "home"
    shutil.copytree(seeds_home, target)
    return target


@pytest.fixture
def make_library(tmp_path):
    """Build a library from a dict of {relative path: text}; returns the open Library."""
    opened: list[Library] = []

    def build(files: dict[str, str | bytes], *, name: str = "lib") -> Library:
        src = tmp_path / f"{name}-src"
        for rel, content in files.items():
            path = src / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        library = Library.open(tmp_path / f"{name}-home")
        library.sync([src])
        library.source_dir = src  # type: ignore[attr-defined]
        opened.append(library)
        return library

    yield build
    for library in opened:
        library.close()
