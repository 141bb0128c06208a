"""Refreshing feeds against a real HTTP server on 127.0.0.1: success, every failure, 304s, full text, dedup.

No test reaches any address but 127.0.0.1 and ``.invalid`` names (RFC 2606: they never resolve), and
the client ignores proxy settings here so nothing is sent elsewhere.
"""

from __future__ import annotations

import threading

import pytest

from feeds_server import FeedServer, article_page, closed_port, rss
from newsreader.index.feeds.fetch import FetchError, Fetcher, FetchPolicy
from newsreader.index.library import Library
from newsreader.index.feeds.subscriptions import FeedError

POLICY = FetchPolicy(timeout=0.4, max_redirects=3, max_bytes=40_000, retries=2, backoff=0.01,
                     max_backoff=0.05, concurrency=4, per_host=3, trust_env=False)

HARBOUR_PARAGRAPHS = [
    "The harbour authority in Portmere approved a plan on Monday to rebuild the old north pier, "
    "which has been closed to fishing boats since the winter storms damaged its timber piles.",
    "Engineers from Calloway Marine told the council that the new pier would rest on steel piles and "
    "would open to boats by the end of next summer if the weather allows the work to continue.",
    "Fishermen who had been landing their catch at Westbay, twenty miles along the coast, welcomed "
    "the decision but said the council should pay for the extra fuel they had burned since January.",
    "Mayor Ingrid Salo said the town would apply to the regional fund for half of the cost and that "
    "the pier's lighthouse, painted red and white in 1903, would be kept exactly as it stands today.",
]
FULL_ONE = ("<p>The Portmere library reopened on Saturday after a year of repairs to its roof.</p>"
            "<p>Librarian Tomas Varga said that the reading room now has room for forty readers and "
            "a new collection of maps donated by the Ellery family.</p>")
FULL_TWO = ("<p>Ferry services between Portmere and the island of Skarn will run twice a day from April.</p>"
            "<p>The Skarn Ferry Company said the second crossing was added after visitor numbers doubled.</p>")


def good_feed(server: FeedServer, *, extra: list[dict] | None = None, two_text: str = FULL_TWO) -> str:
    items = [
        {"title": "Library reopens", "guid": "urn:portmere:library", "link": server.url("/articles/library.html"),
         "summary": "The library is open again.", "content": FULL_ONE},
        {"title": "Ferry adds a crossing", "guid": "urn:portmere:ferry", "link": server.url("/articles/ferry.html"),
         "summary": "A second daily ferry.", "content": two_text},
        {"title": "Council backs pier plan", "guid": "urn:portmere:pier", "link": server.url("/articles/pier.html"),
         "summary": "The north pier will be rebuilt on steel piles."},
        {"title": "Market moves indoors", "guid": "urn:portmere:market", "link": server.url("/articles/gone.html"),
         "summary": "The Saturday market will move into the old fish hall for the winter."},
    ] + (extra or [])
    return rss("Portmere Gazette", items)


@pytest.fixture
def server():
    s = FeedServer()
    s.add("/articles/pier.html", article_page("Council backs pier plan", HARBOUR_PARAGRAPHS),
          content_type="text/html; charset=utf-8")
    yield s
    s.close()


@pytest.fixture
def library(tmp_path):
    with Library.open(tmp_path / "home") as lib:
        yield lib


def outcome(report, url):
    return next(f for f in report.feeds if f.url == url)


