"""How trustworthy the library's entity lists are on real news: errors among the top 40 of each kind.

    .venv/bin/python benchmarks/entity_quality.py                 # BBC, all 2,225 articles
    .venv/bin/python benchmarks/entity_quality.py --show          # and print the three top-40 lists
    .venv/bin/python benchmarks/entity_quality.py --folder DIR --name NAME --show   # any other corpus

spaCy runs once per corpus and its raw spans are cached in benchmarks/.cache (never committed), so the
lists can be rebuilt in seconds: every article goes through the same steps as ``newsreader index``
(``sync._attach_entities`` with the catalog as the library's knowledge, ``Catalog.put_article``, the
entity statistics refreshed at each commit of ``COMMIT_EVERY`` articles) into a real catalog in a
temporary folder, and the lists are read back as ``newsreader entities --type ...`` reads them.

Each listed entry is judged against ``entity_judgements.toml`` (hand-made, by what each name *is*):

- ``junk``: not an entity of that kind at all (a party listed as a PERSON, "GMT" as an ORG, a fragment);
- ``duplicate``: a second entry for an entity already listed above it (same ``group``), or a surname
  alone next to the full name;
- ``spelling``: the right entity under a wrong name (text glued on, or another person's spelling shown);
- ``unjudged``: a name the list does not know. Reported, never counted as right: judge it and add it.

Figures land in ``--json`` output for ``run.py`` (``make bench``), which runs this on the BBC corpus.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tomllib
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpus import CACHE, bbc_files  # noqa: E402

KINDS = {"PERSON": ["PERSON"], "ORG": ["ORG"], "PLACE": ["GPE", "LOC", "NORP"]}
JUDGEMENTS = HERE / "entity_judgements.toml"
TOP = 40


def articles_in(folder: Path) -> list:
    from newsreader.index.ingest.readers import ReadError, read_file, reader_for

    out = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        if reader_for(path) is not None:
            try:
                out.extend(read_file(path, path.read_bytes()).articles)
            except ReadError:
                continue
    return out


def cached_spans(name: str, articles: list) -> list[list]:
    """Raw spaCy spans per article ("title\\n\\nbody", as indexing sees it), from the cache or spaCy."""
    from newsreader.index.entities.extract import RawSpan

    cache = CACHE / f"rawspans-{name}.json"
    if cache.exists():
        data = json.loads(cache.read_text(encoding="utf-8"))
        if set(data) >= {a.id for a in articles}:
            return [[RawSpan(*s) for s in data[a.id]] for a in articles]
    from newsreader.index.config import DEFAULT_MODEL
    from newsreader.index.entities.extract import EntityExtractor

    found = list(EntityExtractor(DEFAULT_MODEL).extract(f"{a.title}\n\n{a.body}" for a in articles))
    CACHE.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({a.id: [[r.start, r.end, r.label, r.text] for r in raws]
                                 for a, raws in zip(articles, found)}), encoding="utf-8")
    return found


def build_catalog(articles: list, spans: list[list], folder: Path, extra_aliases=None):
    """A catalog filled exactly as ``newsreader index`` fills it, from cached spans."""
    from newsreader.index.store.catalog import Catalog
    from newsreader.index.entities.canonical import NOISE_LABELS, build_aliases
    from newsreader.index.ingest.sync import COMMIT_EVERY, _attach_entities

    aliases = build_aliases(extra_aliases)
    catalog = Catalog(folder / "catalog.sqlite")
    touched: set[str] = set()
    for i, (article, raw) in enumerate(zip(articles, spans), 1):
        article = _attach_entities(article, raw, aliases, catalog)
        touched |= catalog.put_article(article, new=True)
        if i % COMMIT_EVERY == 0 or i == len(articles):
            catalog.refresh_entity_stats(touched, aliases, NOISE_LABELS)
            catalog.commit()
            touched = set()
    return catalog


def top_lists(catalog) -> dict[str, list]:
    return {kind: catalog.top_entities(labels=labels, limit=TOP) for kind, labels in KINDS.items()}


def load_judgements(path: Path = JUDGEMENTS) -> dict:
    """{kind: {name: {"verdict", "group"}}, "spellings": {name: {"ok": set, "bad": set}}}, names lowercased."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out: dict = {kind: {} for kind in KINDS}
    for kind in KINDS:
        for name, value in data.get(kind, {}).items():
            verdict, _, group = value.partition(":")
            out[kind][name.lower()] = {"verdict": verdict.strip(), "group": group.strip() or name.lower()}
    out["spellings"] = {name.lower(): {k: {s.lower() for s in v} for k, v in value.items()}
                        for name, value in data.get("spellings", {}).items()}
    return out


