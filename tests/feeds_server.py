"""A small HTTP server on 127.0.0.1 for the feed tests: fixture feeds, article pages and misbehaviour.

Each route is a canned answer (status, headers, body) with optional delay, validators for 304s, a
missing Content-Length (so only the streaming size cap can stop it) and a request log, so tests can
check what the client sent (User-Agent, If-None-Match) and how often it retried.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    etag: str | None = None
    last_modified: str | None = None
    send_length: bool = True
    drip: float = 0.0  # send the headers one byte every ``drip`` seconds, never finishing them


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        self.in_flight = 0
        self.most_in_flight = 0  # the most requests the server was answering at once
        self.closing = threading.Event()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"  # the connection closes after each answer: "read to end" works

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                with server._lock:
                    server.requests.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
                    server.in_flight += 1
                    server.most_in_flight = max(server.most_in_flight, server.in_flight)
                try:
                    self._route()
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _route(self) -> None:
                route = server.routes.get(self.path)
                try:
                    if route is None:
                        self._answer(Route(404, b"no such page", "text/plain"))
                        return
                    if route.delay:
                        time.sleep(route.delay)
                    if route.drip:
                        self._drip(route.drip)
                        return
                    if route.etag and self.headers.get("If-None-Match") == route.etag or (
                            route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified):
                        self.send_response(304)
                        self.end_headers()
                        return
                    self._answer(route)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout, size cap): expected in these tests

            def _answer(self, route: Route) -> None:
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                if route.send_length:
                    self.send_header("Content-Length", str(len(route.body)))
                if route.etag:
                    self.send_header("ETag", route.etag)
                if route.last_modified:
                    self.send_header("Last-Modified", route.last_modified)
                for k, v in route.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                for i in range(0, len(route.body), 16_384):
                    self.wfile.write(route.body[i:i + 16_384])

            def _drip(self, every: float) -> None:
                """A slow-headers server: a status line, then one header byte at a time, for as long as
                the client listens (or the server closes)."""
                self.wfile.write(b"HTTP/1.0 200 OK\r\n")
                self.wfile.flush()
                while not server.closing.is_set():
                    self.wfile.write(b"X")
                    self.wfile.flush()
                    if server.closing.wait(every):
                        break
                self.close_connection = True

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, body: bytes | str = b"", **kw) -> str:
        self.routes[path] = Route(body=body.encode() if isinstance(body, str) else body, **kw)
        return self.url(path)

    def redirect(self, path: str, to: str, status: int = 301) -> str:
        return self.add(path, b"", status=status, content_type="text/plain", headers={"Location": to})

    def hits(self, path: str) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def close(self) -> None:
        self.closing.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def gzip_bomb(size: int, layers: int = 2) -> bytes:
    """``size`` zero bytes gzipped ``layers`` times: a small body that expands enormously."""
    import zlib

    def gz(chunks):
        c = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        for chunk in chunks:
            out = c.compress(chunk)
            if out:
                yield out
        yield c.flush()

    step = 1 << 20
    data = gz(bytes(min(step, size - i)) for i in range(0, size, step))
    for _ in range(layers - 1):
        data = gz(list(data))
    return b"".join(data)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss(title: str, items: list[dict], *, link: str = "https://example.invalid/") -> str:
    """An RSS 2.0 document; each item has title, guid/link, description and optionally content (HTML)."""
    parts = []
    for it in items:
        content = (f"<content:encoded><![CDATA[{it['content']}]]></content:encoded>" if it.get("content") else "")
        guid = f"<guid isPermaLink=\"false\">{it['guid']}</guid>" if it.get("guid") else ""
        parts.append(
            f"<item><title>{it['title']}</title><link>{it.get('link', '')}</link>{guid}"
            f"<pubDate>{it.get('date', 'Mon, 02 Mar 2026 09:00:00 GMT')}</pubDate>"
            f"<description><![CDATA[{it.get('summary', '')}]]></description>{content}</item>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>{title}</title><link>{link}</link><description>fixture</description>"
            + "".join(parts) + "</channel></rss>")


def article_page(title: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html><html><head><title>{title}</title></head><body>"
            "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
            f"<article><h1>{title}</h1>{body}</article>"
            "<footer>Copyright the fixture press</footer></body></html>")
