"""Search as you type, results that arrive late, and workers that fail.

The libraries here are real ``Library`` objects with one engine call changed: a gate that holds chosen
searches until the test releases it (so "late" is decided by the test, not by the machine's speed), or
a call that raises the way a locked or half-rebuilt library does.
"""

from __future__ import annotations

import sqlite3
import threading

from textual.worker import Worker, WorkerState

from newsreader.index.library import Library
from newsreader.tui.screens.main import MainScreen
from newsreader.tui.widgets.article_list import ArticleList
from newsreader.tui.widgets.article_view import ArticleView
from newsreader.tui.widgets.search_bar import SearchBar

from .conftest import reader, settle

SIZE = (130, 40)


class TestLibrary(Library):
    """The real engine, except: searches listed in ``held`` wait for ``gate``; ``boom`` queries raise;
    ``broken`` articles raise; with ``locked``, marking read fails as if the state database were locked."""

    __test__ = False

    def prepare(self) -> "TestLibrary":
        self.held: set[tuple[str, int]] = set()
        self.gate = threading.Event()
        self.broken: set[str] = set()
        self.locked = False
        return self

    def search(self, query: str = "", *, limit: int = 20, offset: int = 0, sort: str = "relevance", **kwargs):
        if "boom" in query:
            raise RuntimeError("the index exploded")
        if (query, offset) in self.held:
            self.gate.wait(20)
        return super().search(query, limit=limit, offset=offset, sort=sort, **kwargs)

    def article(self, article_id: str):
        if article_id in self.broken:
            raise sqlite3.OperationalError("database is locked")
        return super().article(article_id)

    def mark_read(self, article_id: str, read: bool = True) -> None:
        if self.locked:
            raise sqlite3.OperationalError("database is locked")
        super().mark_read(article_id, read)


def status(bar: SearchBar) -> str:
    return str(bar.query_one("#search-status").render())


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


async def until(pilot, condition) -> None:
    """Wait for the UI to reach a state without waiting for every worker (a held one never finishes)."""
    for _ in range(1000):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("the reader never got there")


async def test_typing_runs_few_searches_and_failures_are_reported(reader_home):
    messages = []
    with TestLibrary.open(reader_home) as library:
        library.prepare()
        app = reader(library)
        async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
            await settle(pilot)
            screen = app.screen
            bar, articles = screen.query_one(SearchBar), screen.query_one(ArticleList)
            del messages[:]
            typed = "defense esper"
            await pilot.press("slash", *typed)
            await until(pilot, lambda: not bar.pending and screen.query_text == typed)
            await settle(pilot)
            unique = list({id(m): m for m in messages}.values())  # a bubbling message is seen at each node
            changed = [m.query for m in unique if isinstance(m, SearchBar.Changed)]
            started = {id(m.worker) for m in unique if isinstance(m, Worker.StateChanged)
                       and m.worker.group == "search" and m.state == WorkerState.RUNNING}
            done = [m.result.query for m in unique if isinstance(m, MainScreen.SearchDone)]
            # thirteen keystrokes, a handful of searches at most, and the last one is what was typed
            assert 1 <= len(changed) <= 4 and changed[-1] == typed
            assert len(started) == len(changed) and done[-1] == typed
            expected = library.search(typed, limit=50)
            assert expected.total >= 1
            assert [h.id for h in articles.hits] == [h.id for h in expected.hits]
            assert status(bar) == f"{expected.total} article{'s' if expected.total != 1 else ''}"

            # a search that raises: the bar says so instead of "searching…" forever, and a message shows
            bar.set_query("boom")
            await settle(pilot)
            assert "Search failed: the index exploded" in status(bar) and bar.has_class("-error")
            assert "searching" not in status(bar)
            assert any("the index exploded" in n for n in notes(app))
            assert [h.id for h in articles.hits] == [h.id for h in expected.hits]  # the list stays

            # opening an article that raises: a message, nothing half-open; a failing mark-read does not
            # stop another article from opening
            bar.set_query("")
            await settle(pilot)
            broken, fine = articles.hits[0].id, articles.hits[1].id
            library.broken.add(broken)
            library.locked = True
            articles.focus()
            articles.highlighted = 0
            await pilot.press("enter")
            await settle(pilot)
            assert screen.article is None
            assert any(n == "Opening the article failed: database is locked" for n in notes(app))
            await pilot.press("j", "enter")
            await settle(pilot)
            assert screen.article is not None and screen.article.id == fine
            assert articles.flags[fine][0] is False  # not marked read, and nothing crashed
            await pilot.press("u")  # marking read by hand fails the same way: a message, not a crash
            await pilot.pause()
            assert app.is_running and articles.flags[fine][0] is False


