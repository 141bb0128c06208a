"""What canonical entities cost at index time, per 1,000 articles.

    .venv/bin/python benchmarks/bench_canonical.py [--count 400] [--repeat 5]

spaCy runs once over ``--count`` BBC articles (fetched by ``corpus.py`` into benchmarks/.cache, never
committed) and the raw spans are cached there. Then, timed:

- ``canonicalise`` alone (normalise, aliases, surname resolution, article vote), best of ``--repeat``;
- ``canonicalise`` with the library's knowledge, as indexing runs it: each article asks a real catalog
  (SQLite in a tmp folder) for label counts and known surnames, then is recorded with ``put_article``
  so the next one sees it; ``put_article`` is timed apart because the catalog pays it anyway.

The NER time for the same texts is printed for scale when spaCy ran in this invocation.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import CACHE, bbc_files  # noqa: E402

from newsreader.index.article import Article, EntitySpan  # noqa: E402
from newsreader.index.store.catalog import Catalog  # noqa: E402
from newsreader.index.entities.canonical import NOISE_LABELS, canonicalise, default_aliases  # noqa: E402
from newsreader.index.ingest.readers import read_file, reader_for  # noqa: E402


def articles_in(folder: Path) -> list[Article]:
    out = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        if reader_for(path) is not None:
            out.extend(read_file(path, path.read_bytes()).articles)
    return out


def raw_spans(articles: list[Article], cache: Path) -> tuple[list[list[EntitySpan]], float | None]:
    """Spans per article, from the cache or from spaCy (then also the NER seconds)."""
    if cache.exists():
        data = json.loads(cache.read_text(encoding="utf-8"))
        return [[EntitySpan(*s) for s in spans] for spans in data], None
    from newsreader.index.config import DEFAULT_MODEL
    from newsreader.index.entities.extract import EntityExtractor

    extractor = EntityExtractor(DEFAULT_MODEL)
    extractor.nlp  # load outside the timing
    started = time.perf_counter()
    found = list(extractor.extract(f"{a.title}\n\n{a.body}" for a in articles))
    seconds = time.perf_counter() - started
    spans = [[EntitySpan(r.start, r.end, r.label, r.text) for r in raws] for raws in found]
    cache.write_text(json.dumps([[[s.start, s.end, s.label, s.text] for s in sp] for sp in spans]), encoding="utf-8")
    return spans, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    articles = articles_in(bbc_files(args.count))
    spans, ner_seconds = raw_spans(articles, CACHE / f"spans-bbc{args.count}.json")
    n = len(articles)
    per_k = 1000 / n
    aliases = default_aliases()
    mentions = sum(len(s) for s in spans)

    alone = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        for sp in spans:
            canonicalise(sp, aliases)
        alone.append(time.perf_counter() - started)

    with tempfile.TemporaryDirectory() as tmp:
        catalog = Catalog(Path(tmp) / "catalog.sqlite")
        with_known = put = 0.0
        canon_all = []
        for article, sp in zip(articles, spans):
            started = time.perf_counter()
            canon = canonicalise(sp, aliases, catalog)
            with_known += time.perf_counter() - started
            offset = len(article.title) + 2
            body = tuple(EntitySpan(s.start - offset, s.end - offset, s.label, s.text, s.key)
                         for s in canon if s.start >= offset)
            started = time.perf_counter()
            catalog.put_article(article.with_entities(body, tuple(s for s in canon if s.end <= len(article.title))))
            put += time.perf_counter() - started
            canon_all.append(canon)
        catalog.commit()
        catalog.close()

    raw_names = {s.text.lower() for sp in spans for s in sp if s.label not in NOISE_LABELS}
    keys = {s.key for sp in canon_all for s in sp if s.label not in NOISE_LABELS}
    print(f"{n} BBC articles, {mentions} mentions ({mentions / n:.0f} per article)")
    print(f"canonicalise alone:            {min(alone) * per_k * 1000:7.1f} ms per 1,000 articles "
          f"(best of {args.repeat}; median {statistics.median(alone) * per_k * 1000:.1f})")
    print(f"canonicalise + library lookups: {with_known * per_k * 1000:7.1f} ms per 1,000 articles "
          "(two catalog queries per article)")
    print(f"catalog put_article (for scale): {put * per_k * 1000:6.1f} ms per 1,000 articles")
    if ner_seconds is not None:
        print(f"spaCy NER on the same texts:    {ner_seconds * per_k:7.1f} s per 1,000 articles (one process); "
              f"canonicalisation adds {100 * with_known / ner_seconds:.2f}%")
    print(f"distinct names: {len(raw_names)} spellings -> {len(keys)} canonical entities")


if __name__ == "__main__":
    main()
