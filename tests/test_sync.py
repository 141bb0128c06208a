"""Incremental indexing: add new, update changed, remove gone, and leave the unchanged alone."""

from __future__ import annotations

import os
import sys

from newsreader.index.library import Library


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_incremental_add_update_unchanged_remove(tmp_path):
    src = tmp_path / "news"
    _write(src / "a.txt", "Mayor opens bridge\n\nMayor Jane Holloway opened the bridge in Leeds.")
    _write(src / "b.txt", "Factory closes\n\nThe Acme Corporation closed its plant in Ohio.")
    _write(src / "sub" / "c.md", "# Storm warning\n\nForecasters in Dublin warned of gales.")
    _write(src / "photo.jpg", "not an article")
    with Library.open(tmp_path / "home") as lib:
        first = lib.sync([src])
        assert (first.added, first.updated, first.unchanged, first.removed) == (3, 0, 0, 0)
        assert [p.path for p in first.skipped] == [str(src / "photo.jpg")]
        assert lib.article_count() == 3

        again = lib.sync([src])
        assert (again.added, again.updated, again.unchanged, again.removed) == (0, 0, 3, 0)

        _write(src / "b.txt", "Factory closes\n\nThe Acme Corporation closed its plant in Ohio and Texas.")
        (src / "sub" / "c.md").unlink()
        _write(src / "d.txt", "New park\n\nA park opened in Cardiff.")
        third = lib.sync([src])
        assert (third.added, third.updated, third.unchanged, third.removed) == (1, 1, 1, 1)
        assert lib.search("Texas").total == 1
        assert lib.search("Dublin").total == 0
        assert lib.search("Cardiff").total == 1


def test_touching_a_file_without_changing_it_does_no_work(tmp_path):
    src = tmp_path / "news"
    _write(src / "a.txt", "Title\n\nSome body text about Paris.")
    with Library.open(tmp_path / "home") as lib:
        lib.sync([src])
        st = (src / "a.txt").stat()
        os.utime(src / "a.txt", ns=(st.st_atime_ns, st.st_mtime_ns + 10_000_000_000))
        report = lib.sync([src])
        assert (report.added, report.updated, report.unchanged) == (0, 0, 1)


def test_unchanged_rerun_does_not_load_spacy(tmp_path):
    """Re-running on an unchanged folder must not pay for NER (or even import spaCy)."""
    src = tmp_path / "news"
    _write(src / "a.txt", "Title\n\nBody about Rome.")
    with Library.open(tmp_path / "home") as lib:
        lib.sync([src])
    code = (
        "import sys\n"
        "from newsreader.index.library import Library\n"
        f"lib = Library.open({str(tmp_path / 'home')!r})\n"
        f"r = lib.sync([{str(src)!r}])\n"
        "assert r.unchanged == 1 and r.added == 0, r.to_dict()\n"
        "assert 'spacy' not in sys.modules\n"
    )
    import subprocess

    subprocess.run([sys.executable, "-c", code], check=True)


def test_removal_only_touches_the_synced_folder(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    _write(one / "a.txt", "Alpha\n\nAbout Berlin.")
    _write(two / "b.txt", "Beta\n\nAbout Madrid.")
    with Library.open(tmp_path / "home") as lib:
        lib.sync([one, two])
        (one / "a.txt").unlink()
        report = lib.sync([two])
        assert report.removed == 0 and lib.article_count() == 2
        report = lib.sync([one])
        assert report.removed == 1 and lib.article_count() == 1


def test_a_feed_file_losing_an_entry_removes_that_article(tmp_path):
    item = "<item><title>{0}</title><guid>{0}</guid><description>Story {0} about Lisbon.</description></item>"
    feed = '<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{}</channel></rss>'
    path = tmp_path / "src" / "f.rss"
    _write(path, feed.format(item.format("one") + item.format("two")))
    with Library.open(tmp_path / "home") as lib:
        assert lib.sync([path.parent]).added == 2
        _write(path, feed.format(item.format("two")))
        report = lib.sync([path.parent])
        assert (report.removed, report.unchanged, report.added) == (1, 1, 0)
        assert [h.title for h in lib.search("").hits] == ["two"]


def test_rebuild_starts_over_from_every_known_folder_and_keeps_reading_state(tmp_path):
    src = tmp_path / "news"
    _write(src / "a.txt", "Title A\n\nAbout Oslo.")
    with Library.open(tmp_path / "home") as lib:
        lib.sync([src])
        [hit] = lib.search("Oslo").hits
        lib.set_starred(hit.id, True)
        lib.mark_read(hit.id)
        report = lib.sync([], rebuild=True)
        assert report.added == 1
        assert lib.flags([hit.id]) == {hit.id: (True, True)}


def test_spans_are_stored_with_offsets_into_the_body(seeds_library):
    hit = seeds_library.search("Jaishankar").hits[0]
    view = seeds_library.article(hit.id)
    assert view.entities
    for span in view.entities:
        assert view.body[span.start:span.end] == span.text
        assert span.key
    labels = {s.label for s in view.entities}
    assert {"PERSON", "GPE", "ORG"} <= labels


def test_overlapping_roots_and_shared_entries_are_indexed_once(tmp_path):
    """Whoosh only replaces committed documents, so one run must not write an article twice."""
    src = tmp_path / "news"
    _write(src / "sub" / "a.txt", "Harbour\n\nAbout Genoa.")
    item = "<item><title>Shared</title><guid>same-guid</guid><description>About Naples.</description></item>"
    feed = '<?xml version="1.0"?><rss version="2.0"><channel><title>{}</title>' + item + "</channel></rss>"
    _write(src / "one.rss", feed.format("One"))
    _write(src / "two.rss", feed.format("Two"))
    with Library.open(tmp_path / "home") as lib:
        report = lib.sync([src, src / "sub", src])
        assert report.added == 2
        result = lib.search("", limit=10)
        assert result.total == 2
        assert len({h.id for h in result.hits}) == 2
