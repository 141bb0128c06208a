"""Command palette entries named by users and feeds: saved searches (run or forget) and feed filters.

Textual's system-commands provider parses every title and help line as Content markup. Escaping is not
enough there: ``textual.markup.escape`` leaves variables such as ``[$accent]`` live and doubles
backslashes. These entries come through this provider instead, which hands the palette ``Content``
objects; the palette shows those as written, and only the fuzzy-match highlight is added.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, NamedTuple

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from .render import safe

if TYPE_CHECKING:
    from .app import NewsReader


class Entry(NamedTuple):
    title: str
    help: str
    run: Callable[[], object]


def named_entries(app: NewsReader) -> list[Entry]:
    """One entry per saved search and per feed, for the main screen; none while it is not open."""
    main = app.main
    if main is None:
        return []
    saved = app.library.saved_searches()
    entries = [Entry(f"Saved search: {safe(name)}", safe(query),
                     lambda q=query: main.query_one("#search").set_query(q))
               for name, query in saved]
    if app.library.state_writable:
        entries += [Entry(f"Forget saved search: {safe(name)}", f"remove it from this list ({safe(query)})",
                          lambda n=name: forget_search(app, n))
                    for name, query in saved]
    entries += [Entry(f"Filter by feed: {safe(feed.name)}",
                      f"{feed.state} · {feed.articles} articles · {safe(feed.url)}",
                      lambda n=feed.name: main.filter_by_feed(n))
                for feed in app.library.feeds()]
    return entries


def forget_search(app: NewsReader, name: str) -> None:
    from ..index.errors import StateNotSaved

    try:
        app.library.delete_search(name)
    except StateNotSaved as exc:
        app.notify(str(exc), severity="error", markup=False)
        return
    app.notify(f"Forgot the saved search {safe(name)!r}.", markup=False)


class NamedCommands(Provider):
    async def startup(self) -> None:
        self.entries = named_entries(self.app)  # read once per palette, not once per keystroke

    async def discover(self) -> Hits:
        for entry in sorted(self.entries, key=lambda e: e.title):
            yield DiscoveryHit(Content(entry.title), entry.run, text=entry.title, help=Content(entry.help))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self.entries:
            score, offsets = matcher.fuzzy_search.match(matcher.query, entry.title)
            if score <= 0:
                continue
            title = Content(entry.title)
            for at in offsets:
                if not entry.title[at].isspace():
                    title = title.stylize(matcher.match_style, at, at + 1)
            yield Hit(score, title, entry.run, text=entry.title, help=Content(entry.help))
