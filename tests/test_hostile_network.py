"""Hostile servers on 127.0.0.1: headers dripped a byte at a time, compression bombs, Ctrl+C mid-request.

Each test runs a real HTTP server (tests/feeds_server.py) and the real client; timeouts are short so the
whole file stays within a few seconds.
"""

from __future__ import annotations

import gzip
import threading
import time
import tracemalloc
import zlib
from dataclasses import replace

import pytest

from feeds_server import FeedServer, gzip_bomb, rss
from newsreader.index.feeds.fetch import FetchError, Fetcher, FetchPolicy
from newsreader.index.library import Library

POLICY = FetchPolicy(timeout=0.6, max_bytes=40_000, retries=2, backoff=0.01, max_backoff=0.05, concurrency=4,
                     per_host=4, trust_env=False)
GOOD_ITEMS = [
    {"title": "Lighthouse keeper retires", "guid": "urn:t:keeper", "summary": "x",
     "content": "<p>After forty years the Skarn lighthouse keeper, Edda Lund, handed over the keys on Friday.</p>"},
    {"title": "Harbour fees frozen", "guid": "urn:t:fees", "summary": "x",
     "content": "<p>The Portmere harbour board froze mooring fees for another year at its meeting.</p>"},
]


@pytest.fixture
def server():
    s = FeedServer()
    yield s
    s.close()


def test_headers_dripped_a_byte_at_a_time_are_cut_off_at_the_timeout_and_not_retried(server):
    slow = server.add("/slow.xml", drip=0.1)
    started = time.monotonic()
    with Fetcher(POLICY) as fetcher, pytest.raises(FetchError, match="timed out after 0.6 s") as err:
        fetcher.get(slow)
    elapsed = time.monotonic() - started
    assert 0.5 < elapsed < 3, elapsed  # slack for a loaded machine; it used to never end
    assert not err.value.transient and len(server.hits("/slow.xml")) == 1


