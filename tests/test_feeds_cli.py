"""The feed commands end to end through ``newsreader.tui.cli.main``, against a server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from cli_helpers import run
from feeds_server import FeedServer, rss
from newsreader.tui.cli import main


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch):
    """The CLI honours proxy settings; here nothing may leave 127.0.0.1, so there are none."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server():
    s = FeedServer()
    s.add("/news.xml", rss("Skarn Weekly", [
        {"title": "Island school wins prize", "guid": "urn:skarn:school", "summary": "x",
         "content": "<p>The Skarn island school won the regional science prize.</p>"},
        {"title": "New ferry timetable", "guid": "urn:skarn:ferry", "summary": "x",
         "content": "<p>The Skarn Ferry Company will add a second crossing in April.</p>"},
    ]), etag='"a"')
    yield s
    s.close()


def test_add_list_refresh_remove(server, tmp_path, capsys):
    home = str(tmp_path / "home")
    good = server.url("/news.xml")
    broken = server.url("/missing.xml")
    assert run(capsys, "--home", home, "feed", "add", good)[0] == 0
    code, out, _ = run(capsys, "--home", home, "feed", "add", broken, "--name", "Missing", "--json")
    assert code == 0 and json.loads(out)["name"] == "Missing"

    code, out, _ = run(capsys, "--home", home, "refresh", "--json")
    report = json.loads(out)
    assert code == 1  # one feed failed
    by_name = {f["name"]: f for f in report["feeds"]}
    assert by_name["Skarn Weekly"]["new"] == 2 and by_name["Missing"]["error"] == "not found (HTTP 404)"

    code, out, _ = run(capsys, "--home", home, "refresh", "Skarn Weekly")
    assert code == 0
    assert "Skarn Weekly" in out and "not modified" in out and "0 new, 0 updated, 2 unchanged, 0 failed" in out

    code, out, _ = run(capsys, "--home", home, "feed", "list", "--json")
    states = {f["name"]: f for f in json.loads(out)}
    assert states["Skarn Weekly"]["state"] == "ok" and states["Skarn Weekly"]["articles"] == 2
    assert states["Missing"]["state"] == "failing" and states["Missing"]["last_error"] == "not found (HTTP 404)"
    code, out, _ = run(capsys, "--home", home, "feed", "list")
    assert code == 0 and "failing" in out and "not found (HTTP 404)" in out

    code, out, _ = run(capsys, "--home", home, "search", "source:Skarn", "--json")
    assert json.loads(out)["total"] == 2

    code, out, _ = run(capsys, "--home", home, "feed", "remove", "Skarn Weekly")
    assert code == 0 and "2 articles removed" in out
    code, out, _ = run(capsys, "--home", home, "search", "source:Skarn", "--json")
    assert json.loads(out)["total"] == 0


def test_import_then_export(tmp_path, capsys):
    home = str(tmp_path / "home")
    src = tmp_path / "subs.opml"
    src.write_text('<opml version="2.0"><body><outline text="Folder">'
                   '<outline text="Gazette" xmlUrl="http://gazette.invalid/rss"/></outline>'
                   '<outline text="Bad" xmlUrl="mailto:someone"/></body></opml>')
    code, out, _ = run(capsys, "--home", home, "feed", "import", str(src), "--json")
    assert code == 1  # one outline could not be subscribed to
    result = json.loads(out)
    assert [f["name"] for f in result["added"]] == ["Gazette"] and result["invalid"][0]["url"] == "mailto:someone"
    code, out, _ = run(capsys, "--home", home, "feed", "export")
    assert code == 0 and 'xmlUrl="http://gazette.invalid/rss"' in out and out.startswith("<?xml")


