"""The search engine's own evaluation (collect.py, postings.py) gives Whoosh's answer, exactly.

The library here is written straight through Whoosh (no spaCy): ~250 generated articles over a small
vocabulary in five segments, one of them written with Whoosh's default (zlib) codec, the others with
the store's uncompressed one; some articles deleted after their segment was written, some undated,
some exact copies (equal scores, so the tie rule shows). Each query is compared with
``searcher.search(q, limit=None)``, all matches scored by Whoosh's matchers with no pruning:

- the count equals Whoosh's number of matches;
- the page equals the head of Whoosh's list: same documents, same order, the same float scores (ties:
  lower document number first, as Whoosh orders them);
- sorted by date, the same documents in ``sortedby="sortdate", reverse=True`` order (ties: higher
  document number first, Whoosh's reversed sort).

Whoosh picks its Or matcher by library size (a pre-scored array below 5,000 documents, where a
prefix's words all score 1); newsreader always computes what Whoosh's tree of unions computes, so the
reference here runs with ``Or.matcher_type = DEFAULT_MATCHER``, the matcher Whoosh itself uses on
libraries above 5,000 articles. Whoosh's NOT, ANDNOT and ANDMAYBE matchers have bugs the engine does
not copy (see ``_FIXED``); the reference runs with them fixed.
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import StandardAnalyzer, StemmingAnalyzer
from whoosh.codec.whoosh3 import W3Codec
from whoosh.matching import ReadTooFar
from whoosh.matching.binary import AndMaybeMatcher, AndNotMatcher
from whoosh.matching.wrappers import InverseMatcher

from newsreader.index.store.whoosh import collect, postings
from newsreader.index.article import Article, EntitySpan
from newsreader.index.store.whoosh.analysis import match_spans
from newsreader.index.store.whoosh.query import build_parser, parse
from newsreader.index.store.whoosh.searcher import Searcher
from newsreader.index.store.whoosh.store import INDEX_NAME, Store, document_for

WORDS = ("market markets marketing marked economy economic economies election elected elections "
         "telephone television telecom phone prime minister ministers government govern interest "
         "rates rate oil price prices music award awards football champion champions world cup "
         "digital film films mobile broadband the of and a in to said").split()
PEOPLE = ("Tony Blair", "Gordon Brown", "Blair")
ORGS = ("BBC", "Microsoft")
EPOCH = datetime(2004, 1, 1)


def _article(rng: random.Random, n: int) -> Article:
    words = [rng.choice(WORDS) for _ in range(rng.randint(5, 60))]
    if rng.random() < 0.4:
        at = rng.randrange(len(words))
        words[at:at] = ["prime", "minister"] if rng.random() < 0.6 else ["interest", "rates"]
    body = " ".join(words)
    spans = []
    for name in rng.sample(PEOPLE + ORGS, rng.randint(0, 2)):
        start = len(body) + 1
        body += " " + name
        spans.append(EntitySpan(start, start + len(name), "PERSON" if name in PEOPLE else "ORG", name, name))
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 6))).capitalize()
    dated = rng.random() > 0.1
    return Article(id=f"a{n}", title=title, body=body, source="Wire", path=f"/x/{n}.txt",
                   fetched=EPOCH + timedelta(days=rng.randrange(700)) if dated else None,
                   entities=tuple(spans))


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    rng = random.Random(7)
    directory = tmp_path_factory.mktemp("paths") / "index"
    Store(directory).close()  # creates the index with newsreader's schema
    ix = whoosh_index.open_dir(str(directory), indexname=INDEX_NAME)
    n = 0
    for segment in range(5):
        # Segment 0 with Whoosh's default codec (zlib-compressed blocks), the rest as the store writes.
        writer = ix.writer() if segment == 0 else ix.writer(codec=W3Codec(compression=0))
        for _ in range(50):
            article = _article(rng, n)
            writer.add_document(**document_for(article))
            if n % 17 == 0:  # an exact copy under another id: same score, a tie
                writer.add_document(**document_for(replace(article, id=f"a{n}copy")))
            n += 1
        if segment >= 2:  # deletions in segments already on disk
            for gone in range((segment - 2) * 50, (segment - 2) * 50 + 50, 6):
                writer.delete_by_term("id", f"a{gone}")
        writer.commit(merge=False)
    ix.close()
    opened = Store(directory, readonly=True)
    yield opened
    opened.close()


def _find_first(self):
    """``AndNotMatcher._find_first`` as it should be: Whoosh's only checks the first document
    against the excluded matcher when that matcher happens to be on it already, so ``a ANDNOT b``
    keeps a document of b whenever b starts earlier (and again each time the collector replaces the
    matcher): "economy ANDNOT market" returned documents with "market"."""
    if self.a.is_active() and self.b.is_active():
        self._find_next()


_whoosh_and_not_find_next = AndNotMatcher._find_next


def _and_not_find_next(self):
    """``AndNotMatcher._find_next`` without reading the id of a finished matcher (Whoosh's raises
    IndexError when ``skip_to`` ran the required matcher out: 'market "prime minister" ANDNOT economy'
    fails on this library)."""
    if self.a.is_active():
        return _whoosh_and_not_find_next(self)


def _skip_to(self, id):
    """``AndMaybeMatcher.skip_to`` as it should be: Whoosh's moves the optional matcher to ``id``,
    not to where the required one landed, so inside an And a document can lose the optional part's
    score."""
    if not self.a.is_active():
        raise ReadTooFar
    moved = self.a.skip_to(id)
    if self.a.is_active() and self.b.is_active():
        moved = self.b.skip_to(self.a.id()) or moved
    return moved


def _find_next(self):
    """``InverseMatcher._find_next`` (NOT) as it should be: Whoosh's stops checking for deleted
    documents once the excluded matcher runs out, so "NOT economy" could return a deleted article."""
    while self._id < self.limit:
        if self.missing(self._id):
            self._id += 1
            continue
        if self.child.is_active() and self.child.id() < self._id:
            self.child.skip_to(self._id)
        if self.child.is_active() and self.child.id() == self._id:
            self._id += 1
            self.child.next()
            continue
        break


_FIXED = ((AndNotMatcher, "_find_first", _find_first), (AndNotMatcher, "_find_next", _and_not_find_next),
          (AndMaybeMatcher, "skip_to", _skip_to), (InverseMatcher, "_find_next", _find_next))


@contextmanager
def _whoosh(**or_settings):
    """Whoosh as the reference, the matcher bugs above fixed, ``Or`` settings changed for the engine
    and Whoosh alike."""
    saved = {name: getattr(wq.Or, name) for name in or_settings}
    saved_matchers = [(cls, name, getattr(cls, name)) for cls, name, _ in _FIXED]
    for name, value in or_settings.items():
        setattr(wq.Or, name, value)
    for cls, name, fixed in _FIXED:
        setattr(cls, name, fixed)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(wq.Or, name, value)
        for cls, name, original in saved_matchers:
            setattr(cls, name, original)


def whoosh_default_or():
    """Whoosh's tree of unions for every Or, as on libraries over 5,000 articles."""
    return _whoosh(matcher_type=wq.Or.DEFAULT_MATCHER)


