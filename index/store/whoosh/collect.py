"""Running a parsed query over whole posting lists: the exact count and the best page, in one pass.

Whoosh's collectors step through a tree of matchers in Python once per matching document, and its
top-N collector prunes that tree as the page fills (``matcher.replace(minscore)``, even with
``optimize=False``), so the count it reports is only the documents it happened to visit: 636 for
"economy" at 50,000 articles where 4,350 match. Here each segment evaluates the query tree over whole
lists (``postings.py``): a node becomes ``{docnum: score}`` (relevance) or a set of docnums (date
order), the count is the size of the root, and the page is cut with ``heapq``.

Scores are Whoosh's own, bit for bit: the same scorer on the same weight and length byte, added in the
tree shape Whoosh's matchers add them (Huffman-like trees for Or/And, a balanced tree for a phrase's
words). The order is Whoosh's: score descending then document number ascending, or the sort key
descending then document number descending when sorted by date, so a page equals the head of
``searcher.search(q, limit=None)`` (tests/test_search_paths.py), with three differences:

- Whoosh's Or picks its matcher by library size: below 5,000 documents a pre-scored array (where a
  prefix's words all score 1.0), above it a tree of unions (where they add up their BM25 scores).
  This always computes the tree, so a prefix ranks the same way at every size; only from
  ``Or.TOO_MANY_CLAUSES`` subqueries on (a one-letter prefix) does it switch to the array, as Whoosh
  does at every size.
- Whoosh's NOT could return a deleted document, its ANDNOT a document of the excluded part (or
  raise IndexError), its ANDMAYBE inside an AND drop the optional part's score; this has none of that.
- ``*`` / ``field:*`` come from the field's length column instead of every word's postings.

Query types not listed in ``_Segment.run`` go through Whoosh's own matcher for that part of the tree.
The whole of this reads Whoosh's query classes and private attributes (``_btexts``, a scorer's
``_score``) as whoosh-reloaded 2.7.5 has them; under another Whoosh (``compat.py``) ``top`` asks
Whoosh's own searcher for every match instead, which is slower and ranks as Whoosh does.
"""

from __future__ import annotations

import heapq
from collections import Counter
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate
from pickle import loads

from whoosh import query as wq
from whoosh.formats import Positions
from whoosh.query.qcore import _NullQuery
from whoosh.query.terms import MultiTerm
from whoosh.scoring import WeightLengthScorer, WeightScorer
from whoosh.util.numeric import byte_to_length

from . import postings
from .compat import internals_known


@dataclass(frozen=True)
class Collected:
    """``total`` matching documents; ``items`` the best ``limit`` as (global docnum, score), best
    first (score is None when sorted by date: the order then says nothing about relevance).
    ``expansions`` holds the words each prefix/fuzzy/wildcard leaf expanded to, by (id of the leaf,
    segment number), so highlighting need not walk the term dictionary a second time."""

    total: int
    items: list[tuple[int, float | None]]
    expansions: dict[tuple[int, int], list[bytes]] = field(default_factory=dict)


def top(searcher, q, limit: int, *, sortedby: str | None = None) -> Collected:
    """The count and best ``limit`` documents for ``q``; newest first by ``sortedby`` when given."""
    limit = max(1, limit)
    if not internals_known():
        return _whoosh_top(searcher, q, limit, sortedby)
    total = 0
    best: list[tuple] = []
    expansions: dict[tuple[int, int], list[bytes]] = {}
    for number, (sub, offset) in enumerate(searcher.leaf_searchers()):
        found = _Segment(searcher, sub, scored=sortedby is None, expansions=expansions, number=number).run(q)
        total += len(found)
        if not found:
            continue
        if sortedby is None:
            best.extend(_best_scored(found, offset, limit))
        else:
            keys = postings.sort_keys(sub.reader(), sortedby)
            best.extend(heapq.nlargest(limit, [(keys[d], offset + d) for d in found]))
    if sortedby is None:
        best.sort(key=lambda item: (-item[0], item[1]))
        return Collected(total, [(doc, score) for score, doc in best[:limit]], expansions)
    best.sort(reverse=True)
    return Collected(total, [(doc, None) for _, doc in best[:limit]], expansions)


