"""OPML in and out: how feed readers hand subscriptions to each other.

Import reads every ``outline`` with an ``xmlUrl`` at any depth (readers nest feeds in folders) and
parses with defusedxml, because an OPML file comes from elsewhere and XML entity tricks must not work.
Export writes OPML 2.0 that other readers import.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from email.utils import format_datetime
from datetime import datetime, timezone

from ..errors import NewsreaderError

# XML 1.0 cannot carry most control characters, even escaped; a feed title may contain them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class OpmlError(NewsreaderError):
    """The file is not OPML we can read; the message says why."""


@dataclass(frozen=True)
class Outline:
    url: str
    name: str = ""
    site_url: str = ""


def parse(data: bytes) -> list[Outline]:
    import defusedxml.ElementTree as SafeET
    from defusedxml import DefusedXmlException

    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise OpmlError(f"refused: the file uses XML features OPML never needs ({type(exc).__name__})") from exc
    except ET.ParseError as exc:
        raise OpmlError(f"not valid XML ({exc})") from exc
    if _local(root.tag).lower() != "opml":
        raise OpmlError(f"not an OPML file (the root element is <{_local(root.tag)}>)")
    out: list[Outline] = []
    seen: set[str] = set()
    for node in root.iter():
        if _local(node.tag) != "outline":
            continue
        attrs = {_local(k).lower(): v for k, v in node.attrib.items()}
        url = (attrs.get("xmlurl") or "").strip()
        if not url or url in seen:
            continue
        seen.add(url)
        name = " ".join((attrs.get("title") or attrs.get("text") or "").split())
        out.append(Outline(url, name, (attrs.get("htmlurl") or "").strip()))
    return out


def dump(feeds, *, title: str = "newsreader subscriptions") -> str:
    """OPML 2.0 for ``feeds`` (anything with ``url``, ``name``, ``title`` and ``site_url``)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(datetime.now(timezone.utc))
    body = ET.SubElement(root, "body")
    for feed in feeds:
        attrs = {"type": "rss", "text": _clean(feed.name), "title": _clean(feed.title or feed.name),
                 "xmlUrl": _clean(feed.url)}
        if feed.site_url:
            attrs["htmlUrl"] = _clean(feed.site_url)
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
