"""Reading a day's news as a newsboat or mutt user would, without Tab: unread counts, enter, space, J/K,
A, G, escape back, the unread-only list and the sort key; each driven through Pilot on a fixture library."""

from __future__ import annotations

from textual import events

from newsreader.tui.screens.confirm import ConfirmScreen
from newsreader.tui.screens.main import MainScreen
from newsreader.tui.widgets.article_list import ArticleList
from newsreader.tui.widgets.article_view import ArticleView
from newsreader.tui.widgets.search_bar import SearchBar

from .conftest import reader, settle

SMALL = (80, 24)


def parts(app):
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen, screen.query_one(ArticleList), screen.query_one(ArticleView), screen.query_one(SearchBar)


def title_of(articles: ArticleList) -> str:
    return str(articles.border_title)


async def search(pilot, text: str) -> None:
    await pilot.press("slash", *text, "enter")
    await settle(pilot)


async def test_unread_count_follows_reading(day_library):
    app = reader(day_library)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen, articles, view, bar = parts(app)
        assert "80 unread" in title_of(articles)
        await pilot.press("enter")
        await settle(pilot)
        assert "79 unread" in title_of(articles)
        await pilot.press("u")  # unread again
        assert "80 unread" in title_of(articles)
        await search(pilot, "Townford3")
        assert title_of(articles) == "Articles (1) · 1 unread"


async def test_enter_then_J_reads_two_and_the_list_follows(day_library):
    app = reader(day_library)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen, articles, view, bar = parts(app)
        first, second = articles.hits[0].id, articles.hits[1].id
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is view and screen.article.id == first
        await pilot.press("J")
        await settle(pilot)
        assert app.focused is view and screen.article.id == second and articles.highlighted == 1
        assert day_library.unread_ids([first, second]) == []
        assert "78 unread" in title_of(articles)
        await pilot.press("K")
        await settle(pilot)
        assert screen.article.id == first and articles.highlighted == 0
        await pilot.press("escape")  # back to the list, on the open article
        assert app.focused is articles and articles.highlighted == 0


async def test_space_pages_down_then_opens_the_next_unread(day_library):
    app = reader(day_library)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen, articles, view, bar = parts(app)
        ids = [h.id for h in articles.hits]
        await pilot.press("j", "u", "k")  # the second is read already: space skips it
        await pilot.press("space")  # nothing open: the first unread opens
        await settle(pilot)
        assert screen.article.id == ids[0] and view.scroll_y == 0
        pages = 0
        while not view.at_end:
            await pilot.press("space")
            await pilot.pause()
            pages += 1
            assert screen.article.id == ids[0]
        assert pages >= 2 and view.scroll_y == view.max_scroll_y
        await pilot.press("space")
        await settle(pilot)
        assert screen.article.id == ids[2]


async def test_G_reaches_the_last_article_in_one_press(day_library):
    app = reader(day_library)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen, articles, view, bar = parts(app)
        assert articles.total == 80 and len(articles.hits) < 80
        await pilot.press("G")
        await settle(pilot)
        assert articles.current.title == "Story number 000"  # the oldest
        await pilot.press("enter")
        await settle(pilot)
        assert screen.article.title == "Story number 000"
        await pilot.press("escape", "k", "k")  # moving up loads the page before
        await settle(pilot)
        assert articles.current.title == "Story number 002"
        await pilot.press("g")
        await settle(pilot)
        assert articles.highlighted == 0 and articles.current.title == "Story number 079" and articles.base == 0


async def test_A_asks_past_a_screenful_and_empties_the_count(day_library):
    app = reader(day_library)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen, articles, view, bar = parts(app)
        await pilot.press("A")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is screen and "80 unread" in title_of(articles)
        await pilot.press("A", "y")
        await settle(pilot)
        assert "0 unread" in title_of(articles)
        assert all(articles.flags[h.id][0] for h in articles.hits)
        assert day_library.unread_ids(day_library.list_ids("")) == []


async def test_A_on_a_search_marks_only_it_without_asking(day_library):
    app = reader(day_library)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen, articles, view, bar = parts(app)
        await search(pilot, "Townford7")
        assert title_of(articles) == "Articles (1) · 1 unread"
        await pilot.press("A")
        await settle(pilot)
        assert app.screen is screen and title_of(articles) == "Articles (1) · 0 unread"
        assert len(day_library.unread_ids(day_library.list_ids(""))) == 79


async def test_escape_returns_to_the_search_and_position_before(day_library):
    app = reader(day_library)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen, articles, view, bar = parts(app)
        await pilot.press("j", "j", "j")
        was = articles.current.id
        await search(pilot, "council")
        await pilot.press("j", "j")
        in_search = articles.current.id
        await search(pilot, "Townford4")
        assert articles.total == 1
        await pilot.press("escape")  # back to the search "council", on the same article
        await settle(pilot)
        assert bar.value == "council" and articles.current.id == in_search
        await pilot.press("escape")  # back to the library, where the cursor was
        await settle(pilot)
        assert bar.value == "" and articles.current.id == was


async def test_unread_only_and_sort(day_library):
    app = reader(day_library)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen, articles, view, bar = parts(app)
        newest = articles.hits[0].id
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape", "U")
        await settle(pilot)
        assert articles.total == 79 and newest not in {h.id for h in articles.hits}
        assert "unread only" in title_of(articles)
        await pilot.press("U", "O")  # every article again, oldest first
        await settle(pilot)
        assert articles.total == 80 and articles.hits[0].title == "Story number 000"
        assert "oldest first" in title_of(articles)
        await pilot.press("O")
        await settle(pilot)
        assert articles.hits[0].id == newest


async def test_a_burst_of_j_scrolls_the_article_by_each(day_library):
    app = reader(day_library)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen, articles, view, bar = parts(app)
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is view and view.scroll_y == 0
        for _ in range(6):  # queued at once, with no frame between them, as a terminal's burst arrives
            app.post_message(events.Key("j", "j"))
        await pilot.pause()
        assert view.scroll_y == 6


async def test_o_says_when_no_browser_opens(hostile_library, monkeypatch):
    import webbrowser

    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: False)
    app = reader(hostile_library)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen, articles, view, bar = parts(app)
        web = next(i for i, h in enumerate(articles.hits) if h.url.startswith("https://"))
        articles.highlighted = web
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert any(n.message == "No browser could be opened here. The address: https://example.org/story"
                   for n in app._notifications)


async def test_rebuild_from_the_palette_asks_first(day_library):
    app = reader(day_library)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert {"Sort: newest first", "Sort: oldest first", "Sort: by relevance"} <= set(commands)
        commands["Rebuild library"].callback()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert not [w for w in app.workers if w.group == "index"]  # nothing started
        commands["Sort: oldest first"].callback()
        await settle(pilot)
        assert app.screen.query_one(ArticleList).hits[0].title == "Story number 000"
