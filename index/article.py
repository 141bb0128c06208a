"""The records that flow from readers through entity extraction into the store."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import NamedTuple


class EntitySpan(NamedTuple):
    """One mention, located by character offsets so the reader can highlight it without spaCy.

    ``key`` is the canonical entity this mention belongs to (see ``entities/canonical.py``); it is what
    ties "Esper", "Mark T. Esper" and "Mark Esper" together.
    """

    start: int
    end: int
    label: str
    text: str
    key: str = ""


@dataclass(frozen=True, slots=True)
class Article:
    """One readable article, whatever it came from.

    ``source_key`` names what produced it (a file path or a feed url); incremental sync removes an
    article when its source no longer yields it.
    """

    id: str
    title: str
    body: str
    source: str = ""
    url: str = ""
    published: datetime | None = None
    path: str = ""
    source_key: str = ""
    fetched: datetime | None = None
    partial: bool = False
    entities: tuple[EntitySpan, ...] = ()
    title_entities: tuple[EntitySpan, ...] = ()

    @property
    def word_count(self) -> int:
        return len(self.body.split())

    @property
    def content_hash(self) -> str:
        """What decides 'changed': the text and metadata a reader would see, not the file's bytes."""
        import hashlib

        h = hashlib.sha256()
        for part in (self.title, self.body, self.source, self.url,
                     self.published.isoformat() if self.published else ""):
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\x00")
        return h.hexdigest()[:32]

    def with_entities(self, body: tuple[EntitySpan, ...], title: tuple[EntitySpan, ...] = ()) -> "Article":
        return replace(self, entities=tuple(body), title_entities=tuple(title))


def stable_id(*parts: str) -> str:
    """An id that stays the same for the same source across runs and machines."""
    import hashlib

    h = hashlib.sha1()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()[:16]
