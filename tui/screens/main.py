"""The reader's main screen: search bar, article list, article view and entity pane, and the flows between them.

Every engine call that touches the index runs in a thread worker which posts a message back; handlers
on the UI thread are the only code that changes widgets. Reading state (read/star) is a one-row SQLite
write, done inline so the list updates at once.

A thread cannot be interrupted, so a cancelled worker may still post its result. Each request therefore
takes a ticket from its group and its message carries it; a handler drops any message whose ticket is
no longer the group's latest. A worker that raises is reported through ``Worker.StateChanged``.
"""

from __future__ import annotations

import re
import sqlite3
from typing import TYPE_CHECKING

from textual import on, work
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from ...index.errors import NewsreaderError
from ...index.models import (ArticleEntity, ArticleView as Article, EntityDetail, EntitySummary, Hit, SearchResult,
                             WorkerEvent)
from ..keys import bindings, key_map
from ..urls import web_url
from ..widgets.article_list import ArticleList
from ..widgets.article_view import ArticleView
from ..widgets.empty import EmptyLibrary
from ..widgets.entity_pane import EntityPane
from ..widgets.footer import KeyFooter
from ..widgets.index_status import IndexStatus
from ..widgets.search_bar import SearchBar

if TYPE_CHECKING:
    from ...index.library import Library

# Entries per page: about three screens. Every entry of a page is rendered once to measure it before the
# list is drawn, so a bigger first page is a slower first screen and a slower result while typing.
PAGE = 25
# A query that only picks one feed (as the feed picker writes it) has nothing to rank by: newest first.
FEED_ONLY = re.compile(r'^\s*source:"[^"]*"\s*$')
# What a failure in each worker group stopped, as the user would say it.
FAILED_TO = {"search": "Search", "page": "Loading more results", "article": "Opening the article",
             "entities": "Loading entities", "related": "Finding related articles"}
# What ``t`` steps through: all types, then one kind at a time, then highlighting off.
TYPE_CYCLE: tuple[tuple[str, frozenset[str] | None], ...] = (
    ("all entity types", None),
    ("people", frozenset({"PERSON"})),
    ("organisations", frozenset({"ORG"})),
    ("places", frozenset({"GPE", "LOC", "FAC"})),
    ("groups", frozenset({"NORP"})),
    ("dates", frozenset({"DATE", "TIME"})),
    ("no entity highlighting", frozenset()),
)


