"""Checks shared by the interruption tests and benchmarks/crash.py: does a library agree with itself, and
does it give the same answers as a clean build?

``agreement`` reads the catalog and the Whoosh index directly (read-only) and fails on any disagreement:
articles in one and not the other, entity statistics that differ from what the mentions say, mentions
of articles that are not there, or a rebuild's leftovers. ``answers`` is what a user would compare:
search totals, counts and the top entities.
"""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
from collections import Counter, defaultdict
from pathlib import Path

from newsreader.index.entities.canonical import _winner
from newsreader.index.library import Library

PEOPLE = ["Amara Okafor", "Lena Petrova", "Tomas Herrera", "Priya Raman", "Jonas Lindqvist", "Mei Tanaka",
          "Oskar Brandt", "Fatima Haddad", "Rafael Souza", "Ingrid Holm", "Kwame Mensah", "Sofia Marchetti"]
PLACES = ["Lisbon", "Nairobi", "Toronto", "Kraków", "Osaka", "Valparaíso", "Glasgow", "Hanoi", "Tromsø",
          "Marseille", "Accra", "Adelaide"]
ORGS = ["the Harbour Authority", "Northwind Rail", "the Council of Ports", "Bluefin Energy", "the City Museum",
        "Greenway Transit", "the National Archive", "Ferrous Steelworks"]
TOPICS = ["a new tram line", "the harbour budget", "a museum extension", "flood defences", "a steelworks closure",
          "a rail strike", "school meals", "the port expansion", "night buses", "a solar farm"]
QUERIES = ["", "harbour", "budget", "museum", "rail", "council", "Lisbon", "tram OR buses", '"port expansion"']


def make_corpus(root: Path, n: int = 48, seed: int = 15) -> Path:
    """``n`` short made-up news stories in a few folders (our own text, no publisher's)."""
    rng = random.Random(seed)
    for i in range(n):
        person, other = rng.sample(PEOPLE, 2)
        place, org, topic = rng.choice(PLACES), rng.choice(ORGS), rng.choice(TOPICS)
        body = " ".join([
            f"{person} of {org} said on Tuesday that {topic} in {place} would go ahead.",
            f"{other} told reporters in {place} that the plan had been discussed for months.",
            f"The council met in {rng.choice(PLACES)} and {rng.choice(ORGS)} agreed to review {rng.choice(TOPICS)}.",
            f"Story number {i} ends here; {person} is expected to speak again next week.",
        ])
        folder = root / f"desk{i % 4}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"story{i:03d}.txt").write_text(f"{person} on {topic} in {place} ({i})\n\n{body}\n",
                                                  encoding="utf-8")
    return root


def agreement(home: Path) -> int:
    """Assert that the catalog and the index agree; return the article count."""
    library_dir = Path(home) / "library"
    for leftover in ("library.new", "library.old", "library.swap"):
        assert not (Path(home) / leftover).exists(), f"{leftover} left behind"
    if not (library_dir / "catalog.sqlite").exists():
        return 0
    db = sqlite3.connect(f"file:{library_dir / 'catalog.sqlite'}?mode=ro", uri=True)
    try:
        catalog_ids = {r[0] for r in db.execute("SELECT id FROM articles")}
        mentioned = {r[0] for r in db.execute("SELECT DISTINCT article_id FROM mentions")}
        assert mentioned <= catalog_ids, "mentions of articles the catalog does not have"
        # Each entity as the library lists it: a partial name resolved library-wide counts as its entity.
        listed_as = dict(db.execute("SELECT key, target FROM resolved"))
        articles, labels = defaultdict(set), defaultdict(Counter)
        for article_id, key, label, count in db.execute("SELECT article_id, key, label, count FROM mentions"):
            articles[listed_as.get(key, key)].add(article_id)
            labels[listed_as.get(key, key)][label] += count
        expected = {k: (len(articles[k]), sum(labels[k].values())) for k in articles}
        stats = {k: (a, m) for k, a, m in db.execute("SELECT key, articles, mentions FROM entity_stats")}
        assert stats == expected, "entity statistics disagree with the mentions"
        # Labels: the vote (in the catalog's order, which settles ties), unless the library's evidence or
        # the knowledge file gave the entity another type (entities.resolve.entity_label).
        merged = set(listed_as.values())
        for k, lab in db.execute("SELECT key, label FROM entity_stats"):
            assert lab == _winner(dict(sorted(labels[k].items()))) or lab != "PERSON" or k in merged, k
        per_key = dict(db.execute("SELECT key, count(DISTINCT article_id) FROM mentions GROUP BY key"))
        assert per_key == dict(db.execute("SELECT key, n FROM entity_articles")), "entity totals disagree"
    finally:
        db.close()
    with Library.open(home, readonly=True) as library:
        if not library.store.exists:
            assert not catalog_ids, "articles in the catalog and no index"
            return 0
        with library.store.searcher() as s:
            index_ids = {f["id"] for f in s.all_stored_fields()}
        assert index_ids == catalog_ids, (f"{len(index_ids - catalog_ids)} articles only in the index, "
                                          f"{len(catalog_ids - index_ids)} only in the catalog")
        assert library.search("").total == len(catalog_ids)
    return len(catalog_ids)


def answers(home: Path, queries: list[str] = QUERIES) -> dict:
    """What a user sees: search totals, counts and the top entities."""
    with Library.open(home, readonly=True) as library:
        stats = library.stats()
        return {
            "articles": stats["articles"], "files": stats["files"], "entities": stats["entities"],
            "totals": {q: library.search(q, limit=0).total for q in queries},
            "top": [(e.key, e.label, e.articles, e.mentions) for e in library.entities(limit=40)],
        }


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` with a hash of its content and its mtime: a read must change none.

    Left out: SQLite's shared-memory index (``-shm``) and an empty write-ahead log, which any
    connection to a WAL database, read-only ones included, creates when they are missing (and only
    the last writer removes); they hold no data. A ``-wal`` with anything in it counts."""
    out = {}
    if not Path(root).exists():
        return out
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            if name.endswith("-shm") or (name.endswith("-wal") and path.stat().st_size == 0):
                continue
            rel = str(path.relative_to(root))
            if path.is_dir():
                out[rel + "/"] = ""
            else:
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() + f":{path.stat().st_mtime_ns}"
    return out
