"""The entity pane: the open article's entities, or the library's top entities and one entity's detail.

Three modes share one option list: ``article`` (this article's entities by type, with mention counts),
``library`` (the top entities of each type, with article counts) and ``detail`` (one entity: a timeline,
its articles and the entities seen with it). Headers are disabled options, so the cursor skips them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...index.models import ArticleEntity, EntityDetail, EntitySummary
from ..keys import bindings, key_map
from ..look import look_of
from ..render import LABEL_NAMES, safe

if TYPE_CHECKING:
    from textual.widgets import Sparkline

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("people", ("PERSON",)), ("organisations", ("ORG",)), ("places", ("GPE", "LOC", "FAC")),
    ("groups", ("NORP",)), ("events", ("EVENT",)), ("other", ("PRODUCT", "WORK_OF_ART", "LAW", "LANGUAGE")),
    ("dates and numbers", ("DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "CARDINAL", "ORDINAL")),
)
PER_TYPE = 8


def group_of(label: str) -> str:
    for name, labels in GROUPS:
        if label in labels:
            return name
    return "other"


def timeline_series(timeline: tuple[tuple[str, int], ...]) -> list[int]:
    """Articles per day from the first dated mention to the last, zeros filled in; by month past a year."""
    days = {}
    for day, n in timeline:
        try:
            days[date.fromisoformat(day)] = n
        except ValueError:
            continue
    if not days:
        return []
    first, last = min(days), max(days)
    if (last - first).days > 366:
        months: dict[tuple[int, int], int] = {}
        for d, n in days.items():
            months[(d.year, d.month)] = months.get((d.year, d.month), 0) + n
        y, m = first.year, first.month
        out = []
        while (y, m) <= (last.year, last.month):
            out.append(months.get((y, m), 0))
            y, m = (y + (m == 12), m % 12 + 1)
        return out
    return [days.get(first + timedelta(days=i), 0) for i in range((last - first).days + 1)]


def _entity_line(name: str, style: Style, count: int, unit: str = "") -> Table:
    """Name and count in two columns, so a long name ("South China Morning Post") is cut short with an
    ellipsis instead of losing its count off the pane's edge."""
    grid = Table.grid(padding=(0, 1), pad_edge=False, expand=True)
    grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    grid.add_column(no_wrap=True, justify="right")
    grid.add_row(Text(safe(name), style=style, no_wrap=True, overflow="ellipsis"),
                 Text(f"{count}{unit}", style="dim"))
    return grid


def _header(title: str) -> Option:
    return Option(Text(title.upper(), style="bold dim"), disabled=True)


class EntityList(OptionList):
    BINDINGS = bindings("list")


