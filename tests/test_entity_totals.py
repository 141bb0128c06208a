"""The entity statistics come from running totals kept with every article written, and always agree
with what the mentions themselves say, through additions, changes, removals and an upgrade from a
catalog made before the totals were kept."""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict

from newsreader.index.entities.canonical import _vote
from newsreader.index.library import Library

FILES = {
    "a.txt": "Angela Merkel met Emmanuel Macron in Berlin on Monday. Merkel said Germany and France agree.\n",
    "b.txt": "Emmanuel Macron flew to Berlin. Macron later met Google executives in Paris.\n",
    "c.txt": "Google opened an office in Berlin. Angela Merkel visited the office.\n",
}


def _expected(db: sqlite3.Connection) -> dict[str, tuple[int, int, str]]:
    """Each key's articles, mentions and voted label, straight from ``mentions``."""
    articles, labels = defaultdict(set), defaultdict(Counter)
    for article_id, key, label, count in db.execute("SELECT article_id, key, label, count FROM mentions"):
        articles[key].add(article_id)
        labels[key][label] += count
    return {k: (len(articles[k]), sum(labels[k].values()), _vote(labels[k].elements())) for k in articles}


def _stats(db: sqlite3.Connection) -> dict[str, tuple[int, int, str]]:
    return {k: (a, m, lab) for k, a, m, lab in db.execute("SELECT key, articles, mentions, label FROM entity_stats")}


def _totals_agree(db: sqlite3.Connection) -> None:
    labels = db.execute("SELECT key, label, sum(count) FROM mentions GROUP BY key, label ORDER BY 1, 2")
    assert list(labels) == list(db.execute("SELECT key, label, n FROM entity_labels ORDER BY 1, 2"))
    surfaces = db.execute("SELECT key, surface, sum(count) FROM mentions GROUP BY key, surface ORDER BY 1, 2")
    assert list(surfaces) == list(db.execute("SELECT key, surface, n FROM entity_surfaces ORDER BY 1, 2"))
    per_key = db.execute("SELECT key, count(DISTINCT article_id) FROM mentions GROUP BY key ORDER BY 1")
    assert list(per_key) == list(db.execute("SELECT key, n FROM entity_articles ORDER BY 1"))


def _check(home) -> dict:
    db = sqlite3.connect(home / "library" / "catalog.sqlite")
    try:
        _totals_agree(db)
        stats = _stats(db)
        assert stats == _expected(db)
        return stats
    finally:
        db.close()


def test_statistics_follow_additions_changes_and_removals(make_library):
    library = make_library(FILES)
    home, src = library.paths.home, library.source_dir
    stats = _check(home)
    assert stats["berlin"][0] == 3 and stats["emmanuel macron"][0] == 2
    (src / "a.txt").write_text("Angela Merkel spoke in Hamburg on Tuesday.\n", encoding="utf-8")  # changed
    (src / "b.txt").unlink()  # removed
    (src / "d.txt").write_text("Emmanuel Macron and Angela Merkel met in Brussels.\n", encoding="utf-8")  # new
    library.sync([src])
    stats = _check(home)
    assert stats["berlin"][0] == 1  # only c.txt still names it
    assert stats["emmanuel macron"][0] == 1  # only d.txt
    assert "paris" not in stats  # it was only in b.txt


def test_a_catalog_from_before_the_totals_gets_them_on_its_next_write(make_library):
    library = make_library(FILES)
    home, src = library.paths.home, library.source_dir
    library.close()
    db = sqlite3.connect(home / "library" / "catalog.sqlite")
    db.execute("DELETE FROM entity_labels")  # as in catalogs from before the per-label totals
    db.execute("DROP TABLE entity_surfaces")
    db.execute("DROP TABLE entity_articles")
    db.execute("DELETE FROM meta WHERE name='entity_totals'")
    db.execute("DROP TABLE migrations")  # catalogs of that time recorded only a schema version
    db.execute("PRAGMA user_version=2")
    db.commit()
    db.close()
    with Library.open(home) as reopened:
        (src / "c.txt").write_text("Google opened an office in Munich. Angela Merkel visited it.\n", encoding="utf-8")
        reopened.sync([src])
        stats = _check(home)
        assert stats["berlin"][0] == 2 and stats["munich"][0] == 1
        assert stats["emmanuel macron"][0] == 2  # untouched by the change, still counted


PEOPLE = {
    "a.txt": "Angela Merkel met Emmanuel Macron in Berlin on Monday. Merkel said Germany and France agree.\n",
    "b.txt": "Speaking in Hamburg on Tuesday, Mrs Merkel said the talks had gone well.\n",
}


def test_a_catalog_from_before_library_wide_resolution_is_upgraded_by_a_write_and_read_as_it_is(make_library):
    """Catalogs before the entity_resolution migration had no resolved names: the reader (read-only) lists it as it is; the next write (never
    the reader) resolves every partial name once, and the bare "Mrs Merkel" joins Angela Merkel."""
    library = make_library(PEOPLE)
    home, src = library.paths.home, library.source_dir
    merkel = library.find_entity("Merkel")
    assert merkel.name == "Angela Merkel" and merkel.articles == 2, merkel
    library.close()
    path = home / "library" / "catalog.sqlite"
    db = sqlite3.connect(path)
    partial = db.execute("SELECT target FROM resolved WHERE key='mrs merkel'").fetchone()[0]
    db.execute("DROP TABLE resolved")  # as a catalog made before it
    db.execute("DELETE FROM meta WHERE name='resolution'")
    db.execute("DELETE FROM migrations WHERE name='entity_resolution'")
    db.execute("PRAGMA user_version=4")  # the four migrations before it
    db.execute("INSERT OR REPLACE INTO entity_stats VALUES ('mrs merkel', 'Mrs Merkel', 'PERSON', 1, 1, '[]', 0)")
    db.execute("UPDATE entity_stats SET articles=1 WHERE key='angela merkel'")
    db.commit()
    db.close()
    assert partial == "angela merkel"

    with Library.open(home, readonly=True) as reader:
        names = {e.name: e.articles for e in reader.entities(labels=["PERSON"])}
        assert names["Angela Merkel"] == 1 and names["Mrs Merkel"] == 1
        article = reader.entity("Mrs Merkel").articles[0].id
        view = reader.article(article)
        assert {s.key for s in view.entities + view.title_entities if "Merkel" in s.text} == {"mrs merkel"}
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 4  # the reader never upgrades
    db.close()

    with Library.open(home) as writer:
        (src / "c.txt").write_text("Emmanuel Macron visited Lyon.\n", encoding="utf-8")
        writer.sync([src])
        names = {e.name: e.articles for e in writer.entities(labels=["PERSON"])}
        assert names["Angela Merkel"] == 2 and "Mrs Merkel" not in names
        assert writer.find_entity("Mrs Merkel").name == "Angela Merkel"