def _whoosh_top(searcher, q, limit: int, sortedby: str | None) -> Collected:
    """Whoosh's public path: every match collected (no limit, so no pruning and an exact count)."""
    results = searcher.search(q, limit=None, sortedby=sortedby, reverse=sortedby is not None)
    items = [(hit.docnum, None if sortedby else hit.score) for hit in results[:limit]]
    return Collected(len(results), items)


def _best_scored(found: dict, offset: int, limit: int) -> list[tuple[float, int]]:
    """(score, global docnum) of the segment's documents that can be on the page: those above the
    ``limit``-th best score, then as many of those at that score as fit, lowest docnum first."""
    if len(found) <= limit:
        return [(score, offset + doc) for doc, score in found.items()]
    edge = heapq.nlargest(limit, found.values())[-1]
    above = [(score, offset + doc) for doc, score in found.items() if score > edge]
    ties = heapq.nsmallest(limit - len(above), [doc for doc, score in found.items() if score == edge])
    return above + [(edge, offset + doc) for doc in ties]


class _Word(wq.Term):
    """A Term for a word the segment's own term list just gave a pattern (bytes from a prefix's or
    wildcard's expansion, str from a fuzzy one): known to be there."""


class _Segment:
    """One segment's evaluation: each ``run`` returns {local docnum: score} when scoring, else a set."""

    def __init__(self, top_searcher, sub, *, scored: bool, expansions: dict | None = None, number: int = 0) -> None:
        self.top = top_searcher
        self.sub = sub
        self.reader = sub.reader()
        self.scored = scored
        self.weighting = top_searcher.weighting
        self.expansions = {} if expansions is None else expansions
        # When set, a scored term leaves out documents not in it: a part of the tree then gives the
        # right scores for these documents, and may hold others (every caller filters by it after).
        self.only: set[int] | None = None
        self.number = number

    def empty(self):
        return {} if self.scored else set()

    def run(self, q):
        kind = type(q)
        if kind is wq.Term or kind is _Word:
            return self.term(q)
        if kind is wq.Or or kind is wq.DefaultOr:
            return self.union(q)
        if kind is wq.And:
            return self.intersection(q)
        if kind is wq.Phrase:
            return self.phrase(q)
        if isinstance(q, MultiTerm) and (kind.matcher is MultiTerm.matcher or
                                         _EVERY_PATTERN.get(kind, q.text) != q.text):
            return self.multiterm(q)
        if kind is wq.AndMaybe:
            return self.and_maybe(q)
        if kind is wq.AndNot:
            return self.and_not(q)
        if kind is wq.Not:
            return self.inverse(q)
        if kind is wq.Every:
            return self.every(q)
        if kind is _NullQuery:
            return self.empty()
        return self.whoosh(q)

    # -- Whoosh's own matcher, for everything else ---------------------------------------------------
    def whoosh(self, q):
        """The documents (and scores) Whoosh's matcher for ``q`` yields, stepped the way its
        collectors step it, without the pruning."""
        if not self.scored:
            return set(q.matcher(self.sub, self.top.boolean_context()).all_ids())
        m = q.matcher(self.sub, self.top.context())
        out = {}
        while m.is_active():
            out[m.id()] = m.score()
            m.next()
        return out

    # -- leaves --------------------------------------------------------------------------------------
    def _existing(self, fieldname: str, text):
        """The term's bytes when this segment has it, else None (``Term.matcher``'s checks)."""
        schema = self.reader.schema
        if fieldname not in schema:
            return None
        try:
            btext = schema[fieldname].to_bytes(text)
        except ValueError:
            return None
        return btext if (fieldname, btext) in self.reader else None

    def term(self, q):
        if q.minquality:
            return self.whoosh(q)
        if type(q) is _Word:
            btext = self.reader.schema[q.fieldname].to_bytes(q.text)
        else:
            btext = self._existing(q.fieldname, q.text)
        if btext is None:
            return self.empty()
        try:
            found = postings.read(self.reader, q.fieldname, btext)
            if not self.scored:
                return set(found.ids)
            ids, where = found.ids, None
            if self.only is not None:  # scores wanted for these documents only (top_relaxed)
                only = self.only
                where = [i for i, d in enumerate(ids) if d in only]
                ids = [ids[i] for i in where]
            scores = self._scores(q.fieldname, btext, found, where)
        except postings.Unsupported:
            return self.whoosh(q)
        if q.boost != 1.0:  # WrappingMatcher.score
            boost = q.boost
            scores = [s * boost for s in scores]
        return dict(zip(ids, scores))

    def _scores(self, fieldname: str, btext: bytes, found: postings.Postings, where=None) -> list[float]:
        """Each posting's score from the scorer ``Searcher.postings`` would give its matcher, for the
        postings at indexes ``where`` (all when None)."""
        scorer = self.weighting.scorer(self.sub, fieldname, btext)
        ids, weights = found.ids, found.weights
        if where is not None:
            ids = [ids[i] for i in where]
            weights = [weights[i] for i in where]
        if type(scorer) is WeightScorer:
            return list(weights)
        if not isinstance(scorer, WeightLengthScorer) or type(scorer).score is not WeightLengthScorer.score:
            raise postings.Unsupported(type(scorer).__name__)
        lengths = postings.lengths(self.reader, fieldname)
        table = _ScoreTable(scorer._score)
        return list(map(table.__getitem__, zip(weights, map(lengths.__getitem__, ids))))

    def phrase(self, q):
        """``SpanNear2`` (what ``Phrase.matcher`` builds): documents with every word, each word
        1..slop positions after the previous one, scored as the words' sum."""
        schema = self.reader.schema
        fieldname = q.fieldname
        if fieldname not in schema:
            return self.empty()
        field = schema[fieldname]
        if not q.words or not field.format or type(field.format) is not Positions:
            return self.whoosh(q)  # no words, or Whoosh's error for a field without positions
        words = []
        for word in q.words:
            btext = self._existing(fieldname, word)
            if btext is None:
                return self.empty()
            words.append(btext)
        try:
            lists = [postings.read(self.reader, fieldname, w, values=True) for w in words]
        except postings.Unsupported:
            return self.whoosh(q)
        common = set(lists[0].ids)
        for p in lists[1:]:
            common.intersection_update(p.ids)
        if not common:
            return self.empty()
        where = [[i for i, d in enumerate(p.ids) if d in common] for p in lists]
        docs = [lists[0].ids[i] for i in where[0]]  # ascending, the same for every word
        values = [[p.values[i] for i in idx] for p, idx in zip(lists, where)]
        keep = _in_order(values, q.slop)
        if not self.scored:
            return {docs[n] for n in keep}
        try:
            per_word = [self._scores(fieldname, w, p, idx) for w, p, idx in zip(words, lists, where)]
        except postings.Unsupported:
            return self.whoosh(q)
        if len(per_word) == 2:
            first, second = per_word
            out = {docs[n]: first[n] + second[n] for n in keep}
        else:
            out = {docs[n]: _binary_sum([s[n] for s in per_word]) for n in keep}
        return _boosted(out, q.boost)

    def multiterm(self, q):
        """``MultiTerm.matcher``: the words the segment has for the pattern, one Term, or their Or."""
        fieldname = q.field()
        words = [w for w in q._btexts(self.reader) if w]
        self.expansions[id(q), self.number] = words
        if not words:
            return self.empty()
        if len(words) == 1:
            return self.run(_Word(fieldname, words[0]))
        return self.union(wq.Or([_Word(fieldname, w) for w in words], boost=q.boost), constant=q.constantscore)

    # -- combinations --------------------------------------------------------------------------------
    def union(self, q, *, constant: bool = False):
        """``Or``: Whoosh's tree of unions, or from ``Or.TOO_MANY_CLAUSES`` subqueries on (a short
        prefix's thousands of words) the pre-scored array Whoosh switches to. ``constant``: the Or
        stands for a constant-score pattern, where that array gives every document 1.0."""
        if q.scale:
            return self.whoosh(q)  # a coordination bonus (CoordMatcher)
        subs = q.subqueries
        if not subs:
            return self.empty()
        if len(subs) == 1:
            return self.run(subs[0])
        if len(subs) >= wq.Or.TOO_MANY_CLAUSES:
            return self._preloaded(subs, q.boost, constant)
        if not self.scored:
            out = set()
            for sub in subs:
                out |= self.run(sub)
            return out
        reader = self.reader
        found = _weighted_tree(_add_union, [(sub.estimate_size(reader), self.run(sub)) for sub in subs])
        return _boosted(found, q.boost)

    def _preloaded(self, subs, boost: float, constant: bool):
        """``PreloadedOr`` (an ``ArrayUnionMatcher``): each subquery's scores times the boost added in
        order into an array of zeros, documents whose sum is positive kept; unscored, every one 1."""
        if not self.scored or constant:
            found = self._ids_of(subs)
            return dict.fromkeys(found, 1.0) if self.scored else found
        sums: dict[int, float] = {}
        get = sums.get
        for sub in subs:
            for d, score in self.run(sub).items():
                sums[d] = get(d, 0.0) + score * boost
        return {d: s for d, s in sums.items() if s > 0}

    def _ids_of(self, subs) -> set:
        """The documents of any of ``subs``, found without scores."""
        scored, self.scored = self.scored, False
        try:
            found: set = set()
            for sub in subs:
                found |= self.run(sub)
            return found
        finally:
            self.scored = scored

    def intersection(self, q):
        """``And``: Whoosh's Huffman-like tree of intersections, weighted by minus each part's size."""
        subs = q.subqueries
        if not subs:
            return self.empty()
        if len(subs) == 1:
            return self.run(subs[0])
        reader = self.reader
        sized = sorted(((sub.estimate_size(reader), i, sub) for i, sub in enumerate(subs)), key=lambda t: t[0])
        results: dict[int, object] = {}
        for _, i, sub in sized:  # the rarest first: one empty part empties the whole
            found = self.run(sub)
            if not found:
                return self.empty()
            results[i] = found
        if not self.scored:
            sets = sorted(results.values(), key=len)
            out = set(sets[0])
            for other in sets[1:]:
                out &= other
            return out
        pairs = [(0 - size, results[i]) for size, i, _ in sorted(sized, key=lambda t: t[1])]
        return _boosted(_weighted_tree(_add_intersection, pairs), q.boost)

    def and_maybe(self, q):
        """``AndMaybe``: a's documents, plus b's score where b matches too."""
        found = self.run(q.a)
        if not self.scored or not found:
            return found
        maybe = self.run(q.b)
        return {d: (s + maybe[d]) if d in maybe else s for d, s in found.items()}

    def and_not(self, q):
        """``AndNot``: a's documents and scores, less every document of b."""
        found = self.run(q.a)
        if not found:
            return found
        excluded = self._ids_of([q.b])
        if not self.scored:
            return found - excluded
        return {d: s for d, s in found.items() if d not in excluded}

    def inverse(self, q):
        """``Not`` (an ``InverseMatcher``): the segment's live documents outside the subquery, each
        scored 1.0, the matcher's weight."""
        reader = self.reader
        found = set(range(reader.doc_count_all())) - self._ids_of([q.query])
        if reader.has_deletions():
            found -= reader.deleted_docs_set
        return dict.fromkeys(found, 1.0) if self.scored else found

    def every(self, q):
        """``Every``: all live documents, or those with a word in the field. Whoosh finds the latter
        by reading the postings of every word of the field (10 s for ``*`` at 50,000 articles); a
        document has a word in a field exactly when its length there is not 0, which the field's
        length column says at once. Each scores the boost, as Whoosh's ``ListMatcher`` does."""
        reader = self.reader
        if q.fieldname in (None, "", "*"):
            found = set(range(reader.doc_count_all()))
        else:
            schema = reader.schema
            if q.fieldname not in schema or not schema[q.fieldname].scorable:
                return self.whoosh(q)  # no length column to read
            try:
                lengths = postings.lengths(reader, q.fieldname)
            except postings.Unsupported:
                return self.whoosh(q)
            found = {d for d, size in enumerate(lengths) if size}
        if reader.has_deletions():
            found -= reader.deleted_docs_set
        return dict.fromkeys(found, q.boost or 1.0) if self.scored else found


