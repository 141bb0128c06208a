"""Strings from feed servers and users reach the terminal inert: no escape sequences, no Rich markup.

Rich strips neither ESC nor C1 control characters (``\\x9b`` is a one-byte CSI on many terminals). A
feed's name comes from the user or an OPML file; a failure reason can quote a server's header (a
redirect's Location, decoded as latin-1 by httpx). The CLI passes such strings through ``safe()`` into
``rich.text.Text``; these tests print hostile names and reasons and read the output.
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from cli_helpers import run
from feeds_server import FeedServer
from newsreader.index.models import Progress
from newsreader.tui.feeds_cli import RefreshBar

HOSTILE_NAME = "Evil\x1b]0;pwned\x07 \x1b[31mred\x9b1m [bold]loud[/bold] [/x]"
HOSTILE_LOCATION = "http://a..b/\x9b2J[bold]way[/]\x85"  # h11 takes 0x80-0xFF in a header; ESC it refuses


@pytest.fixture(autouse=True)
def _no_proxies_wide_output(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "250")  # so no cell wraps in the middle of what is asserted


@pytest.fixture
def server():
    s = FeedServer()
    yield s
    s.close()


def assert_inert(text: str) -> None:
    assert "\x1b" not in text and not any("\x80" <= ch <= "\x9f" for ch in text), repr(text)
    assert "pwned" not in text  # the OSC (set the window title) went with its payload


def test_hostile_feed_name_and_reason_print_inert(server, tmp_path, capsys):
    home = str(tmp_path / "home")
    url = server.redirect("/moved.xml", HOSTILE_LOCATION)  # an invalid host: the reason quotes the Location
    assert run(capsys, "--home", home, "feed", "add", url, "--name", HOSTILE_NAME)[0] == 0

    code, out, err = run(capsys, "--home", home, "refresh")
    assert code == 1 and "Traceback" not in err
    assert_inert(out)
    assert "Evil red [bold]loud[/bold] [/x]" in out  # brackets shown as typed, not taken as styles
    assert "unusable address: http://a..b/[bold]way[/] (" in out

    code, out, err = run(capsys, "--home", home, "feed", "list")
    assert code == 0 and err == ""
    assert_inert(out)
    assert "Evil red [bold]loud[/bold] [/x]" in out and "unusable address: http://a..b/[bold]way[/] (" in out

    code, out, _ = run(capsys, "--home", home, "feed", "remove", url)
    assert code == 0 and "Unsubscribed from Evil red [bold]loud[/bold] [/x]" in out
    assert_inert(out)


def test_progress_bar_shows_a_feed_name_as_text():
    """The bar's feed column is a TextColumn: markup=True by default, where ``[/x]`` raises MarkupError."""
    sink = io.StringIO()
    console = Console(file=sink, force_terminal=True, width=200, color_system=None)
    with RefreshBar(console) as bar:
        bar.update(Progress("feeds", 1, 2, path=HOSTILE_NAME))
        bar.progress.refresh()
    shown = sink.getvalue()
    assert "[bold]loud[/bold] [/x]" in shown
    assert "pwned" not in shown and "\x9b" not in shown and "\x1b[31m" not in shown


def test_stats_prints_a_home_path_with_brackets_as_text(tmp_path, capsys):
    home = tmp_path / "a[" / "x]" / "[bold]home"  # str(home) contains "[/x]", a closing tag with no opener
    code, out, err = run(capsys, "--home", str(home), "stats")
    assert code == 0 and "Traceback" not in err
    assert str(home) in out.replace("\n", "")
