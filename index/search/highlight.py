"""Where a query matched inside a text, as character offsets; and the best snippet window.

Offsets, not markup: the caller decides how to show a hit (Rich style, JSON, bold in a list), and
untrusted text never has to pass through a markup parser.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Sequence

from whoosh.analysis.filters import STOP_WORDS
from whoosh.analysis.tokenizers import default_pattern
from whoosh.lang.porter import stem

# The words of Whoosh's StemmingAnalyzer() and StandardAnalyzer(stoplist=None), which the index uses,
# without their per-token generator chain: running those two analyzers over every hit's whole body was
# most of newsreader's cost on top of Whoosh (benchmarks/search_bench.py). Same tokenizer, lower-casing,
# and rule that stop words and one-letter words are not stemmed, so the spans are the same.
_WORDS = re.compile(default_pattern.pattern.replace("(", "(?:"), default_pattern.flags)  # no group: findall
_WORD_CHAR = re.compile(r"\w", default_pattern.flags).match
_STOPS = STOP_WORDS


@lru_cache(maxsize=100_000)
def _term_of(word: str) -> str:
    """The stemming analyzer's term for a lower-cased word: stop words and one-letter words unstemmed."""
    return word if len(word) < 2 or word in _STOPS else stem(word)


def match_spans(text: str, stemmed_terms: Iterable[str], plain_terms: Iterable[str]) -> list[tuple[int, int]]:
    """Spans of words whose stem is in ``stemmed_terms`` or whose plain form is in ``plain_terms``.

    Each distinct word of the text is judged once (a body repeats most of its words), and only the
    words that match are looked for again, so the per-token Python work is gone from the common case.
    """
    stemmed, plain = set(stemmed_terms), set(plain_terms)
    if not text or not (stemmed or plain):
        return []
    marked = []
    for word in set(_WORDS.findall(text)):
        lower = word.lower()
        if lower in plain or (stemmed and _term_of(lower) in stemmed):
            marked.append(word)
    spans: list[tuple[int, int]] = []
    for word in marked:
        spans.extend(_occurrences(text, word))
    spans.sort()
    return spans  # tokens never overlap, so neither do the spans


def _occurrences(text: str, word: str):
    """Where ``word`` stands as a whole token, as the tokenizer (leftmost, greedy ``\\w+(\\.?\\w+)*``)
    would cut it: not preceded by a word character or by a dot that follows one (it would continue a
    token), not followed by a word character or by a dot and a word character (it would go on)."""
    size = len(word)
    end_of_text = len(text)
    at = text.find(word)
    while at != -1:
        end = at + size
        if (at == 0 or not (_WORD_CHAR(text, at - 1) or (text[at - 1] == "." and at >= 2 and _WORD_CHAR(text, at - 2)))) \
                and (end == end_of_text or not (_WORD_CHAR(text, end)
                                                or (text[end] == "." and end + 1 < end_of_text and _WORD_CHAR(text, end + 1)))):
            yield at, end
        at = text.find(word, at + 1)


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
