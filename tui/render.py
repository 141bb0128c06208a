"""Article text as Rich ``Text`` with entity and hit styles: shared by the reader and ``newsreader show``.

The styles come in as a ``Look`` (tui/look.py): the reader's follows its theme, the command line's is classic.

Everything is built from plain strings with ``Text.append``/``stylize``; nothing from an article is
ever parsed as markup, so ``[bold]`` or ``[link=...]`` in a story stays literal text.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from rich.style import Style
from rich.text import Text

from ..index.textclean import neutralise, printable
from .look import CLASSIC, Look

LABEL_NAMES: dict[str, str] = {
    "PERSON": "people", "ORG": "organisations", "GPE": "places", "LOC": "places", "FAC": "buildings",
    "NORP": "groups", "DATE": "dates", "TIME": "times", "EVENT": "events", "PRODUCT": "products",
    "WORK_OF_ART": "works", "LAW": "laws", "LANGUAGE": "languages", "MONEY": "money", "PERCENT": "percent",
    "QUANTITY": "quantities", "CARDINAL": "numbers", "ORDINAL": "ordinals",
}
LEGEND_ORDER = ("PERSON", "ORG", "GPE", "NORP", "DATE", "EVENT")
REVERSE = Style(reverse=True)


def safe(text: str) -> str:
    """Inert text for display: escape sequences and control characters removed, stray bytes of a
    non-UTF-8 file name shown as ``\\xNN`` (the engine's one sanitiser, ``textclean.printable``)."""
    return printable(text)


def safe_line(text: str) -> str:
    """``safe`` for one line (a file name): a newline or tab in it is shown as ``\\n``/``\\t``, so a name
    cannot start a line of its own that looks like part of the report."""
    return printable(text).replace("\n", "\\n").replace("\t", "\\t")


def styled(text: str, entities: Iterable = (), hits: Sequence[tuple[int, int]] = (), *,
           labels: set[str] | None = None, focus_key: str | None = None, base: int = 0,
           current_hit: tuple[int, int] | None = None, look: Look = CLASSIC) -> Text:
    """``text`` with entity spans coloured by label and query hits on top.

    ``base`` is the offset of ``text`` inside the article body, so a paragraph can be styled with the
    article's spans. ``labels`` limits which types are coloured; ``focus_key`` underlines one entity.
    """
    out = Text(neutralise(text))  # same length, so span offsets still line up
    n = len(out.plain)
    for span in entities:
        if labels is not None and span.label not in labels and span.key != focus_key:
            continue
        start, end = span.start - base, span.end - base
        if end <= 0 or start >= n:
            continue
        style = look.entity(span.label)
        if focus_key and span.key == focus_key:
            style += look.chosen
        out.stylize(style, max(0, start), min(n, end))
    for start, end in hits:
        s, e = start - base, end - base
        if e <= 0 or s >= n:
            continue
        style = look.hit if (start, end) != current_hit else look.current_hit
        out.stylize(style, max(0, s), min(n, e))
    return out


def legend(labels: Iterable[str] = LEGEND_ORDER, look: Look = CLASSIC) -> Text:
    out = Text()
    for i, label in enumerate(labels):
        if i:
            out.append("  ")
        out.append(f" {LABEL_NAMES.get(label, label.lower())} ", style=look.entity(label) + REVERSE)
    return out


def marked(text: str, spans: Sequence[tuple[int, int]], style: str | Style = "bold underline") -> Text:
    """A one-line text (title, snippet) with its hit spans emphasised."""
    out = Text(neutralise(text))
    for s, e in spans:
        out.stylize(style, s, e)
    return out
