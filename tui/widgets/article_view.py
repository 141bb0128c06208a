"""The open article: title, a metadata line, a legend, then one widget per paragraph.

One widget per paragraph lets ``n``/``N`` and ``]``/``[`` scroll straight to the paragraph that holds the
hit or mention, and lets a restyle (new hits, another entity chosen) repaint text without a relayout.
"""

from __future__ import annotations

from pathlib import PurePath

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...index.models import ArticleView as Article
from ..keys import bindings, key_map
from ..look import look_of
from ..render import LEGEND_ORDER, legend, safe, styled

_TITLE, _BODY = 0, 1  # where a walked mention is

# A pathological "article" (one huge file) is split into chunks so no single widget holds megabytes.
_MAX_CHUNK = 20_000


def paragraphs(body: str) -> list[tuple[int, str]]:
    """(offset in body, text) for each paragraph, so spans from the engine line up with the pieces."""
    out: list[tuple[int, str]] = []
    pos = 0
    for part in body.split("\n\n"):
        for i in range(0, max(len(part), 1), _MAX_CHUNK):
            piece = part[i:i + _MAX_CHUNK]
            if piece.strip():
                out.append((pos + i, piece))
        pos += len(part) + 2
    return out


def short_path(path: str) -> str:
    """The file's folder and name: enough to find it, and the same on every machine for a given corpus."""
    parts = PurePath(path).parts
    return str(PurePath(*parts[-2:])) if len(parts) >= 2 else path


def meta_line(view: Article) -> Text:
    when = view.published or view.date
    dated = when.strftime("%Y-%m-%d") if when else ""
    if dated and view.date_source != "metadata":
        dated += " (date from the text)" if view.date_source == "text" else " (file date)"
    items = [safe(view.source), dated,
             f"{view.words} words" if view.words else "", safe(view.url) if view.url else short_path(view.path)]
    if view.partial:
        items.append("partial text")
    return Text(" · ".join(x for x in items if x), style="dim")


class Paragraph(Static):
    """One paragraph; remembers where it starts in the body."""

    def __init__(self, start: int, text: str) -> None:
        super().__init__(Text(""), markup=False, classes="paragraph")
        self.start = start
        self.text = text


