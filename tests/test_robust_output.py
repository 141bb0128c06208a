"""Hostile article text is printed inert by ``newsreader search`` and ``show`` (and their --json).

Articles arrive through the real readers (a text file, a JSON Lines file, a feed with the escape
encoded as a character reference) carrying Rich markup, ANSI/OSC escapes (screen clear, window
title, OSC 8 hyperlinks), 8-bit C1 controls, bell/backspace, bidi overrides and a 30,000-character
line. The captured output must contain no escape or control sequence that came from an article, and
the markup must show up as the literal text it is. The same is checked with colour forced on, where
the only escape sequences allowed are Rich's own SGR styles.
"""

from __future__ import annotations

import json
import re

import pytest

from newsreader.index.library import Library
from newsreader.tui.cli import main

MARKUP = "[bold red]ALERT[/bold red] [link=https://evil.example]click[/link]"
NASTY = ("\x1b[2J\x1b[H"            # clear screen, cursor home
         "\x1b]0;pwned title\x07"   # set window title
         "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\"  # OSC 8 hyperlink
         "\x9b31m\x9d0;c1 title\x9c"  # 8-bit CSI and OSC
         "\x07\x08\x7f"              # bell, backspace, delete
         "\u202egnp.exe\u202c\u2066iso\u2069")  # bidi override and isolate
LONG = "W" * 30_000

FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
SGR = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def hostile_home(tmp_path_factory):
    src = tmp_path_factory.mktemp("hostile") / "src"
    src.mkdir()
    (src / "story.txt").write_text(
        f"Quarrel {MARKUP} {NASTY} zanzibarite\n\n"
        f"First paragraph mentions zanzibarite and {MARKUP}.\n\n{NASTY} middle {NASTY}\n\n{LONG}\n",
        encoding="utf-8")
    (src / "lines.jsonl").write_text(json.dumps({
        "title": f"Lines {MARKUP}{NASTY} zanzibarite", "text": f"Body {NASTY} zanzibarite {MARKUP}",
        "source": f"[red]src[/red]{NASTY}", "url": f"https://example.org/a{NASTY}",
    }) + "\n", encoding="utf-8")
    (src / "feed.rss").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Feed &#x1b;]0;t&#7;</title><item>'
        "<title>Feed item &#x1b;[2J &#x202e;rev zanzibarite [b]x[/b]</title>"
        "<description>&lt;p&gt;Entity-encoded &#x1b;[31m escapes &#x9b;1m zanzibarite&lt;/p&gt;</description>"
        "</item></channel></rss>", encoding="utf-8")
    home = tmp_path_factory.mktemp("hostile-home")
    with Library.open(home) as library:
        report = library.sync([src], workers=1)
        assert report.added == 3 and report.failed == [], report.to_dict()
    return home


def _run(capsys, monkeypatch, args, *, colour: bool = False) -> str:
    monkeypatch.setenv("COLUMNS", "3000")  # wide enough that no table cell wraps
    if colour:
        monkeypatch.setenv("FORCE_COLOR", "1")
        monkeypatch.setenv("TTY_COMPATIBLE", "1")
    code = main(args)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert not FORBIDDEN.search(err)
    return out


def _assert_inert(out: str, *, colour: bool) -> None:
    if colour:
        assert SGR.search(out), "colour was forced on, so Rich should have styled something"
        out = SGR.sub("", out)  # Rich's own styling; nothing else may remain
    bad = FORBIDDEN.search(out)
    assert bad is None, f"control character {bad.group()!r} at {bad.start()}: {out[max(0, bad.start() - 40):bad.start() + 40]!r}"
    assert "pwned" not in out or "]0;pwned" not in out


@pytest.mark.parametrize("colour", [False, True], ids=["plain", "forced-colour"])
def test_search_and_show_print_hostile_text_inert(hostile_home, capsys, monkeypatch, colour):
    home = ["--home", str(hostile_home)]
    out = _run(capsys, monkeypatch, [*home, "search", "zanzibarite", "--limit", "10"], colour=colour)
    _assert_inert(out, colour=colour)
    flat = "".join(SGR.sub("", out).split())  # the table wraps cells; compare without whitespace
    assert "3results" in flat
    assert "[boldred]ALERT[/boldred]" in flat  # markup stays literal text
    assert "[red]src[/red]" in flat

    with Library.open(hostile_home, readonly=True) as library:
        ids = [h.id for h in library.search("zanzibarite").hits]
    for article_id in ids:
        out = _run(capsys, monkeypatch, [*home, "show", article_id], colour=colour)
        _assert_inert(out, colour=colour)
    flat = "".join(SGR.sub("", out).split())
    assert "[b]x[/b]" in flat or "[boldred]ALERT[/boldred]" in flat


def test_json_output_carries_no_control_characters(hostile_home, capsys, monkeypatch):
    home = ["--home", str(hostile_home)]
    out = _run(capsys, monkeypatch, [*home, "search", "zanzibarite", "--json"])
    assert not FORBIDDEN.search(out) and "\\u001b" not in out
    result = json.loads(out)
    assert result["total"] == 3
    titles = {r["title"] for r in result["results"]}
    assert any(MARKUP in t for t in titles)
    for hit in result["results"]:
        out = _run(capsys, monkeypatch, [*home, "show", hit["id"], "--json"])
        assert not FORBIDDEN.search(out) and "\\u001b" not in out
        view = json.loads(out)
        if view["title"].startswith("Quarrel"):
            assert LONG in view["body"]  # the long line is kept whole, just inert


def test_neutralise_keeps_offsets_and_leaves_nothing_live():
    """For renderers that hold offsets into stored text (defence in depth behind ingest cleaning)."""
    from newsreader.index.textclean import neutralise

    text = f"Title {NASTY} and {MARKUP}\n\tend"
    out = neutralise(text)
    assert len(out) == len(text) and not FORBIDDEN.search(out)
    assert MARKUP in out and out.endswith("\n\tend")
    assert neutralise("plain text") == "plain text"