def few_clauses_make_many(count: int = 3):
    """``Or.TOO_MANY_CLAUSES`` lowered: from ``count`` subqueries on, the engine and Whoosh both use
    the pre-scored array (constant 1.0 for a pattern's words), the rule a short prefix with thousands
    of words meets on a real library; below 5,000 articles Whoosh's automatic choice is then the same
    as the engine's."""
    return _whoosh(TOO_MANY_CLAUSES=count)


def assert_same_as_whoosh(s, q, limits=(1, 7, 20, 10_000), reference=whoosh_default_or):
    with reference():
        scored = s.search(q, limit=None)
        by_date = s.search(q, limit=None, sortedby="sortdate", reverse=True)
    ranked = [(hit.docnum, hit.score) for hit in scored]
    dated = [hit.docnum for hit in by_date]
    for limit in limits:
        with reference():
            found = collect.top(s, q, limit)
            in_date_order = collect.top(s, q, limit, sortedby="sortdate")
        assert found.total == len(ranked), q
        assert found.items == ranked[:limit], q
        assert in_date_order.total == len(dated), q
        assert [doc for doc, _ in in_date_order.items] == dated[:limit], q


QUERIES = [
    "market", "economy", "prime minister", "blair AND election", "oil OR prices OR music",
    '"prime minister"', '"interest rates"', '"rates interest"~3', '"prime minister said"', '"the of"',
    "person:Blair", 'person:"Tony Blair"', "org:BBC", "entity:Microsoft", "title:market",
    "elect*", "tele*", "mark*", "m?rket*", "economi~", "goverment~", "footbal~1", "markt~2",
    "market NOT economy", "market ANDNOT economy", "market ANDMAYBE economy", "NOT market",
    "market^3 OR economy", '("prime minister" OR blair) AND elect*', "date:2004", "market date:2005",
    "date:[2004-03-01 TO 2004-09-30] OR tele*", "nosuchword", "nosuchword*", "market AND nosuchword",
    "title:*", "source:wire", "id:a3", 'market "prime minister" ANDNOT economy', "market economy ANDMAYBE market",
    "economy ANDNOT market", "*", "person:*", "org:* AND market", "place:*",
]


