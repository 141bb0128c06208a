"""The catalog's named migrations: each applied to a catalog made by the ones before it gives the schema a
new catalog has, keeps the rows it held, and is recorded once, in order."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from newsreader.index.store import migrations
from newsreader.index.store.catalog import Catalog

NAMES = [m.name for m in migrations.CATALOG]


def _shape(path: Path) -> dict[str, object]:
    """Tables with their columns (name, type, not null, primary key) and indexes: what a schema is, however
    it was reached (ALTER TABLE and CREATE TABLE write different SQL for the same columns)."""
    db = sqlite3.connect(path)
    try:
        shape: dict[str, object] = {}
        for kind, name, table in db.execute("SELECT type, name, tbl_name FROM sqlite_master ORDER BY name"):
            if kind == "table":
                shape[name] = [(c[1], c[2], c[3], c[5]) for c in db.execute(f"PRAGMA table_info({name})")]
            elif kind == "index" and not name.startswith("sqlite_autoindex"):
                shape[name] = (table, [c[2] for c in db.execute(f"PRAGMA index_info({name})")])
        return shape
    finally:
        db.close()


def _made_by(path: Path, count: int, *, recorded: bool = True) -> None:
    """A catalog as the first ``count`` migrations leave it, with an article row in it once it can hold one;
    ``recorded=False`` is a catalog from before the migrations table (a schema version only)."""
    db = sqlite3.connect(path)
    migrations.migrate(db, migrations.CATALOG[:count])
    if count:
        db.execute("INSERT INTO articles (id, source_key, hash) VALUES ('a1', 'file:/x.txt', 'h')")
        db.execute("INSERT INTO mentions VALUES ('a1', 'leeds', 'GPE', 'Leeds', 2)")
    if not recorded:
        db.execute("DROP TABLE migrations")
    db.commit()
    db.close()


@pytest.fixture(scope="module")
def fresh_shape(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("fresh") / "catalog.sqlite"
    Catalog(path).close()
    return _shape(path)


def test_a_new_catalog_has_every_migration_recorded_in_order(tmp_path):
    catalog = Catalog(tmp_path / "catalog.sqlite")
    assert migrations.applied(catalog.db) == NAMES
    assert catalog.db.execute("PRAGMA user_version").fetchone()[0] == migrations.VERSION == len(NAMES)
    assert catalog.listing_complete()  # nothing to fill in a new catalog
    catalog.close()


@pytest.mark.parametrize("before", range(len(NAMES)), ids=[f"from-{n}" for n in ["nothing"] + NAMES[:-1]])
def test_each_migration_from_the_version_before_it(tmp_path, fresh_shape, before):
    path = tmp_path / "catalog.sqlite"
    _made_by(path, before)
    catalog = Catalog(path)
    assert migrations.applied(catalog.db) == NAMES
    if before:  # the row survived, and the list rows are to be filled from the index, not assumed complete
        assert catalog.article_hash("a1") == "h"
        assert catalog.listing_complete() == (before > NAMES.index("listing_columns"))
    catalog.close()
    assert _shape(path) == fresh_shape
    again = Catalog(path)  # opening again applies nothing
    assert migrations.applied(again.db) == NAMES
    again.close()


@pytest.mark.parametrize("before", range(1, len(NAMES)))
def test_a_catalog_from_before_the_record_is_recorded(tmp_path, fresh_shape, before):
    path = tmp_path / "catalog.sqlite"
    _made_by(path, before, recorded=False)
    catalog = Catalog(path)
    assert migrations.applied(catalog.db) == NAMES
    assert catalog.article_hash("a1") == "h"
    catalog.close()
    assert _shape(path) == fresh_shape


def test_a_failed_migration_leaves_the_catalog_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "catalog.sqlite"
    _made_by(path, 1)
    before = _shape(path)

    def broken(db):
        db.execute("CREATE TABLE half_done (x)")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(migrations, "CATALOG", migrations.CATALOG[:2] + (migrations.Migration("broken", broken),))
    monkeypatch.setattr(migrations, "VERSION", 3)
    with pytest.raises(Exception):
        Catalog(path)
    assert _shape(path) == before
    db = sqlite3.connect(path)
    assert migrations.applied(db) == NAMES[:1]
    db.close()