def test_every_failure_is_per_feed_and_the_good_feed_is_indexed(server, library):
    good = server.add("/good.xml", good_feed(server), etag='"v1"')
    server.add("/second.xml", rss("Skarn Weekly", [
        {"title": "Island school wins prize", "guid": "urn:skarn:school",
         "summary": "x", "content": "<p>The Skarn island school won the regional science prize for 2026.</p>"}]))
    moved = server.redirect("/moved.xml", "/second.xml")
    slow = server.add("/slow.xml", good_feed(server), delay=1.5)
    loop = server.redirect("/loop-a", "/loop-b")
    server.redirect("/loop-b", "/loop-a")
    missing = server.url("/nothing-here.xml")
    error = server.add("/error.xml", "boom", status=500, content_type="text/plain")
    html = server.add("/home.html", '<!DOCTYPE html><html><head><link rel="alternate" '
                      'type="application/rss+xml" href="/good.xml"></head><body><p>Welcome</p></body></html>',
                      content_type="text/html")
    broken = server.add("/broken.xml", '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>B</title>'
                        '<<<>>></channel>')
    big = server.add("/big.xml", "<rss>" + "x" * 100_000 + "</rss>")
    endless = server.add("/endless.xml", "<rss>" + "y" * 100_000 + "</rss>", send_length=False)
    refused = f"http://127.0.0.1:{closed_port()}/feed.xml"
    dns = "http://news.invalid/feed.xml"
    for url in (good, moved, slow, loop, missing, error, html, broken, big, endless, refused, dns):
        library.add_feed(url)

    seen = []
    report = library.refresh_feeds(policy=POLICY, progress=seen.append)

    expected = {
        slow: "timed out after 0.4 s", loop: "redirect loop", missing: "not found (HTTP 404)",
        error: "server error (HTTP 500", html: "not a feed: the address returned an HTML page",
        broken: "not a valid feed", big: "response too large", endless: "response too large",
        refused: "connection refused", dns: "DNS lookup failed for news.invalid",
    }
    for url, reason in expected.items():
        o = outcome(report, url)
        assert o.status == "failed" and reason in o.error, (url, o)
    assert server.url("/good.xml") in outcome(report, html).error  # the page's own feed link is suggested
    assert len(server.hits("/error.xml")) == 3  # the first try and two retries
    assert len(server.hits("/nothing-here.xml")) == 1  # a 404 is not retried

    g = outcome(report, good)
    assert (g.status, g.new, g.updated, g.partial) == ("ok", 4, 0, 1)
    assert g.name == "Portmere Gazette"  # the host-name placeholder gave way to the feed's title
    m = outcome(report, moved)
    assert (m.status, m.new) == ("ok", 1)
    assert sorted(report.failed, key=id) == sorted([outcome(report, u) for u in expected], key=id)
    assert {p.phase for p in seen} >= {"feeds", "pages", "index", "done"}

    # The summary-only entry got the page's text; the one whose page is missing kept its summary.
    hits = library.search('source:"Portmere Gazette"', limit=10).hits
    by_title = {h.title: library.article(h.id) for h in hits}
    assert set(by_title) == {"Library reopens", "Ferry adds a crossing", "Council backs pier plan",
                             "Market moves indoors"}
    pier = by_title["Council backs pier plan"]
    assert "Calloway Marine" in pier.body and "lighthouse" in pier.body and not pier.partial
    market = by_title["Market moves indoors"]
    assert market.partial and market.body == "The Saturday market will move into the old fish hall for the winter."
    assert not by_title["Library reopens"].partial and "Tomas Varga" in by_title["Library reopens"].body
    assert library.search("person:Varga").total == 1  # went through the same entity path as files

    states = {f.url: f for f in library.feeds()}
    assert states[good].state == "ok" and states[good].last_success and states[good].articles == 4
    assert states[dns].state == "failing" and "DNS" in states[dns].last_error and states[dns].failures == 1
    assert all(r.headers["user-agent"].startswith("newsreader/") for r in server.requests)