async def test_late_results_never_land_on_newer_state(hostile_home, tmp_path, monkeypatch):
    import shutil

    monkeypatch.setattr("newsreader.tui.screens.main.PAGE", 1)
    # Pages of one on a tall screen would all be fetched at once to fill it (tests/tui/test_startup_parts.py);
    # here the old list must stay incomplete, so that G asks for a page while a new search runs.
    monkeypatch.setattr("newsreader.tui.widgets.article_list.ArticleList._fill", lambda self: None)
    home = tmp_path / "home"
    shutil.copytree(hostile_home, home)
    with TestLibrary.open(home) as library:
        library.prepare()
        app = reader(library)
        try:
            async with app.run_test(size=SIZE) as pilot:
                await settle(pilot)
                screen = app.screen
                bar, articles = screen.query_one(SearchBar), screen.query_one(ArticleList)
                view = screen.query_one(ArticleView)
                assert len(articles.hits) == 2 and articles.total == 3  # page 1, then page 2 near the cursor

                # A page request while a new search is still running must neither cancel that search nor
                # append its own page to the old list.
                library.held = {("macron", 0)}
                bar.set_query("macron")
                await until(pilot, lambda: status(bar) == "searching…")
                await pilot.press("G")  # the cursor hits the end of the old list: it asks for more
                await pilot.pause(0.05)
                library.gate.set()
                await settle(pilot)
                macron = [h.id for h in library.search("macron", limit=3).hits]
                assert len(macron) == 2 and [h.id for h in articles.hits] == macron
                assert status(bar) == "2 articles"

                # Hits found for the article open when a search started stay off the one opened since.
                screen.page_size = 50
                bar.set_query("")
                await settle(pilot)
                first = next(i for i, h in enumerate(articles.hits) if "Markup" in h.title)
                articles.highlighted = first
                await pilot.press("enter")
                await settle(pilot)
                opened = screen.article.id
                library.gate.clear()
                library.held = {("berlin", 0)}
                bar.set_query("berlin")
                await until(pilot, lambda: status(bar) == "searching…")
                other = next(i for i, h in enumerate(articles.hits) if "safe web story" in h.title)
                articles.highlighted = other
                articles.focus()
                await pilot.press("enter")
                await until(pilot, lambda: screen.article.id != opened)
                library.gate.set()
                await settle(pilot)
                body = screen.article.body
                assert view.hits and all(body[s:e].lower() == "berlin" for s, e in view.hits)
                assert view.hits == library.match_spans(screen.article.id, "berlin")

                # An early search that finishes after a later one never replaces the later one's list.
                library.gate.clear()
                library.held = {("emmanuel", 0)}
                bar.set_query("emmanuel")
                await until(pilot, lambda: status(bar) == "searching…")
                bar.set_query("tuesday")
                await until(pilot, lambda: status(bar) == "1 article")
                tuesday = [h.id for h in articles.hits]
                library.gate.set()
                await settle(pilot)
                assert [h.id for h in articles.hits] == tuesday == [h.id for h in library.search("tuesday").hits]
                assert status(bar) == "1 article" and bar.value == "tuesday"
        finally:
            library.gate.set()
