"""The whole article for a feed entry that only carried a summary: fetch its page, extract the main text.

Many feeds publish a teaser and a link; readers want the article. trafilatura finds the main text
in the page. When the page cannot be had or holds no article (a paywall, a video, an error page),
the summary is kept and the article stays marked ``partial`` so the reader can say so.
"""

from __future__ import annotations

from dataclasses import replace

from ..article import Article
from .fetch import FetchError, Fetcher
from ..ingest.readers.base import ReadError
from ..ingest.readers.decoding import decode
from ..ingest.readers.html import extract
from ..textclean import clean_body, clean_line

HTML_TYPES = ("text/html", "application/xhtml+xml")


def full_text(fetcher: Fetcher, article: Article) -> tuple[Article, str | None]:
    """The article with the page's text, or unchanged (partial) with the reason it was not possible."""
    try:
        page = fetcher.get(article.url, accept="text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
    except FetchError as exc:
        return _partial(article), f"article page {article.url}: {exc}"
    kind = page.content_type.split(";")[0].strip().lower()
    if kind and kind not in HTML_TYPES:
        return _partial(article), f"article page {article.url}: not HTML ({kind})"
    text = _decode(page.body, page.charset)
    if text is None:
        return _partial(article), f"article page {article.url}: empty or binary"
    doc = extract(text, page.url)
    body = _body(doc, article.title) if doc else ""
    if len(body) < len(article.body):
        # Shorter than the summary means trafilatura found navigation or an error page, not the article.
        return _partial(article), f"article page {article.url}: no article text found"
    return replace(article, body=body, partial=False), None


def _partial(article: Article) -> Article:
    return article if article.partial else replace(article, partial=True)


def _decode(data: bytes, charset: str | None) -> str | None:
    if charset:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return decode(data)[0]
    except ReadError:
        return None


def _body(doc: dict, title: str) -> str:
    lines = (doc.get("text") or "").split("\n")
    if lines and title and clean_line(lines[0]) == clean_line(title):
        lines = lines[1:]
    return clean_body("\n\n".join(lines))