def test_unchanged_feed_costs_one_conditional_request(server, library):
    url = server.add("/good.xml", good_feed(server), etag='"v1"', last_modified="Mon, 02 Mar 2026 10:00:00 GMT")
    library.add_feed(url, name="Gazette")
    first = library.refresh_feeds(policy=POLICY)
    assert first.new == 4 and not first.failed
    assert library.feeds()[0].name == "Gazette"  # a name the user chose is kept

    second = library.refresh_feeds(policy=POLICY)
    o = second.feeds[0]
    assert (o.status, o.http_status, o.new, o.unchanged) == ("not_modified", 304, 0, 4)
    last = server.hits("/good.xml")[-1]
    assert last.headers["if-none-match"] == '"v1"'
    assert last.headers["if-modified-since"] == "Mon, 02 Mar 2026 10:00:00 GMT"
    assert len(server.hits("/articles/pier.html")) == 1  # pages are not fetched again


def test_rebuild_keeps_feeds_and_the_next_refresh_refetches_in_full(server, library):
    url = server.add("/good.xml", good_feed(server), etag='"v1"')
    library.add_feed(url)
    assert library.refresh_feeds(policy=POLICY).new == 4
    library.sync([], rebuild=True)
    assert library.article_count() == 0 and [f.url for f in library.feeds()] == [url]

    report = library.refresh_feeds(policy=POLICY)
    assert "if-none-match" not in server.hits("/good.xml")[-1].headers  # a 304 would hide lost articles
    assert (report.feeds[0].status, report.new) == ("ok", 4)
    assert library.article_count() == 4


def test_refresh_is_incremental(server, library):
    url = server.add("/good.xml", good_feed(server))
    library.add_feed(url)
    library.refresh_feeds(policy=POLICY)
    fresh = {"title": "Lighthouse keeper retires", "guid": "urn:portmere:keeper",
             "summary": "x", "content": "<p>After forty years, Anna Brekke handed the lighthouse keys to the town.</p>"}
    server.add("/good.xml", good_feed(server, extra=[fresh], two_text=FULL_TWO + "<p>Tickets go on sale in March.</p>"))

    report = library.refresh_feeds(policy=POLICY)
    o = report.feeds[0]
    assert (o.new, o.updated, o.unchanged) == (1, 1, 3)
    assert "Tickets go on sale" in library.article(
        library.search('"Ferry adds a crossing"').hits[0].id).body
    assert len(server.hits("/articles/pier.html")) == 1
    assert library.article_count() == 5


def test_same_entry_in_two_feeds_is_stored_once_and_survives_removing_one(server, library):
    shared = {"title": "Storm closes the coast road", "guid": "urn:shared:storm", "summary": "x",
              "content": "<p>The coast road between Portmere and Westbay was closed on Tuesday night.</p>"}
    only_a = {"title": "Choir tour", "guid": "urn:a:choir", "summary": "x",
              "content": "<p>The Portmere choir will tour three cities in May.</p>"}
    only_b = {"title": "Bakery award", "guid": "urn:b:bakery", "summary": "x",
              "content": "<p>A Westbay bakery won the national rye bread award.</p>"}
    a = server.add("/a.xml", rss("Feed A", [shared, only_a]))
    b = server.add("/b.xml", rss("Feed B", [only_b, shared]))
    library.add_feed(a)
    library.add_feed(b)

    report = library.refresh_feeds(policy=POLICY)
    assert report.new == 3 and report.unchanged == 1 and library.article_count() == 3
    again = library.refresh_feeds(policy=POLICY)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 4)

    feed, removed = library.remove_feed("Feed A")
    assert feed.url == a and removed == 1  # the choir; the storm is still carried by Feed B
    assert {h.title for h in library.search("", limit=10).hits} == {"Storm closes the coast road", "Bakery award"}
    assert [f.name for f in library.feeds()] == ["Feed B"]


