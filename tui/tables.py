"""Rich renderables for the command line's human output (tables, one article, one entity)."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from .look import CLASSIC
from .render import legend, marked, safe, styled


def _date(dt) -> str:
    return dt.strftime("%Y-%m-%d") if dt else ""


def hits_table(hits, *, title: str | Text = "", snippets: bool = True) -> Table:
    table = Table(title=title, title_justify="left", expand=False, show_lines=snippets)
    table.add_column("id", style="dim", no_wrap=True)
    table.add_column("date", no_wrap=True)
    table.add_column("source", max_width=18, overflow="ellipsis")
    table.add_column("title", ratio=1)
    for h in hits:
        cell = marked(h.title, h.title_highlights, "bold")  # marked() keeps offsets; safe() would shift them
        if snippets and h.snippet:
            cell = Text.assemble(cell, "\n", marked(h.snippet, h.highlights, "bold #ffd75f"))
        table.add_row(h.id, _date(h.published), Text(safe(h.source)), cell)
    return table


def entities_table(rows) -> Table:
    table = Table(title="Entities", title_justify="left")
    table.add_column("name")
    table.add_column("type")
    table.add_column("articles", justify="right")
    table.add_column("mentions", justify="right")
    table.add_column("also written", overflow="fold")
    for r in rows:
        table.add_row(Text(safe(r.name), style=CLASSIC.entity(r.label)), r.label, str(r.articles),
                      str(r.mentions), Text(safe(", ".join(r.aliases[:6]))))
    return table


def article_renderable(view) -> Group:
    meta = " · ".join(x for x in (safe(view.source), _date(view.published), f"{view.words} words",
                                  safe(view.url or view.path)) if x)
    parts = [styled(view.title, view.title_entities), Text(meta, style="dim"), legend(), Text("")]
    body = styled(view.body, view.entities)
    parts.append(body)
    return Group(*parts)


def entity_renderable(detail) -> Group:
    e = detail.entity
    head = Text.assemble((safe(e.name), CLASSIC.entity(e.label)), f"  {e.label}  ",
                         (f"{e.articles} articles, {e.mentions} mentions", "dim"))
    parts = [head]
    if e.aliases:
        parts.append(Text("also written: " + safe(", ".join(e.aliases)), style="dim"))
    parts.append(hits_table(detail.articles, title="Articles", snippets=False))
    if detail.cooccurring:
        co = Table(title="Seen with", title_justify="left")
        co.add_column("name")
        co.add_column("type")
        co.add_column("shared articles", justify="right")
        for other, shared in detail.cooccurring:
            co.add_row(Text(safe(other.name), style=CLASSIC.entity(other.label)), other.label, str(shared))
        parts.append(co)
    if detail.timeline:
        parts.append(Text("Mentions by day: " + ", ".join(f"{d} ({n})" for d, n in detail.timeline), style="dim"))
    return Group(*parts)
