"""Where the indexer's own process spends its CPU, apart from NER. Run by hand, not by ``make bench``.

    .venv/bin/python benchmarks/profile_indexing.py [FOLDER] [--real] [--profile] [--top 40] [--repeat 1]

The indexer's main process competes with its two NER processes for the machine's two cores, so every
millisecond it spends per article (reading, canonicalising, Whoosh, the catalog) lowers throughput
against spaCy's own ``nlp.pipe``. This measures that millisecond count on its own:

- default: ``Library.sync`` into a fresh temporary home with NER *replayed* from spans cached in
  benchmarks/.cache/spans-<folder>.json (made once with spaCy, like bench_canonical.py does), so the
  figure is the main process's work alone, steady, and cProfile sees nothing but it (``--profile``,
  sorted by tottime);
- ``--real``: the same sync with the real two-process NER pool; prints the CPU seconds of this
  process and of the NER processes (RUSAGE_CHILDREN, the pool is joined at the end) per article.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"

from newsreader.index.entities.extract import RawSpan  # noqa: E402
from newsreader.index.ingest.readers import read_file, reader_for  # noqa: E402


def texts_in(folder: Path) -> list[str]:
    out = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        if reader_for(path) is not None:
            out.extend(f"{a.title}\n\n{a.body}" for a in read_file(path, path.read_bytes()).articles)
    return out


def cached_spans(folder: Path) -> dict[str, list[RawSpan]]:
    """Spans per analysed text, from benchmarks/.cache (spaCy runs once per folder to fill it)."""
    texts = texts_in(folder)
    cache = CACHE / f"spans-{folder.name}.json"
    if cache.exists():
        rows = json.loads(cache.read_text(encoding="utf-8"))
    else:
        from newsreader.index.config import DEFAULT_MODEL
        from newsreader.index.entities.extract import EntityExtractor

        found = EntityExtractor(DEFAULT_MODEL).extract(texts)
        rows = [[[r.start, r.end, r.label, r.text] for r in spans] for spans in found]
        cache.write_text(json.dumps(rows), encoding="utf-8")
    if len(rows) != len(texts):
        raise SystemExit(f"{cache} holds {len(rows)} articles, {folder} has {len(texts)}: delete the cache")
    return {text: [RawSpan(*r) for r in spans] for text, spans in zip(texts, rows)}


class Replay:
    """Stands in for EntityExtractor when only the main process is measured: the spans spaCy found."""

    def __init__(self, spans: dict[str, list[RawSpan]]) -> None:
        self.spans = spans

    def extract(self, texts, stop=None):
        for text in texts:
            yield self.spans[text]


def cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def one_run(folder: Path, *, real: bool, spans, profile: cProfile.Profile | None) -> dict:
    from newsreader.index.library import Library

    home = Path(tempfile.mkdtemp(prefix="nr-prof-"))
    try:
        with Library.open(str(home)) as library:
            if not real:
                replay = Replay(spans)
                library._extractor_factory = lambda workers: replay
            own0, kids0 = cpu()
            wall0 = time.perf_counter()
            if profile is not None:
                profile.enable()
            report = library.sync([str(folder)], workers=2 if real else 1)
            if profile is not None:
                profile.disable()
            wall = time.perf_counter() - wall0
            own1, kids1 = cpu()
        n = report.analysed
        return {"articles": n, "wall_s": round(wall, 2), "main_cpu_s": round(own1 - own0, 2),
                "ner_cpu_s": round(kids1 - kids0, 2),
                "main_ms_per_article": round(1000 * (own1 - own0) / n, 2),
                "total_ms_per_article": round(1000 * (own1 - own0 + kids1 - kids0) / n, 2)}
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path, nargs="?", default=CACHE / "bbc400")
    parser.add_argument("--real", action="store_true", help="real NER in two processes instead of replayed spans")
    parser.add_argument("--profile", action="store_true", help="cProfile the sync, sorted by tottime")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    spans = None if args.real else cached_spans(args.folder)
    profile = cProfile.Profile() if args.profile else None
    runs = [one_run(args.folder, real=args.real, spans=spans, profile=profile) for _ in range(args.repeat)]
    for r in runs:
        print(json.dumps(r))
    if len(runs) > 1:
        print(json.dumps({"median_main_ms_per_article": statistics.median(r["main_ms_per_article"] for r in runs),
                          "median_total_ms_per_article": statistics.median(r["total_ms_per_article"] for r in runs)}))
    if profile is not None:
        pstats.Stats(profile, stream=sys.stdout).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
