"""The feed picker: every subscription with its state; choosing one filters the list to it, the refresh key
refreshes it.

Choosing a feed does not set a hidden filter: it puts ``source:"NAME"`` into the search bar, so the
filter is visible and editable like an entity filter, and escape clears it the same way.
"""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..keys import DEFAULT_KEYS, KeyMap, bindings, key_map
from ..render import safe

STATE_STYLES = {"ok": "bold #50fa7b", "failing": "bold #ff5f5f", "new": "bold #f1fa8c"}


def no_feeds(keys: KeyMap) -> str:
    return (f"No feeds yet. Add one from a terminal with `newsreader feed add URL`, "
            f"then press {keys.label('main.refresh_feeds')} here.")


def feed_query(name: str) -> str:
    """The search that shows one feed's articles. Quotes inside a name cannot be escaped in the query
    language; the source field's analyzer drops punctuation anyway, so they become spaces."""
    return 'source:"' + " ".join(name.replace('"', " ").split()) + '"'


def feed_entry(feed, keys: KeyMap = DEFAULT_KEYS) -> Text:
    """One feed as the picker shows it: name, then state, article count and the last error, if any."""
    out = Text(no_wrap=False)
    out.append(safe(feed.name), style="bold")
    out.append("\n")
    out.append(feed.state, style=STATE_STYLES.get(feed.state, "bold"))
    out.append(f" · {feed.articles} article{'s' if feed.articles != 1 else ''}", style="dim")
    if feed.last_success:
        out.append(f" · last fetched {feed.last_success[:16].replace('T', ' ')}", style="dim")
    elif feed.state == "new":
        out.append(f" · not fetched yet ({keys.label('main.refresh_feeds')})", style="dim")
    if feed.last_error:
        out.append("\n")
        out.append(safe(feed.last_error), style="#ff5f5f")
    return out


class FeedList(OptionList):
    BINDINGS = bindings("list")


class FeedsScreen(ModalScreen[tuple[str, str] | None]):
    """Dismisses with ("filter", name), ("refresh", name) or None."""

    CSS_PATH = "dialogs.tcss"

    BINDINGS = bindings("feeds")

    def __init__(self, feeds: list) -> None:
        super().__init__()
        self.feeds = feeds

    def compose(self):
        with Vertical(id="feeds-box"):
            yield Static(Text(f"Feeds ({len(self.feeds)})", style="bold"), markup=False, id="feeds-title")
            keys = key_map(self)
            yield FeedList(*[Option(feed_entry(f, keys), id=f"f:{i}") for i, f in enumerate(self.feeds)],
                           id="feeds-list")
            hint = keys.hint(("list.open", "shows the feed's articles"), ("main.refresh_feeds", "refreshes it"),
                             ("dialog.close", "closes"))
            yield Static(Text(hint, style="dim"), markup=False)

    def _highlighted(self):
        options = self.query_one(FeedList)
        if options.highlighted is None or not self.feeds:
            return None
        return self.feeds[options.highlighted]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(("filter", self.feeds[event.option_index].name))

    def action_refresh_one(self) -> None:
        feed = self._highlighted()
        if feed is not None:
            self.dismiss(("refresh", feed.name))

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
