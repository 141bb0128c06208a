"""The tables printed at the end of a benchmark run (and by ``python benchmarks/report.py RESULT.json``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def table(title: str, header: list[str], rows: list[list]) -> str:
    cells = [[str(c) for c in header]] + [["-" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    line = lambda r: "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
    out = [f"\n{title}", line(cells[0]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)


def _ok(value, limit, below=True) -> str:
    if value is None:
        return "?"
    return "yes" if (value < limit if below else value >= limit) else "NO"


def print_tables(out: dict) -> None:
    m = out["machine"]
    print(f"\nnewsreader benchmark, {out['started']}; {m['cpus']} CPUs; load average {m['loadavg_1m']} at start, "
          f"{m.get('end', {}).get('loadavg_1m', '?')} at end; model {out['model']}, batch size {out['batch_size']}")
    ix = out.get("indexing")
    if ix:
        print(table(
            f"Indexing {ix['articles']:,} real articles (both use 2 processes; median of {ix['repeats']})",
            ["", "articles/s", "articles/CPU-s", "peak MB (tree)", "vs spaCy", "target", "met"],
            [["newsreader index", ix["articles_per_s"], ix["runs"][0]["articles_per_cpu_s"], ix["tree_peak_mb"],
              f"{ix['ratio']:.0%} (CPU {ix['cpu_ratio']:.0%})", ">= 85%", _ok(ix["ratio"], 0.85, below=False)],
             ["spaCy nlp.pipe", ix["reference_articles_per_s"], ix["reference_runs"][0]["articles_per_cpu_s"],
              ix["reference_tree_peak_mb"], "", "", ""]]))
    re_run = out.get("unchanged_rerun")
    if re_run:
        print(table("Re-running `newsreader index` on an unchanged folder", ["files", "p50 s", "p95 s",
                    "python -c pass", "target", "met"],
                    [[re_run["files"], re_run["p50_s"], re_run["p95_s"], re_run["python_startup_p50_s"], "< 2 s",
                      _ok(re_run["p95_s"], 2.0)]]))
    memory_rows = []
    if ix:
        memory_rows.append([f"{ix['articles']:,} into an empty library", ix["peak_mb"], ix["largest_process_mb"],
                            ix["tree_peak_mb"]])
    into = out.get("indexing_into_large")
    if into:
        memory_rows.append([f"{into['analysed']:,} into the large library",
                            into["peak_mb"], into["largest_process_mb"], into["tree_peak_mb"]])
    if memory_rows:
        print(table("Indexing memory (MB)", ["run", "indexer (writer) process", "largest process (ru_maxrss)",
                                             "whole tree with NER workers (sampled)"],
                    memory_rows))
    if into:
        print(f"  indexing into the large library: {into['articles_per_s']} articles/s"
              + (f" (into an empty one: {ix['articles_per_s']})" if ix else ""))
    search = out.get("search", {})
    if search:
        rows = []
        for name, s in search.items():
            ours, raw = s["search"]["newsreader"], s["search"]["whoosh"]
            dym = s["did_you_mean"]
            rows.append([name, f"{s['articles']:,}", ours["p50_ms"], ours["p95_ms"], raw["p50_ms"], raw["p95_ms"],
                         dym["suggest"]["p50_ms"], dym["suggest"]["p95_ms"],
                         dym["search_with_suggestion"]["p50_ms"], dym["whoosh_correct_query"]["p50_ms"],
                         _ok(ours["p50_ms"], 25) + "/" + _ok(ours["p95_ms"], 100) + "/" +
                         _ok(dym["search_with_suggestion"]["p95_ms"], 50)])
        print(table("Search latency, ms (30 fixed queries x repeats; Whoosh = same parsed query, no newsreader code)",
                    ["library", "articles", "p50", "p95", "Whoosh p50", "Whoosh p95", "did-you-mean p50",
                     "dym p95", "search+dym p50", "Whoosh correct_query p50", "met (p50<25/p95<100/dym<50)"],
                    rows))
        largest = list(search)[-1]
        kinds: dict[str, list] = {}
        for q in search[largest]["queries"]:
            kinds.setdefault(q["kind"], []).append(q)
        print(table(f"Search by kind at {largest} (median of per-query medians, ms)",
                    ["kind", "queries", "newsreader", "Whoosh", "slowest query", "its ms"],
                    [[k, len(v), round(sorted(x["newsreader_ms"] for x in v)[len(v) // 2], 1),
                      round(sorted(x["whoosh_ms"] for x in v)[len(v) // 2], 1),
                      max(v, key=lambda x: x["newsreader_ms"])["query"] or "(all, newest first)",
                      max(x["newsreader_ms"] for x in v)] for k, v in kinds.items()]))
    quality = out.get("search_quality")
    if quality:
        rows = [[name, quality[name]["mrr10"], quality[name]["first"], quality[name]["not_in_top10"],
                 quality[name]["errors"], quality[name]["suggestion_helped"], quality[name]["search_ms_p50"],
                 quality[name]["search_ms_p95"], target,
                 _ok(quality[name]["mrr10"], limit, below=False) + "/" + _ok(quality[name]["errors"], 1)]
                for name, target, limit in (("exact", ">= 0.95", 0.95), ("swap", ">= 0.90", 0.90),
                                            ("mixed", ">= 0.85", 0.85))]
        print(table(f"Known-item search: {quality['exact']['queries']} headlines of {quality['articles']:,} articles, "
                    f"as typed and with {quality['typos']} typos (benchmarks/search_quality.py)",
                    ["headlines", "MRR@10", "first", "not in top 10", "errors", "found via suggestion", "p50 ms",
                     "p95 ms", "target", "met (MRR/no error)"], rows))
    screens = out.get("first_screen", {})
    if screens:
        rows = []
        for name, f in screens.items():
            rows.append([name, f.get("bare_p50_s"), f.get("bare_p95_s"), f.get("reader_p50_s"), f.get("reader_p95_s"),
                         f.get("ratio_p50"), f.get("bare_cpu_p50_s"), f.get("reader_cpu_p50_s"), f.get("cpu_ratio_p50"),
                         f.get("reader_peak_mb"), f.get("bare_peak_mb"),
                         _ok(f.get("ratio_p50"), 1.5) + "/" + _ok(f.get("reader_peak_mb"), 250)
                         if "ratio_p50" in f else "harness: " + str(f.get("errors"))[:60]])
        print(table("Time to first screen in tmux (s) and peak memory (MB), reader vs a bare Textual app",
                    ["library", "bare p50", "bare p95", "reader p50", "reader p95", "ratio", "bare CPU s", "reader CPU s",
                     "CPU ratio", "reader MB", "bare MB", "met (<1.5x/<250MB)"], rows))
    typing = out.get("typing", {})
    if typing:
        rows = []
        for name, t in typing.items():
            for speed, r in t["speeds"].items():
                rows.append([name, speed, r["searches"], max(r["search_ms"], default=None), r["max_frame_gap_ms"],
                             r["median_frame_gap_ms"]])
        print(table(f"Search as you type: {len(next(iter(typing.values()))['query'])} characters typed into the reader",
                    ["library", "typist", "searches started", "slowest search ms", "longest frame gap ms",
                     "median frame gap ms"], rows))
    build = out.get("large_build")
    if build:
        print(f"\nLarge library: {build['articles']:,} articles ({build['replicated']:,} replicated) built in "
              f"{build['seconds']} s")
    canonical = out.get("canonical")
    if canonical:
        print("\nEntity canonicalisation (benchmarks/bench_canonical.py)")
        for line in canonical["output"] or [canonical["error"]]:
            print(f"  {line}")
    quality = out.get("entity_quality")
    if quality:
        if "error" in quality:
            print(f"\nEntity lists: failed: {quality['error']}")
        else:
            print(table(f"Entity lists: errors among the top 40 of each kind ({quality['corpus']}, "
                        f"{quality['articles']:,} articles; judged in benchmarks/entity_judgements.toml)",
                        ["list", "errors", "unjudged", "which"],
                        [[k, v["errors"], v["unjudged"], "; ".join(f"{n} ({why})" for n, why in v["which"])[:150]]
                         for k, v in quality["per_kind"].items()]
                        + [["all", quality["errors"], quality["unjudged"], "target <= 6: "
                            + _ok(quality["errors"], 7)]]))
    sizes = out.get("library_bytes")
    if sizes:
        print(table("Library on disk (index + catalog)", ["library", "MB"],
                    [[k, round(v / 1e6, 1)] for k, v in sizes.items()]))


if __name__ == "__main__":
    print_tables(json.loads(Path(sys.argv[1]).read_text()))
