"""'Did you mean': the corrections a person means, for the whole query at once.

For each word the library does not contain, the candidates are the library's words within the
fewest edits, where swapping two neighbouring letters is one edit (optimal string alignment, the
Damerau variant SymSpell and Lucene's spell-checker use: "Henrdix" is one edit from "Hendrix" and
two from "Henri"). Among candidates that far, the one that goes with the query's other words wins:
the most of the other words found together with it in one article (their posting lists
intersected), so "Spurs to sgin Iceland" becomes "sign", not "spin"; then the more frequent word.
Words inside an entity field (``person:Henrdix``) are corrected against that field's words, the
spellings of names the library has seen. The suggestion is the whole query with each word replaced.

Whoosh's own ``correct_query`` ranks by frequency before distance and suggests stems ("kernel
memori"). Its edit-distance automaton walks the word list in Python (tens of ms per word and
segment); here each segment's words that start with the misspelling's first letter are read once,
kept in a small cache (segments never change), and measured with rapidfuzz's OSA distance in C++.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

from . import postings
from .query import ALL_FIELD_NAMES, FIELD_ALIASES as QUERY_ALIASES

# A word of three letters or more; not a field's name (``person:``), nor part of a pattern (``wom?n``,
# ``secur*``, ``espr~``). A colon before a space is a headline's ("Syria: ...").
WORD = re.compile(r'(?<![\w?*~])([^\W\d_]{3,})(?![\w*~]|:(?!\s|$)|\?\w)')
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"}
NAME_FIELDS = ("person", "org", "place", "entity")
FIELD_ALIASES = {alias: name for name, aliases in QUERY_ALIASES.items() for alias in aliases}
CANDIDATES = 12  # per word, the most frequent at the nearest distance, before context decides
COMMON = 0.3  # a word in more than this share of articles says nothing about which one is meant


def suggest(reader, query: str, field: str = "exact") -> str | None:
    """A corrected query string, or None when every word is known or nothing better exists."""
    docs = _Docs(reader)
    spots = _spots(docs, query, field)
    unknown = [s for s in spots if not s.known]
    for spot in unknown:
        spot.candidates = _candidates(docs, spot.field, spot.lower)
    unknown = [s for s in unknown if s.candidates]
    if unknown:
        _choose(docs, spots, unknown)
    changed = unknown + _real_words(docs, spots, unknown)
    if not changed:
        return None
    changed.sort(key=lambda spot: spot.start)
    out, last = [], 0
    for spot in changed:
        out.append(query[last:spot.start])
        out.append(_same_case(spot.word, spot.choice))
        last = spot.end
    out.append(query[last:])
    return "".join(out)


@dataclass(eq=False)
class _Spot:
    """One word of the query: where it is, which field's words it is checked against."""

    start: int
    end: int
    word: str
    field: str
    known: bool = True
    candidates: list[tuple[int, int, str]] = field(default_factory=list)  # (distance, -frequency, word)
    choice: str = ""

    @property
    def lower(self) -> str:
        return self.word.lower()


def _spots(docs: _Docs, query: str, default: str) -> list[_Spot]:
    spots = []
    for m in WORD.finditer(query):
        word = m.group(1)
        if word in OPERATORS:
            continue
        name = _field_of(query, m.start())
        if name is None or name.lower() not in ALL_FIELD_NAMES:  # "Re:Esper" is words (tidy.py)
            target = default
        else:
            target = FIELD_ALIASES.get(name.lower(), name.lower())
            if target == "title" or target == "body":
                target = default
            elif target not in NAME_FIELDS:
                continue  # dates, sources, ids: not words to correct
        spot = _Spot(m.start(), m.end(), word, target)
        spot.known = docs.frequency(target, spot.lower) > 0
        spots.append(spot)
    return spots


def _field_of(query: str, pos: int) -> str | None:
    """The field the word at ``pos`` is the value of (``person:Esper``, ``person:"Mark Esper"``)."""
    head = query[:pos]
    m = re.search(r'(\w+):"?[^"\s]*$', head)
    if m:
        return m.group(1)
    if head.count('"') % 2 == 1:
        m = re.search(r'(\w+):"[^"]*$', head)
        if m:
            return m.group(1)
    return None


# -- candidates ----------------------------------------------------------------------------------

_WORDS_CACHE: OrderedDict[tuple[str, str, str], list[str]] = OrderedDict()
_WORDS_LOCK = threading.Lock()
_WORDS_CACHED = 512  # (segment, field, first letter) lists kept


def _segment_words(leaf, fieldname: str, letter: str) -> list[str]:
    """The words of one segment's field that start with ``letter``; a segment never changes, so
    they are kept by its id (least recently used dropped first)."""
    segment = getattr(leaf, "_segment", None)
    key = (segment.segment_id() if segment is not None else str(id(leaf)), fieldname, letter)
    with _WORDS_LOCK:
        words = _WORDS_CACHE.get(key)
        if words is not None:
            _WORDS_CACHE.move_to_end(key)
            return words
    words = [w.decode("utf-8", "replace") for w in leaf.expand_prefix(fieldname, letter.encode("utf-8"))]
    if segment is not None:
        with _WORDS_LOCK:
            _WORDS_CACHE[key] = words
            while len(_WORDS_CACHE) > _WORDS_CACHED:
                _WORDS_CACHE.popitem(last=False)
    return words


