"""The Textual reader: takes an open Library, shows the main screen, indexes in the background.

Indexing always runs in a child process (``Library.index_in_child``) driven from a thread worker, so spaCy
never loads into the reader and named-entity work never competes with the UI for the GIL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Sequence

from textual import on, work
from textual.app import App, SystemCommand
from textual.markup import escape
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from ..index.config import Settings
from ..index.models import WorkerEvent
from . import collector
from .keys import KEYS, KeyMap, bindings
from .look import COMPONENT_CLASSES, Look
from .palette import NamedCommands
from .screens.main import TYPE_CYCLE, MainScreen
from .theme import VARIABLES as THEME_VARIABLES, theme_colours, with_classic_colours

if TYPE_CHECKING:
    from ..index.library import Library


class NewsReader(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "newsreader"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {NamedCommands}  # saved searches and feeds: names shown as written
    BINDINGS = bindings("app")  # the palette's key, with an id (Textual adds it without one otherwise)
    COMPONENT_CLASSES = set(COMPONENT_CLASSES)  # entities and search hits (app.tcss, look.py)

    class Indexing(Message):
        """One event relayed from the indexing child process."""

        def __init__(self, event: WorkerEvent) -> None:
            super().__init__()
            self.event = event

        def can_replace(self, message: Message) -> bool:
            return (isinstance(message, NewsReader.Indexing) and message.event.event == "progress"
                    and self.event.event == "progress")

    def __init__(self, library: Library, *, index_paths: Sequence[str] = (), settings: Settings | None = None,
                 seed: bool = True) -> None:
        super().__init__()
        self.library = library
        self.settings = settings or library.settings
        self.index_paths = list(index_paths)
        self.seed = seed
        self.problems: list[str] = list(self.settings.problems)
        self.key_map = KeyMap(self.settings.keys)  # read by every text that names a key
        self.problems += self.key_map.problems
        self._look: tuple[str, Look] | None = None
        default = self.get_theme(Settings.theme)
        if default is not None:  # the default theme draws entities in newsreader's classic colours
            self.register_theme(with_classic_colours(default))
            self.stylesheet.set_variables(self.get_css_variables())  # App.__init__ read them before this

    # -- start-up ----------------------------------------------------------------------------------
    def get_default_screen(self) -> Screen:
        """The main screen is the app's base screen: pushing it over Textual's blank default screen cost
        a second layout and a screen switch before the first frame."""
        return MainScreen(self.library)

    def on_mount(self) -> None:
        self.set_keymap(self.key_map.overrides)
        if self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        elif self.settings.theme:
            self.problems.append(f"unknown theme {self.settings.theme!r} in the config; using the default")
        for problem in self.problems:
            self.notify(problem, severity="warning", markup=False, timeout=8)
        if self.library.readonly:
            self.notify("This library is read-only: reading works, stars and indexing do not.", markup=False)
        # A thread started for nothing competes with the first frame for the interpreter, so the cheap
        # half of the check is made here; the worker makes the whole one (which may open the index, and
        # so fail on a damaged one: that has to be reported by the worker, not crash the start-up).
        if self.index_paths or (self.seed and not self.library.readonly and self.library.never_used(cheap=True)):
            self.start_indexing(self.index_paths, seed=self.seed)

    def on_ready(self) -> None:
        # Half a second on, so that the collection does not hold up the first frame's write or the
        # first key press; see collector.py.
        self.set_timer(0.5, collector.release)

    def get_css_variables(self) -> dict[str, str]:
        """Textual's variables, and the entity and hit colours derived from the theme unless it sets them."""
        variables = super().get_css_variables()
        if not all(name in variables for name in THEME_VARIABLES):
            variables = {**theme_colours(variables), **variables}
            self.theme_variables = variables
        return variables

    @property
    def look(self) -> Look:
        """The entity and hit styles as Rich styles, resolved from the component classes once per theme."""
        if self._look is None or self._look[0] != self.theme:
            self._look = (self.theme, Look({name: self.get_component_styles(name).partial_rich_style
                                            for name in COMPONENT_CLASSES}))
        return self._look[1]

    @property
    def main(self) -> MainScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        return None

    # -- indexing ----------------------------------------------------------------------------------
    def start_indexing(self, paths: Iterable[str] = (), *, seed: bool = False, rebuild: bool = False) -> None:
        if self.library.readonly:
            self.notify("This library is read-only; it cannot be indexed from here.", severity="error")
            return
        self._index(list(paths), seed, rebuild)

    @work(thread=True, exclusive=True, group="index", exit_on_error=False)
    def _index(self, paths: list[str], seed: bool, rebuild: bool) -> None:
        if not paths and not rebuild and not (seed and self.library.never_used()):
            return
        worker = get_current_worker()
        self.post_message(self.Indexing(WorkerEvent("start", rebuild=rebuild)))
        final = self.library.index_in_child(paths, seed=seed, rebuild=rebuild,
                                            on_event=lambda e: self.post_message(self.Indexing(e)),
                                            cancel=worker.cancelled_event)
        if rebuild:
            # The child built a new library beside this one and swapped it in; the open index and
            # catalog would go on reading the old, deleted files until a restart.
            self.library.reopen()
        if not worker.is_cancelled:
            self.post_message(self.Indexing(final))

    # -- refreshing feeds -------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """Indexing or a refresh is running (they share the status line and the library's write lock)."""
        return any(w.group in ("index", "refresh") and not w.is_finished for w in self.workers)

    def refresh_feeds(self, names: Sequence[str] = ()) -> None:
        """Refresh the named feeds (all by default) in a child process, like indexing: spaCy never loads here."""
        if self.library.readonly:
            self.notify("This library is read-only; its feeds cannot be refreshed from here.", severity="error")
            return
        if self.busy:
            self.notify("Already indexing or refreshing; new articles appear when it finishes.")
            return
        if not self.library.feeds():
            from .screens.feeds import no_feeds

            self.notify(no_feeds(self.key_map), title="Refresh feeds", markup=False, timeout=8)
            return
        self._refresh(list(names))

    @work(thread=True, exclusive=True, group="refresh", exit_on_error=False)
    def _refresh(self, names: list[str]) -> None:
        worker = get_current_worker()
        self.post_message(self.Indexing(WorkerEvent("start", kind="refresh")))
        final = self.library.index_in_child(names, refresh=True,
                                            on_event=lambda e: self.post_message(self.Indexing(e)),
                                            cancel=worker.cancelled_event)
        if not worker.is_cancelled:
            self.post_message(self.Indexing(final))

    def _refresh_finished(self, event: WorkerEvent) -> None:
        from .feeds_summary import failure_text, summary_text

        if event.event == "error":
            self.notify(f"Refreshing feeds failed: {event.message}", severity="error", markup=False,
                        timeout=10)
            return
        report = event.report or {}
        self.notify(summary_text(report), title="Feeds refreshed", markup=False)
        failures = failure_text(report)
        if failures:
            self.notify(failures, title="Some feeds failed", severity="warning", markup=False, timeout=15)

    @on(Indexing)
    def _indexing(self, message: Indexing) -> None:
        event = message.event
        main = self.main
        if event.final and event.kind == "refresh":
            self._refresh_finished(event)
            if main is not None:
                main.indexing_event(WorkerEvent("finished"))
        elif event.final:
            if event.event == "error":
                self.notify(f"Indexing failed: {event.message}", severity="error", markup=False, timeout=10)
            else:
                report = event.report or {}
                failed = report.get("failed") or []
                added = report.get("added", 0)
                text = f"Indexed: {added} new, {report.get('updated', 0)} updated, {report.get('removed', 0)} removed"
                if not (added or report.get("updated") or report.get("removed") or failed):
                    text = "The library is up to date: no new or changed files."
                if failed:
                    text += f"; {len(failed)} file{'s' if len(failed) != 1 else ''} failed (newsreader index lists why)"
                self.notify(text, markup=False, severity="warning" if failed else "information")
            if main is not None:
                main.indexing_event(WorkerEvent("finished"))
        elif main is not None and event.event != "done":
            main.indexing_event(event)

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """Indexing or a refresh raised in this process: say so and take the progress line down."""
        worker = event.worker
        if event.state != WorkerState.ERROR or worker.is_cancelled:
            return
        what = "Refreshing feeds" if worker.group == "refresh" else "Indexing"
        self.notify(f"{what} failed: {str(worker.error) or type(worker.error).__name__}", severity="error",
                    markup=False, timeout=10)
        if self.main is not None:
            self.main.indexing_event(WorkerEvent("finished"))

    def confirm_rebuild(self) -> None:
        """A rebuild re-reads and re-analyses every article: asked first, as a y/n question."""
        from .screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                self.start_indexing([], rebuild=True)

        self.push_screen(ConfirmScreen("Rebuild the library from every folder indexed before? "
                                       "It re-analyses every article."), answered)

    # -- the command palette -----------------------------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        main = self.main
        if main is None:
            return
        yield SystemCommand("Re-index library", "Index every folder again, picking up new and changed files",
                            lambda: self.start_indexing(self.library.roots(), seed=True))
        yield SystemCommand("Rebuild library", "Throw the index away and rebuild it from every source folder "
                            "(asks first)", self.confirm_rebuild)
        for sort, name in (("date", "newest first"), ("oldest", "oldest first"), ("relevance", "by relevance")):
            yield SystemCommand(f"Sort: {name}", "Order the article list (relevance applies while searching; "
                                f"{self.key_map.label('main.sort')} cycles)", lambda s=sort: main.set_sort(s))
        for index, (name, _) in enumerate(TYPE_CYCLE):
            yield SystemCommand(f"Entity types: {name}", "Highlight and list only these entities",
                                lambda i=index: main.set_type_index(i))
        for key in KEYS:
            if key.scope == "main" and key.palette:
                yield SystemCommand(key.palette, escape(f"{key.help} ({self.key_map.label(key.id)})"),
                                    lambda a=key.action: main.run_action(a))


def run_reader(library: Library, *, index_paths: list[str] | None = None) -> int:
    """Run the reader until the user quits; returns the exit status."""
    app = NewsReader(library, index_paths=index_paths or [])
    try:
        result = app.run()
    finally:
        library.close()
    if app.return_code:
        return app.return_code
    return result if isinstance(result, int) else 0
