"""The catalog's schema and how it got there: named migrations, applied in order, each recorded once.

As sqlite-utils does, a ``migrations`` table records each applied migration by name; opening a catalog
applies the ones it lacks, in ``CATALOG``'s order, in one transaction. A new schema change is a new
entry at the end of ``CATALOG`` (never an edit of an old one), with a test that opens a catalog made
by the entries before it (tests/test_migrations.py). ``PRAGMA user_version`` holds how many there are,
so opening an up-to-date catalog costs one pragma read and no DDL.

Three migrations have a second half that cannot run when the catalog opens, recorded by a meta flag:

- ``listing_columns``: an older catalog's articles get their list rows from the index's stored fields
  (``fill_listing``), under the write lock, by the next indexing or refresh; until then the newest
  articles come from the index (flag ``listing``).
- ``entity_totals``: the running totals are filled from the mentions by the next write
  (``Catalog._ensure_totals``), never in the reader (flag ``entity_totals``).
- ``entity_resolution``: partial names are resolved library-wide by the next write (flag ``resolution``).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable, NamedTuple, Sequence

if TYPE_CHECKING:
    from .backend import Backend
    from .catalog import Catalog


class Migration(NamedTuple):
    name: str
    apply: Callable[[sqlite3.Connection], None]


def _script(sql: str) -> Callable[[sqlite3.Connection], None]:
    def apply(db: sqlite3.Connection) -> None:
        for statement in sql.split(";"):
            if statement.strip():
                db.execute(statement)
    return apply


ARTICLES_AND_ENTITIES = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL, sha TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, source_key TEXT NOT NULL, hash TEXT NOT NULL, published TEXT
);
CREATE INDEX IF NOT EXISTS articles_by_source ON articles(source_key);
CREATE TABLE IF NOT EXISTS mentions (
    article_id TEXT NOT NULL, key TEXT NOT NULL, label TEXT NOT NULL, surface TEXT NOT NULL,
    count INTEGER NOT NULL, PRIMARY KEY (article_id, key, label, surface)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS mentions_by_key ON mentions(key);
CREATE TABLE IF NOT EXISTS entity_stats (
    key TEXT PRIMARY KEY, name TEXT NOT NULL, label TEXT NOT NULL, articles INTEGER NOT NULL,
    mentions INTEGER NOT NULL, aliases TEXT NOT NULL, noise INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS entity_stats_rank ON entity_stats(noise, articles DESC);
CREATE TABLE IF NOT EXISTS people (
    surname TEXT NOT NULL, key TEXT NOT NULL, article_id TEXT NOT NULL, PRIMARY KEY (surname, key, article_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS people_by_article ON people(article_id);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);
"""

# What the article list shows, kept in ``articles`` so the newest articles need no index.
LISTING_COLUMNS = (("title", "TEXT"), ("source", "TEXT"), ("path", "TEXT"), ("url", "TEXT"), ("words", "INTEGER"),
                   ("sortdate", "TEXT"), ("lead", "TEXT"))
LISTING_INDEX = "CREATE INDEX IF NOT EXISTS articles_by_date ON articles(sortdate DESC, id)"


def _listing_columns(db: sqlite3.Connection) -> None:
    have = {row[1] for row in db.execute("PRAGMA table_info(articles)")}
    for name, kind in LISTING_COLUMNS:
        if name not in have:
            db.execute(f"ALTER TABLE articles ADD COLUMN {name} {kind}")
    db.execute(LISTING_INDEX)
    if not db.execute("SELECT 1 FROM articles LIMIT 1").fetchone():  # nothing to fill: complete at once
        db.execute("INSERT OR IGNORE INTO meta VALUES ('listing', '1')")


ENTITY_TOTALS = """
CREATE TABLE IF NOT EXISTS entity_labels (
    key TEXT NOT NULL, label TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (key, label)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entity_surfaces (
    key TEXT NOT NULL, surface TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (key, surface)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entity_articles (key TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
"""

# Library-wide resolution of partial names (entities/resolve.py): which key stands for which entity, and
# the spellings looked up by surface. Catalogs from before are resolved by their next write (flag
# ``resolution``, ``Catalog.refresh_entity_stats``).
ENTITY_RESOLUTION = """
CREATE INDEX IF NOT EXISTS entity_surfaces_by_surface ON entity_surfaces(surface);
CREATE TABLE IF NOT EXISTS resolved (key TEXT PRIMARY KEY, target TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS resolved_by_target ON resolved(target);
"""

# In order; append, never edit. Each is safe on a catalog that already has its change.
CATALOG: tuple[Migration, ...] = (
    Migration("articles_and_entities", _script(ARTICLES_AND_ENTITIES)),
    Migration("listing_columns", _listing_columns),
    Migration("entity_totals", _script(ENTITY_TOTALS)),
    # Catalogs made before this table applied the three above by schema version; they are recorded here
    # the first time such a catalog is opened for writing.
    Migration("migrations_table", lambda db: None),
    Migration("entity_resolution", _script(ENTITY_RESOLUTION)),
)
VERSION = len(CATALOG)  # PRAGMA user_version of a catalog with every migration applied

_TABLE = "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied TEXT NOT NULL)"


def applied(db: sqlite3.Connection) -> list[str]:
    """Names of the migrations recorded in ``db``, in the order they were applied."""
    if not db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='migrations'").fetchone():
        return []
    return [row[0] for row in db.execute("SELECT name FROM migrations ORDER BY rowid")]


def migrate(db: sqlite3.Connection, migrations: Sequence[Migration] | None = None) -> list[str]:
    """Apply the migrations ``db`` lacks (of ``CATALOG`` unless given), in order, and record them; returns
    their names. The caller holds the transaction (``Catalog._migrate``), so a failure leaves none applied."""
    migrations = CATALOG if migrations is None else migrations
    db.execute(_TABLE)
    done = set(applied(db))
    stamp = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    ran = []
    for migration in migrations:
        if migration.name in done:
            continue
        migration.apply(db)
        db.execute("INSERT INTO migrations VALUES (?, ?)", (migration.name, stamp))
        ran.append(migration.name)
    db.execute(f"PRAGMA user_version={len(migrations)}")
    return ran


def fill_listing(catalog: Catalog, store: Backend) -> None:
    """The second half of ``listing_columns``: give every article recorded before the list rows its row,
    read back from the index's stored fields. Run by a writer (under the write lock) once per library."""
    missing = set(catalog.ids_without_listing())
    if missing and store.exists:
        catalog.put_listing([row for row in store.listing() if row.id in missing])
    catalog.set_meta("listing", "1")
    catalog.commit()
