"""Which addresses the reader will hand to a browser: only http(s) urls, never file:, javascript: or data:."""

from __future__ import annotations

from urllib.parse import urlsplit


def web_url(url: str | None) -> str | None:
    """The url if it is a plain web address a browser may open, else None."""
    if not url:
        return None
    url = url.strip()
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url
