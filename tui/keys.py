"""Every key the reader answers to, defined once: bindings, the help screen and the footer all read this.

Each key has a stable ``id`` so a user can remap it in config.toml (``[keys] star = "x"``); the App
hands those overrides to Textual's ``set_keymap``. ``scope`` says where the binding lives: ``app`` keys
work from anywhere on the main screen, ``list`` keys move through a list, ``view`` keys scroll the article.
"""

from __future__ import annotations

from typing import NamedTuple

from textual.binding import Binding


class Key(NamedTuple):
    id: str
    keys: str
    action: str
    description: str
    scope: str = "app"
    show: bool = True
    help: str = ""
    priority: bool = False

    def binding(self) -> Binding:
        return Binding(self.keys, self.action, self.description, show=self.show, id=self.id, priority=self.priority)


KEYS: tuple[Key, ...] = (
    # moving (lists and the article view each bind these to their own actions)
    Key("down", "j,down", "cursor_down", "Down", "list", show=False, help="next article / entity"),
    Key("up", "k,up", "cursor_up", "Up", "list", show=False, help="previous article / entity"),
    Key("top", "g,home", "first", "Top", "list", show=False, help="first item"),
    Key("bottom", "G,end", "last", "Bottom", "list", show=False, help="last item (loads every page)"),
    Key("down", "j,down", "scroll_down", "Down", "view", show=False, help="scroll the article down"),
    Key("up", "k,up", "scroll_up", "Up", "view", show=False, help="scroll the article up"),
    Key("top", "g,home", "scroll_home", "Top", "view", show=False, help="start of the article"),
    Key("bottom", "G,end", "scroll_end", "Bottom", "view", show=False, help="end of the article"),
    Key("open", "enter", "select", "Open", "list", show=False, help="open the article / choose the entity"),
    # the app
    Key("next_pane", "tab", "app.focus_next", "Next pane", show=False, help="cycle panes forwards"),
    Key("previous_pane", "shift+tab", "app.focus_previous", "Previous pane", show=False,
        help="cycle panes backwards"),
    # Priority: the app acts on it as the key arrives, so the keys typed right after it (one burst from the
    # terminal) already go to the search bar; inside the bar the screen turns it off and "/" is typed.
    Key("search", "slash", "focus_search", "Search", help="type a search (as you type, debounced)", priority=True),
    Key("escape", "escape", "escape", "Back", show=False,
        help="leave the search bar; else clear the search or entity filter"),
    Key("accept_correction", "ctrl+y", "accept_correction", "Did you mean", show=True,
        help="accept the \"did you mean\" suggestion"),
    Key("next_hit", "n", "next_hit", "Next hit", help="next search hit in the article"),
    Key("previous_hit", "N", "previous_hit", "Prev hit", show=False, help="previous search hit in the article"),
    Key("next_mention", "right_square_bracket", "next_mention", "Next mention", show=False,
        help="next mention of the chosen entity"),
    Key("previous_mention", "left_square_bracket", "previous_mention", "Prev mention", show=False,
        help="previous mention of the chosen entity"),
    Key("entities", "e", "entity_pane", "Entities",
        help="show the entity pane; again to switch between this article and the whole library"),
    Key("related", "r", "related", "Related", help="articles related to the open one"),
    Key("star", "s", "toggle_star", "Star", help="star / unstar the article"),
    Key("read", "u", "toggle_read", "Read/unread", show=False, help="mark the article read / unread"),
    Key("save_search", "S", "save_search", "Save search", show=False, help="save the current search"),
    Key("open_url", "o", "open_url", "Open url", show=False, help="open the article's web address in a browser"),
    Key("entity_types", "t", "cycle_types", "Types", show=False,
        help="cycle which entity types are highlighted"),
    Key("refresh_feeds", "R", "refresh_feeds", "Refresh", help="refresh every feed (new articles appear when done)"),
    Key("feeds", "F", "pick_feed", "Feeds", show=False,
        help="list the feeds; choosing one shows only its articles (source: in the search bar)"),
    Key("help", "question_mark", "help", "Help", help="this screen"),
    Key("quit", "q", "quit", "Quit", help="quit"),
)


def bindings(scope: str) -> list[Binding]:
    return [k.binding() for k in KEYS if k.scope == scope]


def key_label(key: Key, keymap: dict[str, str] | None = None) -> str:
    """The keys as a person would type them, after the user's remapping."""
    names = {"slash": "/", "question_mark": "?", "right_square_bracket": "]", "left_square_bracket": "[",
             "shift+tab": "shift+tab"}
    raw = (keymap or {}).get(key.id, key.keys)
    return " ".join(names.get(k.strip(), k.strip()) for k in raw.split(","))
