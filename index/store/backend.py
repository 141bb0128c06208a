"""What the facade needs of a full-text store: the boundary another backend would be written against.

``library.py`` and ``ingest/sync.py`` call only these methods and get only records (``models.py``) back;
the Whoosh backend (``whoosh/``) is the one implementation, and every Whoosh import lives there.
A store is derived data: the catalog (SQLite) keeps the files, entity totals and list rows next to it,
and ``index --rebuild`` rebuilds both from the sources.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping, Protocol

if TYPE_CHECKING:
    from ..article import Article
    from ..entities.canonical import AliasTable
    from ..models import ArticleView, Hit, ListingRow, SearchResult


class BatchWriter(Protocol):
    """A batch of writes that becomes visible at ``commit`` and is thrown away by ``cancel``.

    One writer at a time per library (the store's own lock backs up the library's write lock)."""

    def put(self, article: Article, aliases: AliasTable | None = None,
            hints: Mapping[str, str] | None = None) -> None:
        """Add the article, replacing any article with its id; ``aliases`` adds the spellings the
        alias table knows to its entity fields, so ``place:USA`` finds "the U.S.", and ``hints`` the
        full name a bare surname stands for (``canonical.search_hints``)."""

    def delete(self, article_id: str) -> None: ...

    def commit(self) -> None: ...

    def cancel(self) -> None:
        """Throw away what was not committed; safe after a commit or a failed commit."""


class Backend(Protocol):
    """A full-text index of articles, read by many threads, written by one batch at a time."""

    directory: Path  # where its files are (a full disk is reported as this folder's)

    @property
    def exists(self) -> bool:
        """False for a read-only library whose index was never made (every read then finds nothing)."""

    def count(self) -> int: ...

    def get(self, article_id: str) -> ArticleView | None: ...

    def listing(self, ids: Iterable[str] | None = None) -> list[ListingRow]:
        """The list rows of ``ids`` that are in the index, in their order (of every article when None)."""

    def search(self, text: str, *, limit: int = 20, offset: int = 0, sort: str = "relevance") -> SearchResult:
        """A page of results for a query in the query language (README); never raises for a bad query."""

    def ids(self, text: str, *, sort: str = "relevance") -> list[str] | None:
        """Every article ``text`` finds, in ``search``'s order; None for a query that does not parse."""

    def match_spans(self, text: str, body: str) -> list[tuple[int, int]]:
        """Where the query ``text`` matches inside ``body``, as the index cut its words."""

    def related(self, article_id: str, entity_scores: Mapping[str, float], limit: int) -> list[Hit] | None:
        """Articles like ``article_id`` by text, blended with ``entity_scores`` (``search/related.py``);
        None when the article is not in the index."""

    def warm(self) -> None:
        """Open what the first search needs, from a worker, so the first search does not pay for it."""

    def open_writer(self, timeout: float = 0.0) -> BatchWriter:
        """Raises LibraryBusy when another process holds the index's write lock past ``timeout``."""

    def close(self) -> None: ...


def open_backend(directory: Path, *, readonly: bool = False) -> Backend:
    """The one place that picks the backend: the Whoosh index in ``directory`` (created unless
    ``readonly``). Imported on first use, so a reader that lists from the catalog never loads Whoosh."""
    from .whoosh.store import Store

    return Store(directory, readonly=readonly)
