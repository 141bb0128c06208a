"""The bulk segment writer must write exactly the segment Whoosh's own writer writes.

Search results and scores come from these files, so "the same index" is checked byte for byte: every
file of every segment, and the table of contents with segment ids aside. Documents are built from the
sample articles, cut and mixed into a few hundred (so common words fill several 128-posting blocks),
with the odd cases added: unicode, apostrophes, dotted abbreviations, '*', empty and missing fields,
dates, boosts (Whoosh's own path), postings spilled to Whoosh's pool, and segments merged by Whoosh.
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import TEXT
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import SegmentWriter

from newsreader.index.store.whoosh import segment_writer
from newsreader.index.store.whoosh.schema import build_schema
from newsreader.index.store.whoosh.segment_writer import BulkSegmentWriter
from newsreader.index.store.whoosh.store import _write_codec

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ODD = ["café", "naïve", "Zürich", "東京", "O'Neill's", "U.S.", "3.141", "big-time", "under_score", "a*b",
       "İstanbul", "ǅemal", "ß", "The", "I", "x", "e.g.", "don’t", "...", "--", "A.B.C."]


def _documents(count: int, seed: int = 7) -> list[dict]:
    words = []
    for path in sorted(SEEDS.glob("*.txt")):
        words += path.read_text(encoding="utf-8").split()
    rng = random.Random(seed)
    people = ["Mark Esper", "Mike Pompeo", "Narendra Modi", "Esper", "S Jaishankar", "The Who"]
    places = ["India", "United States", "U.S.", "China", "New Delhi", "Ladakh"]
    docs = []
    for i in range(count):
        start = rng.randrange(len(words))
        body = " ".join(words[start:start + rng.randrange(5, 400)] + rng.sample(ODD, 3))
        if i % 5 == 0:
            body += "\n\n" + " ".join(rng.choice(words) for _ in range(200))
        title = " ".join(rng.sample(words, rng.randrange(0, 12)))
        person = " ; ".join(sorted(set(rng.sample(people, rng.randrange(0, 3)))))
        place = " ; ".join(sorted(set(rng.sample(places, rng.randrange(0, 3)))))
        doc = dict(id=f"a{i:04d}", title=title, body=body, exact=f"{title}\n{body}", source=rng.choice(["BBC", "AFP", ""]),
                   path=f"/news/{i}.txt", url=f"https://example.org/{i}", words=len(body.split()),
                   partial=i % 7 == 0, spans='{"k":[],"b":[],"t":[]}', person=person, org="", place=place,
                   entity=" ; ".join(x for x in (person, place) if x))
        if i % 3:
            doc["published"] = datetime(2020, 1, 1) + timedelta(hours=7 * i)
            doc["sortdate"] = doc["published"]
        elif i % 2:
            doc["sortdate"] = datetime(2019, 6, 1) + timedelta(days=i)
        if i % 11 == 4:
            del doc["org"]
        docs.append(doc)
    return docs


def _segment_files(folder: Path) -> dict[str, bytes]:
    """Every file of the index, segment ids replaced by their order in the table of contents."""
    toc = max(folder.glob("_articles_*.toc"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))
    ids = re.findall(rb"[a-z0-9]{16}", toc.read_bytes())
    names = {sid.decode(): f"seg{n}" for n, sid in enumerate(dict.fromkeys(ids))}
    out = {}
    for path in folder.iterdir():
        if path.name.endswith("WRITELOCK") or (path.suffix == ".toc" and path != toc):
            continue
        data = path.read_bytes()
        name = path.name
        for sid, alias in names.items():
            name = name.replace(sid, alias)
            data = data.replace(sid.encode(), alias.encode())
        out[name] = data
    return out


def _write(folder: Path, writer_class, batches: list[list[dict]], codec=_write_codec) -> list[dict[str, bytes]]:
    folder.mkdir()
    ix = FileStorage(str(folder)).create_index(build_schema(), indexname="articles")
    states = []
    for batch in batches:
        writer = writer_class(ix, codec=codec(), compound=False)
        for doc in batch:
            writer.update_document(**doc)
        writer.commit()
        states.append(_segment_files(folder))
    return states


def _same(tmp_path: Path, batches: list[list[dict]], codec=_write_codec) -> None:
    stock = _write(tmp_path / "stock", SegmentWriter, batches, codec)
    bulk = _write(tmp_path / "bulk", BulkSegmentWriter, batches, codec)
    for generation, (want, got) in enumerate(zip(stock, bulk), 1):
        assert sorted(got) == sorted(want), generation
        for name in want:
            assert got[name] == want[name], f"{name} differs after commit {generation}"


def test_whoosh_version_is_the_one_the_writer_copies():
    assert segment_writer.supported()


def test_one_segment_is_byte_for_byte_whooshs(tmp_path):
    docs = _documents(300)
    assert sum("said" in d["body"].lower().split() for d in docs) > 128  # several blocks for common words
    _same(tmp_path, [docs])


class _OtherCodec(W3Codec):
    """A codec the writer does not know: its postings go through Whoosh's own field writer."""