class MainScreen(Screen):
    BINDINGS = bindings("main")
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]

    # -- messages from workers ---------------------------------------------------------------------
    # Messages with a plain __init__, as Textual's own are written: a dataclass costs ~0.5 ms each to
    # create at import, on the way to the first screen.
    class SearchDone(Message):
        def __init__(self, result: SearchResult, flags: dict, offset: int, spans: list | None,
                     open_id: str | None, ticket: int, jump: str = "", before: bool = False) -> None:
            super().__init__()
            self.result, self.flags, self.offset, self.ticket = result, flags, offset, ticket
            self.spans = spans  # hits in the article that was open when the search started
            self.open_id = open_id
            self.jump = jump  # "last"/"first": the list's end or start, loaded on its own (G, g)
            self.before = before  # the page before the loaded ones

    class UnreadCounted(Message):
        def __init__(self, ids: list[str], unread: set[str], ticket: int) -> None:
            super().__init__()
            self.ids, self.unread, self.ticket = ids, unread, ticket

    class ArticleLoaded(Message):
        def __init__(self, view: Article, hits: list, entities: list[ArticleEntity], flags: tuple[bool, bool],
                     ticket: int) -> None:
            super().__init__()
            self.view, self.hits, self.entities, self.flags, self.ticket = view, hits, entities, flags, ticket

    class LibraryEntities(Message):
        def __init__(self, entities: list[EntitySummary], ticket: int) -> None:
            super().__init__()
            self.entities, self.ticket = entities, ticket

    class DetailLoaded(Message):
        def __init__(self, detail: EntityDetail | None, name: str, ticket: int) -> None:
            super().__init__()
            self.detail, self.name, self.ticket = detail, name, ticket

    class RelatedLoaded(Message):
        def __init__(self, title: str, hits: list[Hit], ticket: int) -> None:
            super().__init__()
            self.title, self.hits, self.ticket = title, hits, ticket

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, library: Library) -> None:
        super().__init__()
        self.library = library
        self.query_text = ""
        self.article: Article | None = None
        self.entity_filter: tuple[str, str] | None = None  # (entity key, the query that filters to it)
        self.type_index = 0
        self.empty = False
        self.indexing = False
        self.page_size = PAGE
        self._tickets: dict[str, int] = {}
        self._shown = 0  # the search ticket whose first page the list shows
        self._search_worker: Worker | None = None
        self._warmed = False
        self.sort = ""  # "" sorts as the list suits: newest first, by relevance while searching
        self.unread_only = False
        self.list_ids: list[str] | None = None  # the whole list, in order, once counted
        self.unread: set[str] = set()
        # Where escape goes back to: (query, highlighted article, entity filter, entity pane mode), newest last
        self.history: list[tuple[str, str | None, tuple[str, str] | None, str]] = []
        self._restore: str | None = None  # the article to highlight when the list comes back
        self._focus_on_open: str | None = None  # the article enter opened: it takes the focus when shown

    def compose(self):
        yield SearchBar(id="search")
        with Horizontal(id="panes"):
            yield ArticleList(id="articles")
            yield ArticleView(id="article")
            yield EntityPane(id="entities")
        yield EmptyLibrary(id="empty", markup=False)
        yield IndexStatus(id="index-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#articles").border_title = "Articles"
        self.query_one("#article").border_title = "Article"
        self.query_one("#entities").border_title = "Entities"
        self.query_one("#empty").display = False
        self.query_one("#index-status").display = False
        self.query_one(ArticleList).focus()
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.library.lists_at_once():
            self._first_page()
        else:
            self.run_search("")

    def _first_page(self) -> None:
        """The newest articles, read before the first frame rather than in a worker.

        The one exception to "the index is read in workers": this is an indexed query on the catalog
        for one page (~2 ms at 50,000 articles), and doing it here means the first frame already shows
        the list instead of an empty one followed by a second full frame (~0.1 s sooner on screen).
        """
        self._search_done(self._results("", 0, None, self._ticket("search")))

    def _theme_changed(self, _theme: object) -> None:
        """Entities and hits are drawn as Rich text in the theme's styles: draw them again in the new ones."""
        self.query_one(ArticleView).restyle()
        pane = self.query_one(EntityPane)
        pane.set_mode(pane.mode)
        self.query_one(ArticleList).redraw()

    # -- helpers -----------------------------------------------------------------------------------
    def _ticket(self, group: str) -> int:
        """A new request in ``group``: anything still on its way from an older one is now stale."""
        self._tickets[group] = self._tickets.get(group, 0) + 1
        return self._tickets[group]

    def _current(self, group: str, ticket: int) -> bool:
        return self._tickets.get(group) == ticket

    @property
    def labels(self) -> set[str] | None:
        chosen = TYPE_CYCLE[self.type_index][1]
        return None if chosen is None else set(chosen)

    @property
    def focus_key(self) -> str | None:
        if self.entity_filter and self.entity_filter[1] == self.query_text:
            return self.entity_filter[0]
        return None

    def _key(self, key_id: str) -> str:
        return key_map(self).label(key_id)

    def _target(self) -> tuple[str, str] | None:
        """(id, url) of what a star/read/open-url key acts on: the highlighted row while the list has focus,
        else the open article."""
        articles = self.query_one(ArticleList)
        hit = articles.current
        if self.article is not None and (not articles.has_focus or hit is None or hit.id == self.article.id):
            return self.article.id, self.article.url
        return (hit.id, hit.url) if hit else None

    # -- searching ---------------------------------------------------------------------------------
    def run_search(self, query: str, *, remember: bool = True) -> None:
        """Search from the first page; whatever older search or page request is still running is stale.
        A new query is remembered with the place it left, for escape to come back to."""
        if remember and query != self.query_text and not self.query_one(SearchBar).input.has_focus:
            self._remember()  # typed searches were remembered once, when the bar took the focus
        self.query_text = query
        self.query_one(SearchBar).show_status(total=None, busy=True)
        self.workers.cancel_group(self, "page")
        self._search_worker = self._search(query, self.article.id if self.article else None, self._ticket("search"))

    def _remember(self) -> None:
        """Keep where the list is now (its query, highlighted article, entity filter and pane), for escape."""
        current = self.query_one(ArticleList).current
        self.history = [h for h in self.history if h[0] != self.query_text][-9:]
        self.history.append((self.query_text, current.id if current else None, self.entity_filter,
                             self.query_one(EntityPane).mode))

    def _load_page(self, offset: int, limit: int | None = None, jump: str = "") -> None:
        """A page of what the list shows; skipped while a new search is on its way to replace it."""
        if self._shown != self._tickets.get("search"):
            return
        self._page(self.query_text, offset, limit, jump, self._shown)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(self, query: str, open_id: str | None, ticket: int) -> None:
        self._query(query, 0, open_id, ticket)

    @work(thread=True, exclusive=True, group="page", exit_on_error=False)
    def _page(self, query: str, offset: int, limit: int | None, jump: str, ticket: int) -> None:
        done = self._results(query, offset, None, ticket, limit=limit)
        done.jump, done.before = jump, limit is not None
        if not get_current_worker().is_cancelled:
            self.post_message(done)

    def _query(self, query: str, offset: int, open_id: str | None, ticket: int) -> None:
        """Runs in a worker thread; the result is posted unless the worker was cancelled meanwhile."""
        done = self._results(query, offset, open_id, ticket)
        if not get_current_worker().is_cancelled:
            self.post_message(done)

    def sort_for(self, query: str) -> str:
        """The order the list is in: the one chosen with the sort key, else newest first (by relevance
        while searching for more than a feed)."""
        if self.sort and (self.sort != "relevance" or query.strip()):
            return self.sort
        return "date" if not query.strip() or FEED_ONLY.match(query) else "relevance"

    def _results(self, query: str, offset: int, open_id: str | None, ticket: int,
                 limit: int | None = None) -> SearchDone:
        """One page of results, their flags, and the open article's hits."""
        result = self.library.search(query, limit=self.page_size if limit is None else limit, offset=offset,
                                     sort=self.sort_for(query), unread_only=self.unread_only)
        flags = self.library.flags([h.id for h in result.hits])
        spans = None
        if open_id and offset == 0 and not result.error:
            try:
                spans = self.library.match_spans(open_id, query) if query.strip() else []
            except NewsreaderError:
                spans = []
        return self.SearchDone(result, flags, offset, spans, open_id, ticket)

    @work(thread=True, exclusive=True, group="unread", exit_on_error=False)
    def _count_unread(self, query: str, ticket: int) -> None:
        """The whole list's ids and which are unread: the title's count, and what ``A`` marks read."""
        ids = self.library.list_ids(query, sort=self.sort_for(query)) or []
        unread = set(self.library.unread_ids(ids))
        if self.unread_only:
            ids = [i for i in ids if i in unread]
        if not get_current_worker().is_cancelled:
            self.post_message(self.UnreadCounted(ids, unread, ticket))

    @on(UnreadCounted)
    def _unread_counted(self, message: UnreadCounted) -> None:
        if self._current("unread", message.ticket):
            self.list_ids, self.unread = message.ids, message.unread
            self._retitle()

    def _retitle(self) -> None:
        articles = self.query_one(ArticleList)
        parts = [f"Articles ({articles.total})" if self.query_text.strip() else "Articles"]
        if self.list_ids is not None:
            parts.append(f"{len(self.unread)} unread")
        if self.unread_only:
            parts.append("unread only")
        sort = self.sort_for(self.query_text)
        if self.sort:
            parts.append({"date": "newest", "oldest": "oldest"}.get(sort, sort) + " first"
                         if sort != "relevance" else "by relevance")
        articles.border_title = " · ".join(parts)

    def _set_read(self, article_id: str, read: bool) -> None:
        """An article was marked read or unread: its row and the list's unread count follow."""
        if self.list_ids is not None and article_id in self.list_ids:
            (self.unread.discard if read else self.unread.add)(article_id)
            self._retitle()

    @on(SearchDone)
    def _search_done(self, message: SearchDone) -> None:
        result = message.result
        if not self._current("search", message.ticket):
            return
        articles = self.query_one(ArticleList)
        if message.jump and not result.error:
            articles.show(list(result.hits), message.flags, total=result.total, searching=articles.searching,
                          base=message.offset, last=message.jump == "last")
            return
        if message.before:
            if not result.error and message.offset + len(result.hits) == articles.base:
                articles.prepend(list(result.hits), message.flags)
            return
        if message.offset and (result.error or message.offset != articles.loaded_to):
            return  # a page that no longer follows on from what is listed
        bar = self.query_one(SearchBar)
        bar.show_status(total=None if result.error else result.total, error=result.error,
                        corrected=result.corrected, accept_key=self._key("main.accept_correction"),
                        relaxed=result.RELAXED_LINE if result.relaxed else None, notes=result.notes)
        self.refresh_bindings()
        if result.error:
            return
        if message.offset:
            articles.extend(list(result.hits), message.flags)
        else:
            self._shown = message.ticket
            keep = self._restore or (articles.current.id if articles.current else None)
            self._restore = None
            articles.show(list(result.hits), message.flags, total=result.total, searching=bool(result.query.strip()),
                          keep=keep)
            self.list_ids = None
            self._retitle()
            self._count_unread(result.query, self._ticket("unread"))
            self._set_empty(not result.query.strip() and result.total == 0)
            if not self._warmed:
                self._warmed = True
                self.call_after_refresh(self._warm)
        if message.spans is not None and self.article is not None and self.article.id == message.open_id:
            view = self.query_one(ArticleView)
            view.restyle(hits=message.spans, focus_key=self.focus_key)
            self._update_position()

    @work(thread=True, group="warm", exit_on_error=False)
    def _warm(self) -> None:
        """Open the index once the first screen is drawn (it came from the catalog without Whoosh), so the
        first search or article does not wait for it; a damaged index is reported here."""
        try:
            self.library.warm()
        except NewsreaderError as exc:
            self.post_message(self.Failed(str(exc)))

    def _set_empty(self, empty: bool) -> None:
        self.empty = empty
        self.query_one("#panes").display = not empty
        notice = self.query_one(EmptyLibrary)
        notice.display = empty
        if empty:
            notice.show(str(self.library.home), indexing=self.indexing, readonly=self.library.readonly)

    @on(SearchBar.Changed)
    def _query_changed(self, message: SearchBar.Changed) -> None:
        self.run_search(message.query)
        if message.submitted:
            self.query_one(ArticleList).focus()

    @on(ArticleList.NeedMore)
    def _more(self, message: ArticleList.NeedMore) -> None:
        self._load_page(message.offset, message.limit, message.jump)

    # -- opening an article ------------------------------------------------------------------------
    @on(ArticleList.Chosen)
    def _chosen(self, message: ArticleList.Chosen) -> None:
        """Enter reads: the article opens and takes the focus once it is shown (escape comes back to
        the list); one that fails to open leaves the focus in the list."""
        self._focus_on_open = message.article_id
        self.open_article(message.article_id)

    @on(EntityPane.ArticleChosen)
    def _chosen_from_pane(self, message: EntityPane.ArticleChosen) -> None:
        self.open_article(message.article_id)

    def open_article(self, article_id: str) -> None:
        self._load_article(article_id, self.query_text, self._ticket("article"))

    @work(thread=True, exclusive=True, group="article", exit_on_error=False)
    def _load_article(self, article_id: str, query: str, ticket: int) -> None:
        try:
            view = self.library.article(article_id)
            hits = self.library.match_spans(article_id, query) if query.strip() else []
            entities = self.library.article_entities(article_id)
        except NewsreaderError as exc:
            self.post_message(self.Failed(str(exc)))
            return
        read, starred = self.library.flags([article_id]).get(article_id, (False, False))
        if self.library.state_writable:
            try:
                self.library.mark_read(article_id)
                read = True
            except (NewsreaderError, sqlite3.Error, OSError):
                pass  # a busy or broken state database must not stop the article from opening
        if not get_current_worker().is_cancelled:
            self.post_message(self.ArticleLoaded(view, hits, entities, (read, starred), ticket))

    @on(ArticleLoaded)
    async def _article_loaded(self, message: ArticleLoaded) -> None:
        if not self._current("article", message.ticket):
            return
        self.article = message.view
        view = self.query_one(ArticleView)
        await view.show(message.view, hits=message.hits, focus_key=self.focus_key, labels=self.labels)
        self.query_one(EntityPane).set_article_entities(message.entities)
        self.query_one(ArticleList).set_flags(message.view.id, *message.flags)
        self._set_read(message.view.id, message.flags[0])
        if self._focus_on_open == message.view.id:
            self._focus_on_open = None
            view.focus()
        self._update_position()
        if self.focus_key:
            view.step_mention(1)
        elif message.hits:
            view.step_hit(1)
        self._update_position()
        self.refresh_bindings()

    def _update_position(self) -> None:
        view = self.query_one(ArticleView)
        parts = [p for p in (f"{len(view.hits)} hits" if view.hits else "", view.position) if p]
        view.border_subtitle = " · ".join(parts)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.notify(message.text, severity="error", markup=False)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """A worker raised: say so, and take the search bar off "searching…" if it was the latest search."""
        worker = event.worker
        if event.state != WorkerState.ERROR or worker.is_cancelled:
            return
        error = worker.error
        text = f"{FAILED_TO.get(worker.group, 'A background task')} failed: {str(error) or type(error).__name__}"
        if worker.group == "search" and worker is self._search_worker:
            self.query_one(SearchBar).show_status(total=None, error=text)
        self.notify(text, severity="error", markup=False, timeout=10)

    # -- entities ----------------------------------------------------------------------------------
    @on(EntityPane.EntityChosen)
    def _entity_chosen(self, message: EntityPane.EntityChosen) -> None:
        self.filter_by_entity(message.entity)

    def filter_by_entity(self, entity: EntitySummary | ArticleEntity) -> None:
        query = self.library.entity_query(entity)
        self.entity_filter = (entity.key, query)
        self.query_one(SearchBar).set_query(query)
        self.query_one(ArticleView).restyle(focus_key=entity.key)
        pane = self.query_one(EntityPane)
        if pane.mode in ("library", "detail"):
            self._load_detail(entity.key, entity.name, self._ticket("entities"))

    def _set_pane_mode(self, mode: str) -> None:
        """The user moved the pane on: an entity list or detail still loading must not pull it back."""
        self._ticket("entities")
        self.query_one(EntityPane).set_mode(mode)

    @work(thread=True, exclusive=True, group="entities", exit_on_error=False)
    def _load_detail(self, key: str, name: str, ticket: int) -> None:
        detail = self.library.entity(key)
        if not get_current_worker().is_cancelled:
            self.post_message(self.DetailLoaded(detail, name, ticket))

    @on(DetailLoaded)
    def _detail_loaded(self, message: DetailLoaded) -> None:
        if not self._current("entities", message.ticket):
            return
        if message.detail is None:
            self.notify(f"No entity called {message.name!r} in this library.", markup=False)
            return
        self.query_one(EntityPane).set_detail(message.detail)

    @work(thread=True, exclusive=True, group="entities", exit_on_error=False)
    def _load_library_entities(self, ticket: int) -> None:
        entities = self.library.entities(limit=300)
        if not get_current_worker().is_cancelled:
            self.post_message(self.LibraryEntities(entities, ticket))

    @on(LibraryEntities)
    def _library_entities(self, message: LibraryEntities) -> None:
        if self._current("entities", message.ticket):
            self.query_one(EntityPane).set_library(message.entities)

    # -- actions (every one is a Binding in keys.py) -----------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "focus_search":
            return not (self.is_mounted and self.query_one(SearchBar).input.has_focus)
        if action == "accept_correction":
            return bool(self.is_mounted and self.query_one(SearchBar).correction)
        if action in ("next_hit", "previous_hit"):
            return self.article is not None and bool(self.query_one(ArticleView).hits)
        return True

    def action_focus_search(self) -> None:
        # At once, not with ``focus()`` (which waits for the message queue): "/esper" typed in one burst
        # would otherwise send "esper" to the list as keys (e, s, r: entities, star, related).
        self._remember()
        self.set_focus(self.query_one(SearchBar).input)

    def action_escape(self) -> None:
        """Back, one step at a time: the search bar or the article to the list; then the list, search and
        position before this search or entity filter (a short history); then the whole library."""
        bar = self.query_one(SearchBar)
        pane = self.query_one(EntityPane)
        articles = self.query_one(ArticleList)
        if bar.input.has_focus or self.query_one(ArticleView).has_focus:
            articles.focus()
            if self.article is not None:
                ids = [h.id for h in articles.hits]
                if self.article.id in ids:
                    articles.highlighted = ids.index(self.article.id)
        elif self.query_text:
            while self.history and self.history[-1][0] == self.query_text:
                self.history.pop()
            query, highlighted, entity_filter, mode = self.history.pop() if self.history else ("", None, None, "")
            self.entity_filter = entity_filter
            self._restore = highlighted
            self.query_text = query  # going back is not a new place to come back to
            self.query_one(ArticleView).restyle(focus_key=self.focus_key)
            bar.set_query(query)
            if pane.mode == "detail":
                self._set_pane_mode(mode if mode and mode != "detail" else "library")
        elif pane.mode == "detail":
            self._set_pane_mode("library")
        if self.has_class("-show-entities") and not bar.input.has_focus:
            self.remove_class("-show-entities")

    # -- reading on --------------------------------------------------------------------------------
    def _neighbour(self, step: int, *, unread: bool = False) -> int | None:
        """The list index ``step`` away from the open article (from the highlighted row if none is open),
        the next unread one with ``unread``; None past the loaded end."""
        articles = self.query_one(ArticleList)
        ids = [h.id for h in articles.hits]
        if self.article is not None and self.article.id in ids:
            at = ids.index(self.article.id)
        elif articles.highlighted is not None:
            at = articles.highlighted - step  # nothing open: the highlighted row is the next one
        else:
            at = -1 if step > 0 else len(ids)
        i = at + step
        while 0 <= i < len(ids):
            read = articles.flags.get(ids[i], (False, False))[0]
            if not unread or not read:
                return i
            i += step
        return None

    def _open_at(self, index: int) -> None:
        articles = self.query_one(ArticleList)
        articles.highlighted = index
        self.open_article(articles.hits[index].id)

    def _step_article(self, step: int, *, unread: bool = False) -> None:
        index = self._neighbour(step, unread=unread)
        articles = self.query_one(ArticleList)
        if index is not None:
            self._open_at(index)
            return
        if step > 0 and articles.loaded_to < articles.total:
            articles.highlighted = len(articles.hits) - 1  # asks for the next page; the key works again then
            self.notify("Loading more articles…", timeout=2)
        elif step < 0 and articles.base > 0:
            articles.highlighted = 0
            self.notify("Loading earlier articles…", timeout=2)
        else:
            self.notify("No more unread articles in this list." if unread else
                        "That was the last article of the list." if step > 0 else "This is the first article.",
                        timeout=3)

    def action_next_article(self) -> None:
        self._step_article(1)

    def action_previous_article(self) -> None:
        self._step_article(-1)

    def action_read_on(self) -> None:
        """Space, as in mutt and newsboat: a page down the article; at its end, the next unread article."""
        view = self.query_one(ArticleView)
        if self.article is not None and not view.at_end:
            view.page_down()
            return
        self._step_article(1, unread=True)

    def action_mark_all_read(self) -> None:
        if self.list_ids is None:
            self.notify("Still counting this list; try again in a moment.", timeout=3)
            return
        unread = [i for i in self.list_ids if i in self.unread]
        if not unread:
            self.notify("Every article of this list is read.", timeout=3)
            return
        articles = self.query_one(ArticleList)
        screenful = max(1, articles.size.height // 3)  # entries take three lines or more
        if len(unread) <= screenful:
            self._mark_read(unread)
            return
        from .confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self._mark_read(unread)

        self.app.push_screen(ConfirmScreen(f"Mark {len(unread):,} articles of this list read?"), answered)

    def _mark_read(self, ids: list[str]) -> None:
        if not self._write_state(self.library.mark_all_read, ids):
            return
        self.unread.difference_update(ids)
        articles = self.query_one(ArticleList)
        for hit in articles.hits:
            if hit.id in self.unread:
                continue
            read, starred = articles.flags.get(hit.id, (False, False))
            if not read:
                articles.set_flags(hit.id, True, starred)
        self._retitle()
        self.notify(f"Marked {len(ids):,} articles read.", timeout=3)
        if self.unread_only:
            self.run_search(self.query_text, remember=False)

    def action_toggle_unread_only(self) -> None:
        self.unread_only = not self.unread_only
        self.notify("Only unread articles." if self.unread_only else "Every article.", timeout=2)
        self.run_search(self.query_text, remember=False)

    def action_cycle_sort(self) -> None:
        order = ["date", "oldest"] + (["relevance"] if self.query_text.strip() else [])
        current = self.sort_for(self.query_text)
        self.set_sort(order[(order.index(current) + 1) % len(order)] if current in order else order[0])

    def set_sort(self, sort: str) -> None:
        """newest ("date"), oldest or relevance (which, with nothing searched, lists newest first)."""
        self.sort = sort
        self.notify({"date": "Newest first.", "oldest": "Oldest first.", "relevance": "By relevance."}[sort],
                    timeout=2)
        self.run_search(self.query_text, remember=False)

    def action_accept_correction(self) -> None:
        bar = self.query_one(SearchBar)
        if bar.correction:
            bar.set_query(bar.correction)

    def action_next_hit(self) -> None:
        self._step("hit", 1)

    def action_previous_hit(self) -> None:
        self._step("hit", -1)

    def action_next_mention(self) -> None:
        self._step("mention", 1)

    def action_previous_mention(self) -> None:
        self._step("mention", -1)

    def _step(self, what: str, step: int) -> None:
        view = self.query_one(ArticleView)
        if self.article is None:
            self.notify(f"Open an article first ({self._key('list.open')}).")
            return
        moved = view.step_hit(step) if what == "hit" else view.step_mention(step)
        if not moved:
            self.notify("No search hits in this article." if what == "hit" else "No entity mentions to visit.")
        self._update_position()

    def action_entity_pane(self) -> None:
        pane = self.query_one(EntityPane)
        if self.has_class("-narrow") and not self.has_class("-show-entities"):
            self.add_class("-show-entities")
            pane.options.focus()
            return
        if not pane.options.has_focus:
            pane.options.focus()
            return
        if pane.mode == "article":
            self._set_pane_mode("library")
            self._load_library_entities(self._tickets["entities"])
        else:
            self._set_pane_mode("article")

    def action_related(self) -> None:
        if self.article is None:
            self.notify(f"Open an article first ({self._key('list.open')}).")
            return
        self._load_related(self.article.id, self.article.title, self._ticket("related"))

    @work(thread=True, exclusive=True, group="related", exit_on_error=False)
    def _load_related(self, article_id: str, title: str, ticket: int) -> None:
        try:
            hits = self.library.related(article_id)
        except NewsreaderError as exc:
            self.post_message(self.Failed(str(exc)))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.RelatedLoaded(title, hits, ticket))

    @on(RelatedLoaded)
    def _related_loaded(self, message: RelatedLoaded) -> None:
        from .related import RelatedScreen

        if not self._current("related", message.ticket):
            return  # r pressed again since: only the latest opens a dialog

        def chosen(article_id: str | None) -> None:
            if article_id:
                self.open_article(article_id)

        self.app.push_screen(RelatedScreen(message.title, message.hits), chosen)

    def _write_state(self, fn, *args) -> bool:
        try:
            fn(*args)
            return True
        except (NewsreaderError, sqlite3.Error, OSError) as exc:
            self.notify(str(exc), severity="error", markup=False)
            return False

    def action_toggle_star(self) -> None:
        target = self._target()
        if target is None:
            return
        articles = self.query_one(ArticleList)
        read, starred = articles.flags.get(target[0], (False, False))
        if self._write_state(self.library.set_starred, target[0], not starred):
            articles.set_flags(target[0], read, not starred)

    def action_toggle_read(self) -> None:
        target = self._target()
        if target is None:
            return
        articles = self.query_one(ArticleList)
        read, starred = articles.flags.get(target[0], (False, False))
        if self._write_state(self.library.mark_read, target[0], not read):
            articles.set_flags(target[0], not read, starred)
            self._set_read(target[0], not read)

    def action_save_search(self) -> None:
        from .save_search import SaveSearchScreen

        query = self.query_text.strip()
        if not query:
            self.notify(f"Type a search first ({self._key('main.search')}), then save it.")
            return

        def save(name: str | None) -> None:
            if name and self._write_state(self.library.save_search, name, query):
                self.notify(f"Saved search {name!r}.", markup=False)

        self.app.push_screen(SaveSearchScreen(query), save)

    def action_open_url(self) -> None:
        target = self._target()
        url = web_url(target[1]) if target else None
        if url is None:
            self.notify("This article has no web address to open." if target else "No article chosen.")
            return
        self._open_in_browser(url)

    @work(thread=True, group="browser", exit_on_error=False)
    def _open_in_browser(self, url: str) -> None:
        """webbrowser says whether a browser took the address; a terminal with none says nothing by
        itself, so the reader says it (with the address, to copy)."""
        import webbrowser

        try:
            opened = webbrowser.open(url)
        except Exception:  # webbrowser raises its own Error, or OSError from a broken browser command
            opened = False
        text = f"Opened {url} in the browser." if opened else f"No browser could be opened here. The address: {url}"
        self.app.call_from_thread(self.notify, text, markup=False, timeout=4 if opened else 10,
                                  severity="information" if opened else "warning")

    def action_cycle_types(self) -> None:
        self.set_type_index((self.type_index + 1) % len(TYPE_CYCLE))

    def set_type_index(self, index: int) -> None:
        self.type_index = index
        self.query_one(ArticleView).restyle(labels=self.labels)
        self.query_one(EntityPane).set_labels(self.labels)
        self.notify(f"Showing {TYPE_CYCLE[index][0]}.", timeout=2)

    def action_refresh_feeds(self) -> None:
        self.app.refresh_feeds()

    def action_pick_feed(self) -> None:
        from .feeds import FeedsScreen, no_feeds

        feeds = self.library.feeds()
        if not feeds:
            self.notify(no_feeds(key_map(self)), title="Feeds", markup=False, timeout=8)
            return

        def chosen(choice: tuple[str, str] | None) -> None:
            if choice is None:
                return
            what, name = choice
            if what == "refresh":
                self.app.refresh_feeds([name])
            else:
                self.filter_by_feed(name)

        self.app.push_screen(FeedsScreen(feeds), chosen)

    def filter_by_feed(self, name: str) -> None:
        """Show one feed's articles: the filter is a ``source:`` query in the search bar, so it can be edited."""
        from .feeds import feed_query

        self.entity_filter = None
        self.query_one(ArticleView).restyle(focus_key=None)
        self.query_one(SearchBar).set_query(feed_query(name))
        self.query_one(ArticleList).focus()

    def action_help(self) -> None:
        from .help import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_quit(self) -> None:
        self.app.exit(0)

    # -- indexing (driven by the app) --------------------------------------------------------------
    def indexing_event(self, event: WorkerEvent) -> None:
        status = self.query_one(IndexStatus)
        kind = event.event
        if kind in ("start", "progress", "waiting", "rebuilding"):
            if not self.indexing:
                self.indexing = True
                status.display = True
                if self.empty:
                    self._set_empty(True)
            status.update_event(event)
        else:
            self.indexing = False
            status.display = False
            self.run_search(self.query_text)
