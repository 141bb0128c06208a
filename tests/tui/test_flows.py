"""The reader's main flows and every binding, driven through Textual's Pilot on fixture libraries."""

from __future__ import annotations

import re
import webbrowser

from textual.widgets import Input, Sparkline

from newsreader.index.library import Library
from newsreader.tui.keys import DEFAULT_KEYS, KEYS
from newsreader.tui.screens.help import HelpScreen
from newsreader.tui.screens.main import MainScreen
from newsreader.tui.screens.related import RelatedScreen
from newsreader.tui.screens.save_search import SaveSearchScreen
from newsreader.tui.widgets.article_list import ArticleList
from newsreader.tui.widgets.article_view import ArticleView, Paragraph
from newsreader.tui.widgets.entity_pane import EntityPane
from newsreader.tui.widgets.search_bar import SearchBar

from .conftest import reader, settle

SIZE = (130, 40)
ESPER_FIRST = "U.S., India Defense Chiefs Commit"  # the newer seed with the fixed mtimes


def parts(app):
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return (screen, screen.query_one(ArticleList), screen.query_one(ArticleView), screen.query_one(EntityPane),
            screen.query_one(SearchBar))


def terminal_output(app) -> str:
    """Exactly what the app would write to the terminal for a full repaint of the current screen."""
    return app.screen._compositor.render_full_update().render_segments(app.console)


def screen_text(app) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", terminal_output(app))


async def search(pilot, text: str) -> None:
    """Type into the bar, then wait until the debounce has reported the query and its search is done.

    Waits on the bar's state, not on a fixed pause: on a loaded machine the timer may fire late."""
    await pilot.press("slash", *text)
    screen = pilot.app.screen
    bar = screen.query_one(SearchBar)
    for _ in range(500):
        if not bar.pending and screen.query_text == bar.value:
            break
        await pilot.pause(0.01)
    await settle(pilot)


