"""How entities and search hits look: Rich styles resolved from the App's component classes (app.tcss).

The article view builds Rich ``Text`` span by span, so it needs plain Rich styles, not CSS. The App
resolves its ``entity--*`` and ``search--*`` component classes into one ``Look`` per theme (tui/theme.py
derives the colours from the theme), and every widget that draws an entity asks the App for it; nothing
resolves a style per span. ``CLASSIC`` is the look of the default theme, which is also what the command
line prints with (a terminal has no Textual theme). A test checks the default theme resolves to it.

Rich only: the command line imports this without Textual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from rich.style import Style

if TYPE_CHECKING:
    from textual.dom import DOMNode

# Which component class draws each entity label. Places share one colour because GPE/LOC/FAC are all
# "where"; buildings are drawn lighter.
LABEL_CLASSES: dict[str, str] = {
    "PERSON": "entity--person", "ORG": "entity--organisation", "GPE": "entity--place", "LOC": "entity--place",
    "FAC": "entity--building", "NORP": "entity--group", "DATE": "entity--date", "TIME": "entity--date",
    "EVENT": "entity--event", "LANGUAGE": "entity--event", "PRODUCT": "entity--work", "WORK_OF_ART": "entity--work",
    "LAW": "entity--work", "MONEY": "entity--number", "PERCENT": "entity--number", "QUANTITY": "entity--number",
    "CARDINAL": "entity--number", "ORDINAL": "entity--number",
}
OTHER = "entity--other"  # a label spaCy may add that is not above
CHOSEN = "entity--chosen"  # the entity the list is filtered by
HIT, CURRENT_HIT = "search--hit", "search--current-hit"
COMPONENT_CLASSES: frozenset[str] = frozenset({*LABEL_CLASSES.values(), OTHER, CHOSEN, HIT, CURRENT_HIT})


class Look(NamedTuple):
    styles: dict[str, Style]  # component class -> style

    def entity(self, label: str) -> Style:
        return self.styles[LABEL_CLASSES.get(label, OTHER)]

    @property
    def chosen(self) -> Style:
        return self.styles[CHOSEN]

    @property
    def hit(self) -> Style:
        return self.styles[HIT]

    @property
    def current_hit(self) -> Style:
        return self.styles[CURRENT_HIT]


# The colours newsreader has always drawn with: the default theme's, and the command line's.
CLASSIC = Look({name: Style.parse(style) for name, style in {
    "entity--person": "bold #7fb4ff",
    "entity--organisation": "bold #ffb86c",
    "entity--place": "bold #50fa7b",
    "entity--building": "#50fa7b",
    "entity--group": "#ff79c6",
    "entity--date": "#f1fa8c",
    "entity--event": "#8be9fd",
    "entity--work": "#bd93f9",
    "entity--number": "#c0c0c0",
    OTHER: "bold",
    CHOSEN: "underline reverse",
    HIT: "reverse bold #ffd75f",
    CURRENT_HIT: "reverse bold #ff5f5f",
}.items()})


def look_of(node: DOMNode) -> Look:
    """The running app's look; the classic one for a widget shown outside the reader."""
    return getattr(node.app, "look", CLASSIC)
