"""Indexing started by the reader: in a child process, with progress on screen, the list refreshed after."""

from __future__ import annotations

import asyncio

from newsreader.tui.app import NewsReader
from newsreader.tui.widgets.article_list import ArticleList

from .conftest import settle


async def test_new_library_indexes_the_seeds_in_the_background(empty_library):
    messages = []
    app = NewsReader(empty_library, seed=True)
    async with app.run_test(size=(120, 36), message_hook=messages.append) as pilot:
        await pilot.pause(0.2)
        assert app.screen.query_one("#empty").display  # the explanation shows while indexing runs
        articles = app.screen.query_one(ArticleList)
        for _ in range(600):
            if len(articles.hits) == 2 and not app.screen.indexing:
                break
            await asyncio.sleep(0.1)
        await settle(pilot)
        assert len(articles.hits) == 2
        events = [m.event.event for m in messages if isinstance(m, NewsReader.Indexing)]
        assert events[0] == "start" and "done" in events
        assert not app.screen.query_one("#index-status").display
        assert not app.screen.query_one("#empty").display


async def test_index_paths_given_on_the_command_line(empty_library, tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "one.txt").write_text("Ada Lovelace wrote the first program\n\nAda Lovelace worked with Charles "
                                    "Babbage in London.\n", encoding="utf-8")
    messages = []
    app = NewsReader(empty_library, index_paths=[str(folder)], seed=False)
    async with app.run_test(size=(120, 36), message_hook=messages.append) as pilot:
        articles = app.screen.query_one(ArticleList)
        await finished(pilot, messages)
        assert [h.title for h in articles.hits] == ["Ada Lovelace wrote the first program"]
        ada = articles.hits[0].id
        assert "ada lovelace" in {e.key for e in empty_library.article_entities(ada)}

        # "Rebuild library" replaces the library folder from a child process; the reader must read the
        # new one afterwards (list, catalog and entities), not the deleted files it had open.
        (folder / "one.txt").unlink()
        (folder / "two.txt").write_text("Grace Hopper found a moth\n\nGrace Hopper worked on the Harvard "
                                        "Mark I in Cambridge.\n", encoding="utf-8")
        del messages[:]
        app.start_indexing([], rebuild=True)
        await finished(pilot, messages)
        events = [m.event for m in messages if isinstance(m, NewsReader.Indexing)]
        assert (events[0].event, events[0].rebuild) == ("start", True)  # the status line says "Rebuilding…"
        assert "rebuilding" in [e.event for e in events]  # ... and that the current library answers meanwhile
        assert [h.title for h in articles.hits] == ["Grace Hopper found a moth"]
        grace = articles.hits[0].id
        assert "grace hopper" in {e.key for e in empty_library.article_entities(grace)}
        assert empty_library.article_count() == 1 and empty_library.find_entity("Ada Lovelace") is None


async def finished(pilot, messages) -> None:
    """Wait for the indexing job's final event to be handled, then for the list to reload."""
    for _ in range(600):
        if any(isinstance(m, NewsReader.Indexing) and m.event.final for m in messages):
            break
        await asyncio.sleep(0.1)
    await settle(pilot)
