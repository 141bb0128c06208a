"""Running queries against the store and turning Whoosh hits into plain ``Hit`` records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from whoosh import query as wq

from ...models import Hit, SearchResult
from ...search.highlight import snippet
from . import collect, correct
from .analysis import match_spans
from .query import ERROR_WIDTH, build_parser, parse
from .store import listing_row

if TYPE_CHECKING:
    from .store import Store

SORTS = ("relevance", "date")
FEW_RESULTS = 3  # below this many hits, offer a spelling correction


class Searcher:
    """Runs queries with one shared query parser; thread-safe because every use of the parser and of
    Whoosh happens inside ``Store.searcher()`` (one lock per store)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._parser = None

    def parser(self, schema):
        if self._parser is None:
            self._parser = build_parser(schema)
        return self._parser

    def search(self, text: str, *, limit: int = 20, offset: int = 0, sort: str = "relevance") -> SearchResult:
        if sort not in SORTS:
            return SearchResult(text, 0, (), error=f"Unknown sort {sort!r}; use relevance or date.", sort=sort)
        limit = max(0, int(limit))
        offset = max(0, int(offset))
        with self.store.searcher() as s:
            parsed = parse(self.parser(s.schema), text)
            if parsed.error:
                return SearchResult(text, 0, (), error=parsed.error, sort=sort, offset=offset, notes=parsed.notes)
            q = parsed.query
            by_date = sort == "date" or isinstance(q, wq.Every)
            try:
                # Whoosh's own collectors prune as the page fills and then miscount; collect.top scores
                # every match over whole posting lists, so the count is exact (see collect.py).
                found = collect.top(s, q, offset + limit if limit else 1, sortedby="sortdate" if by_date else None)
            except Exception as exc:  # Whoosh's own matchers, for the parts collect.py leaves to them
                error = f"The search failed: {exc}"
                error = error if len(error) <= ERROR_WIDTH else error[:ERROR_WIDTH - 1] + "…"
                return SearchResult(text, 0, (), error=error, sort=sort, offset=offset)
            total = found.total
            relaxed = False
            if not total and offset + limit:
                # Nothing has every word: the articles with most of them (an And only; see collect.py).
                loose = collect.top_relaxed(s, q, offset + limit, sortedby="sortdate" if by_date else None)
                if loose is not None and loose.total:
                    found, total, relaxed = loose, loose.total, True
            terms = _terms(q, s.reader(), found.expansions)
            page = [(s.stored_fields(doc), score) for doc, score in found.items[offset:offset + limit]] if limit else []
            corrected = None
            if (relaxed or total < FEW_RESULTS) and not isinstance(q, wq.Every):
                corrected = correct.suggest(s.reader(), text)
                if corrected and corrected.strip() == text.strip():
                    corrected = None
        # Highlights and snippets need only the stored fields: built after the store's lock is let go,
        # so opening an article or its entities does not wait for 50 snippets.
        hits = tuple(_hit(fields, score, terms) for fields, score in page)
        return SearchResult(text, total, hits, corrected=corrected, sort=sort, offset=offset, relaxed=relaxed,
                            notes=parsed.notes)

    def ids(self, text: str, *, sort: str = "relevance") -> list[str] | None:
        """Every matching article's id in the list's order (what "mark all read" and the unread count
        need): no snippets, no highlights. None for a query that does not parse."""
        with self.store.searcher() as s:
            parsed = parse(self.parser(s.schema), text)
            if parsed.error:
                return None
            q = parsed.query
            by_date = sort == "date" or isinstance(q, wq.Every)
            count = collect.top(s, q, 1, sortedby="sortdate" if by_date else None).total
            found = collect.top(s, q, max(1, count), sortedby="sortdate" if by_date else None)
            return [s.stored_fields(doc)["id"] for doc, _ in found.items]

    def match_spans(self, text: str, body: str) -> list[tuple[int, int]]:
        """Where ``text`` (a query) matches inside ``body``: for next/previous hit in the reader."""
        with self.store.searcher() as s:
            parsed = parse(self.parser(s.schema), text)
            if parsed.error or isinstance(parsed.query, wq.Every):
                return []
            stemmed, plain = _terms(parsed.query, s.reader())
        return match_spans(body, stemmed, plain)


def _terms(q, reader, expansions: dict | None = None) -> tuple[set[str], set[str]]:
    """The words to mark: stems from title/body terms, plain words from exact (expanded fuzzy/prefix)."""
    stemmed: set[str] = set()
    plain: set[str] = set()
    for field, value in _existing_terms(q, reader, expansions or {}):
        word = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        if field in ("title", "body"):
            stemmed.add(word)
        elif field in ("exact", "person", "org", "place", "entity"):
            plain.add(word)
    return stemmed, plain


def _existing_terms(q, reader, expansions: dict) -> set[tuple[str, object]]:
    """Query terms present in the index, fuzzy/prefix terms expanded (taken from ``expansions``,
    the search's own, where it expanded that leaf in that segment).

    Whoosh's own ``Query.existing_terms`` reuses its ``fieldname`` argument as a loop variable, so
    after the first leaf it skips every leaf of another field; this is the same walk without that bug.
    """
    schema = reader.schema
    # Expanded per segment: Whoosh's reader over several segments expands a fuzzy term by measuring
    # the distance to every word of the field (hundreds of ms on a big library); a segment's own
    # reader uses an automaton, as searching does.
    segments = [leaf for leaf, _ in reader.leaf_readers()] or [reader]
    found: set[tuple[str, object]] = set()
    for leaf in q.leaves():
        try:
            terms = set()
            for number, segment in enumerate(segments):
                words = expansions.get((id(leaf), number))
                if words is None:
                    terms.update(leaf.expanded_terms(segment, phrases=True))
                else:
                    terms.update((leaf.field(), w) for w in words)
        except Exception:
            continue
        for field, text in terms:
            if field not in schema:
                continue
            try:
                btext = schema[field].to_bytes(text)
            except ValueError:
                continue
            if (field, btext) in reader:
                found.add((field, btext))
    return found


def _hit(fields: dict, score: float | None, terms: tuple[set[str], set[str]]) -> Hit:
    body, title = fields.get("body", ""), fields.get("title", "")
    stemmed, plain = terms
    spans = match_spans(body, stemmed, plain) if (stemmed or plain) else []
    text, marks = snippet(body, spans)
    title_marks = tuple(match_spans(title, stemmed, plain)) if (stemmed or plain) else ()
    return listing_row(fields, lead=text).hit(float(score or 0.0))._replace(highlights=marks,
                                                                           title_highlights=title_marks)