class EntityPane(Vertical):
    class EntityChosen(Message):
        def __init__(self, entity: EntitySummary | ArticleEntity) -> None:
            super().__init__()
            self.entity = entity

    class ArticleChosen(Message):
        def __init__(self, article_id: str) -> None:
            super().__init__()
            self.article_id = article_id

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.mode = "article"
        self.labels: set[str] | None = None
        self._article: list[ArticleEntity] = []
        self._library: list[EntitySummary] = []
        self.detail: EntityDetail | None = None
        self._by_key: dict[str, EntitySummary | ArticleEntity] = {}

    def compose(self):
        yield Static(Text(""), id="entity-title", markup=False)
        yield EntityList(id="entity-options")

    def on_mount(self) -> None:
        self._redraw()

    def _timeline(self, show: bool) -> Sparkline | None:
        """The entity's timeline, made the first time one is shown (not at start-up)."""
        found = self.query("#entity-timeline")
        if not found and not show:
            return None
        from textual.widgets import Sparkline  # with its renderable and statistics: not needed at start

        if found:
            spark = found.first(Sparkline)
        else:
            spark = Sparkline([], id="entity-timeline")
            self.mount(spark, after="#entity-title")
        spark.display = show
        return spark

    @property
    def options(self) -> EntityList:
        return self.query_one(EntityList)

    # -- data in -----------------------------------------------------------------------------------
    def set_article_entities(self, entities: list[ArticleEntity]) -> None:
        self._article = list(entities)
        if self.mode == "article":
            self._redraw()

    def set_library(self, entities: list[EntitySummary]) -> None:
        self._library = list(entities)
        self.mode = "library"
        self.detail = None
        self._redraw()

    def set_detail(self, detail: EntityDetail) -> None:
        self.detail = detail
        self.mode = "detail"
        self._redraw()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self._redraw()

    def set_labels(self, labels: set[str] | None) -> None:
        self.labels = labels
        self._redraw()

    # -- drawing -----------------------------------------------------------------------------------
    def _shown(self, label: str) -> bool:
        return self.labels is None or label in self.labels

    def _key(self, key_id: str) -> str:
        return key_map(self).label(key_id)

    def _redraw(self) -> None:
        title = self.query_one("#entity-title", Static)
        look = look_of(self)
        self._timeline(False)
        self._by_key = {}
        options: list[Option] = []
        if self.mode == "article":
            title.update(Text.assemble(("This article", "bold"),
                                       (f" · {self._key('main.entities')}: library", "dim")))
            items = [e for e in self._article if self._shown(e.label)]
            if not items:
                options.append(Option(Text("No entities to show.", style="dim"), disabled=True))
            for name, _ in GROUPS:
                group = [e for e in items if group_of(e.label) == name]
                if group:
                    options.append(_header(f"{name} ({len(group)})"))
                    options += [self._entity_option(e, _entity_line(e.name, look.entity(e.label), e.count, "×"))
                                for e in group]
        elif self.mode == "library":
            title.update(Text.assemble(("Whole library", "bold"),
                                       (f" · {self._key('main.entities')}: article", "dim")))
            items = [e for e in self._library if self._shown(e.label)]
            if not items:
                options.append(Option(Text("No entities yet.", style="dim"), disabled=True))
            for name, _ in GROUPS:
                group = [e for e in items if group_of(e.label) == name][:PER_TYPE]
                if group:
                    options.append(_header(f"{name} · articles"))
                    options += [self._entity_option(e, _entity_line(e.name, look.entity(e.label), e.articles))
                                for e in group]
        elif self.detail is not None:
            e = self.detail.entity
            title.update(Text.assemble((safe(e.name), look.entity(e.label)),
                                       (f"  {LABEL_NAMES.get(e.label, e.label.lower())}", "dim"),
                                       (f"\n{e.articles} articles, {e.mentions} mentions", "dim"),
                                       (f"\n{self._key('main.escape')}: back to the list", "dim")))
            series = timeline_series(self.detail.timeline)
            if len(series) > 1:
                self._timeline(True).data = series
            elif not series:
                options.append(Option(Text("No dated articles for a timeline.", style="dim"), disabled=True))
            options.append(_header(f"articles ({len(self.detail.articles)})"))
            for hit in self.detail.articles:
                options.append(Option(Text(safe(hit.title), overflow="ellipsis", no_wrap=True), id=f"a:{hit.id}"))
            if self.detail.cooccurring:
                options.append(_header("seen with"))
                for other, shared in self.detail.cooccurring[:20]:
                    line = _entity_line(other.name, look.entity(other.label), shared, " shared")
                    options.append(self._entity_option(other, line))
        self.options.set_options(options)
        first = next((i for i, o in enumerate(options) if not o.disabled), None)
        self.options.highlighted = first

    def _entity_option(self, entity: EntitySummary | ArticleEntity, prompt: Table) -> Option:
        self._by_key[entity.key] = entity
        return Option(prompt, id=f"e:{entity.key}")

    # -- events ------------------------------------------------------------------------------------
    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        kind, _, value = (event.option.id or "").partition(":")
        if kind == "e" and value in self._by_key:
            self.post_message(self.EntityChosen(self._by_key[value]))
        elif kind == "a":
            self.post_message(self.ArticleChosen(value))
