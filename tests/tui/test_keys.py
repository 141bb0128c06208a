"""One keys table: every binding (dialogs' included) has a namespaced id a user can remap in config.toml, and
every text that names a key names the key as it is mapped now."""

from __future__ import annotations

import io
import re

from hypothesis import given
from hypothesis import strategies as st

from rich.console import Console
from textual.widgets import Static

from newsreader.index.config import Settings, _flat
from newsreader.tui.keys import DEFAULTS, KEYS, OLD_IDS, RENAMED, KeyMap, key_text
from newsreader.tui.screens.feeds import FeedsScreen
from newsreader.tui.screens.help import HelpScreen, help_table
from newsreader.tui.screens.main import MainScreen
from newsreader.tui.screens.related import RelatedScreen
from newsreader.tui.screens.save_search import SaveSearchScreen
from newsreader.tui.widgets.empty import empty_text

from .conftest import reader, settle
from .test_flows import SIZE, parts, screen_text

REMAPPED = """
[keys]
main.star = "x"
main.help = "h"
main.entities = "E"
main.related = "ctrl+r"
list.open = "l,enter"
dialog.close = "c,escape"
main.refresh_feeds = "ctrl+g"
"main.search" = "ctrl+f"

[keys.move]
down = "j,down,ctrl+n"
"""


def test_every_binding_is_in_the_table_with_one_set_of_keys_per_id():
    for key in KEYS:
        assert "." in key.id and key.keys == DEFAULTS[key.id], key
    for cls in (MainScreen, HelpScreen, RelatedScreen, FeedsScreen, SaveSearchScreen):
        for binding in cls.BINDINGS:
            assert binding.id in DEFAULTS, (cls, binding)


def test_old_ids_still_work_with_a_note():
    keys = KeyMap({"star": "x", "main.help": "h", "down": "ctrl+n", "main.read": "y", "read": "z"})
    assert sorted(RENAMED) == sorted(OLD_IDS)
    assert keys.overrides == {"main.star": "x", "main.help": "h", "move.down": "ctrl+n", "main.read": "y"}
    assert keys.problems == ["config [keys]: star is now main.star; down is now move.down; read is now main.read "
                             "(the old names still work; rename them)"]


def test_dotted_and_nested_ids_in_config(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(REMAPPED, encoding="utf-8")
    settings = Settings.load(path)
    assert settings.problems == []
    assert settings.keys["main.search"] == "ctrl+f" and settings.keys["main.star"] == "x"
    assert settings.keys["move.down"] == "j,down,ctrl+n"
    assert KeyMap(settings.keys).problems == []


@given(st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True),
                       st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), st.text(max_size=5),
                                       min_size=1, max_size=3), max_size=3))
def test_nested_key_tables_flatten_to_dotted_ids(tables):
    assert _flat(tables) == {f"{a}.{b}": value for a, inner in tables.items() for b, value in inner.items()}


def test_texts_name_the_mapped_key():
    keys = KeyMap({"main.refresh_feeds": "ctrl+g", "app.command_palette": "ctrl+k"})
    text = empty_text("/home", indexing=False, readonly=False, keys=keys).plain
    assert "ctrl+g here fetches it" in text and "press ctrl+k" in text
    assert " R " not in text and "ctrl+p" not in text
    assert [key_text(k) for k in ("slash", "question_mark", "enter", "ctrl+y", "right_square_bracket")] == \
        ["/", "?", "enter", "ctrl+y", "]"]


async def test_a_remapped_key_shows_everywhere_and_works(reader_library, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(REMAPPED, encoding="utf-8")
    reader_library.settings = Settings.load(path)
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        assert app.problems == []
        text = screen_text(app)
        footer = text.splitlines()[-1]
        assert " x Star " in footer and " h Help " in footer and " E Entities " in footer
        assert " s Star " not in footer and " ? Help " not in footer
        assert bar.input.placeholder.startswith("ctrl+f to search")
        hint = view.query_one("#article-title", Static).content
        assert str(hint) == "Choose an article on the left (l) to read it here."

        await pilot.press("l")  # open the highlighted article
        await settle(pilot)
        assert view.article is not None
        assert str(pane.query_one("#entity-title", Static).content) == "This article · E: library"
        await pilot.press("s")
        assert articles.flags[view.article.id][1] is False
        await pilot.press("x")
        assert articles.flags[view.article.id][1] is True

        await pilot.press("ctrl+r")  # related articles, and the dialog's own keys
        await settle(pilot)
        assert isinstance(app.screen, RelatedScreen)
        assert "l opens · c closes" in screen_text(app)
        await pilot.press("c")
        assert isinstance(app.screen, MainScreen)

        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        help_text = screen_text(app)
        assert str(app.screen.query(Static).last().content) == "c, escape or h closes this screen"
        assert re.search(r"│ x +star / unstar the article +main\.star ", help_text)
        assert re.search(r"│ ctrl\+f +type a search .* main\.search ", help_text)
        console = Console(width=100, record=True, file=io.StringIO())
        console.print(help_table(app.key_map))
        assert re.search(r"\bc escape +close this screen +dialog\.close\b", console.export_text())
        await pilot.press("h")  # the key that opened it closes it
        assert isinstance(app.screen, MainScreen)

        await pilot.press("ctrl+g")  # no feeds in this library: the notice names the mapped key
        await settle(pilot)
        assert any("then press ctrl+g here" in n.message for n in app._notifications)

        await pilot.press("ctrl+f", *"esper")
        assert bar.input.has_focus and bar.value == "esper"


async def test_the_close_key_is_typed_in_the_save_dialog(reader_library):
    """dialog.close includes q; in the save dialog's name field q is a letter, escape still cancels."""
    app = reader(reader_library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen, articles, view, pane, bar = parts(app)
        bar.set_query("india")
        await settle(pilot, 0.3)
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, SaveSearchScreen)
        await pilot.press("ctrl+a", "ctrl+k", *"qq")
        assert isinstance(app.screen, SaveSearchScreen) and app.screen.query_one("#save-name").value == "qq"
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen) and reader_library.state.saved_searches() == []
