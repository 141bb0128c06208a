"""Raw, uncleaned text straight into the reader's renderers.

The fixture libraries are cleaned at ingest, so reader tests built on them cannot tell whether the
reader itself keeps escapes inert. These hand the renderers ``Hit``s and feeds carrying raw escape
sequences, C1 controls and bidi overrides, then check what would reach the terminal and that
highlights still cover the words the engine pointed at.
"""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

from rich.console import Console

from newsreader.index.models import Hit
from newsreader.tui.render import styled
from newsreader.tui.screens.feeds import feed_entry
from newsreader.tui.tables import hits_table
from newsreader.tui.widgets.article_list import entry

ESC_TITLE = "\x1b[2J\x1b]0;pwned\x07[bold]Esper\u202e visits\r\nDelhi \x9b31m"
ESC_SNIPPET = "before \x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\ then\r\nEsper spoke"
SGR = re.compile(r"\x1b\[[0-9;]*m")  # Rich's own colours: the only escapes allowed out


def raw_hit() -> Hit:
    title_at = ESC_TITLE.index("Esper")
    snippet_at = ESC_SNIPPET.index("Esper")
    return Hit(id="a1", title=ESC_TITLE, source="src\x1b[31m", published=None, path="/x", url="", score=1.0,
               snippet=ESC_SNIPPET, highlights=((snippet_at, snippet_at + 5),),
               title_highlights=((title_at, title_at + 5),), words=12)


def rendered(renderable) -> str:
    out = io.StringIO()
    Console(file=out, force_terminal=True, color_system="truecolor", width=200).print(renderable)
    return out.getvalue()


def assert_inert(output: str) -> None:
    rest = SGR.sub("", output)
    for bad in ("\x1b", "\x07", "\x9b", "\u202e", "\r"):
        assert bad not in rest, repr(bad)
    assert "evil.example" not in output or "\x1b]8" not in output


def styled_words(text, style_word: str) -> list[str]:
    return [text.plain[s.start:s.end] for s in text.spans if style_word in str(s.style)]


def test_list_entry_keeps_raw_text_inert_and_highlights_on_the_right_words():
    hit = raw_hit()
    grid = entry(hit, read=False, starred=False, searching=True)
    body = grid.body
    # the engine's offsets point into the raw strings; the highlighted words must be the same ones
    assert styled_words(body, "underline") == ["Esper"]
    assert styled_words(body, "#ffd75f") == ["Esper"]
    assert "[bold]Esper" in body.plain  # markup in a title stays text
    output = rendered(grid)
    assert_inert(output)
    assert "[bold]Esper" in SGR.sub("", output)


def test_cli_table_and_feed_picker_keep_raw_text_inert():
    table = hits_table([raw_hit()])
    cell = table.columns[3]._cells[0]
    assert styled_words(cell, "bold") == ["Esper", "Esper"]  # title, then snippet
    assert_inert(rendered(table))
    feed = SimpleNamespace(name="[$accent]feed\x1b[2J", state="failing", articles=0, last_success="",
                           last_error="HTTP 500 \x9b31mboom\x1b]0;t\x07")
    text = feed_entry(feed)
    assert text.plain.startswith("[$accent]feed")
    assert_inert(rendered(text))


def test_article_paragraph_keeps_offsets_with_raw_escapes():
    body = "\x1b[2JEsper met \u202eSingh\x1b]0;x\x07."
    start = body.index("Singh")
    text = styled(body, hits=[(start, start + 5)])
    assert len(text.plain) == len(body)
    assert [text.plain[s.start:s.end] for s in text.spans] == ["Singh"]
    assert_inert(rendered(text))