def test_the_library_has_segments_deletions_and_both_codecs(store):
    with store.searcher() as s:
        leaves = [sub.reader() for sub, _ in s.leaf_searchers()]
        assert len(leaves) == 5
        assert sum(r.has_deletions() for r in leaves) >= 2
        # The first segment's blocks are compressed: the reader decompresses them the same way.
        term = next(t for f, t in leaves[0].all_terms() if f == "body" and leaves[0].doc_frequency(f, t) > 4)
        m = leaves[0].postings("body", term)
        assert getattr(m, "child", m)._compression


@pytest.mark.parametrize("text", QUERIES)
def test_fixed_queries_match_whoosh(store, text):
    with store.searcher() as s:
        parsed = parse(build_parser(s.schema), text)
        assert parsed.error is None, parsed.error
        assert_same_as_whoosh(s, parsed.query)


@pytest.mark.parametrize("text", QUERIES)
def test_many_clause_ors_match_whoosh(store, text):
    with store.searcher() as s:
        assert_same_as_whoosh(s, parse(build_parser(s.schema), text).query, reference=few_clauses_make_many)


def test_the_count_is_every_match_and_never_a_deleted_document(store):
    with store.searcher() as s:
        q = parse(build_parser(s.schema), "market OR economy").query
        found = collect.top(s, q, 5)
        assert found.total == len(set(s.docs_for_query(q))) > 5
        deleted = {offset + d for sub, offset in s.leaf_searchers() for d in sub.reader().deleted_docs_set}
        assert deleted
        for text in ("market OR economy", "NOT economy", "NOT nosuchword", "tele* NOT economy"):
            everything = collect.top(s, parse(build_parser(s.schema), text).query, 10_000)
            assert everything.total == len(everything.items)
            assert not deleted & {doc for doc, _ in everything.items}, text


@pytest.mark.parametrize("a, b", [("economy", "market"), ("market", "economy"), ("tele*", "prime minister")])
def test_excluded_documents_never_match(store, a, b):
    with store.searcher() as s:
        parser = build_parser(s.schema)
        expected = set(s.docs_for_query(parse(parser, a).query)) - set(s.docs_for_query(parse(parser, b).query))
        assert expected
        for text in (f"({a}) ANDNOT ({b})", f"({a}) NOT ({b})"):
            found = collect.top(s, parse(parser, text).query, 10_000)
            assert found.total == len(expected)
            assert {doc for doc, _ in found.items} == expected


def test_empty_results(store):
    with store.searcher() as s:
        for text in ("nosuchword", '"market nosuchword"', "market AND nosuchword", "person:Nobody"):
            found = collect.top(s, parse(build_parser(s.schema), text).query, 20)
            assert (found.total, found.items) == (0, [])
            assert collect.top(s, parse(build_parser(s.schema), text).query, 20, sortedby="sortdate").items == []


def test_ties_keep_whoosh_order(store):
    with store.searcher() as s:
        q = parse(build_parser(s.schema), "market").query
        items = collect.top(s, q, 10_000).items
    scores = [score for _, score in items]
    assert len(scores) > len(set(scores)), "the copies should tie"
    assert items == sorted(items, key=lambda item: (-item[1], item[0]))