def test_refresh_selected_feeds_and_unknown_names(server, library):
    a = server.add("/a.xml", rss("Feed A", [{"title": "One", "guid": "1", "summary": "x",
                                             "content": "<p>First story text.</p>"}]))
    b = server.add("/b.xml", rss("Feed B", [{"title": "Two", "guid": "2", "summary": "x",
                                             "content": "<p>Second story text.</p>"}]))
    library.add_feed(a, name="alpha")
    library.add_feed(b, name="beta")
    report = library.refresh_feeds(["beta"], policy=POLICY)
    assert [f.name for f in report.feeds] == ["beta"] and server.hits("/a.xml") == []
    with pytest.raises(FeedError, match="gamma"):
        library.refresh_feeds(["gamma"], policy=POLICY)


def test_cancel_stops_before_indexing(server, library):
    url = server.add("/good.xml", good_feed(server))
    library.add_feed(url)
    cancel = threading.Event()

    def progress(p):
        if p.phase == "feeds" and p.done == 1:
            cancel.set()

    report = library.refresh_feeds(policy=POLICY, progress=progress, cancel=cancel)
    assert report.interrupted and library.article_count() == 0
    cancel.clear()
    assert library.refresh_feeds(policy=POLICY, cancel=cancel).new == 4  # nothing was recorded as seen


@pytest.mark.parametrize("url", ["ftp://example.invalid/feed", "not a url", "http:///nohost", "http://a..b/feed",
                                 "http://[::1/x", "http://news.invalid:99999/", "http://999.1.1.1/feed",
                                 "http://" + "a" * 64 + ".invalid/", "http://xn--a.invalid/feed"])
def test_add_rejects_addresses_that_cannot_be_fetched(library, url):
    with pytest.raises(FeedError, match="Cannot subscribe"):
        library.add_feed(url)
    assert library.feeds() == []


@pytest.mark.parametrize("url", ["http://bücher.invalid/feed", "http://[::1]:8080/feed", "http://my_host.invalid/",
                                 "HTTP://News.Invalid./feed", "http://xn--bcher-kva.invalid/feed"])
def test_add_accepts_unusual_but_valid_hosts(library, url):
    assert library.add_feed(url).url == url


def test_bad_addresses_met_while_fetching_are_fetch_errors(server, monkeypatch):
    """A malformed Location, or a stored url the resolver cannot encode, is a reason, not a crash."""
    bad_ipv6 = server.redirect("/to-bad-ipv6", "http://[::1/x")
    bad_host = server.redirect("/to-bad-host", "http://a..b/x", status=302)
    with Fetcher(POLICY) as fetcher:
        with pytest.raises(FetchError, match=r"^redirected to an unusable address \(bad Location: Invalid port"):
            fetcher.get(bad_ipv6)
        with pytest.raises(FetchError, match=r"redirected \(HTTP 302\) to an unusable address: .*invalid host"):
            fetcher.get(bad_host)
        # Past the address check (as with a url stored before the check existed): httpx and the
        # resolver's own errors (UnicodeError from idna, InvalidURL) must still become FetchErrors.
        monkeypatch.setattr("newsreader.index.feeds.fetch._check_url", lambda url: None)
        with pytest.raises(FetchError, match=r"invalid address http://a\.\.b/feed \(label empty or too long\)"):
            fetcher.get("http://a..b/feed")
        with pytest.raises(FetchError, match=r"invalid address http://999\.1\.1\.1/"):
            fetcher.get("http://999.1.1.1/")
    assert len(server.hits("/to-bad-ipv6")) == 1  # not retried: it cannot get better


def test_an_unforeseen_error_in_one_feed_fails_only_that_feed(server, library, monkeypatch):
    """The last-resort guard: whatever escapes one feed's fetch becomes that feed's failure reason."""
    cursed = server.add("/cursed.xml", rss("Cursed", [{"title": "x", "guid": "urn:x", "summary": "x"}]))
    missing = server.url("/missing.xml")
    real_get = Fetcher.get

    def get(self, url, **kw):
        if url == cursed:
            raise RuntimeError("a bug nobody foresaw")
        return real_get(self, url, **kw)

    monkeypatch.setattr(Fetcher, "get", get)
    library.add_feed(cursed)
    library.add_feed(missing)
    report = library.refresh_feeds(policy=POLICY)
    assert outcome(report, cursed).status == "failed"
    assert outcome(report, cursed).error == "unexpected error (RuntimeError: a bug nobody foresaw)"
    assert outcome(report, missing).error == "not found (HTTP 404)"  # the other feed was still fetched
    state = {f.url: f for f in library.feeds()}
    assert state[cursed].state == "failing" and "a bug nobody foresaw" in state[cursed].last_error


