"""The newest-first list comes from the catalog: the same articles, order and fields as Whoosh gives,
for new libraries and for libraries made before the catalog kept list rows."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from newsreader.index.library import Library
from newsreader.index.store.whoosh.searcher import Searcher

DATES = ["2021-03-01", "2020-01-15", None, "2021-03-01T12:00:00", "2019-07-04", None, "2020-12-31", "2021-02-28"]


@pytest.fixture
def dated_library(make_library):
    lines = [json.dumps({"title": f"Story {i} about harbours", "text": f"Harbour story number {i}. " * 30,
                         "url": f"https://example.org/{i}", "source": "Example", "date": date})
             for i, date in enumerate(DATES)]
    return make_library({"feed.jsonl": "\n".join(lines)})


def _whoosh_listing(library: Library, limit: int, offset: int = 0):
    """The list as Whoosh gives it: every article sorted by date, newest first."""
    return Searcher(library.store).search("", limit=limit, offset=offset, sort="date")


def _row(hit):
    return (hit.id, hit.title, hit.source, hit.published, hit.path, hit.url, hit.words, hit.date, hit.snippet)


def test_the_catalog_lists_what_whoosh_lists_newest_first(dated_library):
    assert dated_library.catalog.listing_complete()
    ours = dated_library.search("", limit=50)
    theirs = _whoosh_listing(dated_library, 50)
    assert ours.total == theirs.total == len(DATES)
    assert _by_date(ours.hits) == _by_date(theirs.hits)
    dates = [h.date for h in ours.hits]
    assert dates == sorted(dates, reverse=True)
    undated = [h for h in ours.hits if h.published is None]
    assert len(undated) == 2 and ours.hits[:2] == tuple(undated)  # dated by when they were indexed: newest


def _by_date(hits):
    """Rows in list order, with articles of the same date as a set (their order is the catalog's choice)."""
    groups: list[tuple] = []
    for hit in hits:
        if groups and groups[-1][0] == hit.date:
            groups[-1][1].add(_row(hit))
        else:
            groups.append((hit.date, {_row(hit)}))
    return groups


def test_pages_follow_on(dated_library):
    whole = [h.id for h in dated_library.search("", limit=50).hits]
    paged = [h.id for offset in range(0, len(DATES), 3) for h in dated_library.search("", limit=3, offset=offset).hits]
    assert paged == whole
    assert dated_library.search("", limit=0).hits == () and dated_library.search("", limit=0).total == len(DATES)


def test_removed_articles_leave_the_list(dated_library):
    (dated_library.source_dir / "feed.jsonl").unlink()
    dated_library.sync([dated_library.source_dir])
    result = dated_library.search("")
    assert result.total == 0 and result.hits == ()


def _forget_listing(home) -> None:
    """Make the catalog look like one written before it kept list rows."""
    db = sqlite3.connect(home / "library" / "catalog.sqlite")
    db.execute("UPDATE articles SET title=NULL, source=NULL, path=NULL, url=NULL, words=NULL, sortdate=NULL, lead=NULL")
    db.execute("DELETE FROM meta WHERE name='listing'")
    db.commit()
    db.close()


def test_an_older_catalog_lists_from_whoosh_until_indexing_fills_it_in(dated_library):
    home = dated_library.paths.home
    expected = _by_date(dated_library.search("", limit=50).hits)
    dated_library.close()
    _forget_listing(home)
    with Library.open(home) as library:
        assert not library.catalog.listing_complete()
        assert _by_date(library.search("", limit=50).hits) == expected  # from Whoosh meanwhile
        library.sync([library.paths.home / "nothing-here"])  # any indexing run fills the rows in
        assert library.catalog.listing_complete() and library.catalog.ids_without_listing() == []
        assert _by_date(library.search("", limit=50).hits) == expected


def test_a_catalog_from_before_the_list_columns_gets_them(dated_library):
    """A catalog written by the first release: no list columns, no date index, schema version 0."""
    home = dated_library.paths.home
    expected = _by_date(dated_library.search("", limit=50).hits)
    dated_library.close()
    db = sqlite3.connect(home / "library" / "catalog.sqlite")
    db.execute("DROP INDEX articles_by_date")
    for column in ("title", "source", "path", "url", "words", "sortdate", "lead"):
        db.execute(f"ALTER TABLE articles DROP COLUMN {column}")
    db.execute("DELETE FROM meta WHERE name='listing'")
    db.execute("DROP TABLE migrations")  # the first release recorded none
    db.execute("PRAGMA user_version=0")
    db.commit()
    db.close()
    with Library.open(home) as library:
        assert not library.catalog.listing_complete()
        assert _by_date(library.search("", limit=50).hits) == expected
        library.complete_listing()
        assert library.catalog.listing_complete()
        assert _by_date(library.search("", limit=50).hits) == expected


def test_a_read_only_older_catalog_still_lists(dated_library):
    home = dated_library.paths.home
    expected = _by_date(dated_library.search("", limit=50).hits)
    dated_library.close()
    _forget_listing(home)
    with Library.open(home, readonly=True) as library:
        assert not library.catalog.listing_complete()
        assert _by_date(library.search("", limit=50).hits) == expected


def test_entity_detail_lists_articles_from_the_catalog(seeds_library):
    detail = seeds_library.entity("Esper")
    assert len(detail.articles) == 2
    for hit in detail.articles:
        view = seeds_library.article(hit.id)
        assert (hit.title, hit.source, hit.url, hit.published) == (view.title, view.source, view.url, view.published)


def test_the_first_screen_needs_no_whoosh(seeds_home):
    """The reader opens the library with ``defer_index``: its first page must not import Whoosh."""
    code = (
        "import sys\n"
        "from newsreader.index.library import Library\n"
        f"lib = Library.open({str(seeds_home)!r}, defer_index=True)\n"
        "hits = lib.search('', limit=50).hits\n"
        "lib.flags([h.id for h in hits])\n"
        "assert len(hits) == 2, hits\n"
        "print('whoosh' in sys.modules)\n"
        "lib.article(hits[0].id)\n"
        "print('whoosh' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]  # and the index opens as soon as an article is wanted


def test_the_list_follows_a_rebuild_by_another_process(dated_library, tmp_path):
    """Another process replaced the library folder: the list must show the new library, not the deleted
    catalog the open connection still reads."""
    import shutil

    home = dated_library.paths.home
    dated_library.close()
    other = tmp_path / "other-src"
    other.mkdir()
    (other / "one.jsonl").write_text(json.dumps({"title": "The only story now", "text": "Fresh text. " * 20,
                                                 "url": "https://example.org/new", "date": "2022-05-05"}))
    with Library.open(tmp_path / "other-home") as builder:
        builder.sync([other])
    with Library.open(home, defer_index=True) as reader:
        assert reader.search("").total == len(DATES)
        shutil.rmtree(home / "library")
        shutil.copytree(tmp_path / "other-home" / "library", home / "library")
        assert reader.lists_at_once()
        result = reader.search("")
        assert result.total == 1 and result.hits[0].title == "The only story now"
        assert reader.article(result.hits[0].id).title == "The only story now"
        assert reader.search("fresh").total == 1


def _stored_count(home):
    db = sqlite3.connect(home / "library" / "catalog.sqlite")
    try:
        row = db.execute("SELECT value FROM meta WHERE name='articles'").fetchone()
        return None if row is None else int(row[0]), db.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        db.close()


def test_the_article_count_is_kept_with_every_change_and_read_without_counting(dated_library):
    home = dated_library.paths.home
    assert _stored_count(home) == (len(DATES), len(DATES))  # written by the commit that added them
    lines = (dated_library.source_dir / "feed.jsonl").read_text(encoding="utf-8").splitlines()
    (dated_library.source_dir / "feed.jsonl").write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    dated_library.sync([dated_library.source_dir])  # five articles gone, three updated in place
    assert _stored_count(home) == (3, 3)
    assert dated_library.search("").total == 3
    catalog = dated_library.catalog
    catalog.delete_article(dated_library.search("").hits[0].id)
    assert catalog.count_articles() == 2  # before the commit: counted, not the stored 3
    catalog.rollback()
    assert catalog.count_articles() == 3 and _stored_count(home) == (3, 3)


def test_a_catalog_from_before_the_stored_count_is_counted(dated_library):
    home = dated_library.paths.home
    dated_library.close()
    db = sqlite3.connect(home / "library" / "catalog.sqlite")
    db.execute("DELETE FROM meta WHERE name='articles'")
    db.commit()
    db.close()
    with Library.open(home) as library:
        assert library.search("").total == len(DATES)
