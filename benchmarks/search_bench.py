"""Search latency through newsreader's ``Library.search`` next to the same query on the bare Whoosh index.

The reference opens the index with Whoosh alone and runs the query newsreader's parser produced
(parsed once, outside the timing) with ``searcher.search``, then reads the stored fields of the top
hits, which any program showing results must do. It computes no snippets, no highlight offsets, no
hit count and no spelling correction: the difference is what newsreader's code around Whoosh costs.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

# Thirty fixed queries over the BBC corpus (2004-2005): plain terms, AND, phrases, entity fields,
# prefixes, fuzzy terms and date-sorted lists. The same set runs at every size.
QUERIES: list[tuple[str, str, str]] = [
    ("term", "economy", "relevance"),
    ("term", "election", "relevance"),
    ("term", "film", "relevance"),
    ("term", "mobile", "relevance"),
    ("term", "football", "relevance"),
    ("term", "oil", "relevance"),
    ("and", "blair AND election", "relevance"),
    ("and", "oil AND prices", "relevance"),
    ("and", "music AND award", "relevance"),
    ("and", "broadband phone", "relevance"),
    ("and", "chelsea AND mourinho", "relevance"),
    ("phrase", '"interest rates"', "relevance"),
    ("phrase", '"prime minister"', "relevance"),
    ("phrase", '"world cup"', "relevance"),
    ("phrase", '"digital music"', "relevance"),
    ("entity", "person:Blair", "relevance"),
    ("entity", 'person:"Tony Blair"', "relevance"),
    ("entity", "org:Microsoft", "relevance"),
    ("entity", "place:China", "relevance"),
    ("entity", "org:BBC", "relevance"),
    ("entity", "entity:Google", "relevance"),
    ("prefix", "elect*", "relevance"),
    ("prefix", "tele*", "relevance"),
    ("prefix", "champ*", "relevance"),
    ("fuzzy", "economi~", "relevance"),
    ("fuzzy", "goverment~", "relevance"),
    ("fuzzy", "footbal~1", "relevance"),
    ("date", "market", "date"),
    ("date", "person:Blair", "date"),
    ("date", "", "date"),
]
assert len(QUERIES) == 30

# Misspellings that find little, so newsreader computes a "did you mean".
MISSPELT = ["ecomony", "chancelor", "parliment", "telivision", "presidnet", "Espr"]

LIMIT = 20


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); honest for the small samples a benchmark has."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary(samples_ms: list[float]) -> dict:
    return {"p50_ms": round(statistics.median(samples_ms), 3), "p95_ms": round(percentile(samples_ms, 95), 3),
            "max_ms": round(max(samples_ms), 3), "n": len(samples_ms)}


def _timed(fn) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t) * 1000, out


def measure(home: Path, repeats: int = 7) -> dict:
    """Every query ``repeats`` times (after one warm-up), newsreader and bare Whoosh interleaved."""
    from whoosh import index as whoosh_index
    from whoosh import query as wq

    from newsreader.index.store.whoosh import correct
    from newsreader.index.library import Library
    from newsreader.index.store.whoosh.query import parse

    library = Library.open(home, readonly=True)
    ix = whoosh_index.open_dir(str(library.paths.index_dir), indexname="articles")
    raw = ix.searcher()
    schema = raw.schema
    parser = library.store.queries.parser(schema)

    def raw_search(q, sort):
        by_date = sort == "date" or isinstance(q, wq.Every)
        results = raw.search(q, limit=LIMIT, sortedby="sortdate" if by_date else None, reverse=by_date)
        return [hit.fields()["id"] for hit in results]

    per_query = []
    ours_all: list[float] = []
    raw_all: list[float] = []
    for kind, text, sort in QUERIES:
        q = parse(parser, text).query
        library.search(text, limit=LIMIT, sort=sort)
        raw_search(q, sort)
        ours, bare = [], []
        total = None
        for _ in range(repeats):
            ms, result = _timed(lambda: library.search(text, limit=LIMIT, sort=sort))
            ours.append(ms)
            total = result.total
            ms, _ = _timed(lambda: raw_search(q, sort))
            bare.append(ms)
        ours_all += ours
        raw_all += bare
        per_query.append({"kind": kind, "query": text, "sort": sort, "total": total,
                          "newsreader_ms": round(statistics.median(ours), 3),
                          "whoosh_ms": round(statistics.median(bare), 3)})

    corrections = []
    sugg_all: list[float] = []
    full_all: list[float] = []
    whoosh_corr_all: list[float] = []
    reader = raw.reader()
    for word in MISSPELT:
        library.search(word, limit=LIMIT)
        q = parse(parser, word).query
        suggest_ms, full_ms, wc_ms = [], [], []
        suggestion = None
        for _ in range(repeats):
            ms, suggestion = _timed(lambda: correct.suggest(reader, word))
            suggest_ms.append(ms)
            ms, result = _timed(lambda: library.search(word, limit=LIMIT))
            full_ms.append(ms)
            ms, whoosh_corr = _timed(lambda: raw.correct_query(q, word))
            wc_ms.append(ms)
        sugg_all += suggest_ms
        full_all += full_ms
        whoosh_corr_all += wc_ms
        corrections.append({"query": word, "suggestion": suggestion, "whoosh_suggestion": whoosh_corr.string,
                            "suggest_ms": round(statistics.median(suggest_ms), 3),
                            "search_with_suggestion_ms": round(statistics.median(full_ms), 3),
                            "whoosh_correct_query_ms": round(statistics.median(wc_ms), 3)})
    articles = library.article_count()
    raw.close()
    ix.close()
    library.close()
    return {
        "articles": articles,
        "repeats": repeats,
        "search": {"newsreader": summary(ours_all), "whoosh": summary(raw_all)},
        "queries": per_query,
        "did_you_mean": {"suggest": summary(sugg_all), "search_with_suggestion": summary(full_all),
                         "whoosh_correct_query": summary(whoosh_corr_all), "queries": corrections},
    }