def test_add_rejects_duplicates(library):
    library.add_feed("http://news.invalid/a.xml", name="News")
    with pytest.raises(FeedError, match="Already subscribed"):
        library.add_feed("http://news.invalid/a.xml")
    with pytest.raises(FeedError, match="already a feed called"):
        library.add_feed("http://news.invalid/b.xml", name="news")
    auto = library.add_feed("http://news.invalid/c.xml")
    assert auto.name == "news.invalid" and auto.state == "new"
    assert library.add_feed("http://news.invalid/d.xml").name == "news.invalid (2)"


def test_requests_to_one_host_are_bounded(server, library):
    from dataclasses import replace

    for n in range(6):
        library.add_feed(server.add(f"/f{n}.xml", rss(f"Feed {n}", []), delay=0.15), name=f"f{n}")
    report = library.refresh_feeds(policy=replace(POLICY, concurrency=8, per_host=2))
    assert not report.failed
    assert server.most_in_flight == 2


def test_rate_limited_feed_is_retried_then_reported(server, library):
    url = server.add("/busy.xml", "slow down", status=429, content_type="text/plain", headers={"Retry-After": "0"})
    library.add_feed(url)
    report = library.refresh_feeds(policy=POLICY)
    assert report.feeds[0].error == "rate limited by the server (HTTP 429)"
    assert len(server.hits("/busy.xml")) == 3


def test_feed_engine_modules_import_no_ui():
    """Textual and spaCy stay out of the feed engine; httpx stays off the reader's start-up path.

    (httpx itself imports rich, through its own command-line module ``httpx/_main.py``, so ``rich`` is
    not checked after importing the fetcher; the engine's code never imports it.)
    """
    import subprocess
    import sys

    code = ("import sys, newsreader.index.library, newsreader.index.feeds.subscriptions, newsreader.index.feeds.opml; "
            "early = [m for m in ('httpx', 'rich', 'textual', 'spacy') if m in sys.modules]; "
            "import newsreader.index.feeds.refresh; "
            "late = [m for m in ('textual', 'spacy') if m in sys.modules]; "
            "print(early, late); sys.exit(bool(early or late))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pages_without_an_article_keep_the_summary(server, library):
    server.add("/articles/empty.html", "<!DOCTYPE html><html><body><nav><a href='/'>Home</a></nav></body></html>",
               content_type="text/html")
    server.add("/articles/report.pdf", b"%PDF-1.4 not text", content_type="application/pdf")
    url = server.add("/thin.xml", rss("Thin Feed", [
        {"title": "Nothing on the page", "guid": "t1", "link": server.url("/articles/empty.html"),
         "summary": "The page behind this entry has no article on it."},
        {"title": "A PDF", "guid": "t2", "link": server.url("/articles/report.pdf"),
         "summary": "The annual report of the Portmere harbour board."},
    ]))
    library.add_feed(url)
    o = library.refresh_feeds(policy=POLICY).feeds[0]
    assert (o.status, o.new, o.partial) == ("ok", 2, 2)
    assert any("no article text found" in w for w in o.warnings) and any("not HTML" in w for w in o.warnings)
    views = [library.article(h.id) for h in library.search('source:"Thin Feed"').hits]
    assert {v.body for v in views} == {"The page behind this entry has no article on it.",
                                       "The annual report of the Portmere harbour board."}
    assert all(v.partial for v in views)