async def test_list_opens_newest_first_and_enter_opens(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        assert len(articles.hits) == 2 and articles.hits[0].title.startswith(ESPER_FIRST)
        assert app.focused is articles
        await pilot.press("enter")
        await settle(pilot)
        assert screen.article is not None and screen.article.title.startswith(ESPER_FIRST)
        assert len(view.query(Paragraph)) > 3
        assert any(o.id and o.id.startswith("e:") for o in pane.options.options)
        # opening marks read, in the list and in the state database
        assert articles.flags[screen.article.id][0] is True
        assert reader_library.flags([screen.article.id])[screen.article.id][0] is True


async def test_movement_keys(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        assert articles.highlighted == 0
        await pilot.press("j")
        assert articles.highlighted == 1
        await pilot.press("k")
        assert articles.highlighted == 0
        await pilot.press("G")
        assert articles.highlighted == 1
        await pilot.press("g")
        assert articles.highlighted == 0
        await pilot.press("down", "up")
        assert articles.highlighted == 0
        await pilot.press("enter")  # opens the article and moves into it
        await settle(pilot)
        assert app.focused is view
        await pilot.press("j", "j", "j")
        await pilot.pause()
        assert view.scroll_y > 0
        await pilot.press("G")
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y
        await pilot.press("g")
        await pilot.pause()
        assert view.scroll_y == 0
        await pilot.press("tab")
        assert app.focused is pane.options
        await pilot.press("shift+tab", "shift+tab")
        assert app.focused is articles


async def test_search_open_next_hit(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        await search(pilot, "esper")
        assert app.focused is bar.input
        assert articles.searching and articles.total == 2
        assert "2 articles" in str(bar.query_one("#search-status").render())
        await pilot.press("enter")  # submit: back to the list
        assert app.focused is articles
        await pilot.press("enter")
        await settle(pilot)
        assert len(view.hits) >= 2
        body = screen.article.body
        assert all(body[s:e].lower() == "esper" for s, e in view.hits)
        assert view.hit_index == 0  # opening jumps to the first hit
        await pilot.press("n")
        assert view.hit_index == 1
        assert "hit 2/" in view.border_subtitle
        await pilot.press("N", "N")
        assert view.hit_index == len(view.hits) - 1  # wraps
        # the paragraph holding the current hit is on screen
        start = view.hits[view.hit_index][0]
        para = next(p for p in view.query(Paragraph) if p.start <= start < p.start + len(p.text))
        assert view.scrollable_content_region.contains_region(para.region) or para.region.overlaps(view.region)


async def test_search_while_article_open_updates_hits(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        await pilot.press("enter")
        await settle(pilot)
        assert view.hits == []
        await search(pilot, "Singh")
        assert view.hits and all(screen.article.body[s:e] == "Singh" for s, e in view.hits)


async def test_choose_entity_filters_and_escape_clears(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        await pilot.press("j", "enter")  # the older seed
        await settle(pilot)
        await pilot.press("e")
        assert app.focused is pane.options
        pane.options.highlighted = pane.options.get_option_index("e:mark esper")
        await pilot.press("enter")
        await settle(pilot)
        assert bar.value == 'person:"Mark Esper"'
        assert articles.total == 2 and articles.searching  # both seeds, whichever spelling each uses
        assert view.focus_key == "mark esper"
        await pilot.press("right_square_bracket")
        first = view.mention_index
        await pilot.press("right_square_bracket")
        assert view.mention_index == (first + 1) % len(view._mentions())
        await pilot.press("left_square_bracket")
        assert view.mention_index == first
        spans = view._mentions()
        texts = {0: screen.article.title, 1: screen.article.body}
        assert all(texts[where][s:e].endswith("Esper") for where, s, e in spans)
        await pilot.press("escape")
        await settle(pilot)
        assert bar.value == "" and not articles.searching and view.focus_key is None


async def test_the_panes_count_is_the_number_of_mentions_the_walk_visits(reader_library):
    """For every entity of an open article: the pane's N× equals the mentions ] visits before it comes
    back to the first one (title mentions included)."""
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        await pilot.press("enter")
        await settle(pilot)
        counts = {e.key: e.count for e in pane._article if e.label in ("PERSON", "ORG", "GPE")}
        assert counts
        for key, count in list(counts.items())[:6]:
            view.restyle(focus_key=key)
            await pilot.press("right_square_bracket")
            first, seen = view.mention_index, 1
            await pilot.press("right_square_bracket")
            while view.mention_index != first:
                seen += 1
                await pilot.press("right_square_bracket")
            assert seen == count == len(view._mentions()), key
        view.restyle(focus_key=None)


async def test_library_mode_entity_detail(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        await pilot.press("e", "e")
        await settle(pilot)
        assert pane.mode == "library"
        ids = [o.id for o in pane.options.options if o.id]
        assert "e:mark esper" in ids and "e:united states" in ids
        assert "e:two" not in ids  # numbers stay out of the top entities
        pane.options.highlighted = pane.options.get_option_index("e:mark esper")
        await pilot.press("enter")
        await settle(pilot)
        assert pane.mode == "detail" and pane.detail.entity.key == "mark esper"
        assert len([o for o in pane.options.options if (o.id or "").startswith("a:")]) == 2
        assert any((o.id or "").startswith("e:") for o in pane.options.options)  # seen with
        assert bar.value == 'person:"Mark Esper"' and articles.total == 2
        # choosing one of its articles opens it
        pane.options.highlighted = next(i for i, o in enumerate(pane.options.options) if (o.id or "").startswith("a:"))
        await pilot.press("enter")
        await settle(pilot)
        assert screen.article is not None
        await pilot.press("escape")
        await settle(pilot)
        assert pane.mode == "library" and bar.value == ""


async def test_entity_timeline_sparkline(hostile_library):
    app = reader(hostile_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        await pilot.press("e", "e")
        await settle(pilot)
        key = next(o.id for o in pane.options.options if o.id and "merkel" in o.id)
        pane.options.highlighted = pane.options.get_option_index(key)
        await pilot.press("enter")
        await settle(pilot)
        spark = pane.query_one(Sparkline)
        assert spark.display
        assert list(spark.data) == [1, 0, 0, 1, 1]  # 1, 4 and 5 March 2024, gaps filled


async def test_malformed_query_shows_error_whole_at_120_columns(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        await search(pilot, "date:2020-13 Pompeo")
        status = bar.query_one("#search-status")
        text = str(status.render())
        assert '"2020-13"' in text and bar.has_class("-error")
        assert status.content_region.width >= len(text) and not text.endswith("…")  # nothing cut off
        assert len(articles.hits) == 2  # the list stays as it was


async def test_pasted_text_searches_and_the_bar_says_what_it_left_out(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        await search(pilot, 'person:"Esper')
        assert not bar.has_class("-error") and articles.total == 2
        assert 'unpaired "' in str(bar.border_subtitle)
        await pilot.press("escape", "escape")  # leave the bar, clear the search
        await search(pilot, "Why did Pompeo and Esper meet Zanzibarians?")
        assert articles.total == 2 and "no article has all words" in str(bar.border_subtitle)
        await pilot.press("escape", "escape")
        await search(pilot, "Pompeo Esper")
        assert articles.total == 2 and not bar.border_subtitle


async def test_did_you_mean_accepted_with_one_key(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        await search(pilot, "espr")
        assert bar.correction == "esper"
        assert "did you mean" in str(bar.query_one("#search-status").render())
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert bar.value == "esper" and articles.total == 2


async def test_star_and_read_survive_restart(reader_home):
    with Library.open(reader_home) as library:
        app = reader(library)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen, articles, view, pane, bar = parts(app)
            opened = articles.hits[0].id
            other = articles.hits[1].id
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("s")  # the article has focus: acts on it
            assert articles.flags[opened] == (True, True)
            await pilot.press("escape")  # back to the list, on the article
            assert app.focused is articles and articles.highlighted == 0
            await pilot.press("j", "s")  # the list has focus: acts on the highlighted row
            await pilot.press("u", "u")  # read, then unread again
            assert articles.flags[other] == (False, True)
            await pilot.press("k", "u")
            assert articles.flags[opened] == (False, True)
            await pilot.press("u")
            await pilot.press("q")
        assert app.return_value == 0
    with Library.open(reader_home) as library:
        app = reader(library)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen, articles, view, pane, bar = parts(app)
            assert articles.flags[opened] == (True, True)
            assert articles.flags[other] == (False, True)


async def test_related_opens_neighbour(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        await pilot.press("r")  # nothing open yet: a hint, no dialog
        assert not isinstance(app.screen, RelatedScreen)
        await pilot.press("enter")
        await settle(pilot)
        first = screen.article.id
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, RelatedScreen)
        assert [h.id for h in app.screen.hits] == [articles.hits[1].id]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert screen.article.id != first


async def test_save_search_and_palette_lists_it(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        await pilot.press("S")  # nothing typed: nothing to save
        assert not isinstance(app.screen, SaveSearchScreen)
        await search(pilot, "india")
        await pilot.press("escape")  # leave the search bar
        assert app.focused is articles
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, SaveSearchScreen)
        await pilot.press("ctrl+a", "ctrl+k", *"indian news", "enter")
        await pilot.pause()
        assert reader_library.state.saved_searches() == [("indian news", "india")]
        assert "Re-index library" in [c.title for c in app.get_system_commands(app.screen)]
        # names that look like markup are shown as written in the palette, not styled or mangled
        for name in ("[$accent]hi", "a\\[b] [bold]x"):
            reader_library.state.save_search(name, f"[i]{name}")
        await pilot.press("escape")  # clears the query
        await settle(pilot)
        assert bar.value == ""
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"saved")
        shown = ""
        for _ in range(300):
            shown = screen_text(app)
            if "[$accent]hi" in shown:
                break
            await pilot.pause(0.02)
        for name in ("[$accent]hi", "a\\[b] [bold]x"):
            assert f"Saved search: {name}" in shown and f"[i]{name}" in shown
        assert "Saved search: indian news" in shown
        # running the saved search from the palette puts it in the bar
        await pilot.press("ctrl+a", "ctrl+k", *"indian", "enter")
        await settle(pilot)
        assert app.screen is screen and bar.value == "india"


async def test_cycle_entity_types(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        await pilot.press("enter")
        await settle(pilot)
        assert view.labels is None
        await pilot.press("t")
        assert view.labels == {"PERSON"} and pane.labels == {"PERSON"}
        labels = {o.id for o in pane.options.options if o.id}
        assert labels and all(k in ("e:mark esper", "e:rajnath singh", "e:mike pompeo") for k in labels)
        for _ in range(6):
            await pilot.press("t")
        assert view.labels is None


async def test_help_lists_every_binding(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=(130, 120)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for key in KEYS:
            assert key.id in text and DEFAULT_KEYS.label(key.id, every=True) in text
            assert (key.help or key.description).split()[0] in text
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_help_scrolls_with_the_movement_keys_at_80x24(reader_library):
    from textual.containers import VerticalScroll

    app = reader(reader_library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        box = app.screen.query_one("#help-box", VerticalScroll)
        assert box.max_scroll_y > 0
        await pilot.press("j", "j", "j")
        assert box.scroll_y == 3
        await pilot.press("G")
        assert box.scroll_y == box.max_scroll_y
        await pilot.press("g")
        assert box.scroll_y == 0


async def test_keys_remapped_from_config(reader_library):
    reader_library.settings.keys = {"star": "x", "nonsense": "z"}
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        await pilot.press("s")
        assert articles.flags.get(articles.hits[0].id, (False, False))[1] is False
        await pilot.press("x")
        assert articles.flags[articles.hits[0].id][1] is True
        assert any("nonsense" in p for p in app.problems)
        assert any("star is now main.star" in p for p in app.problems)  # an old id works, with a note


async def test_quit_key(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
    assert app.return_value == 0


async def test_q_in_search_bar_types(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", "q")
        assert app.is_running and app.screen.query_one(Input).value == "q"


async def test_load_more_pages(reader_library):
    messages = []
    app = reader(reader_library)
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        screen.page_size = 1
        screen.run_search("")
        await settle(pilot)
        asked = [m.offset for m in {id(m): m for m in messages if isinstance(m, ArticleList.NeedMore)}.values()]
        assert asked == [1]  # one page of one, then the cursor was near the end, so the next page came
        assert [h.title[:10] for h in articles.hits] == ["U.S., Indi", "US and Ind"]
        await pilot.press("G")
        await settle(pilot)
        assert len(articles.hits) == 2 and articles.highlighted == 1


async def test_narrow_terminal_folds_entity_pane(reader_library):
    app = reader(reader_library)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        assert not pane.display or pane.region.width == 0
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert pane.region.width > 0 and app.focused is pane.options
        await pilot.press("escape")
        await pilot.pause()
        assert pane.region.width == 0


async def test_empty_library_explains(empty_library):
    app = reader(empty_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        notice = app.screen.query_one("#empty")
        assert notice.display
        assert "newsreader index" in str(notice.render())


async def test_hostile_text_is_inert(hostile_library):
    app = reader(hostile_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        hostile = next(i for i, h in enumerate(articles.hits) if "Markup" in h.title)
        articles.highlighted = hostile
        await pilot.press("enter")
        await settle(pilot)
        title = view.query_one("#article-title").render()
        assert "[bold red]Markup[/bold red]" in str(title)
        body = "".join(str(p.render()) for p in view.query(Paragraph))
        assert "[link=file:///etc/passwd]click me[/link]" in body
        for bad in ("\x1b", "\x07", "\u202e"):
            assert bad not in str(title) and bad not in body
        # what reaches the terminal: only Textual's own colour and cursor sequences, none from the article
        raw = terminal_output(app)
        for bad in ("\x1b]", "\x1b[2J", "\x07", "\u202e", "evil.example"):
            assert bad not in raw
        plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw)
        assert "[bold red]Markup[/bold red]" in plain


async def test_open_url_only_hands_web_urls_to_the_browser(hostile_library, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    app = reader(hostile_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        for i, hit in enumerate(articles.hits):
            articles.highlighted = i
            articles.focus()
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("o")
            await pilot.pause()
    assert opened == ["https://example.org/story"]


async def test_a_saved_search_can_be_forgotten_from_the_palette(reader_library):
    reader_library.state.save_search("towns", "town")
    reader_library.state.save_search("[b]keep[/b]", "india")
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"forget saved search: towns")
        for _ in range(300):
            if "Forget saved search: towns" in screen_text(app):
                break
            await pilot.pause(0.02)
        await pilot.press("enter")
        await settle(pilot)
        assert reader_library.state.saved_searches() == [("[b]keep[/b]", "india")]
        assert any("Forgot the saved search 'towns'" in n.message for n in app._notifications)
