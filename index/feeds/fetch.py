"""HTTP for feeds and article pages: one well-behaved client shared by every request of a refresh.

Feed servers are run by other people, so the client is polite and defensive: a named User-Agent,
conditional requests (an unchanged feed costs one small 304), a bounded number of requests in flight
overall and per host, retries with backoff only for errors that may pass (connect errors, 429, 5xx),
redirects followed by hand so a loop is named as a loop, and a size cap enforced while streaming so a
huge or endless response cannot fill memory. Every failure becomes a ``FetchError`` whose message is a
short reason meant for the user ("connection refused", "timed out after 10 s"), never a traceback.

Two limits are wall-clock, not per socket operation: httpx's timeouts restart with every byte, so a
server dripping its headers one byte a second would never trip them. A watchdog thread shuts the socket
of any request that outlives its deadline (the policy's ``timeout``, or what is left of the whole run's
``total``) or whose run was cancelled, which wakes the blocked read at once. Bodies are read raw and
decompressed here, layer by layer in bounded steps, so no stack of Content-Encodings can expand past
the size cap in memory.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import threading
import time
import zlib
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Iterator
from urllib.parse import urljoin, urlsplit

import httpx

from .. import __version__

USER_AGENT = f"newsreader/{__version__} (+https://github.com/newsreader; terminal feed reader)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_BAD_LOCATION = "Invalid URL in location header"  # httpx's RemoteProtocolError for an unparsable Location


@dataclass(frozen=True)
class FetchPolicy:
    """How hard and how long to try. Tests shrink the numbers; users keep the defaults."""

    timeout: float = 15.0  # one request, wall clock: connect, headers and body together
    total: float = 900.0  # every request of one run (a refresh) together, wall clock
    max_redirects: int = 5
    max_bytes: int = 10_000_000  # a body, both as sent and after every layer of decompression
    retries: int = 2  # extra attempts after the first, for transient errors only
    backoff: float = 1.0  # seconds before the first retry; doubles each time
    max_backoff: float = 30.0  # also caps a server's Retry-After
    concurrency: int = 8  # requests in flight overall
    per_host: int = 2  # requests in flight to one host
    user_agent: str = USER_AGENT
    trust_env: bool = True  # honour HTTP(S)_PROXY / NO_PROXY from the environment


class FetchError(Exception):
    """A request that gave nothing usable; ``str()`` is the reason shown next to the feed's name."""

    def __init__(self, reason: str, *, status: int | None = None, transient: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.transient = transient


@dataclass
class Response:
    url: str  # after redirects
    status: int
    body: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    redirects: list[str] = field(default_factory=list)
    location: str = ""  # for a 3xx, where it points

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def charset(self) -> str | None:
        for part in self.content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip('"\' ')
        return None


class _Watch:
    """One request in flight, as the watchdog sees it: its deadline and the sockets it opened."""

    __slots__ = ("deadline", "by_run", "sockets", "fired", "done")

    def __init__(self, deadline: float, by_run: bool) -> None:
        self.deadline = deadline
        self.by_run = by_run  # the run's time limit, not the request's own, sets the deadline
        self.sockets: list[socket.socket] = []
        self.fired = ""  # "deadline" or "cancelled" once the watchdog cut it off
        self.done = False


def _shut(sock: socket.socket) -> None:
    """Wake whatever thread is blocked reading ``sock``: shutdown, not close (the owner closes it).

    ``socket.socket.shutdown`` on purpose, also for an SSL socket: its own ``shutdown`` drops the TLS
    state under the reading thread's feet.
    """
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except (OSError, ValueError, TypeError):
        pass  # already closed: the request ended meanwhile


class Fetcher:
    """A pooled client; ``get`` is safe to call from many threads at once."""

    def __init__(self, policy: FetchPolicy | None = None, *, cancel: threading.Event | None = None) -> None:
        self.policy = policy or FetchPolicy()
        self.cancel = cancel
        p = self.policy
        self.until = time.monotonic() + p.total  # the whole run's deadline
        self.client = httpx.Client(
            timeout=httpx.Timeout(p.timeout),
            follow_redirects=False,
            # No keep-alive: every request opens its own connection, so the watchdog always holds the
            # socket a request is blocked on (a pooled connection's socket is never shown to a trace).
            limits=httpx.Limits(max_connections=p.concurrency, max_keepalive_connections=0),
            headers={"User-Agent": p.user_agent, "Accept-Encoding": "gzip, deflate"},
            trust_env=p.trust_env,
        )
        self._slots = threading.BoundedSemaphore(p.concurrency)
        self._hosts: dict[str, threading.BoundedSemaphore] = {}
        self._hosts_lock = threading.Lock()
        self._watches: set[_Watch] = set()
        self._watch_lock = threading.Lock()
        self._closed = threading.Event()
        self._watchdog: threading.Thread | None = None

    def close(self) -> None:
        self._closed.set()
        if self._watchdog is not None:
            self._watchdog.join()
        self.client.close()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- public ------------------------------------------------------------------------------------
    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
            accept: str = "*/*") -> Response:
        """GET with retries; a 304 comes back as a Response, every other non-2xx as FetchError."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        attempt = 0
        while True:
            try:
                return self._follow(url, headers)
            except FetchError as exc:
                if not exc.transient or attempt >= self.policy.retries or self._cancelled():
                    raise
                delay = min(self.policy.max_backoff, self.policy.backoff * (2 ** attempt))
                delay = max(delay, getattr(exc, "retry_after", 0.0) or 0.0)
                delay = min(delay, self.policy.max_backoff, max(0.0, self.until - time.monotonic()))
                attempt += 1
                if self._sleep(delay):
                    raise

    # -- one request chain -------------------------------------------------------------------------
    def _follow(self, url: str, headers: dict[str, str]) -> Response:
        seen = [url]
        current = url
        for _ in range(self.policy.max_redirects + 1):
            _check_url(current)
            response = self._once(current, headers)
            if response.status not in REDIRECT_STATUSES:
                response.redirects = seen[1:]
                return response
            location = response.location
            if not location:
                raise FetchError(f"redirect (HTTP {response.status}) without a Location", status=response.status)
            try:
                target = urljoin(current, location)
                check_feed_url(target)
            except ValueError as exc:
                raise FetchError(f"redirected (HTTP {response.status}) to an unusable address: {_clip(location)} "
                                 f"({exc})", status=response.status) from None
            if target in seen:
                chain = " -> ".join(_short(u) for u in seen + [target])
                raise FetchError(f"redirect loop ({chain})", status=response.status)
            seen.append(target)
            current = target
        raise FetchError(f"too many redirects (more than {self.policy.max_redirects})")

    def _once(self, url: str, headers: dict[str, str]) -> Response:
        host = urlsplit(url).hostname or ""
        with self._host_slot(host), self._slots:  # host first: never hold a global slot while queued
            if self._cancelled():
                raise FetchError("cancelled")
            now = time.monotonic()
            if now >= self.until:
                raise FetchError(f"not fetched: the run's time limit ({self.policy.total:g} s) ran out")
            watch = self._watch(min(now + self.policy.timeout, self.until), now + self.policy.timeout > self.until)
            try:
                return self._guarded(url, headers, watch)
            except FetchError as exc:
                if watch.fired:
                    raise self._cut_off(watch) from exc
                raise
            finally:
                with self._watch_lock:
                    watch.done = True
                    self._watches.discard(watch)

    def _guarded(self, url: str, headers: dict[str, str], watch: _Watch) -> Response:
        try:
            return self._stream(url, headers, watch)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, UnicodeError, ValueError) as exc:
            if watch.fired:
                raise self._cut_off(watch) from exc
            # A host the resolver cannot encode (idna), a malformed address: retrying cannot help.
            raise FetchError(f"invalid address {_clip(url)} ({_reason(exc)})") from exc
        except httpx.TransportError as exc:
            if watch.fired:  # the watchdog shut the socket: whatever httpx saw, the reason is ours
                raise self._cut_off(watch) from exc
            if isinstance(exc, httpx.TimeoutException):
                # Not transient: a server too slow once is slow again, and retrying multiplies the wait.
                raise FetchError(f"timed out after {self.policy.timeout:g} s") from exc
            if isinstance(exc, httpx.ConnectError):
                reason, transient = _connect_reason(exc, url)
                raise FetchError(reason, transient=transient) from exc
            if isinstance(exc, httpx.RemoteProtocolError):
                if str(exc).startswith(_BAD_LOCATION):  # httpx parses a 3xx's Location even when not following
                    detail = str(exc)[len(_BAD_LOCATION):].strip(" :.")
                    raise FetchError(f"redirected to an unusable address (bad Location: {detail})") from exc
                raise FetchError("the server closed the connection or sent a broken response",
                                 transient=True) from exc
            raise FetchError(f"network error ({type(exc).__name__}: {exc})", transient=True) from exc
        except httpx.DecodingError as exc:
            raise FetchError("the response could not be decompressed") from exc

    def _cut_off(self, watch: _Watch) -> FetchError:
        if watch.fired == "cancelled":
            return FetchError("cancelled")
        if watch.by_run:
            return FetchError(f"not finished: the run's time limit ({self.policy.total:g} s) ran out")
        return FetchError(f"timed out after {self.policy.timeout:g} s (no complete answer)")

    def _stream(self, url: str, headers: dict[str, str], watch: _Watch) -> Response:
        cap = self.policy.max_bytes
        remaining = max(0.01, watch.deadline - time.monotonic())
        timeout = httpx.Timeout(min(self.policy.timeout, remaining))

        def trace(event: str, info: dict) -> None:
            if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
                stream = info.get("return_value")
                sock = stream.get_extra_info("socket") if stream is not None else None
                if sock is not None:
                    with self._watch_lock:
                        watch.sockets.append(sock)
                        fired = watch.fired
                    if fired:
                        _shut(sock)

        with self.client.stream("GET", url, headers=headers, timeout=timeout,
                                extensions={"trace": trace}) as r:
            status = r.status_code
            if status in REDIRECT_STATUSES:
                return Response(str(r.url), status, location=r.headers.get("location", ""))
            if status == 304:
                return Response(str(r.url), 304, etag=r.headers.get("etag"),
                                last_modified=r.headers.get("last-modified"))
            if status >= 400 or status < 200:
                error = FetchError(_status_reason(status, r.reason_phrase), status=status,
                                   transient=status in RETRY_STATUSES)
                error.retry_after = _retry_after(r.headers.get("retry-after"))  # type: ignore[attr-defined]
                raise error
            declared = r.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > cap:
                raise FetchError(f"response too large ({_size(int(declared))}; the limit is {_size(cap)})")
            layers = _decoders(r.headers.get_list("content-encoding", split_commas=True))
            chunks: list[bytes] = []
            total = 0
            for chunk in _decoded(r.iter_raw(), layers, cap):
                total += len(chunk)
                if total > cap:
                    raise FetchError(f"response too large (over {_size(cap)}; the limit is {_size(cap)})")
                if watch.fired or time.monotonic() > watch.deadline:
                    watch.fired = watch.fired or "deadline"
                    raise self._cut_off(watch)
                chunks.append(chunk)
            return Response(str(r.url), status, b"".join(chunks), r.headers.get("content-type", ""),
                            r.headers.get("etag"), r.headers.get("last-modified"))

    # -- the watchdog ------------------------------------------------------------------------------
    def _watch(self, deadline: float, by_run: bool) -> _Watch:
        watch = _Watch(deadline, by_run)
        with self._watch_lock:
            self._watches.add(watch)
            if self._watchdog is None:
                self._watchdog = threading.Thread(target=self._guard, name="fetch-watchdog", daemon=True)
                self._watchdog.start()
        return watch

    def _guard(self) -> None:
        """Every tick, cut off requests past their deadline, or all of them once the run is cancelled."""
        while not self._closed.wait(_TICK):
            cancelled = self._cancelled()
            now = time.monotonic()
            with self._watch_lock:
                due = [w for w in self._watches if not w.done and not w.fired and (cancelled or now >= w.deadline)]
                for w in due:
                    w.fired = "cancelled" if cancelled else "deadline"
                sockets = [s for w in due for s in w.sockets]
            for sock in sockets:
                _shut(sock)

    # -- helpers -----------------------------------------------------------------------------------
    def _host_slot(self, host: str) -> threading.BoundedSemaphore:
        with self._hosts_lock:
            slot = self._hosts.get(host)
            if slot is None:
                slot = self._hosts[host] = threading.BoundedSemaphore(self.policy.per_host)
            return slot

    def _cancelled(self) -> bool:
        return self.cancel is not None and self.cancel.is_set()

    def _sleep(self, seconds: float) -> bool:
        """Wait before a retry; True when cancelled meanwhile."""
        if self.cancel is not None:
            return self.cancel.wait(seconds)
        time.sleep(seconds)
        return False


_TICK = 0.05  # how often the watchdog looks: the slack on every deadline and on Ctrl+C
_STEP = 64 * 1024  # the most one decompression step may produce
_MAX_LAYERS = 3


class _Inflate:
    """One layer of Content-Encoding, undone in steps of at most ``_STEP`` bytes of output."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.started = False
        self.d = zlib.decompressobj(zlib.MAX_WBITS | 16 if name in ("gzip", "x-gzip") else zlib.MAX_WBITS)

    def pipe(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        for data in chunks:
            yield from self._feed(data)
        if not self.d.eof:
            tail = self.d.flush(_STEP)
            if tail:
                yield tail

    def _feed(self, data: bytes) -> Iterator[bytes]:
        while not self.d.eof:  # bytes after the end of the compressed stream are ignored, as httpx does
            try:
                out = self.d.decompress(data, _STEP)
            except zlib.error:
                if self.name == "deflate" and not self.started:
                    # "deflate" is sent both zlib-wrapped (as the RFC says) and raw (as servers do)
                    self.started = True
                    self.d = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise FetchError("the response could not be decompressed") from None
            self.started = True
            data = self.d.unconsumed_tail
            if out:
                yield out
            if not data and len(out) < _STEP:  # input used up, and zlib holds no more output
                return


def _decoders(encodings: list[str]) -> list[_Inflate]:
    """The layers to undo, in the order to undo them (the header lists them in the order applied)."""
    names = [e.strip().lower() for e in encodings if e.strip() and e.strip().lower() != "identity"]
    if len(names) > _MAX_LAYERS:
        raise FetchError(f"refused: the response is compressed {len(names)} times over "
                         f"(Content-Encoding: {_clip(', '.join(names), 80)})")
    unknown = [n for n in names if n not in ("gzip", "x-gzip", "deflate")]
    if unknown:
        raise FetchError(f"unsupported Content-Encoding ({_clip(', '.join(unknown), 80)})")
    return [_Inflate(n) for n in reversed(names)]


def _decoded(raw: Iterator[bytes], layers: list[_Inflate], cap: int) -> Iterator[bytes]:
    """The body with every layer undone; each layer's output is capped too, so an inner bomb is stopped
    before the outer layers ever see it."""
    stream: Iterator[bytes] = _capped(raw, cap, "as sent")
    for layer in layers:
        stream = _capped(layer.pipe(stream), cap, "decompressed")
    return stream


def _capped(chunks: Iterator[bytes], cap: int, how: str) -> Iterator[bytes]:
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > cap:
            raise FetchError(f"response too large (over {_size(cap)} {how}; the limit is {_size(cap)})")
        yield chunk


def check_feed_url(url: str) -> str:
    """The url, stripped, if it can be fetched at all; raises ValueError with a reason otherwise.

    Checked the way the fetch will use it (urllib, httpx's parser, then IDNA for the resolver), so an
    address refused here is refused at ``feed add``, not discovered as a crash in the middle of a refresh.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        _ = parts.port  # parsed lazily: "http://h:99999/" fails only here
    except ValueError as exc:
        raise ValueError(f"{url!r} is not a valid address ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"{url!r} is not an http(s) address")
    if not parts.hostname:
        raise ValueError(f"{url!r} has no host name")
    try:
        httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ValueError(f"{url!r} is not a valid address ({exc})") from None
    problem = _host_problem(parts.hostname)
    if problem:
        raise ValueError(f"{url!r} has an invalid host name ({problem})")
    return url


def _host_problem(host: str) -> str | None:
    """Why the resolver could not look ``host`` up, or None: an empty or over-long label, bad IDNA."""
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    import idna  # httpx's own dependency; it encodes non-ASCII hosts with it

    try:
        host.encode("idna")  # what socket.getaddrinfo does: "a..b" and 64-character labels fail
        if not host.isascii():
            idna.encode(host, uts46=True)
        elif "xn--" in host.lower():
            idna.decode(host)  # a punycode label must decode to a valid name
    except (UnicodeError, idna.IDNAError) as exc:
        return _reason(exc)
    return None


def _reason(exc: BaseException) -> str:
    """The innermost message of an exception, for a one-line reason."""
    text = str(exc)
    if "(UnicodeError: " in text:  # "encoding with 'idna' codec failed (UnicodeError: label empty or too long)"
        text = text.rsplit("(UnicodeError: ", 1)[1].rstrip(")")
    return text or type(exc).__name__


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _check_url(url: str) -> None:
    try:
        check_feed_url(url)
    except ValueError as exc:
        raise FetchError(str(exc)) from None


def _connect_reason(exc: BaseException, url: str) -> tuple[str, bool]:
    """A user-facing reason for a connect error and whether trying again could help."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, socket.gaierror):
            temporary = cause.errno == socket.EAI_AGAIN
            return (f"DNS lookup failed for {host}" + (" (temporary)" if temporary else ""), temporary)
        if isinstance(cause, ConnectionRefusedError) or getattr(cause, "errno", None) == errno.ECONNREFUSED:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            return f"connection refused by {host}:{port}", True
        cause = cause.__cause__ or cause.__context__
    text = str(exc)
    if "Name or service not known" in text or "nodename nor servname" in text:
        return f"DNS lookup failed for {host}", False
    if "Connection refused" in text:
        return f"connection refused by {host}", True
    return f"could not connect to {host} ({text or type(exc).__name__})", True


def _status_reason(status: int, phrase: str) -> str:
    if status == 404:
        return "not found (HTTP 404)"
    if status == 410:
        return "gone (HTTP 410): the feed was removed"
    if status == 429:
        return "rate limited by the server (HTTP 429)"
    if status >= 500:
        return f"server error (HTTP {status}{' ' + phrase if phrase else ''})"
    return f"HTTP {status}{' ' + phrase if phrase else ''}"


def _retry_after(value: str | None) -> float:
    if not value:
        return 0.0
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return 0.0
    return max(0.0, when.timestamp() - time.time())


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB"
    if n >= 1_000:
        return f"{n / 1_000:.0f} kB"
    return f"{n} bytes"


def _short(url: str) -> str:
    parts = urlsplit(url)
    return (parts.netloc + parts.path) if parts.netloc else url
