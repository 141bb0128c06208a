"""Each reader turns a small file of its format into the Article records a user expects."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from newsreader.index.ingest.readers import ReadError, read_file, reader_for


def read(tmp_path: Path, name: str, content: str | bytes):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return read_file(path, path.read_bytes())


def test_text_title_is_first_nonempty_line_and_paragraphs_are_kept(tmp_path):
    result = read(tmp_path, "story.txt", "\n\n  Storm hits coast  \n\nFirst paragraph\ncontinues here.\n\n\n\nSecond one.\n")
    [a] = result.articles
    assert a.title == "Storm hits coast"
    assert a.body == "First paragraph\ncontinues here.\n\nSecond one."
    assert a.path == str(tmp_path / "story.txt")
    assert a.word_count == 6
    assert a.source == tmp_path.name


def test_markdown_heading_marks_are_removed_from_the_title(tmp_path):
    [a] = read(tmp_path, "note.md", "# Budget passes *narrowly*\n\nThe vote was 51 to 49.\n").articles
    assert a.title == "Budget passes *narrowly*"
    assert a.body == "The vote was 51 to 49."
    [b] = read(tmp_path, "setext.md", "Council meets\n=============\n\nAgenda items.\n").articles
    assert b.title == "Council meets" and b.body == "Agenda items."


def test_same_path_gives_the_same_id_and_different_paths_differ(tmp_path):
    a = read(tmp_path, "a.txt", "Title\n\nBody").articles[0]
    again = read(tmp_path, "a.txt", "Title changed\n\nBody").articles[0]
    other = read(tmp_path, "b.txt", "Title\n\nBody").articles[0]
    assert a.id == again.id != other.id
    assert a.content_hash != again.content_hash


HTML = """<!doctype html><html><head><title>Harbour bridge reopens | Daily Planet</title>
<meta property="og:title" content="Harbour bridge reopens after repairs">
<meta property="og:site_name" content="Daily Planet">
<meta property="og:url" content="https://planet.example/bridge">
<meta property="article:published_time" content="2024-03-05T08:30:00Z">
</head><body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Harbour bridge reopens after repairs</h1>
<p>The harbour bridge reopened on Tuesday after eight months of repairs, the city council said in a statement.</p>
<p>Mayor Jane Holloway thanked engineers from Northfield Works for finishing the job ahead of schedule and under budget.</p>
<p>Traffic is expected to return to normal levels by the end of the week, according to transport officials.</p>
</article><footer>Copyright Daily Planet. All rights reserved.</footer></body></html>"""


def test_html_main_text_and_metadata_come_from_trafilatura(tmp_path):
    [a] = read(tmp_path, "bridge.html", HTML).articles
    assert a.title == "Harbour bridge reopens after repairs"
    assert "eight months of repairs" in a.body
    assert "Mayor Jane Holloway" in a.body
    assert "Home" not in a.body and "All rights reserved" not in a.body
    assert "\n\n" in a.body  # paragraphs kept
    assert a.source == "Daily Planet"
    assert a.url == "https://planet.example/bridge"
    assert a.published is not None and a.published.date() == datetime(2024, 3, 5).date()


def test_html_without_article_text_is_a_clear_failure(tmp_path):
    with pytest.raises(ReadError, match="no article text"):
        read(tmp_path, "empty.html", "<html><head><title>x</title></head><body><script>var a = 1;</script></body></html>")


RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Valley Gazette</title><link>https://gazette.example/</link>
<item><title>Dam project approved</title><link>https://gazette.example/dam</link>
<guid>gazette-1</guid><pubDate>Tue, 06 Oct 2020 09:00:00 GMT</pubDate>
<description>Short summary only.</description>
<content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/"><![CDATA[<p>The regional council approved the dam project.</p><p>Construction starts in spring.</p>]]></content:encoded>
</item>
<item><title>School fair this weekend</title><link>https://gazette.example/fair</link>
<description>&lt;p&gt;Stalls, games and a bake sale.&lt;/p&gt;</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Hill Times</title>
<entry><title>Road closed for race</title><id>tag:hill,2021:1</id><link href="https://hill.example/race"/>
<updated>2021-05-01T10:00:00Z</updated><summary>The hill road closes on Sunday.</summary></entry></feed>"""

RDF = """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="https://rdf.example/"><title>RDF News</title><link>https://rdf.example/</link></channel>
<item rdf:about="https://rdf.example/1"><title>Library extends hours</title><link>https://rdf.example/1</link>
<description>The library now opens until nine.</description></item></rdf:RDF>"""


def test_rss_uses_full_content_when_present_else_summary(tmp_path):
    result = read(tmp_path, "gazette.xml", RSS)
    dam, fair = result.articles
    assert dam.title == "Dam project approved"
    assert dam.body == "The regional council approved the dam project.\n\nConstruction starts in spring."
    assert not dam.partial
    assert dam.url == "https://gazette.example/dam"
    assert dam.source == "Valley Gazette"
    assert dam.published == datetime(2020, 10, 6, 9, 0)
    assert fair.body == "Stalls, games and a bake sale."
    assert fair.partial  # only a summary
    assert dam.id != fair.id


def test_atom_and_rdf_feeds(tmp_path):
    [race] = read(tmp_path, "hill.atom", ATOM).articles
    assert (race.title, race.source, race.url) == ("Road closed for race", "Hill Times", "https://hill.example/race")
    assert race.published == datetime(2021, 5, 1, 10, 0)
    [lib] = read(tmp_path, "news.rdf", RDF).articles
    assert lib.title == "Library extends hours" and lib.body == "The library now opens until nine."


def test_the_same_entry_in_two_feeds_has_one_id(tmp_path):
    a = read(tmp_path, "one.rss", RSS).articles[0]
    b = read(tmp_path, "two.rss", RSS.replace("Valley Gazette", "Mirror")).articles[0]
    assert a.id == b.id


def test_jsonl_reads_text_or_body_and_reports_bad_lines_by_number(tmp_path):
    lines = [
        '{"title": "Port strike ends", "text": "Dock workers return.", "url": "https://x.example/1", '
        '"date": "2022-02-03", "source": "Wire"}',
        '{"title": "Rail fares rise", "body": "Fares go up in May."}',
        "{not json",
        "[1, 2]",
        "",
        '{"title": "", "text": ""}',
    ]
    result = read(tmp_path, "wire.jsonl", "\n".join(lines))
    port, rail = result.articles
    assert (port.title, port.body, port.url, port.source) == ("Port strike ends", "Dock workers return.",
                                                             "https://x.example/1", "Wire")
    assert port.published == datetime(2022, 2, 3)
    assert rail.body == "Fares go up in May." and rail.source == "wire"
    assert any(w.startswith("line 3:") for w in result.warnings)
    assert any(w.startswith("line 4:") for w in result.warnings)
    assert any(w.startswith("line 6:") for w in result.warnings)


def test_unknown_types_have_no_reader():
    assert reader_for(Path("photo.jpg")) is None
    assert reader_for(Path("STORY.TXT")) is not None


def test_escape_sequences_and_controls_are_removed_at_ingest(tmp_path):
    [a] = read(tmp_path, "evil.txt", "Title\x1b]0;pwned\x07 here\x1b[2J\n\nBody \x1b[31mred\x1b[0m \u202eevil\x08 [bold]x[/bold]").articles
    assert a.title == "Title here"
    assert "\x1b" not in a.body and "\u202e" not in a.body and "\x08" not in a.body
    assert "[bold]x[/bold]" in a.body  # markup stays literal text
