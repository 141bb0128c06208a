"""Plain results the engine hands to its callers; no Whoosh or SQLite object ever leaves the engine."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from .article import EntitySpan


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


class Progress(NamedTuple):
    """Where a long run is, for its progress callback (indexing, refreshing feeds).

    ``phase``: indexing goes ``scan``, ``index``, ``done``; a refresh ``feeds``, ``pages``, ``index``,
    ``done``. ``done`` of ``total`` steps (files, feeds or pages), ``articles`` analysed and ``read``
    files read so far (indexing); ``path`` is the file or the feed's name at hand. Counts only grow."""

    phase: str
    done: int
    total: int
    articles: int = 0
    path: str = ""
    read: int = 0
    cluster: str = ""  # the Dask cluster's side of an indexing run, when NER runs there (ingest/cluster.py)


# Formats that carry no date of their own: a date on one of their articles was read from its text.
_NO_METADATA = (".txt", ".md", ".markdown")


def date_source(published: datetime | None, date: datetime | None, path: str) -> str | None:
    """Where an article's date comes from: ``metadata`` (the feed, page or record said so), ``text`` (read
    from the article's words: a plain-text file has no other place for one), ``file`` (no date anywhere:
    the file's time, or when the entry was fetched), or None when there is none at all."""
    if published is not None:
        return "text" if path.lower().endswith(_NO_METADATA) else "metadata"
    return "file" if date is not None else None


class ListingRow(NamedTuple):
    """An article as the list shows it; ``lead`` is its opening lines (the snippet with nothing searched)."""

    id: str
    title: str
    source: str
    path: str
    url: str
    words: int
    published: datetime | None
    sortdate: datetime | None
    lead: str

    def hit(self, score: float = 0.0) -> "Hit":
        """The list entry for this row: the one way a Hit is made from an article's listed fields
        (searching adds its highlights to it with ``_replace``)."""
        return Hit(self.id, self.title, self.source, self.published, self.path, self.url, score, self.lead, (), (),
                   self.words, self.sortdate)


class Hit(NamedTuple):
    id: str
    title: str
    source: str
    published: datetime | None
    path: str
    url: str
    score: float
    snippet: str
    highlights: tuple[tuple[int, int], ...] = ()  # offsets into ``snippet``
    title_highlights: tuple[tuple[int, int], ...] = ()  # offsets into ``title``
    words: int = 0
    date: datetime | None = None  # published, else when the file was seen: what "newest first" sorts by

    @property
    def date_source(self) -> str | None:
        return date_source(self.published, self.date, self.path)

    def to_json(self) -> dict:
        return {
            "id": self.id, "title": self.title, "source": self.source, "published": _iso(self.published),
            "date": _iso(self.published or self.date), "date_source": self.date_source,
            "path": self.path or self.url, "url": self.url, "score": round(self.score, 4),
            "snippet": self.snippet, "highlights": [list(h) for h in self.highlights],
        }


class SearchResult(NamedTuple):
    query: str
    total: int
    hits: tuple[Hit, ...]
    corrected: str | None = None
    error: str | None = None
    sort: str = "relevance"
    offset: int = 0
    relaxed: bool = False  # no article had every word: these have most of them
    notes: tuple[str, ...] = ()  # parts of the query that were ignored ("ignored an unpaired \"")

    RELAXED_LINE = "no article has all words; showing articles with most of them"

    def to_json(self) -> dict:
        out = {"query": self.query, "total": self.total, "corrected": self.corrected, "relaxed": self.relaxed,
               "notes": list(self.notes), "results": [h.to_json() for h in self.hits]}
        if self.error:
            out["error"] = self.error
        return out


class ArticleView(NamedTuple):
    id: str
    title: str
    body: str
    source: str
    url: str
    published: datetime | None
    path: str
    words: int
    partial: bool
    entities: tuple[EntitySpan, ...]
    title_entities: tuple[EntitySpan, ...]
    date: datetime | None = None

    @property
    def date_source(self) -> str | None:
        return date_source(self.published, self.date, self.path)

    def to_json(self) -> dict:
        return {
            "id": self.id, "title": self.title, "body": self.body, "source": self.source, "url": self.url,
            "published": _iso(self.published), "date": _iso(self.published or self.date),
            "date_source": self.date_source, "path": self.path, "words": self.words, "partial": self.partial,
            "entities": [
                {"start": s.start, "end": s.end, "label": s.label, "text": s.text, "key": s.key} for s in self.entities
            ],
        }


class EntitySummary(NamedTuple):
    key: str
    name: str
    label: str
    aliases: tuple[str, ...]
    articles: int
    mentions: int

    def to_json(self) -> dict:
        return {"name": self.name, "label": self.label, "aliases": list(self.aliases),
                "articles": self.articles, "mentions": self.mentions, "key": self.key}


class ArticleEntity(NamedTuple):
    """One entity as it appears in one article: for the entity pane's article mode."""

    key: str
    name: str
    label: str
    count: int


class EntityDetail(NamedTuple):
    entity: EntitySummary
    articles: tuple[Hit, ...]
    cooccurring: tuple[tuple[EntitySummary, int], ...]
    timeline: tuple[tuple[str, int], ...] = ()  # (YYYY-MM-DD, articles that day)

    def to_json(self) -> dict:
        out = self.entity.to_json()
        out["articles_list"] = [h.to_json() for h in self.articles]
        out["cooccurring"] = [dict(e.to_json(), shared=n) for e, n in self.cooccurring]
        out["timeline"] = [{"date": d, "articles": n} for d, n in self.timeline]
        return out


class WorkerEvent(NamedTuple):
    """One event of the indexing child process (``ingest/worker.py``), sent as a JSON line.

    ``event``: ``start``, ``rebuilding``, ``progress`` (``phase``, ``done`` of ``total``, ``articles``,
    files ``read``, the ``path`` or feed at hand), ``waiting`` (for another process's write lock), ``done`` (``report``: the run's
    report as its ``to_dict()``), ``error`` (``message``); ``kind`` says whether it indexes files or
    refreshes feeds, ``final`` marks the one the job ended with.
    """

    event: str
    kind: str = "index"  # or "refresh"
    phase: str = ""
    done: int = 0
    total: int = 0
    articles: int = 0
    read: int = 0  # files read so far (indexing): reading runs ahead of the articles analysed
    path: str = ""
    report: dict | None = None
    message: str = ""
    rebuild: bool = False  # a ``start`` of ``index --rebuild``
    final: bool = False

    def to_json(self) -> str:
        """One line with every field, so a reader of the raw line finds each key."""
        import json

        return json.dumps(self._asdict())

    @classmethod
    def from_json(cls, line: str) -> "WorkerEvent":
        """Raises ValueError for a line that is not an event (a stray print in the child)."""
        import json

        obj = json.loads(line)
        if not isinstance(obj, dict) or not isinstance(obj.get("event"), str):
            raise ValueError("not a worker event")
        known = {k: v for k, v in obj.items() if k in cls._fields}
        try:
            for name in ("done", "total", "articles", "read"):
                known[name] = int(known.get(name) or 0)
        except TypeError:
            raise ValueError("a count that is not a number") from None
        for name in ("kind", "phase", "path", "message"):
            if name in known:
                known[name] = str(known[name] or "")
        if not isinstance(known.get("report"), dict):
            known.pop("report", None)
        known["final"] = bool(known.get("final"))
        known["rebuild"] = bool(known.get("rebuild"))
        return cls(**known)

