"""What the index's analyzers make of text, without their per-token generator chain.

The schema indexes title and body with Whoosh's ``StemmingAnalyzer()`` and the exact field with
``StandardAnalyzer(stoplist=None)``. Highlighting (which words of a hit matched) and the segment writer
(which terms a document gets) must cut and stem words exactly as those analyzers do; both read the rule
from here, so there is one copy of the tokenizer's pattern.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable, Iterator

from whoosh.analysis.filters import STOP_WORDS
from whoosh.analysis.tokenizers import default_pattern

from whoosh.lang.porter import stem

# Whoosh's default tokenizer pattern with its group made non-capturing, so ``findall`` gives whole words.
WORDS = re.compile(default_pattern.pattern.replace("(", "(?:"), default_pattern.flags)
_WORD_CHAR = re.compile(r"\w", default_pattern.flags).match
_STOPS = STOP_WORDS


def is_default_pattern(expression: re.Pattern) -> bool:
    """Whether a tokenizer uses Whoosh's default pattern (and so ``WORDS`` cuts the same words)."""
    return expression.pattern == default_pattern.pattern and expression.flags == default_pattern.flags


@lru_cache(maxsize=100_000)
def _term_of(word: str) -> str:
    """The stemming analyzer's term for a lower-cased word: stop words and one-letter words unstemmed."""
    return word if len(word) < 2 or word in _STOPS else stem(word)


def match_spans(text: str, stemmed_terms: Iterable[str], plain_terms: Iterable[str]) -> list[tuple[int, int]]:
    """Spans of words whose stem is in ``stemmed_terms`` or whose plain form is in ``plain_terms``.

    Running the two analyzers over every hit's whole body was most of newsreader's cost on top of
    Whoosh (benchmarks/search_bench.py); here each distinct word of the text is judged once (a body
    repeats most of its words), and only the words that match are looked for again.
    """
    stemmed, plain = set(stemmed_terms), set(plain_terms)
    if not text or not (stemmed or plain):
        return []
    marked = []
    for word in set(WORDS.findall(text)):
        lower = word.lower()
        if lower in plain or (stemmed and _term_of(lower) in stemmed):
            marked.append(word)
    spans: list[tuple[int, int]] = []
    for word in marked:
        spans.extend(_occurrences(text, word))
    spans.sort()
    return spans  # tokens never overlap, so neither do the spans


def _occurrences(text: str, word: str) -> Iterator[tuple[int, int]]:
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
