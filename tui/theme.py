"""Entity and hit colours for every theme, as CSS variables (``$entity-person``, ``$search-hit``) that
app.tcss's component classes use.

A theme may set these variables itself (``Theme(variables={"entity-person": "#..."})``); the default theme
carries the colours newsreader has always used (look.CLASSIC). For any other theme they are derived from
the theme's own colours, by rules rather than a list per theme: each entity type starts from one of the
theme's colours (people from $primary, places from $success, ...), is lightened or darkened until it reads
on the theme's background, and is turned round the colour wheel if it is too close to a type already
coloured, so every type stays distinguishable. ANSI themes leave colours to the terminal: each type gets
one of the terminal's named colours.
"""

from __future__ import annotations

import dataclasses
from typing import Mapping

from textual.color import Color, rgb_to_lab
from textual.theme import Theme

from .look import CLASSIC

# In order: a type earlier in the list keeps its theme colour when two would be too close.
BASES: tuple[tuple[str, str], ...] = (
    ("entity-person", "primary"), ("entity-place", "success"), ("entity-organisation", "warning"),
    ("entity-group", "error"), ("entity-date", "accent"), ("entity-event", "secondary"), ("entity-work", "primary"),
)
ANSI: dict[str, str] = {
    "entity-person": "ansi_bright_blue", "entity-place": "ansi_green", "entity-organisation": "ansi_yellow",
    "entity-group": "ansi_magenta", "entity-date": "ansi_bright_yellow", "entity-event": "ansi_cyan",
    "entity-work": "ansi_bright_magenta", "entity-number": "ansi_bright_black", "search-hit": "ansi_yellow",
    "search-current-hit": "ansi_red",
}
VARIABLES: tuple[str, ...] = tuple(ANSI)
MIN_GAP = 22.0  # CIE76 distance between any two types' colours (about 2.3 is "just noticeable")
MIN_CONTRAST = 4.5  # WCAG contrast of entity text (and of a hit's text) on the theme's background


def classic_variables() -> dict[str, str]:
    """The classic look's colours as variables, for the default theme."""
    out = {}
    for name in VARIABLES:
        color = CLASSIC.styles[name.replace("-", "--", 1)].color
        assert color is not None and color.triplet is not None
        out[name] = color.triplet.hex
    return out


def with_classic_colours(theme: Theme) -> Theme:
    return dataclasses.replace(theme, variables={**classic_variables(), **theme.variables})


def _luminance(color: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def contrast(a: Color, b: Color) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def distance(a: Color, b: Color) -> float:
    la, lb = rgb_to_lab(a), rgb_to_lab(b)
    return ((la.L - lb.L) ** 2 + (la.a - lb.a) ** 2 + (la.b - lb.b) ** 2) ** 0.5


def readable(color: Color, background: Color) -> Color:
    """``color`` lightened (on a dark background) or darkened (on a light one) until text in it reads."""
    dark = background.brightness < 0.5
    for _ in range(25):
        if contrast(color, background) >= MIN_CONTRAST:
            break
        color = color.lighten(0.04) if dark else color.darken(0.04)
    return color


def apart(color: Color, taken: list[Color], background: Color) -> Color:
    """``color``, or the nearest turn of it round the colour wheel that is ``MIN_GAP`` from every colour taken."""
    def gap(c: Color) -> float:
        return min((distance(c, t) for t in taken), default=float("inf"))

    if gap(color) >= MIN_GAP:
        return color
    hue, saturation, lightness = color.hsl
    best = color
    for step in (1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6, 7, -7, 8, -8, 9, -9, 10, -10, 11, -11, 12):
        turned = readable(Color.from_hsl((hue + step / 24) % 1, max(saturation, 0.5), lightness), background)
        if gap(turned) >= MIN_GAP:
            return turned
        if gap(turned) > gap(best):
            best = turned
    return best


def theme_colours(variables: Mapping[str, str]) -> dict[str, str]:
    """The entity and hit variables for a theme, from its generated colour system."""
    background = Color.parse(variables["background"])
    if background.ansi is not None or Color.parse(variables["primary"]).ansi is not None:
        return dict(ANSI)
    out: dict[str, str] = {}
    foreground = Color.parse(variables["foreground"])
    number = readable(foreground.blend(background, 0.3), background)  # a grey: quieter than text
    taken = [foreground, number]  # apart from plain text too
    out["entity-number"] = number.hex
    for name, base in BASES:
        color = apart(readable(Color.parse(variables[base]), background), taken, background)
        taken.append(color)
        out[name] = color.hex
    hit = readable(Color.parse(variables["warning"]), background)
    out["search-hit"] = hit.hex
    out["search-current-hit"] = apart(readable(Color.parse(variables["error"]), background), [hit], background).hex
    return out