PIECES = st.sampled_from([
    "market", "economy", "election", "prime", "minister", "blair", "oil", "music", "the", "nosuch",
    "mark*", "elect*", "te*", "economi~", "goverment~", "marks~2", "m?rk*",
    '"prime minister"', '"interest rates"', '"minister prime"~2', '"prime minister said"',
    "person:Blair", 'person:"Tony Blair"', "org:BBC", "title:market", "title:elect*",
    "AND", "OR", "NOT", "ANDMAYBE", "ANDNOT", "^2", "(", ")", "date:2004",
])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(PIECES, min_size=1, max_size=7).map(" ".join))
def test_any_query_shape_matches_whoosh(store, text):
    with store.searcher() as s:
        parsed = parse(build_parser(s.schema), text)
        if parsed.error:
            return
        assert_same_as_whoosh(s, parsed.query, limits=(3, 10_000))


def test_searcher_pages_and_counts_as_whoosh_ranks(store):
    searcher = Searcher(store)
    with store.searcher() as s:
        q = parse(searcher.parser(s.schema), "market OR tele*").query
        with whoosh_default_or():
            reference = [(s.stored_fields(hit.docnum)["id"], hit.score) for hit in s.search(q, limit=None)]
            dated = [s.stored_fields(hit.docnum)["id"]
                     for hit in s.search(q, limit=None, sortedby="sortdate", reverse=True)]
    first = searcher.search("market OR tele*", limit=10)
    second = searcher.search("market OR tele*", limit=10, offset=10)
    assert first.total == second.total == len(reference)
    assert [(h.id, h.score) for h in first.hits + second.hits] == reference[:20]
    newest = searcher.search("market OR tele*", limit=15, sort="date")
    assert [h.id for h in newest.hits] == dated[:15]


def test_postings_read_in_bulk_equal_the_matchers(store):
    with store.searcher() as s:
        for sub, _ in s.leaf_searchers():
            reader = sub.reader()
            deleted = reader.deleted_docs_set if reader.has_deletions() else frozenset()
            for fieldname, btext in reader.all_terms():
                if fieldname not in ("title", "body", "exact", "person", "id"):
                    continue
                m = reader.postings(fieldname, btext)
                ids, weights, values = [], [], []
                while m.is_active():
                    ids.append(m.id())
                    weights.append(m.weight())
                    values.append(m.value())
                    m.next()
                assert not deleted & set(ids)
                with_values = postings.read(reader, fieldname, btext, values=True)
                assert (with_values.ids, with_values.weights, with_values.values) == (ids, weights, values)
                without = postings.read(reader, fieldname, btext)
                assert (without.ids, without.weights, without.values) == (ids, weights, None)


def test_columns_read_in_bulk_equal_the_per_document_reads(store):
    with store.searcher() as s:
        for sub, _ in s.leaf_searchers():
            reader = sub.reader()
            column = reader.column_reader("sortdate", translate=False)
            keys = postings.sort_keys(reader, "sortdate")
            assert list(keys) == [column.sort_key(d) for d in range(reader.doc_count_all())]
            for fieldname in ("title", "body", "person", "org"):
                per_doc = reader._perdoc._cached_reader(f"_{fieldname}_len", postings.LENGTHS_COLUMN)
                assert per_doc is not None
                lengths = postings.lengths(reader, fieldname)
                assert list(lengths) == [per_doc[d] for d in range(reader.doc_count_all())]
            with pytest.raises(postings.Unsupported):  # no column: Whoosh's default length, not ours
                postings.lengths(reader, "place")


# -- highlighting: same spans as Whoosh's analyzers on awkward text ---------------------------------------

_STEMMED = StemmingAnalyzer()
_PLAIN = StandardAnalyzer(stoplist=None)


def _whoosh_spans(text, stemmed, plain):
    spans = {(t.startchar, t.endchar) for t in _STEMMED(text, chars=True, removestops=False) if t.text in stemmed}
    spans |= {(t.startchar, t.endchar) for t in _PLAIN(text, chars=True, removestops=False) if t.text in plain}
    return sorted(spans)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab._- 1İßé\n", max_size=40), st.data())
def test_spans_match_the_analyzers_on_any_text(text, data):
    words = sorted({t.text for t in _PLAIN(text)})
    stems = sorted({t.text for t in _STEMMED(text, removestops=False)})
    plain = set(data.draw(st.lists(st.sampled_from(words), max_size=3))) if words else set()
    stemmed = set(data.draw(st.lists(st.sampled_from(stems), max_size=3))) if stems else set()
    assert match_spans(text, stemmed, plain) == _whoosh_spans(text, stemmed, plain)