class ArticleView(VerticalScroll, can_focus=True):
    BINDINGS = bindings("article")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.article: Article | None = None
        self.hits: list[tuple[int, int]] = []
        self.hit_index: int | None = None
        self.focus_key: str | None = None
        self.labels: set[str] | None = None
        self.mention_index: int | None = None
        self._positions: dict[str, float] = {}

    def compose(self):
        hint = f"Choose an article on the left ({key_map(self).label('list.open')}) to read it here."
        yield Static(Text(hint, style="dim"), id="article-title", markup=False)
        yield Static(Text(""), id="article-meta", markup=False)
        yield Static(Text(""), id="article-legend", markup=False)

    # -- content -----------------------------------------------------------------------------------
    async def show(self, article: Article, *, hits: list[tuple[int, int]], focus_key: str | None,
                   labels: set[str] | None) -> None:
        if self.article is not None:
            self._positions[self.article.id] = self.scroll_y
        same = self.article is not None and self.article.id == article.id
        self.article, self.hits, self.focus_key, self.labels = article, list(hits), focus_key, labels
        self.hit_index = self.mention_index = None
        self.query_one("#article-title", Static).update(styled(article.title, article.title_entities,
                                                               labels=labels, focus_key=focus_key,
                                                               look=look_of(self)))
        self.query_one("#article-meta", Static).update(meta_line(article))
        self.query_one("#article-legend", Static).update(self._legend())
        if not same:
            await self.query(Paragraph).remove()
            await self.mount_all(Paragraph(start, text) for start, text in paragraphs(article.body))
        self._paint()
        if not same:
            self.scroll_to(y=self._positions.get(article.id, 0), animate=False)

    def restyle(self, *, hits: list[tuple[int, int]] | None = None, focus_key: str | None = "",
                labels: set[str] | None | str = "") -> None:
        """Change what is highlighted; ``""`` means leave that setting as it is."""
        if hits is not None:
            self.hits, self.hit_index = list(hits), None
        if focus_key != "":
            self.focus_key, self.mention_index = focus_key, None
        if labels != "":
            self.labels = labels  # type: ignore[assignment]
        if self.article is None:
            return
        self.query_one("#article-title", Static).update(styled(self.article.title, self.article.title_entities,
                                                               labels=self.labels, focus_key=self.focus_key,
                                                               look=look_of(self)))
        self.query_one("#article-legend", Static).update(self._legend())
        self._paint()

    def _legend(self) -> Text:
        shown = [lab for lab in LEGEND_ORDER if self.labels is None or lab in self.labels]
        return legend(shown, look_of(self)) if shown else Text("entity highlighting off", style="dim")

    def _paint(self) -> None:
        assert self.article is not None
        current = self.hits[self.hit_index] if self.hit_index is not None else None
        walked = self._mentions()[self.mention_index] if self.mention_index is not None else None
        in_title = walked is not None and walked[0] == _TITLE
        mention = walked[1:] if walked is not None and not in_title else None
        look = look_of(self)  # once per paint, not per span
        self.query_one("#article-title", Static).update(styled(
            self.article.title, self.article.title_entities, [walked[1:]] if in_title else [], labels=self.labels,
            focus_key=self.focus_key, current_hit=walked[1:] if in_title else None, look=look))
        for para in self.query(Paragraph):
            end = para.start + len(para.text)
            spans = [s for s in self.article.entities if s.end > para.start and s.start < end]
            hits = [h for h in self.hits if h[1] > para.start and h[0] < end]
            if mention is not None and mention[1] > para.start and mention[0] < end:
                hits.append(mention)
            para.update(styled(para.text, spans, hits, labels=self.labels, focus_key=self.focus_key,
                               base=para.start, current_hit=current or mention, look=look))

    # -- scrolling ---------------------------------------------------------------------------------
    # Textual's scroll actions start from the target of a scroll still waiting for the next frame, so
    # six ``j`` in one burst moved one line: these move at once, each from where the last one left off.
    def _scroll_by(self, lines: float) -> None:
        target = max(0.0, min(self.max_scroll_y, self.scroll_target_y + lines))
        self.scroll_to(y=target, animate=False, immediate=True)

    def action_scroll_down(self) -> None:
        self._scroll_by(1)

    def action_scroll_up(self) -> None:
        self._scroll_by(-1)

    def action_scroll_home(self) -> None:
        self.scroll_to(y=0, animate=False, immediate=True)

    def action_scroll_end(self) -> None:
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)

    def page_down(self) -> None:
        """A page less two lines, so the last lines read stay in sight (as a pager keeps them)."""
        self._scroll_by(max(1, self.scrollable_content_region.height - 2))

    def action_page_down(self) -> None:
        self.page_down()

    def action_page_up(self) -> None:
        self._scroll_by(-max(1, self.scrollable_content_region.height - 2))

    @property
    def at_end(self) -> bool:
        """Nothing more below: space then goes on to the next unread article."""
        return self.scroll_target_y >= self.max_scroll_y

    # -- navigation --------------------------------------------------------------------------------
    def _mentions(self) -> list[tuple[int, int, int]]:
        """(where, start, end) of each mention ``]``/``[`` walk: the title's first (where 0), then the
        body's, so the walk covers every mention the entity pane counts."""
        if self.article is None:
            return []
        out = []
        for where, spans in ((_TITLE, self.article.title_entities), (_BODY, self.article.entities)):
            if self.focus_key:
                chosen = [s for s in spans if s.key == self.focus_key]
            else:
                chosen = [s for s in spans if self.labels is None or s.label in self.labels]
            out += sorted((where, s.start, s.end) for s in chosen)
        return out

    def step_hit(self, step: int) -> bool:
        """Move to the next (1) or previous (-1) hit, wrapping; False when there is none."""
        if not self.hits:
            return False
        self.mention_index = None
        self.hit_index = (step - (step > 0) if self.hit_index is None else self.hit_index + step) % len(self.hits)
        self._paint()
        self._scroll_to_offset(self.hits[self.hit_index][0])
        return True

    def step_mention(self, step: int) -> bool:
        mentions = self._mentions()
        if not mentions:
            return False
        self.hit_index = None
        start = step - (step > 0) if self.mention_index is None else self.mention_index + step
        self.mention_index = start % len(mentions)
        self._paint()
        where, offset, _ = mentions[self.mention_index]
        if where == _TITLE:
            self.scroll_home(animate=False)
        else:
            self._scroll_to_offset(offset)
        return True

    def _scroll_to_offset(self, offset: int) -> None:
        for para in self.query(Paragraph):
            if para.start <= offset < para.start + len(para.text):
                self.scroll_to_center(para, animate=False)
                return

    @property
    def position(self) -> str:
        """'hit 2/5' for the status line."""
        if self.hit_index is not None and self.hits:
            return f"hit {self.hit_index + 1}/{len(self.hits)}"
        if self.mention_index is not None:
            return f"mention {self.mention_index + 1}/{len(self._mentions())}"
        return ""
