"""The best snippet window of a text around the offsets a query matched.

Offsets, not markup: the caller decides how to show a hit (Rich style, JSON, bold in a list), and
untrusted text never has to pass through a markup parser. Which words matched is the backend's to say
(it knows how its index cut and stemmed them: ``store/whoosh/analysis.py``); the window is not.
"""

from __future__ import annotations

from typing import Sequence


def snippet(text: str, spans: Sequence[tuple[int, int]], width: int = 220) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The window of about ``width`` chars holding the most hits, cut at word boundaries."""
    if not text:
        return "", ()
    if not spans:
        return _trim(text, 0, width), ()
    best_start, best_count = spans[0][0], 0
    j = 0
    for i, (start, _) in enumerate(spans):
        while j < len(spans) and spans[j][1] <= start + width:
            j += 1
        if j - i > best_count:
            best_start, best_count = start, j - i
    lo = max(0, best_start - width // 4)
    if lo > 0:
        space = text.rfind(" ", max(0, lo - 20), lo)
        lo = space + 1 if space != -1 else lo
    hi = min(len(text), lo + width)
    if hi < len(text):
        space = text.rfind(" ", lo + width // 2, hi)
        hi = space if space != -1 else hi
    prefix = "…" if lo > 0 else ""
    suffix = "…" if hi < len(text) else ""
    piece = text[lo:hi].replace("\n", " ")
    shift = len(prefix) - lo
    inside = tuple((s + shift, e + shift) for s, e in spans if s >= lo and e <= hi)
    return prefix + piece + suffix, inside


def _trim(text: str, lo: int, width: int) -> str:
    piece = text[lo:lo + width]
    if lo + width < len(text):
        space = piece.rfind(" ")
        piece = (piece[:space] if space > width // 2 else piece) + "…"
    return piece.replace("\n", " ")
