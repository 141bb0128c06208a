"""HTML fragments (feed entry content) to paragraphs of plain text, using lxml."""

from __future__ import annotations

import lxml.etree
import lxml.html

from ...textclean import clean_body

_BLOCKS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
    "table", "tr", "section", "article", "header", "footer", "figure", "figcaption", "hr", "dd", "dt",
}
_DROP = {"script", "style", "noscript", "template", "iframe", "object", "svg", "head"}


def html_to_text(fragment: str) -> str:
    """Text of an HTML fragment with block elements as paragraph breaks; never raises on bad HTML."""
    if "<" not in fragment:
        return clean_body(lxml.html.fromstring(f"<p>{fragment}</p>").text_content() if "&" in fragment else fragment)
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return clean_body(fragment)
    parts: list[str] = []

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _DROP:
            if el.tail:
                parts.append(el.tail)
            return
        block = tag in _BLOCKS
        if block:
            parts.append("\n\n")
        if el.text and tag:
            parts.append(el.text)
        for child in el:
            walk(child)
        if block:
            parts.append("\n\n")
        if el.tail:
            parts.append(el.tail)

    walk(root)
    return clean_body("".join(parts))
