"""Where a query matched inside a text, as character offsets; and the best snippet window.

Offsets, not markup: the caller decides how to show a hit (Rich style, JSON, bold in a list), and
untrusted text never has to pass through a markup parser.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from whoosh.analysis import StandardAnalyzer, StemmingAnalyzer

_STEMMED = StemmingAnalyzer()
_PLAIN = StandardAnalyzer(stoplist=None)


def match_spans(text: str, stemmed_terms: Iterable[str], plain_terms: Iterable[str]) -> list[tuple[int, int]]:
    """Spans of words whose stem is in ``stemmed_terms`` or whose plain form is in ``plain_terms``."""
    stemmed, plain = set(stemmed_terms), set(plain_terms)
    spans: set[tuple[int, int]] = set()
    if stemmed:
        for tok in _STEMMED(text, chars=True, removestops=False):
            if tok.text in stemmed:
                spans.add((tok.startchar, tok.endchar))
    if plain:
        for tok in _PLAIN(text, chars=True, removestops=False):
            if tok.text in plain:
                spans.add((tok.startchar, tok.endchar))
    return sorted(spans)


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
