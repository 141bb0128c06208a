"""Known-item search: does a person who types (or pastes) an article's headline find that article?

    .venv/bin/python benchmarks/search_quality.py HOME [--queries 100] [--typos 2] [--seed 7] [--json]

For ``--queries`` headlines drawn at random from the library in HOME, each query is searched as it is
and with ``--typos`` typing mistakes in different words, of each kind a typist makes:

- ``swap``: two neighbouring letters swapped ("Hendrix" -> "Henrdix");
- ``drop``: a letter left out; ``double``: a letter typed twice;
- ``key``: a letter replaced by a neighbour on a QWERTY keyboard;
- ``mixed``: each mistake of a kind drawn at random.

A query's reciprocal rank is 1/rank of its article in the first 10 results (0 when not there). When
the engine offers "did you mean", the corrected query is searched once, as a person accepting the
suggestion would, and the better of the two ranks counts. MRR@10 is the mean over the queries.

Latency is measured on the same queries (each timed once per repeat, median of the repeats): the
search itself, and the correction when one is offered. Queries are the headlines as stored, so
their punctuation ("?", quotes, a colon after the first word) is exercised too; a query that comes
back with an error counts as not found and is listed.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import time
from pathlib import Path

KINDS = ("swap", "drop", "double", "key")
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
NEIGHBOURS: dict[str, str] = {}
for r, row in enumerate(_ROWS):
    for c, ch in enumerate(row):
        near = [row[c - 1] if c else "", row[c + 1] if c + 1 < len(row) else ""]
        for rr in (r - 1, r + 1):
            if 0 <= rr < len(_ROWS):
                near += [_ROWS[rr][cc] for cc in (c - 1, c, c + 1) if 0 <= cc < len(_ROWS[rr])]
        NEIGHBOURS[ch] = "".join(n for n in near if n)
_WORD = re.compile(r"[A-Za-z]{4,}")


def misspell(word: str, kind: str, rng: random.Random) -> str:
    """One typing mistake of ``kind`` inside ``word`` (never its first letter, as people rarely miss it)."""
    i = rng.randrange(1, len(word) - 1) if len(word) > 2 else 1
    if kind == "swap":
        if word[i] == word[i + 1 if i + 1 < len(word) else i - 1]:
            return misspell(word, "drop", rng)
        j = i + 1 if i + 1 < len(word) else i - 1
        i, j = min(i, j), max(i, j)
        return word[:i] + word[j] + word[i] + word[j + 1:]
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    near = NEIGHBOURS.get(word[i].lower(), "")
    if not near:
        return misspell(word, "drop", rng)
    new = rng.choice(near)
    return word[:i] + (new.upper() if word[i].isupper() else new) + word[i + 1:]


def with_typos(headline: str, count: int, kind: str, rng: random.Random) -> str:
    """``count`` mistakes in ``count`` different words of four letters or more (fewer if it has fewer)."""
    words = list(_WORD.finditer(headline))
    chosen = sorted(rng.sample(words, min(count, len(words))), key=lambda m: m.start(), reverse=True)
    out = headline
    for m in chosen:
        k = rng.choice(KINDS) if kind == "mixed" else kind
        out = out[:m.start()] + misspell(m.group(0), k, rng) + out[m.end():]
    return out


def rank_of(result, article_id: str) -> int | None:
    for i, hit in enumerate(result.hits[:10], 1):
        if hit.id == article_id:
            return i
    return None


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def evaluate(library, items: list[tuple[str, str, str]], repeats: int) -> dict:
    """MRR@10 over (query, article id, headline) triples, accepting one suggestion; how often the
    suggestion gives back the headline's own words; latencies of the same queries."""
    rr, found_first, failures, errors, corrected_used, relaxed = [], 0, [], [], 0, 0
    mistyped, restored, wrong = 0, 0, []
    search_ms: list[float] = []
    correct_ms: list[float] = []
    for query, article_id, headline in items:
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            result = library.search(query, limit=10)
            times.append((time.perf_counter() - t) * 1000)
        search_ms.append(statistics.median(times))
        if result.error:
            errors.append((query, result.error))
        if getattr(result, "relaxed", False):
            relaxed += 1
        rank = rank_of(result, article_id)
        if _words(query) != _words(headline):
            mistyped += 1
            if result.corrected and _words(result.corrected) == _words(headline):
                restored += 1
            elif len(wrong) < 8:
                wrong.append((query, result.corrected))
        if result.corrected and result.corrected != query:
            t = time.perf_counter()
            fixed = library.search(result.corrected, limit=10)
            correct_ms.append((time.perf_counter() - t) * 1000)
            other = rank_of(fixed, article_id)
            if other is not None and (rank is None or other < rank):
                rank, corrected_used = other, corrected_used + 1
        rr.append(1 / rank if rank else 0.0)
        found_first += rank == 1
        if rank is None:
            failures.append((query, result.corrected, result.error))
    return {"queries": len(items), "mrr10": round(statistics.fmean(rr), 3) if rr else None,
            "first": found_first, "not_in_top10": len(failures), "errors": len(errors),
            "suggestion_helped": corrected_used, "relaxed": relaxed,
            "mistyped": mistyped, "suggestion_restored": restored, "examples_not_restored": wrong,
            "search_ms_p50": round(statistics.median(search_ms), 1) if search_ms else None,
            "search_ms_p95": round(sorted(search_ms)[int(0.95 * (len(search_ms) - 1))], 1) if search_ms else None,
            "suggested_search_ms_p50": round(statistics.median(correct_ms), 1) if correct_ms else None,
            "examples_not_found": failures[:8], "examples_errors": errors[:8]}


