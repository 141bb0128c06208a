"""The article list: one multi-line entry per article, pages loaded as the cursor nears the end."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...index.models import Hit
from ..keys import bindings
from ..look import CLASSIC, Look, look_of
from ..render import marked, safe

UNREAD = "●"
PAGE_BACK = 25  # entries loaded at a time before a page that G loaded from the end
STAR = "★"


def hit_date(hit: Hit) -> str:
    """The publication date; one that was inferred (read from the text, or the file's time when there is
    nothing else) is marked with "~"."""
    when = hit.published or hit.date
    if when is None:
        return ""
    return ("" if hit.date_source == "metadata" else "~") + when.strftime("%Y-%m-%d")


def _one_line(text: str) -> str:
    """A snippet on one line; each line break becomes one space so highlight offsets keep their place."""
    return text.replace("\r", " ").replace("\n", " ")


GUTTER = 2
MARGIN = 1  # a blank column on the right, drawn here: as option padding in CSS it cost a Padding visual per entry


class Hanging:
    """Text wrapped beside a narrow gutter of marks, one mark per line.

    What a two-column ``Table.grid`` draws, at a fraction of the cost: the option list renders every
    entry of a page to measure it before it draws the first, and the grid's column measuring made
    that ~0.5 ms an entry (benchmarks: time to first screen).
    """

    def __init__(self, marks: list[Text], body: Text) -> None:
        self.marks = marks
        self.body = body
        self._drawn: tuple[int, list[Segment]] | None = None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        # Drawn once per width: the option list renders each entry to count its lines, then again to
        # show it; the segments do not depend on anything else.
        if self._drawn is None or self._drawn[0] != options.max_width:
            self._drawn = (options.max_width, list(self._draw(console, options.max_width)))
        return self._drawn[1]

    def _draw(self, console: Console, max_width: int):
        width = max(1, max_width - GUTTER - MARGIN)
        blank = Text(" " * GUTTER)
        for i, line in enumerate(self.body.wrap(console, width, overflow="fold")):
            mark = self.marks[i] if i < len(self.marks) else blank
            yield from mark.render(console)
            line.pad_right(max(width, max_width - GUTTER) - line.cell_len)
            yield from line.render(console)
            yield Segment.line()

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(GUTTER + 1, options.max_width)


def entry(hit: Hit, *, read: bool, starred: bool, searching: bool, look: Look = CLASSIC) -> Hanging:
    """How one article looks in the list: markers in a narrow column so the text hangs beside them.

    Everything from the article goes in as plain ``Text``, never as markup. Highlighted text goes through
    ``marked`` unstripped: it neutralises characters in place, so the engine's offsets stay right.
    """
    marks = [Text.assemble((UNREAD if not read else " ", "bold #5fafff"), " "),
             Text.assemble((STAR if starred else " ", "bold #ffd75f"), " ")]
    body = marked(hit.title or "(untitled)", hit.title_highlights, "underline")
    if not read:
        body.stylize("bold")
    meta = " · ".join(x for x in (safe(hit.source), hit_date(hit), f"{hit.words} words" if hit.words else "") if x)
    if meta:
        body.append("\n")
        body.append(meta, style="dim")
    if searching and hit.snippet:
        body.append("\n")
        snippet = marked(_one_line(hit.snippet), hit.highlights, Style(color=look.hit.color, bold=True))
        snippet.stylize("italic")
        body.append_text(snippet)
    body.append("\n")
    return Hanging(marks, body)


class ArticleList(OptionList):
    BINDINGS = bindings("list")

    class Chosen(Message):
        """The user opened an article (enter or click)."""

        def __init__(self, article_id: str) -> None:
            super().__init__()
            self.article_id = article_id

    class NeedMore(Message):
        """The cursor is near the end of what is loaded and more results exist (``offset`` onwards), or
        near the start of a list loaded from its end (``limit`` entries from ``offset``), or ``G``/``g``
        asked for the list's end or start (``jump``: "last" or "first")."""

        def __init__(self, offset: int, limit: int | None = None, *, jump: str = "") -> None:
            super().__init__()
            self.offset, self.limit, self.jump = offset, limit, jump

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.hits: list[Hit] = []
        self.flags: dict[str, tuple[bool, bool]] = {}
        self.total = 0
        self.base = 0  # the list's position of hits[0]: G loads the last page without the ones before it
        self.searching = False
        self._asked_for: int | None = None
        self._asked_before: int | None = None

    # -- data in -----------------------------------------------------------------------------------
    def show(self, hits: list[Hit], flags: dict[str, tuple[bool, bool]], *, total: int, searching: bool,
             keep: str | None = None, base: int = 0, last: bool = False) -> None:
        """Replace the list; ``keep`` re-highlights that article if it is still listed. ``base`` is the
        list position of the first of ``hits`` (the last page, loaded on its own for ``G``); ``last``
        highlights the last entry."""
        self.hits, self.total, self.searching, self.base = list(hits), total, searching, base
        self.flags = dict(flags)
        self._asked_for = self._asked_before = None
        self.set_options(self._option(h) for h in self.hits)
        ids = [h.id for h in self.hits]
        if self.hits:
            self.highlighted = len(ids) - 1 if last else ids.index(keep) if keep in ids else 0
            self.scroll_to_highlight()
        self.call_after_refresh(self._fill)

    def prepend(self, hits: list[Hit], flags: dict[str, tuple[bool, bool]]) -> None:
        """The page before the loaded ones (scrolling up in a list that ``G`` loaded from its end)."""
        known = {h.id for h in self.hits}
        new = [h for h in hits if h.id not in known]
        current = self.highlighted
        self.flags.update(flags)
        self.base = max(0, self.base - len(hits))
        self.hits = new + self.hits
        self._asked_before = None
        with self.prevent(OptionList.OptionHighlighted):
            self.set_options(self._option(h) for h in self.hits)
            if current is not None:
                self.highlighted = current + len(new)
        self.scroll_to_highlight()

    def extend(self, hits: list[Hit], flags: dict[str, tuple[bool, bool]]) -> None:
        known = {h.id for h in self.hits}
        new = [h for h in hits if h.id not in known]
        self.flags.update(flags)
        self.hits.extend(new)
        self.add_options(self._option(h) for h in new)
        self._asked_for = None
        self.call_after_refresh(self._fill)

    def _fill(self) -> None:
        """A page that does not reach the bottom of a tall terminal cannot be scrolled to its end, so
        nothing would ask for the next one: ask now."""
        if self.is_mounted and not self.max_scroll_y:
            self._want_more()

    def redraw(self) -> None:
        """Draw every entry again (the theme changed: snippets' hits are in its colours)."""
        for i, hit in enumerate(self.hits):
            self.replace_option_prompt_at_index(i, self._prompt(hit))

    def set_flags(self, article_id: str, read: bool, starred: bool) -> None:
        self.flags[article_id] = (read, starred)
        for i, h in enumerate(self.hits):
            if h.id == article_id:
                self.replace_option_prompt_at_index(i, self._prompt(h))

    def _prompt(self, hit: Hit) -> Hanging:
        read, starred = self.flags.get(hit.id, (False, False))
        return entry(hit, read=read, starred=starred, searching=self.searching,
                     look=look_of(self) if self.searching else CLASSIC)  # only a snippet uses it

    def _option(self, hit: Hit) -> Option:
        return Option(self._prompt(hit), id=hit.id)

    @property
    def current(self) -> Hit | None:
        if self.highlighted is None or not 0 <= self.highlighted < len(self.hits):
            return None
        return self.hits[self.highlighted]

    # -- events ------------------------------------------------------------------------------------
    @property
    def loaded_to(self) -> int:
        """The list position just after the last loaded entry."""
        return self.base + len(self.hits)

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        if highlighted is not None and highlighted >= len(self.hits) - 5:
            self._want_more()
        if highlighted is not None and highlighted < 5:
            self._want_earlier()

    def _want_more(self) -> None:
        if self.loaded_to < self.total and self._asked_for != self.loaded_to:
            self._asked_for = self.loaded_to
            self.post_message(self.NeedMore(self.loaded_to))

    def _want_earlier(self) -> None:
        if self.base > 0 and self._asked_before != self.base:
            self._asked_before = self.base
            start = max(0, self.base - PAGE_BACK)
            self.post_message(self.NeedMore(start, self.base - start))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self.max_scroll_y and new >= self.max_scroll_y - 2:
            self._want_more()

    def action_first(self) -> None:
        if self.base > 0:  # the first page is not loaded: ask for it as the last one is asked for
            self.post_message(self.NeedMore(0, jump="first"))
            return
        super().action_first()

    def action_last(self) -> None:
        if self.loaded_to < self.total:
            self.post_message(self.NeedMore(max(0, self.total - PAGE_BACK), jump="last"))
            return
        super().action_last()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Chosen(event.option.id))
