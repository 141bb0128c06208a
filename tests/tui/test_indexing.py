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
        events = [m.event.get("event") for m in messages if isinstance(m, NewsReader.Indexing)]
        assert events[0] == "start" and "done" in events
        assert not app.screen.query_one("#index-status").display
        assert not app.screen.query_one("#empty").display


async def test_index_paths_given_on_the_command_line(empty_library, tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "one.txt").write_text("Ada Lovelace wrote the first program\n\nAda Lovelace worked with Charles "
                                    "Babbage in London.\n", encoding="utf-8")
    app = NewsReader(empty_library, index_paths=[str(folder)], seed=False)
    async with app.run_test(size=(120, 36)) as pilot:
        articles = app.screen.query_one(ArticleList)
        for _ in range(600):
            if articles.hits and not app.screen.indexing:
                break
            await asyncio.sleep(0.1)
        await settle(pilot)
        assert [h.title for h in articles.hits] == ["Ada Lovelace wrote the first program"]
