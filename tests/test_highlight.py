"""match_spans tokenises by hand for speed; it must mark exactly what Whoosh's own analyzers would."""

from __future__ import annotations

from whoosh.analysis import StandardAnalyzer, StemmingAnalyzer

from newsreader.index.store.whoosh.analysis import match_spans
from newsreader.index.library import seeds_dir

_STEMMED = StemmingAnalyzer()
_PLAIN = StandardAnalyzer(stoplist=None)


def whoosh_spans(text: str, stemmed: set[str], plain: set[str]) -> list[tuple[int, int]]:
    spans = {(t.startchar, t.endchar) for t in _STEMMED(text, chars=True, removestops=False) if t.text in stemmed}
    spans |= {(t.startchar, t.endchar) for t in _PLAIN(text, chars=True, removestops=False) if t.text in plain}
    return sorted(spans)


TRICKY = (
    "The İstanbul office said a U.S. firm's e-mail was 3.5% up; A I was is ARE being Running runs ran. "
    "Straße STRASSE ﬁnance naïve café x*y wild*card ...dots... under_score 1,000,000 2.0.1 Ελλάδα"
)


def test_same_spans_as_whoosh_analyzers_on_real_and_tricky_text():
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(seeds_dir().rglob("*")) if p.is_file()]
    texts.append(TRICKY)
    for text in texts:
        words = {t.text for t in _PLAIN(text)}
        stems = {t.text for t in _STEMMED(text, removestops=False)}
        # Every word as a term at once, then a few singly: stop words, one-letter words, stems that
        # differ from the word, and plain forms that would only match unstemmed.
        cases = [(stems, set()), (set(), words), (stems, words),
                 ({"is", "a", "was", "run", "istanbul", "u.s"}, set()), (set(), {"running", "the", "a"}),
                 ({"financ", "strass"}, {"straße", "café"})]
        for stemmed, plain in cases:
            assert match_spans(text, stemmed, plain) == whoosh_spans(text, stemmed, plain)


def test_nothing_to_mark():
    assert match_spans("", {"word"}, set()) == []
    assert match_spans("some words", set(), set()) == []