# Patterns whose ``matcher`` differs from ``MultiTerm.matcher`` only for the text that means "every
# document with the field" (Whoosh's Every, left to Whoosh).
_EVERY_PATTERN = {wq.Prefix: "", wq.Wildcard: "*", wq.Regex: ".*"}


class _ScoreTable(dict):
    """Scores by (weight, length byte): a term has few distinct pairs, each computed once by the
    scorer's own formula with the length ``doc_field_length`` would return for that byte."""

    def __init__(self, score) -> None:
        super().__init__()
        self._score = score

    def __missing__(self, key):
        weight, lbyte = key
        value = self[key] = self._score(weight, byte_to_length(lbyte) if lbyte else None)
        return value


def _boosted(found: dict, boost: float) -> dict:
    if boost != 1.0:  # the WrappingMatcher a boosted compound query adds around its tree
        return {d: s * boost for d, s in found.items()}
    return found


def _add_union(a: dict, b: dict) -> dict:
    """UnionMatcher: a document in both gets the sum (a + b == b + a in floating point); the rest
    are copied by ``dict.update``."""
    if len(a) < len(b):
        a, b = b, a
    both = a.keys() & b.keys()
    sums = {d: a[d] + b[d] for d in both} if both else None
    a.update(b)
    if sums:
        a.update(sums)
    return a


