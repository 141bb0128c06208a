"""OPML import and export: nested folders, hostile XML, and a round trip for any names."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings, strategies as st

from newsreader.index.feeds import opml
from newsreader.index.library import Library

NESTED = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>From another reader</title></head><body>
  <outline text="News">
    <outline text="Portmere Gazette" title="The Portmere Gazette" type="rss"
             xmlUrl="http://gazette.invalid/rss" htmlUrl="http://gazette.invalid/"/>
    <outline text="Tech"><outline text="Kernel notes" xmlUrl="https://kernel.invalid/atom.xml"/></outline>
  </outline>
  <outline text="Duplicate" xmlUrl="http://gazette.invalid/rss"/>
  <outline text="A folder with no feed"/>
  <outline text="Bad scheme" xmlUrl="gopher://old.invalid/feed"/>
</body></opml>"""


def test_parse_reads_nested_outlines_once_each():
    got = opml.parse(NESTED)
    assert [(o.url, o.name) for o in got] == [
        ("http://gazette.invalid/rss", "The Portmere Gazette"),
        ("https://kernel.invalid/atom.xml", "Kernel notes"),
        ("gopher://old.invalid/feed", "Bad scheme"),
    ]
    assert got[0].site_url == "http://gazette.invalid/"


@pytest.mark.parametrize("data, message", [
    (b"<opml><body><outline", "not valid XML"),
    (b"<rss version='2.0'><channel/></rss>", "not an OPML file"),
    (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
     b'<opml><body><outline text="&lol2;" xmlUrl="http://x.invalid/"/></body></opml>', "refused"),
])
def test_parse_rejects_what_is_not_safe_opml(data, message):
    with pytest.raises(opml.OpmlError, match=message):
        opml.parse(data)


def test_library_import_skips_known_and_reports_invalid(tmp_path):
    with Library.open(tmp_path / "home") as library:
        library.add_feed("http://gazette.invalid/rss", name="Gazette")
        result = library.import_opml(NESTED)
        assert [f.name for f in result["added"]] == ["Kernel notes"]
        assert result["existing"] == ["http://gazette.invalid/rss"]
        assert [u for u, _ in result["invalid"]] == ["gopher://old.invalid/feed"]
        again = opml.parse(library.export_opml().encode())
        assert {(o.url, o.name) for o in again} == {("http://gazette.invalid/rss", "Gazette"),
                                                     ("https://kernel.invalid/atom.xml", "Kernel notes")}


@dataclass
class _Feed:
    url: str
    name: str
    title: str
    site_url: str


names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(names, st.from_regex(r"https?://[a-z]{1,10}\.invalid/[a-z0-9/._-]{0,20}",
                                                fullmatch=True)), max_size=5, unique_by=lambda t: t[1]))
def test_export_then_parse_round_trips(feeds):
    docs = [_Feed(url, name, name, "") for name, url in feeds]
    back = opml.parse(opml.dump(docs).encode("utf-8"))
    expected = [(f.url, " ".join(opml._clean(f.name).split())) for f in docs]
    assert [(o.url, o.name) for o in back] == expected


def test_a_large_import_names_every_feed_once_and_a_second_import_adds_nothing(tmp_path):
    """Thousands of outlines in one transaction: titles repeat and hosts repeat, names never clash."""
    items = "".join(f'<outline text="Feed {i % 7}" xmlUrl="https://host{i % 3}.invalid/f/{i}.xml"/>'
                    for i in range(1500))
    data = f'<?xml version="1.0"?><opml version="2.0"><head/><body>{items}</body></opml>'.encode()
    with Library.open(tmp_path / "home") as library:
        library.add_feed("https://host0.invalid/f/0.xml", name="Feed 0")
        result = library.import_opml(data)
        assert len(result["added"]) == 1499 and result["existing"] == ["https://host0.invalid/f/0.xml"]
        names = [f.name.lower() for f in library.feeds()]
        assert len(names) == len(set(names)) == 1500
        assert {f.name for f in result["added"][:6]} >= {"Feed 1", "Feed 2", "Feed 6"}
        assert "host0.invalid (2)" in {f.name for f in result["added"]}  # "Feed 0" again: named after its host
        again = library.import_opml(data)
        assert again["added"] == [] and len(again["existing"]) == 1500