_TITLES = {"mr", "mrs", "ms", "miss", "dr", "sir", "lord", "lady", "dame", "president", "prime", "minister"}


def _words(text: str) -> list[str]:
    return [w for w in text.lower().replace(".", " ").replace("'s", " ").replace("'", " ").split() if w]


def _alias_verdict(kind: str, name: str, alias: str, spellings: dict) -> str:
    """ok, bad or unjudged for one spelling listed under an entry."""
    judged = spellings.get(name.lower(), {})
    if alias.lower() in judged.get("bad", ()):
        return "bad"
    if alias.lower() in judged.get("ok", ()):
        return "ok"
    words = [w for w in _words(alias) if w not in _TITLES]
    if words and set(words) <= set(_words(name)):
        return "ok"
    return "unjudged"


def judge(lists: dict[str, list], judgements: dict) -> dict:
    """Errors per kind, each with its reason, and the names nobody has judged yet.

    Groups are shared by the three lists, so a person listed as a PERSON and again as an ORG is a
    duplicate too."""
    result = {}
    seen_groups: dict[str, str] = {}
    spellings = judgements.get("spellings", {})
    for kind, rows in lists.items():
        table = judgements.get(kind, {})
        errors, unjudged, verdicts = [], [], []
        for row in rows:
            entry = table.get(row.name.lower())
            aliases = [(a, _alias_verdict(kind, row.name, a, spellings)) for a in row.aliases[:10]]
            unjudged += [f"{row.name} / spelling {a!r}" for a, v in aliases if v == "unjudged"]
            if entry is None:
                unjudged.append(row.name)
                verdicts.append("unjudged")
                continue
            verdict = entry["verdict"]
            if verdict in ("junk", "spelling"):
                errors.append((row.name, verdict))
            elif entry["group"] in seen_groups:
                verdict = "duplicate"
                errors.append((row.name, f"duplicate of {seen_groups[entry['group']]}"))
            elif any(v == "bad" for _, v in aliases):
                verdict = "spelling"
                errors.append((row.name, "spellings of another: " + ", ".join(a for a, v in aliases if v == "bad")))
            seen_groups.setdefault(entry["group"], row.name)
            verdicts.append(verdict)
        result[kind] = {"errors": errors, "unjudged": unjudged, "verdicts": verdicts,
                        "counts": dict(Counter(verdicts))}
    return result


def measure(folder: Path, name: str, *, show: bool = False, judgements_path: Path = JUDGEMENTS) -> dict:
    articles = articles_in(folder)
    spans = cached_spans(name, articles)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        catalog = build_catalog(articles, spans, Path(tmp))
        lists = top_lists(catalog)
        catalog.close()
    seconds = time.perf_counter() - started
    judged = judge(lists, load_judgements(judgements_path) if judgements_path.exists() else {})
    if show:
        for kind, rows in lists.items():
            print(f"\n{kind} top {TOP}")
            for row, verdict in zip(rows, judged[kind]["verdicts"]):
                print(f"  {row.articles:5d} {row.label:6s} {verdict:9s} {row.name!r:40s} {list(row.aliases[:6])}")
    errors = sum(len(j["errors"]) for j in judged.values())
    unjudged = sum(len(j["unjudged"]) for j in judged.values())
    return {"corpus": name, "articles": len(articles), "errors": errors, "unjudged": unjudged,
            "per_kind": {k: {"errors": len(j["errors"]), "unjudged": len(j["unjudged"]), "which": j["errors"],
                             "unjudged_names": j["unjudged"]} for k, j in judged.items()},
            "replay_s": round(seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", type=Path, help="a folder of articles (default: the BBC corpus)")
    parser.add_argument("--name", default="bbc2225", help="cache name for the folder's spans")
    parser.add_argument("--judgements", type=Path, default=JUDGEMENTS)
    parser.add_argument("--show", action="store_true", help="print the three lists with each verdict")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    folder = args.folder or bbc_files(2225)
    out = measure(folder, args.name, show=args.show, judgements_path=args.judgements)
    if args.json:
        print(json.dumps(out))
        return
    print(f"\n{out['corpus']}: {out['articles']} articles; errors in the top {TOP} PERSON, ORG and GPE+LOC+NORP: "
          f"{out['errors']} (goal <= 6), unjudged {out['unjudged']}")
    for kind, k in out["per_kind"].items():
        which = ", ".join(f"{n} ({why})" for n, why in k["which"])
        print(f"  {kind:6s} {k['errors']:2d} errors, {k['unjudged']:2d} unjudged  {which}")
        if k["unjudged_names"]:
            print(f"         unjudged: {', '.join(k['unjudged_names'])}")


if __name__ == "__main__":
    main()