def _add_intersection(a: dict, b: dict) -> dict:
    if len(a) > len(b):
        a, b = b, a
    return {d: s + b[d] for d, s in a.items() if d in b}


def _weighted_tree(combine, pairs: list[tuple[int, dict]]) -> dict:
    """``whoosh.util.make_weighted_tree`` over (weight, result) pairs, which decides the order scores
    are added in. Whoosh sorts (weight, matcher) tuples and ``insort``s merged ones; its matchers
    never compare as less than each other, so ties keep their order and a merged pair goes after
    equal weights, which a stable sort on the weight and ``bisect_right`` reproduce."""
    pairs = sorted(pairs, key=lambda p: p[0])
    weights = [w for w, _ in pairs]
    items = [r for _, r in pairs]
    while len(items) > 1:
        weight = weights.pop(0) + weights.pop(0)
        merged = combine(items.pop(0), items.pop(0))
        at = bisect_right(weights, weight)
        weights.insert(at, weight)
        items.insert(at, merged)
    return items[0]


def _binary_sum(scores: list[float]) -> float:
    """``make_binary_tree(IntersectionMatcher, ...)``'s sum: halves added recursively."""
    if len(scores) == 1:
        return scores[0]
    half = len(scores) // 2
    return _binary_sum(scores[:half]) + _binary_sum(scores[half:])


