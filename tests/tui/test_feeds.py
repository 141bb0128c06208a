"""Feeds in the reader: R refreshes in a child process, new articles appear, failures are named, F filters.

A real HTTP server on 127.0.0.1 (tests/feeds_server.py) serves the feeds; the refresh runs in the same
child process the reader always uses, so these tests also cover the JSON event relay end to end.
"""

from __future__ import annotations

import pytest
from feeds_server import FeedServer, rss

from newsreader.index.models import WorkerEvent
from newsreader.tui.app import NewsReader
from newsreader.tui.feeds_summary import MOST_FAILURES_SHOWN, failure_text, summary_text
from newsreader.tui.palette import named_entries
from newsreader.tui.screens.feeds import FeedList, FeedsScreen, feed_query
from newsreader.tui.widgets.article_list import ArticleList
from newsreader.tui.widgets.index_status import IndexStatus
from newsreader.tui.widgets.search_bar import SearchBar

from .conftest import reader, settle

SIZE = (130, 40)
GAZETTE = "Portmere Gazette"
ODD = "[bold]Gone[/bold] feed"  # a name that must stay text everywhere: picker, notifications, palette
ITEMS = [
    {"title": "Ferry adds a second crossing", "guid": "urn:portmere:ferry", "date": "Tue, 03 Mar 2026 09:00:00 GMT",
     "summary": "x", "content": "<p>Ferry services between Portmere and the island of Skarn will run twice a "
                                "day from April, the Skarn Ferry Company said on Monday.</p>"},
    {"title": "Library reopens after repairs", "guid": "urn:portmere:library", "date": "Mon, 02 Mar 2026 09:00:00 GMT",
     "summary": "x", "content": "<p>The Portmere library reopened on Saturday after a year of repairs to its "
                                "roof, librarian Tomas Varga said.</p>"},
]
NEW_TITLES = [i["title"] for i in ITEMS]


@pytest.fixture
def server(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # the child honours proxy settings; never use one here
    s = FeedServer()
    s.add("/gazette.xml", rss(GAZETTE, ITEMS))
    yield s
    s.close()


def notes(app) -> list:
    return list(app._notifications)


def texts(app) -> str:
    return "\n".join(f"{n.title}: {n.message}" for n in notes(app))


async def test_refresh_shows_new_articles_and_names_failures_then_filter_by_feed(server, reader_library):
    reader_library.add_feed(server.url("/gazette.xml"), GAZETTE)
    reader_library.add_feed(server.url("/gone.xml"), ODD)  # the server answers 404
    messages = []
    app = reader(reader_library)
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await settle(pilot)
        articles = app.screen.query_one(ArticleList)
        assert len(articles.hits) == 2
        keep = articles.hits[1].id
        await pilot.press("j")  # the highlighted article stays highlighted when the list grows

        await pilot.press("R")
        await settle(pilot)
        titles = [h.title for h in articles.hits]
        assert set(NEW_TITLES) <= set(titles) and len(titles) == 4
        assert articles.current.id == keep
        relayed = [m.event for m in messages if isinstance(m, NewsReader.Indexing)]
        assert relayed[0] == WorkerEvent("start", kind="refresh")
        assert any(e.event == "progress" and e.kind == "refresh" for e in relayed)
        assert relayed[-1].final and relayed[-1].kind == "refresh"
        assert not app.screen.query_one("#index-status").display
        summary = texts(app)
        assert "2 new articles" in summary and "1 of 2 feeds failed" in summary
        failure = next(n for n in notes(app) if n.title == "Some feeds failed")
        assert failure.severity == "warning" and not failure.markup
        assert failure.message == f"{ODD}: not found (HTTP 404)"

        # F: the picker lists each feed with its state; choosing one filters through the search bar
        await pilot.press("F")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, FeedsScreen)
        rows = [str(o.prompt) for o in picker.query_one(FeedList).options]
        assert rows[0].startswith(ODD) and "failing · 0 articles" in rows[0] and "not found (HTTP 404)" in rows[0]
        assert rows[1].startswith(GAZETTE) and "ok · 2 articles" in rows[1]
        await pilot.press("j", "enter")
        await settle(pilot)
        bar = app.screen.query_one(SearchBar)
        assert bar.value == 'source:"Portmere Gazette"'
        assert [h.title for h in articles.hits] == NEW_TITLES  # newest first: a feed filter has nothing to rank
        assert app.focused is articles

        # the filter is an ordinary query: escape clears it
        await pilot.press("escape")
        await settle(pilot)
        assert bar.value == "" and len(articles.hits) == 4

        # the palette offers refreshing and one entry per feed, names as written (shown as Content, not markup)
        assert "Refresh feeds" in [c.title for c in app.get_system_commands(app.screen)]
        entries = {e.title: e for e in named_entries(app)}
        assert f"Filter by feed: {GAZETTE}" in entries and f"Filter by feed: {ODD}" in entries
        entries[f"Filter by feed: {ODD}"].run()
        await pilot.pause(0.05)
        await settle(pilot)
        assert bar.value == feed_query(ODD) and articles.hits == []

        # R inside the picker refreshes just the highlighted feed
        before = len(notes(app))
        await pilot.press("escape", "F")
        await settle(pilot)
        await pilot.press("R")  # the first row: the failing feed
        await settle(pilot)
        report = [m.event.report for m in messages
                  if isinstance(m, NewsReader.Indexing) and m.event.final][-1]
        assert [f["name"] for f in report["feeds"]] == [ODD]
        assert any(n.title == "Some feeds failed" for n in notes(app)[before:])


async def test_no_feeds_says_how_to_add_one(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        assert "newsreader feed add URL" in notes(app)[-1].message
        assert not any(w.group == "refresh" for w in app.workers)
        await pilot.press("F")
        await settle(pilot)
        assert not isinstance(app.screen, FeedsScreen)
        assert len([n for n in notes(app) if "newsreader feed add URL" in n.message]) == 2
        # the status line words a refresh's progress; the feed's name stays text
        status = app.screen.query_one(IndexStatus)
        status.update_event(WorkerEvent("progress", kind="refresh", phase="feeds", done=1, total=3, path=ODD))
        assert str(status.query_one("#index-label").render()) == f"Refreshing feeds · fetching feeds 1/3 · {ODD}"
        status.update_event(WorkerEvent("progress", kind="refresh", phase="index", done=0, total=2))
        assert str(status.query_one("#index-label").render()) == "Refreshing feeds · indexing new articles 0/2"


def test_refresh_report_in_plain_words():
    feeds = [{"name": f"feed {i}", "url": f"http://127.0.0.1/{i}", "status": "failed", "error": "timed out"}
             for i in range(MOST_FAILURES_SHOWN + 2)] + [{"name": "fine", "status": "ok"}]
    report = {"new": 1, "updated": 0, "unchanged": 4, "failed": len(feeds) - 1, "feeds": feeds}
    assert summary_text(report) == f"1 new article, 4 unchanged · {len(feeds) - 1} of {len(feeds)} feeds failed"
    lines = failure_text(report).splitlines()
    assert lines[0] == "feed 0: timed out" and len(lines) == MOST_FAILURES_SHOWN + 1
    assert lines[-1].startswith("and 2 more")
    assert failure_text({"feeds": [{"name": "fine", "status": "ok"}]}) == ""
    assert summary_text({"new": 0, "interrupted": True, "feeds": []}) == "0 new articles · stopped early"


def test_feed_query_keeps_the_name_one_phrase():
    assert feed_query(GAZETTE) == 'source:"Portmere Gazette"'
    assert feed_query('The "Daily"  Post') == 'source:"The Daily Post"'
