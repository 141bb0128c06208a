"""The parts made lighter for the first screen still do their job: list entries hang beside their
marks, and the one-line footer shows the keys that apply, in the first frame, and presses them on a click."""

from __future__ import annotations

from datetime import datetime

from rich.console import Console

from newsreader.index.models import Hit
from newsreader.tui.widgets.article_list import STAR, UNREAD, ArticleList, entry
from newsreader.tui.widgets.footer import KeyFooter

from .conftest import reader, settle
from .test_flows import SIZE, search


def _lines(renderable, width: int) -> list[str]:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text().splitlines()


def test_a_long_title_wraps_beside_the_marks():
    hit = Hit("a", "Defence chiefs commit to a closer partnership across the Indo-Pacific region", "SCMP",
              datetime(2020, 10, 27), "", "", 0.0, "", (), (), 812, None)
    lines = _lines(entry(hit, read=False, starred=True, searching=False), 30)
    assert lines[0].startswith(f"{UNREAD} Defence") and lines[1].startswith(f"{STAR} ")
    assert all(line.startswith("  ") for line in lines[2:])  # wrapped lines keep the gutter
    assert all(len(line) <= 30 for line in lines)
    text = " ".join(line[2:].strip() for line in lines)
    assert "Defence chiefs commit to a closer partnership across the Indo-Pacific region" in text
    assert "SCMP · 2020-10-27 · 812 words" in text
    assert lines[-1].strip() == ""  # a blank line between entries
    read = _lines(entry(hit, read=True, starred=False, searching=False), 30)
    assert not read[0].startswith(UNREAD) and not read[1].startswith(STAR)


def _footer_text(app) -> str:
    return app.screen.query_one(KeyFooter).render().plain


async def test_the_footer_is_drawn_with_the_first_frame_and_follows_the_keys(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()  # one frame: no worker has run, no bindings update has been sent yet
        text = _footer_text(app)
        for shown in ("/ Search", "e Entities", "? Help", "q Quit", "^p palette"):
            assert shown in text, text
        assert "Did you mean" not in text  # only while a correction is offered
        await search(pilot, "espr")
        await settle(pilot)
        footer = app.screen.query_one(KeyFooter)
        assert any(k.description == "Did you mean" for k in footer._shown[0])  # redrawn, not just drawable
        assert "^y Did you mean" in _footer_text(app)


async def test_clicking_a_key_in_the_footer_presses_it(reader_library):
    from newsreader.tui.screens.help import HelpScreen

    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = _footer_text(app)
        await pilot.click(KeyFooter, offset=(text.index("? Help") + 1, 0))
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)


async def test_the_palette_key_gives_way_on_a_narrow_terminal(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=(70, 30)) as pilot:
        await settle(pilot)
        text = _footer_text(app)
        assert "q Quit" in text and "palette" not in text, text


async def test_a_damaged_index_is_reported_once_the_list_is_up(reader_home):
    """The reader opens the index after its first frame (the list comes from the catalog); a damaged
    index is then said in words, with the fix, and the list stays readable."""
    from newsreader.index.library import Library

    for segment in (reader_home / "library" / "whoosh").glob("*.seg"):
        segment.write_bytes(segment.read_bytes()[:64])
    with Library.open(reader_home, defer_index=True) as library:
        app = reader(library)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            from newsreader.tui.widgets.article_list import ArticleList

            assert len(app.screen.query_one(ArticleList).hits) == 2
            messages = [n.message for n in app._notifications]
            assert any("damaged" in m and "newsreader index --rebuild" in m for m in messages), messages


async def test_a_tall_terminal_is_filled_with_pages(reader_library, monkeypatch):
    """Pages of one entry never reach the bottom of the screen: the list asks for more until it does
    (or the library is all listed), without a key pressed."""
    from newsreader.tui.widgets.article_list import ArticleList

    monkeypatch.setattr("newsreader.tui.screens.main.PAGE", 1)
    app = reader(reader_library)
    async with app.run_test(size=(130, 60)) as pilot:
        for _ in range(3):
            await settle(pilot)
        articles = app.screen.query_one(ArticleList)
        assert articles.total == 2 and len(articles.hits) == 2


async def test_slash_and_a_word_typed_in_one_burst_all_go_to_the_search_bar(reader_library):
    """A terminal delivers "/esper" typed quickly as one read: every key after the slash is the query,
    none of them a command (e, s and r would open entities, star and related)."""
    from textual import events

    from newsreader.tui.widgets.search_bar import SearchBar

    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key, char in [("slash", "/")] + [(c, c) for c in "esper"]:
            event = events.Key(key, char)
            event.set_sender(app)
            app._driver.send_message(event)  # as the terminal driver does: no waiting between keys
        await settle(pilot, 0.4)
        assert app.screen.query_one(SearchBar).value == "esper"
        assert reader_library.state.starred_ids() == []
        await pilot.press("slash", "x")  # inside the bar a slash is just typed
        assert app.screen.query_one(SearchBar).value == "esper/x"


async def test_the_key_under_the_mouse_is_highlighted(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(KeyFooter)
        text = _footer_text(app)
        await pilot.hover(KeyFooter, offset=(text.index("q Quit") + 1, 0))
        await settle(pilot)
        assert footer._spans[footer.hovered][2].description == "Quit"
        await pilot.hover(ArticleList)
        await settle(pilot)
        assert footer.hovered is None


async def test_the_collector_waits_for_the_first_frame_and_comes_back_with_start_up_frozen(reader_library):
    import gc

    from newsreader.tui import collector

    frozen = gc.get_freeze_count()
    collector.hold()  # what `newsreader` does before it imports Textual
    try:
        assert not gc.isenabled()
        app = reader(reader_library)
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(200):  # the app lets it go half a second after its first frame
                if gc.isenabled():
                    break
                await pilot.pause(0.05)
            assert gc.isenabled()
            assert gc.get_freeze_count() > frozen
            assert app.screen.query_one(ArticleList).option_count > 0
    finally:
        collector.release(settle=False)
        gc.unfreeze()
        gc.enable()


def test_the_collector_is_left_alone_when_something_else_turned_it_off():
    import gc

    from newsreader.tui import collector

    frozen = gc.get_freeze_count()
    gc.disable()
    try:
        collector.hold()
        collector.release()
        assert not gc.isenabled()  # not ours to turn on
        assert gc.get_freeze_count() == frozen
    finally:
        gc.enable()


async def test_a_damaged_index_found_at_start_up_is_reported_and_the_list_still_shows(reader_home):
    """Start-up decides whether to seed from the catalog alone: the whole check opens the index, which
    must fail in the indexing worker (a notice), never in the first frame (the app would stop)."""
    import sqlite3

    from newsreader.index.library import Library

    db = sqlite3.connect(reader_home / "library" / "catalog.sqlite")
    db.execute("DELETE FROM meta WHERE name='initialised'")  # as in catalogs from before that mark
    db.commit()
    db.close()
    for seg in (reader_home / "library" / "whoosh").glob("*.seg"):
        seg.write_bytes(seg.read_bytes()[:100])
    with Library.open(reader_home, defer_index=True) as library:
        app = reader(library, seed=True)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert app.return_code is None  # still running
            assert app.screen.query_one(ArticleList).option_count == 2  # from the catalog
            assert any("damaged" in n.message for n in app._notifications), [n.message for n in app._notifications]