def _positions(value: bytes):
    """``Positions.decode_positions`` without its per-position Python loop."""
    try:
        return accumulate(loads(value[4:]))
    except Exception:
        if value.endswith(b"."):
            raise
        return accumulate(loads(value[4:] + b"."))


def _in_order(values: list[list[bytes]], slop: int) -> list[int]:
    """The indexes n at which the words' position lists ``values[k][n]`` hold the phrase. Two words
    with slop 1, nearly every phrase typed, get ``_in_sequence`` written out in one expression."""
    if len(values) != 2 or slop != 1:
        return [n for n, lists in enumerate(zip(*values)) if _in_sequence(lists, slop)]
    keep = []
    for n, (first, second) in enumerate(zip(*values)):
        try:
            found = not set(map(_NEXT, accumulate(loads(first[4:])))).isdisjoint(accumulate(loads(second[4:])))
        except Exception:  # a value without its STOP byte: the careful way
            found = _in_sequence((first, second), 1)
        if found:
            keep.append(n)
    return keep


_NEXT = (1).__add__


def _in_sequence(values, slop: int) -> bool:
    """Whether each word occurs 1..slop positions after some occurrence of the previous one: the
    spans ``SpanNear2`` keeps with ordered=True and mindist=1, where only their ends matter. Set
    operations on the decoded deltas do the work; a value ``loads`` cannot read alone (no STOP
    byte) is decoded the way ``Positions.decode_positions`` does it."""
    ends = set(_positions(values[0]))
    for value in values[1:]:
        if slop == 1:
            reach = set(map(_NEXT, ends))
        else:
            reach = {end + step for end in ends for step in range(1, slop + 1)}
        ends = reach.intersection(_positions(value))
        if not ends:
            return False
    return True