@pytest.mark.parametrize("codec", [W3Codec, _OtherCodec], ids=["zlib-blocks", "unknown-codec"])
def test_other_codecs_match(tmp_path, codec):
    """Whoosh's default codec (compressed blocks) takes the fast path too; any other codec gets the
    writer's analysis but Whoosh's postings writer."""
    _same(tmp_path, [_documents(60, seed=11)], codec)


def test_boosted_documents_and_spilled_postings_match(tmp_path, monkeypatch):
    monkeypatch.setattr(segment_writer, "HOLD_POSTINGS", 500)
    docs = _documents(80, seed=3)
    docs[10]["_boost"] = 2.0
    docs[40]["_title_boost"] = 3.0
    _same(tmp_path, [docs])


def test_updates_deletions_and_merged_segments_match(tmp_path):
    docs = _documents(160, seed=5)
    batches = [docs[i:i + 5] for i in range(0, 35, 5)]  # small segments: Whoosh merges them from the sixth
    batches.append(docs[35:] + [dict(docs[3], body="rewritten " + docs[3]["body"])])
    _same(tmp_path, batches)
    from whoosh.index import open_dir

    ix = open_dir(str(tmp_path / "bulk"), indexname="articles")
    assert len(ix._segments()) < len(batches)  # a merge happened
    assert ix.doc_count() == 160
    ix.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(min_size=0, max_size=80), min_size=1, max_size=4))
def test_any_text_is_indexed_as_whoosh_indexes_it(tmp_path_factory, texts):
    docs = [dict(id=f"t{i}", title=t[:20], body=t, exact=f"{t[:20]}\n{t}", source=t[:5], person=t, place=t[::-1])
            for i, t in enumerate(texts)]
    _same(tmp_path_factory.mktemp("any"), [docs])


def test_unknown_field_is_refused_like_whoosh(tmp_path):
    ix = FileStorage(str(tmp_path)).create_index(build_schema(), indexname="articles")
    writer = BulkSegmentWriter(ix, codec=_write_codec())
    with pytest.raises(Exception, match="No field named"):
        writer.add_document(id="x", nosuchfield="y")
    writer.cancel()


class Shouting(TEXT):
    """A field that indexes more than its text (as a synonym field would)."""

    def index(self, value, **kwargs):
        return super().index(value.upper() + " extra", **kwargs)


def test_a_field_with_its_own_index_method_is_indexed_by_it(tmp_path):
    """A field class may change what gets indexed (synonyms, extra terms): it must still be called."""
    schema = build_schema()
    schema.remove("title")
    schema.add("title", Shouting(stored=True))
    ix = FileStorage(str(tmp_path)).create_index(schema, indexname="articles")
    writer = BulkSegmentWriter(ix, codec=_write_codec())
    writer.add_document(id="a", title="quiet words", body="quiet words")
    writer.commit()
    with ix.searcher() as s:
        assert b"extra" in set(s.lexicon("title"))
        assert s.doc_count() == 1


def test_fields_added_after_the_writer_started_are_indexed(tmp_path):
    schema = build_schema()
    schema.add("*_note", TEXT(stored=True), glob=True)
    ix = FileStorage(str(tmp_path)).create_index(schema, indexname="articles")
    writer = BulkSegmentWriter(ix, codec=_write_codec())
    writer.add_field("extra", TEXT(stored=True))
    writer.add_document(id="a", title="one", extra="added later", my_note="globbed field")
    writer.add_document(id="b", title="two", body="plain")
    writer.commit()
    with ix.searcher() as s:
        assert set(s.lexicon("extra")) == {b"added", b"later"}
        assert s.stored_fields(0)["my_note"] == "globbed field"
        assert s.doc_count() == 2


def test_a_document_that_fails_half_way_leaves_nothing_behind(tmp_path):
    """The next document reuses the failed one's number: none of the failed one's words may stay."""
    docs = _documents(6, seed=13)
    ix = FileStorage(str(tmp_path)).create_index(build_schema(), indexname="articles")
    writer = BulkSegmentWriter(ix, codec=_write_codec())
    writer.add_document(**docs[0])
    with pytest.raises(Exception):
        writer.add_document(id="bad", title="ghostword appears", body="ghostword", published="not a date")
    for doc in docs[1:]:
        writer.add_document(**doc)
    writer.commit()
    with ix.searcher() as s:
        assert b"ghostword" not in set(s.lexicon("title")) | set(s.lexicon("body"))
        assert s.doc_count() == 6


def test_a_writer_that_cannot_start_does_not_keep_the_index_locked(tmp_path, monkeypatch):
    ix = FileStorage(str(tmp_path)).create_index(build_schema(), indexname="articles")

    def broken(field):
        raise RuntimeError("analysis cannot be read")

    monkeypatch.setattr(segment_writer, "_analysis_for", broken)
    with pytest.raises(RuntimeError):
        BulkSegmentWriter(ix, codec=_write_codec())
    monkeypatch.undo()
    writer = BulkSegmentWriter(ix, codec=_write_codec())  # the lock is free again
    writer.cancel()