def measure(home: Path, *, queries: int = 100, typos: int = 2, seed: int = 7, repeats: int = 3) -> dict:
    from newsreader.index.library import Library

    rng = random.Random(seed)
    with Library.open(home, readonly=True) as library:
        listing = library.search("", limit=1_000_000)
        pool = [(h.title, h.id) for h in listing.hits if len(_WORD.findall(h.title)) >= 2]
        # Headlines shared by several articles cannot be found "first"; they are not known items.
        counts: dict[str, int] = {}
        for title, _ in pool:
            counts[title.lower()] = counts.get(title.lower(), 0) + 1
        pool = [p for p in pool if counts[p[0].lower()] == 1]
        chosen = rng.sample(pool, min(queries, len(pool)))
        out = {"library": str(home), "articles": listing.total, "seed": seed, "typos": typos,
               "exact": evaluate(library, [(title, aid, title) for title, aid in chosen], repeats)}
        for kind in ("swap", "mixed"):
            variants = [(with_typos(title, typos, kind, rng), aid, title) for title, aid in chosen]
            out[kind] = evaluate(library, variants, repeats)
    return out


def print_table(out: dict) -> None:
    print(f"Known-item search on {out['articles']:,} articles ({out['exact']['queries']} headlines, "
          f"{out['typos']} typos each, seed {out['seed']})")
    print(f"{'queries':<10}{'MRR@10':>8}{'first':>7}{'missed':>8}{'errors':>8}{'relaxed':>9}{'fixed by':>10}"
          f"{'restored':>10}{'p50 ms':>8}{'p95 ms':>8}{'sugg. ms':>10}")
    for name in ("exact", "swap", "mixed"):
        r = out[name]
        restored = f"{r['suggestion_restored']}/{r['mistyped']}" if r["mistyped"] else "-"
        print(f"{name:<10}{r['mrr10']:>8}{r['first']:>7}{r['not_in_top10']:>8}{r['errors']:>8}{r['relaxed']:>9}"
              f"{r['suggestion_helped']:>10}{restored:>10}{r['search_ms_p50']:>8}{r['search_ms_p95']:>8}"
              f"{str(r['suggested_search_ms_p50']):>10}")
    for name in ("exact", "swap", "mixed"):
        for query, corrected, error in out[name]["examples_not_found"][:4]:
            note = f"error: {error}" if error else f"suggested: {corrected!r}" if corrected else "no suggestion"
            print(f"  {name} missed: {query!r} ({note})")
    for name in ("swap", "mixed"):
        for query, corrected in out[name]["examples_not_restored"][:4]:
            print(f"  {name} suggestion not the headline: {query!r} -> {corrected!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("home", type=Path)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--typos", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    out = measure(args.home, queries=args.queries, typos=args.typos, seed=args.seed, repeats=args.repeats)
    if args.json:
        print(json.dumps(out, indent=1, default=str))
    else:
        print_table(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