@pytest.mark.parametrize("argv", [["feed"], ["feed", "add"], ["feed", "frobnicate"], ["refresh", "--timeout", "x"]])
def test_misuse_exits_2(tmp_path, argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--home", str(tmp_path / "home"), *argv])
    assert exc.value.code == 2


def test_runtime_errors_exit_1_with_one_line(tmp_path, capsys):
    home = str(tmp_path / "home")
    assert run(capsys, "--home", home, "feed", "add", "http://a.invalid/feed")[0] == 0
    for argv in (["feed", "remove", "nosuch"], ["refresh", "nosuch"], ["feed", "add", "ftp://x.invalid/"],
                 ["feed", "add", "http://a.invalid/feed"], ["feed", "import", str(tmp_path / "absent.opml")]):
        code, out, err = run(capsys, "--home", home, *argv)
        assert code == 1 and err.count("\n") == 1 and err.startswith("newsreader: "), (argv, err)
    assert run(capsys, "--home", home, "refresh", "--timeout", "0")[0] == 2


def test_refresh_with_no_feeds_says_how_to_add_one(tmp_path, capsys):
    code, out, _ = run(capsys, "--home", str(tmp_path / "home"), "refresh")
    assert code == 0 and "feed add URL" in out


def test_add_refuses_a_malformed_host_with_one_clear_line(tmp_path, capsys):
    home = str(tmp_path / "home")
    code, out, err = run(capsys, "--home", home, "feed", "add", "http://a..b/feed")
    # A value the engine refuses (like ftp:// or a duplicate) exits 1; 2 stays for argparse-level misuse.
    assert code == 1 and out == ""
    assert err == ("newsreader: Cannot subscribe: 'http://a..b/feed' has an invalid host name "
                   "(label empty or too long).\n")
    assert json.loads(run(capsys, "--home", home, "feed", "list", "--json")[1]) == []


def test_bad_stored_url_and_bad_redirect_fail_alone(server, tmp_path, capsys):
    """Issue 6: failures are per feed. A url stored before the add-time check existed (or written by
    another tool) and a redirect to a malformed Location each fail with a reason; the good feed is indexed."""
    from newsreader.index.library import Library
    from newsreader.index.feeds.subscriptions import Subscriptions

    home = tmp_path / "home"
    good = server.url("/news.xml")
    to_ipv6 = server.redirect("/to-ipv6.xml", "http://[::1/x")
    to_bad_host = server.redirect("/to-bad-host.xml", "http://a..b/feed", status=302)
    assert run(capsys, "--home", str(home), "feed", "add", good)[0] == 0
    assert run(capsys, "--home", str(home), "feed", "add", to_ipv6, "--name", "Moved")[0] == 0
    assert run(capsys, "--home", str(home), "feed", "add", to_bad_host, "--name", "Moved badly")[0] == 0
    with Library.open(home) as library:  # past Library.add_feed's check, straight into the table
        subs = Subscriptions(library.paths.state_file)
        subs.add("http://a..b/feed", "Bad host")
        subs.close()

    code, out, err = run(capsys, "--home", str(home), "refresh", "--json")
    assert code == 1 and "Traceback" not in err
    by_name = {f["name"]: f for f in json.loads(out)["feeds"]}
    assert (by_name["Skarn Weekly"]["status"], by_name["Skarn Weekly"]["new"]) == ("ok", 2)
    assert by_name["Bad host"]["status"] == "failed"
    assert "invalid host name (label empty or too long)" in by_name["Bad host"]["error"]
    assert by_name["Moved"]["status"] == "failed"
    assert by_name["Moved"]["error"].startswith("redirected to an unusable address (bad Location: ")
    assert by_name["Moved badly"]["error"].startswith(
        "redirected (HTTP 302) to an unusable address: http://a..b/feed")
    assert len(server.hits("/to-ipv6.xml")) == 1  # a malformed Location is not retried

    code, out, _ = run(capsys, "--home", str(home), "search", "source:Skarn", "--json")
    assert json.loads(out)["total"] == 2
    code, out, err = run(capsys, "--home", str(home), "feed", "list", "--json")
    states = {f["name"]: f["state"] for f in json.loads(out)}
    assert states == {"Skarn Weekly": "ok", "Bad host": "failing", "Moved": "failing", "Moved badly": "failing"}