def _candidates(docs: _Docs, fieldname: str, word: str, most: int = 2) -> list[tuple[int, int, str]]:
    """The library's words nearest to ``word`` (one edit, or up to ``most`` for words of five letters
    or more), as (distance, -frequency, word), the ``CANDIDATES`` most frequent.

    They keep the word's first letter, as people seldom mistype it; a swap of the first two
    letters is one edit too and is looked up directly."""
    most = 1 if len(word) <= 4 else most
    reader = docs.reader
    found: dict[str, int] = {}
    if fieldname not in reader.schema:
        return []
    for leaf, _ in reader.leaf_readers():
        words = _segment_words(leaf, fieldname, word[0])
        for other, distance, _ in process.extract(word, words, scorer=OSA.distance, score_cutoff=most, limit=None):
            if other != word and distance <= found.get(other, most):
                found[other] = distance
    swapped = word[1] + word[0] + word[2:]
    if swapped != word and docs.frequency(fieldname, swapped) > 0:
        found[swapped] = 1
    if not found:
        return []
    nearest = min(found.values())
    near = [(d, -docs.frequency(fieldname, w), w) for w, d in found.items() if d == nearest]
    near.sort()
    return near[:CANDIDATES]


# -- context -------------------------------------------------------------------------------------

class _Docs:
    """Documents (global numbers) holding a word, read from posting lists, and words' document
    frequencies, each asked of the index once per suggestion."""

    def __init__(self, reader) -> None:
        self.reader = reader
        self.segments = list(reader.leaf_readers()) or [(reader, 0)]
        self.cache: dict[tuple[str, str], frozenset[int]] = {}
        self.frequencies: dict[tuple[str, str], int] = {}
        self.total = max(1, reader.doc_count())

    def frequency(self, fieldname: str, word: str) -> int:
        key = (fieldname, word)
        found = self.frequencies.get(key)
        if found is None:
            found = self.frequencies[key] = self.reader.doc_frequency(fieldname, word)
        return found

    def __call__(self, fieldname: str, word: str) -> frozenset[int]:
        key = (fieldname, word)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = frozenset(self._read(fieldname, word))
        return found

    def _read(self, fieldname: str, word: str):
        btext = word.encode("utf-8")
        for leaf, offset in self.segments:
            if (fieldname, btext) not in leaf:
                continue
            try:
                ids = postings.read(leaf, fieldname, btext).ids
            except postings.Unsupported:
                ids = leaf.postings(fieldname, btext).all_ids()
            for d in ids:
                yield offset + d

    def common(self, fieldname: str, word: str) -> bool:
        return self.frequency(fieldname, word) > COMMON * self.total


def _choose(docs: _Docs, spots: list[_Spot], unknown: list[_Spot]) -> None:
    """Each unknown word's candidate at the nearest distance that is found in one article with the
    most of the query's other words, then the most frequent. The other misspelt words count with
    their current choice; two rounds let them settle on each other."""
    for spot in unknown:
        spot.choice = spot.candidates[0][2]
    for _ in range(2 if len(unknown) > 1 else 1):
        changed = False
        for spot in unknown:
            if len(spot.candidates) == 1:
                continue
            others = [docs(o.field, o.choice or o.lower) for o in spots
                      if o is not spot and not docs.common(o.field, o.choice or o.lower)]
            if not others:
                continue
            best = min(spot.candidates, key=lambda c: (c[0], *_fit(docs(spot.field, c[2]), others), c[1], c[2]))
            if best[2] != spot.choice:
                spot.choice, changed = best[2], True
        if not changed:
            break


def _real_words(docs: _Docs, spots: list[_Spot], unknown: list[_Spot]) -> list[_Spot]:
    """A typo that made another real word ("boots" for "boost", "sing" for "sign"): when no article
    has all the query's words (misspellings corrected), the one word whose neighbour one edit away
    completes the combination in some article is replaced by it. Only then, and only one word: a
    query whose words all occur together is left as typed."""
    telling = [o for o in spots if not docs.common(o.field, o.choice or o.lower)]
    if len(telling) < 2:
        return []
    sets = {id(o): docs(o.field, o.choice or o.lower) for o in telling}
    if _together(sets[id(telling[0])], [sets[id(o)] for o in telling[1:]]) == len(telling) - 1:
        return []
    best = None
    for spot in telling:
        if spot in unknown or len(spot.word) < 4:
            continue
        others = [sets[id(o)] for o in telling if o is not spot]
        for distance, frequency, word in _candidates(docs, spot.field, spot.lower, most=1):
            fit = _fit(docs(spot.field, word), others)
            if -fit[0] == len(others) and (best is None or (fit, frequency) < best[0]):
                best = ((fit, frequency), spot, word)
    if best is None:
        return []
    _, spot, word = best
    spot.choice = word
    return [spot]


def _fit(found: frozenset[int], others: list[frozenset[int]]) -> tuple[int, float]:
    """How well a candidate goes with the other words, as a sort key (smaller is better): the most
    of them found in one article with it, then how much more often than chance it is found with
    them (the articles holding it and that many others, over the articles holding it), so that a
    word found everywhere ("that") does not win on its frequency alone over the name the other
    words go with ("Tait")."""
    counts: dict[int, int] = {}
    for other in others:
        for d in (found & other if len(found) < len(other) else other & found):
            counts[d] = counts.get(d, 0) + 1
    most = max(counts.values(), default=0)
    joint = sum(1 for n in counts.values() if n == most) if most else 0
    return -most, -joint / (len(found) + 1)


def _together(found: frozenset[int], others: list[frozenset[int]]) -> int:
    """The most of ``others`` that one document of ``found`` also holds."""
    counts: dict[int, int] = {}
    for other in others:
        for d in (found & other if len(found) < len(other) else other & found):
            counts[d] = counts.get(d, 0) + 1
    return max(counts.values(), default=0)


def _same_case(original: str, word: str) -> str:
    if original.isupper():
        return word.upper()
    if original[:1].isupper():
        return word[:1].upper() + word[1:]
    return word