# Fields that narrow a search rather than describe what it is about: kept when a search is relaxed.
FILTER_FIELDS = frozenset({"published", "sortdate", "source", "id", "url", "path"})


def top_relaxed(searcher, q, limit: int, *, sortedby: str | None = None) -> Collected | None:
    """For an ``And`` that matched nothing: the documents that match the most of its parts, best
    first (more parts matched, then the parts' summed score, or the date when ``sortedby``). Filters
    (a date range, a source, a NOT) stay required; a document must match at least half of the other
    parts. None when the query is not such an ``And`` of two parts or more.

    Counting comes first, over each part's documents without scores; then only the documents that
    can be on the page (the best counts, down to the count that fills it) are scored, each part
    with the scores ``top`` would give it, added in the parts' order."""
    if type(q) is not wq.And:
        return None
    required = [sub for sub in q.subqueries if _is_filter(sub)]
    optional = [sub for sub in q.subqueries if not _is_filter(sub)]
    if len(optional) < 2:
        return None
    need = max(1, (len(optional) + 1) // 2)
    limit = max(1, limit)
    total = 0
    best: list[tuple] = []
    expansions: dict[tuple[int, int], list[bytes]] = {}
    for number, (sub, offset) in enumerate(searcher.leaf_searchers()):
        segment = _Segment(searcher, sub, scored=False, expansions=expansions, number=number)
        allowed = segment.run(wq.And(required)) if required else None
        if allowed is not None and not allowed:
            continue
        counts: Counter = Counter()
        for part in optional:
            found = segment.run(part)
            counts.update(found if allowed is None else found & allowed)
        by_count: dict[int, list[int]] = {}
        for d, count in counts.items():
            if count >= need:
                by_count.setdefault(count, []).append(d)
        eligible = sum(len(docs) for docs in by_count.values())
        total += eligible
        if not eligible:
            continue
        page: list[int] = []
        for count in sorted(by_count, reverse=True):
            page.extend(by_count[count])
            if len(page) >= limit:
                break
        if sortedby is not None:
            keys = postings.sort_keys(sub.reader(), sortedby)
            best.extend(heapq.nlargest(limit, ((counts[d], keys[d], offset + d) for d in page)))
            continue
        segment.scored, segment.only = True, set(page)
        sums = dict.fromkeys(page, 0.0)
        for part in ([wq.And(required)] if required else []) + optional:
            for d, score in segment.run(part).items():
                if d in sums:
                    sums[d] += score
        best.extend(heapq.nlargest(limit, ((counts[d], sums[d], -(offset + d)) for d in page)))
    best.sort(reverse=True)
    if sortedby is None:
        return Collected(total, [(-doc, score) for _, score, doc in best[:limit]], expansions)
    return Collected(total, [(doc, None) for _, _, doc in best[:limit]], expansions)


def _is_filter(q) -> bool:
    if isinstance(q, wq.Not):
        return True
    leaves = list(q.leaves()) if not q.is_leaf() else [q]
    return bool(leaves) and all(leaf.field() in FILTER_FIELDS for leaf in leaves)