@pytest.mark.parametrize("layers", [1, 2, 3])
def test_compression_bombs_stop_at_the_size_cap_in_bounded_memory(server, layers):
    bomb = server.add("/bomb.xml", gzip_bomb(32 << 20, layers),
                      headers={"Content-Encoding": ", ".join(["gzip"] * layers)})
    tracemalloc.start()
    try:
        with Fetcher(POLICY) as fetcher, pytest.raises(FetchError, match="response too large"):
            fetcher.get(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000, peak  # the cap is 40 kB; the bomb expands to 32 MB


def test_more_layers_than_any_server_needs_are_refused(server):
    url = server.add("/deep.xml", b"x", headers={"Content-Encoding": "gzip, gzip, gzip, gzip"})
    with Fetcher(POLICY) as fetcher, pytest.raises(FetchError, match="compressed 4 times"):
        fetcher.get(url)
    url = server.add("/br.xml", b"x", headers={"Content-Encoding": "br"})
    with Fetcher(POLICY) as fetcher, pytest.raises(FetchError, match="unsupported Content-Encoding"):
        fetcher.get(url)


def _raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return c.compress(data) + c.flush()


@pytest.mark.parametrize("encoding,encode", [
    ("gzip", gzip.compress), ("x-gzip", gzip.compress), ("deflate", zlib.compress), ("deflate", _raw_deflate),
    ("identity", lambda b: b), ("gzip, gzip", lambda b: gzip.compress(gzip.compress(b))),
])
def test_honest_compressed_bodies_still_decode(server, encoding, encode):
    body = (rss("Encoded", GOOD_ITEMS) * 3).encode()  # about 2.4 kB, some of it in full 64 kB steps below
    url = server.add("/enc.xml", encode(body), headers={"Content-Encoding": encoding})
    with Fetcher(POLICY) as fetcher:
        assert fetcher.get(url).body == body


def test_cancel_cuts_every_request_in_flight_at_once(server):
    slow = [server.add(f"/slow{i}.xml", drip=0.1) for i in range(3)]
    cancel = threading.Event()
    errors: list[str] = []
    with Fetcher(FetchPolicy(timeout=30, trust_env=False, concurrency=4, per_host=4), cancel=cancel) as fetcher:
        def get(url):
            try:
                fetcher.get(url)
            except FetchError as exc:
                errors.append(str(exc))

        threads = [threading.Thread(target=get, args=(u,)) for u in slow]
        for t in threads:
            t.start()
        time.sleep(0.3)
        started = time.monotonic()
        cancel.set()
        for t in threads:
            t.join(5)
        assert time.monotonic() - started < 2  # the watchdog looks every 0.05 s
    assert errors == ["cancelled"] * 3


def test_the_run_as_a_whole_has_a_time_limit(server):
    slow = server.add("/slow.xml", drip=0.1)
    with Fetcher(FetchPolicy(timeout=30, total=0.5, trust_env=False)) as fetcher:
        with pytest.raises(FetchError, match="time limit"):
            fetcher.get(slow)
        with pytest.raises(FetchError, match="time limit"):  # nothing more is even started
            fetcher.get(slow)


def test_refresh_indexes_the_good_feed_and_names_the_slow_and_the_bomb(server, tmp_path):
    good = server.add("/good.xml", rss("Skarn Courier", GOOD_ITEMS))
    slow = server.add("/slow.xml", drip=0.1)
    bomb = server.add("/bomb.xml", gzip_bomb(32 << 20), headers={"Content-Encoding": "gzip, gzip"})
    with Library.open(tmp_path / "home") as library:
        for url in (good, slow, bomb):
            library.add_feed(url)
        started = time.monotonic()
        report = library.refresh_feeds(policy=POLICY)
        assert time.monotonic() - started < 10
        by_url = {f.url: f for f in report.feeds}
        assert by_url[good].new == 2 and not by_url[good].failed
        assert "timed out after 0.6 s" in by_url[slow].error
        assert "response too large" in by_url[bomb].error
        assert library.article_count() == 2
        assert len(server.hits("/slow.xml")) == 1  # a timeout is not retried


def test_a_slow_article_page_does_not_hold_back_other_feeds(server, tmp_path):
    """Feed B's entry needs its page, which never finishes its headers; feed A is indexed meanwhile."""
    page = server.add("/page.html", drip=0.1)
    a = server.add("/a.xml", rss("Feed A", GOOD_ITEMS))
    b = server.add("/b.xml", rss("Feed B", [{"title": "Only a teaser", "guid": "urn:b:1", "link": page,
                                             "summary": "A teaser for a story whose page never arrives."}]))
    started = time.monotonic()
    indexed_at: dict[str, float] = {}

    def progress(p):
        if p.phase == "index":
            indexed_at.setdefault(p.path, time.monotonic() - started)

    with Library.open(tmp_path / "home") as library:
        library.add_feed(a)
        library.add_feed(b)
        report = library.refresh_feeds(policy=replace(POLICY, timeout=4), progress=progress)
        assert report.new == 3 and not report.failed
        assert indexed_at["Feed A"] < 3 < indexed_at["Feed B"], indexed_at  # B waited its page's 4 s out
        [partial] = [f for f in report.feeds if f.name == "Feed B"]
        assert partial.partial == 1 and "timed out" in partial.warnings[0]


def test_ctrl_c_stops_a_refresh_waiting_on_a_slow_server_at_once(server, tmp_path):
    """The installed command, interrupted the way a user does it, while a request is stuck in its headers."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    slow = server.add("/slow.xml", drip=0.2)
    home = tmp_path / "home"
    with Library.open(home) as library:
        library.add_feed(slow)
    command = str(Path(sys.executable).parent / "newsreader")  # the installed command
    proc = subprocess.Popen([command, "--home", str(home), "refresh", "--timeout", "60"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "NO_PROXY": "*"})
    try:
        deadline = time.monotonic() + 30
        while not server.hits("/slow.xml") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.hits("/slow.xml"), "the refresh never reached the server"
        time.sleep(0.3)
        started = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        assert time.monotonic() - started < 5  # it took 20-30 s
    finally:
        proc.kill()
    assert proc.returncode == 130 and b"Traceback" not in err
    assert err.decode().strip().splitlines()[-1].startswith("newsreader: interrupted")


def test_a_feed_with_many_pages_to_fetch_is_indexed_in_batches_as_they_arrive(server, tmp_path, monkeypatch):
    """Summary-only entries: their pages' text is indexed a batch at a time, not held until the last page."""
    from newsreader.index.feeds import refresh
    from feeds_server import article_page

    monkeypatch.setattr(refresh, "INDEX_BATCH", 5)  # the size, made small; the batching is the real code
    items = []
    for i in range(12):
        page = server.add(f"/p{i}.html", article_page(f"Story {i}", [
            f"The Portmere council met for the {i}th time this year to discuss the harbour and its pier, "
            "which the storms of the winter left in need of new steel piles and a new deck."]),
            content_type="text/html; charset=utf-8")
        items.append({"title": f"Story {i}", "guid": f"urn:many:{i}", "link": page, "summary": "Teaser."})
    url = server.add("/many.xml", rss("Many Pages", items))
    batches: list[int] = []
    with Library.open(tmp_path / "home") as library:
        library.add_feed(url)
        report = library.refresh_feeds(policy=replace(POLICY, timeout=10),
                                       progress=lambda p: p.phase == "index" and p.done == 0
                                       and batches.append(p.total))
        assert report.new == 12 and report.feeds[0].partial == 0 and library.article_count() == 12
    assert batches[0] == 5 and sum(batches) == 12 and len(batches) >= 3, batches


def test_a_tls_handshake_dripped_a_byte_at_a_time_is_cut_off_too(tmp_path):
    """An https address whose server answers the TLS hello one byte every 0.1 s, forever. (Python's ssl
    gives the whole handshake one deadline, the request's remaining time, so no watchdog is needed there.)"""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve():
        conn, _ = listener.accept()
        with conn:
            conn.recv(4096)  # the ClientHello
            while not stop.is_set():
                try:
                    conn.send(b"\x16")
                except OSError:
                    return
                stop.wait(0.1)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        with Fetcher(POLICY) as fetcher, pytest.raises(FetchError, match="timed out after 0.6 s"):
            fetcher.get(f"https://127.0.0.1:{listener.getsockname()[1]}/feed.xml")
        assert time.monotonic() - started < 3
    finally:
        stop.set()
        listener.close()
