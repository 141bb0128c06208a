"""Every key the reader answers to, defined once: bindings (dialogs' included), the help screen, the footer,
the command palette and every text that names a key all read this table.

Each key has a namespaced id (as Harlequin names its actions) so a user can remap it in config.toml::

    [keys]
    main.star = "x"
    dialog.close = "escape,c"

``scope`` says which class binds it: ``app`` (the App), ``main`` (the main screen), ``list`` (every option
list), ``article`` (the article view), and one scope per dialog (``help``, ``related``, ``feeds``, ``save``).
One id may be bound in several scopes (the moving keys; a dialog closes with the key that opened it), always
with the same keys, so one line of config remaps it everywhere it means the same thing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, NamedTuple

from textual.binding import Binding
from textual.keys import KEY_DISPLAY_ALIASES, format_key

if TYPE_CHECKING:
    from textual.dom import DOMNode


class Key(NamedTuple):
    id: str
    keys: str
    action: str
    description: str
    scope: str = "main"
    show: bool = True
    help: str = ""
    priority: bool = False
    palette: str = ""  # the command palette's title for it; empty: not in the palette

    def binding(self) -> Binding:
        return Binding(self.keys, self.action, self.description, show=self.show, id=self.id, priority=self.priority)


KEYS: tuple[Key, ...] = (
    # moving (lists, the article view and the help screen each bind these to their own actions)
    Key("move.down", "j,down", "cursor_down", "Down", "list", show=False, help="next article / entity"),
    Key("move.up", "k,up", "cursor_up", "Up", "list", show=False, help="previous article / entity"),
    Key("move.top", "g,home", "first", "Top", "list", show=False, help="first item"),
    Key("move.bottom", "G,end", "last", "Bottom", "list", show=False, help="last item (of the whole list, in one press)"),
    Key("list.open", "enter", "select", "Open", "list", show=False,
        help="open the article and move into it / choose the entity"),
    Key("move.down", "j,down", "scroll_down", "Down", "article", show=False, help="scroll the article down"),
    Key("move.up", "k,up", "scroll_up", "Up", "article", show=False, help="scroll the article up"),
    Key("move.top", "g,home", "scroll_home", "Top", "article", show=False, help="start of the article"),
    Key("move.bottom", "G,end", "scroll_end", "Bottom", "article", show=False, help="end of the article"),
    Key("article.page_down", "pagedown", "page_down", "Page down", "article", show=False, help="a page down"),
    Key("article.page_up", "pageup,b", "page_up", "Page up", "article", show=False, help="a page up"),
    # the main screen
    Key("main.next_pane", "tab", "app.focus_next", "Next pane", show=False, help="cycle panes forwards"),
    Key("main.previous_pane", "shift+tab", "app.focus_previous", "Previous pane", show=False,
        help="cycle panes backwards"),
    # Priority: the app acts on it as the key arrives, so the keys typed right after it (one burst from the
    # terminal) already go to the search bar; inside the bar the screen turns it off and "/" is typed.
    Key("main.search", "slash", "focus_search", "Search", help="type a search (as you type, debounced)",
        priority=True, palette="Search"),
    Key("main.escape", "escape", "escape", "Back", show=False,
        help="back: from the article to the list, from the search bar to the list; else to the list, search "
             "and position before this search or entity filter"),
    # reading on, as in newsboat and mutt: the screen binds these, so they act in every pane
    Key("main.read_on", "space", "read_on", "Read on", show=False,
        help="page down the article; at its end, open the next unread article"),
    Key("main.next_article", "J", "next_article", "Next article", show=False,
        help="open the next article of the list (focus stays in the article)", palette="Next article"),
    Key("main.previous_article", "K", "previous_article", "Prev article", show=False,
        help="open the previous article of the list", palette="Previous article"),
    Key("main.mark_all_read", "A", "mark_all_read", "All read",
        help="mark every article of this list read (asks first when that is more than a screenful)",
        palette="Mark all read"),
    Key("main.unread_only", "U", "toggle_unread_only", "Unread only", show=False,
        help="show only unread articles / every article", palette="Unread only"),
    Key("main.sort", "O", "cycle_sort", "Sort", show=False,
        help="sort the list: newest, oldest, relevance (while searching)", palette="Sort"),
    Key("main.accept_correction", "ctrl+y", "accept_correction", "Did you mean", show=True,
        help="accept the \"did you mean\" suggestion", palette="Did you mean"),
    Key("main.next_hit", "n", "next_hit", "Next hit", help="next search hit in the article", palette="Next hit"),
    Key("main.previous_hit", "N", "previous_hit", "Prev hit", show=False, help="previous search hit in the article",
        palette="Prev hit"),
    Key("main.next_mention", "right_square_bracket", "next_mention", "Next mention", show=False,
        help="next mention of the chosen entity", palette="Next mention"),
    Key("main.previous_mention", "left_square_bracket", "previous_mention", "Prev mention", show=False,
        help="previous mention of the chosen entity", palette="Prev mention"),
    Key("main.entities", "e", "entity_pane", "Entities",
        help="show the entity pane; again to switch between this article and the whole library", palette="Entities"),
    Key("main.related", "r", "related", "Related", help="articles related to the open one", palette="Related"),
    Key("main.star", "s", "toggle_star", "Star", help="star / unstar the article", palette="Star"),
    Key("main.read", "u", "toggle_read", "Read/unread", show=False, help="mark the article read / unread",
        palette="Read/unread"),
    Key("main.save_search", "S", "save_search", "Save search", show=False, help="save the current search",
        palette="Save search"),
    Key("main.open_url", "o", "open_url", "Open url", show=False, help="open the article's web address in a browser",
        palette="Open url"),
    Key("main.entity_types", "t", "cycle_types", "Types", show=False, help="cycle which entity types are highlighted",
        palette="Types"),
    Key("main.refresh_feeds", "R", "refresh_feeds", "Refresh",
        help="refresh every feed (new articles appear when done)", palette="Refresh feeds"),
    Key("main.feeds", "F", "pick_feed", "Feeds", show=False,
        help="list the feeds; choosing one shows only its articles (source: in the search bar)", palette="Feeds"),
    Key("main.help", "question_mark", "help", "Help", help="this screen", palette="Help"),
    Key("main.quit", "q", "quit", "Quit", help="quit"),
    # the app (Textual's own palette binding, given an id so it can be remapped and named in texts)
    Key("app.command_palette", "ctrl+p", "command_palette", "palette", "app", show=False, priority=True,
        help="command palette: re-index, refresh feeds, filter by feed, entity types, themes, saved searches"),
    # dialogs: each closes with dialog.close or with the key that opened it
    Key("dialog.close", "escape,q", "dismiss", "Close", "help", help="close this screen"),
    Key("main.help", "question_mark", "dismiss", "Close", "help", help="close this screen"),
    Key("move.down", "j,down", "scroll('down')", "Down", "help", show=False, help="scroll down"),
    Key("move.up", "k,up", "scroll('up')", "Up", "help", show=False, help="scroll up"),
    Key("help.page_down", "space,pagedown", "scroll('page_down')", "Page down", "help", show=False,
        help="a page down"),
    Key("help.page_up", "b,pageup", "scroll('page_up')", "Page up", "help", show=False, help="a page up"),
    Key("move.top", "g,home", "scroll('home')", "Top", "help", show=False, help="top"),
    Key("move.bottom", "G,end", "scroll('end')", "Bottom", "help", show=False, help="bottom"),
    Key("dialog.close", "escape,q", "dismiss_none", "Close", "related", help="close related articles"),
    Key("main.related", "r", "dismiss_none", "Close", "related", help="close related articles"),
    Key("dialog.close", "escape,q", "dismiss_none", "Close", "feeds", help="close the feed list"),
    Key("main.feeds", "F", "dismiss_none", "Close", "feeds", help="close the feed list"),
    Key("main.refresh_feeds", "R", "refresh_one", "Refresh this feed", "feeds", help="refresh the highlighted feed"),
    Key("dialog.close", "escape,q", "cancel", "Cancel", "save", help="cancel saving the search"),
    Key("confirm.yes", "y", "yes", "Yes", "confirm", help="yes, go ahead"),
    Key("confirm.no", "n,escape", "no", "No", "confirm", help="no, leave things as they are"),
)

DEFAULTS: dict[str, str] = {key.id: key.keys for key in KEYS}

# The ids before they were namespaced: config files written with them keep working, with a note.
OLD_IDS = ("down", "up", "top", "bottom", "open", "next_pane", "previous_pane", "search", "escape",
           "accept_correction", "next_hit", "previous_hit", "next_mention", "previous_mention", "entities",
           "related", "star", "read", "save_search", "open_url", "entity_types", "refresh_feeds", "feeds",
           "help", "quit")
RENAMED: dict[str, str] = {key_id.partition(".")[2]: key_id for key_id in DEFAULTS
                           if key_id.partition(".")[0] in ("main", "move", "list")
                           and key_id.partition(".")[2] in OLD_IDS}


def bindings(scope: str) -> list[Binding]:
    return [k.binding() for k in KEYS if k.scope == scope]


def key_text(key: str) -> str:
    """One key as a person would type it: "/" for slash, "?" for question_mark, "ctrl+y", "down"."""
    key = key.strip()
    if key in KEY_DISPLAY_ALIASES:  # Textual draws "enter" as a symbol; a sentence names it
        return key
    shown = format_key(key)
    return shown if len(shown) == 1 and shown.isprintable() and not shown.isspace() else key


class KeyMap:
    """The keys as this user has them: the table's defaults with config.toml's ``[keys]`` on top.

    The App hands ``overrides`` to Textual's ``set_keymap``; texts that name a key ask ``label``, so a
    remapped key is named correctly everywhere. Ids from before namespacing are taken with a note."""

    def __init__(self, config: Mapping[str, str] | None = None) -> None:
        self.overrides: dict[str, str] = {}
        self.problems: list[str] = []
        config = dict(config or {})
        unknown, renamed = [], []
        for given, keys in config.items():
            key_id = given if given in DEFAULTS else RENAMED.get(given)
            if key_id is None:
                unknown.append(given)
                continue
            if key_id != given:
                renamed.append(f"{given} is now {key_id}")
                if key_id in config:
                    continue  # the new name wins
            self.overrides[key_id] = keys
        if renamed:
            self.problems.append(f"config [keys]: {'; '.join(renamed)} (the old names still work; rename them)")
        if unknown:
            self.problems.append(f"config [keys]: no binding called {', '.join(unknown)}; "
                                 f"see the help screen ({self.label('main.help')}) for the ids")

    def keys(self, key_id: str) -> list[str]:
        return [k for k in self.overrides.get(key_id, DEFAULTS[key_id]).split(",") if k.strip()]

    def label(self, key_id: str, *, every: bool = False) -> str:
        """The key (or with ``every``, all its keys) to name in a text: "e", "/", "escape q"."""
        keys = [key_text(k) for k in self.keys(key_id)] or ["(unbound)"]
        return " ".join(keys) if every else keys[0]

    def hint(self, *parts: tuple[str, str]) -> str:
        """A dialog's line of keys, e.g. ``hint(("list.open", "opens"), ("dialog.close", "closes"))``."""
        return " · ".join(f"{self.label(key_id)} {what}" for key_id, what in parts)


DEFAULT_KEYS = KeyMap()


def key_map(node: DOMNode) -> KeyMap:
    """The running app's keys; the defaults for a widget shown outside the reader."""
    return getattr(node.app, "key_map", DEFAULT_KEYS)
