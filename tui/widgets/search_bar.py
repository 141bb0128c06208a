"""The search bar: an input that reports its query once typing pauses, and a line for counts and errors."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static

from ..keys import key_map
from ..render import safe

DEBOUNCE = 0.25


class SearchBar(Horizontal):
    class Changed(Message):
        """The query settled (typing paused, enter pressed, or set by the app)."""

        def __init__(self, query: str, submitted: bool = False) -> None:
            super().__init__()
            self.query, self.submitted = query, submitted

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._timer: Timer | None = None
        self.correction: str | None = None

    def compose(self):
        key = key_map(self).label("main.search")
        yield Input(placeholder=f"{key} to search: words, \"a phrase\", person:Esper, org:, place:, source:, date:",
                    id="search-input")
        yield Static(Text(""), id="search-status", markup=False)

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def value(self) -> str:
        return self.input.value

    def set_query(self, query: str) -> None:
        """Put a query in the bar (an entity filter, a saved search) and run it at once."""
        self._cancel()
        with self.input.prevent(Input.Changed):
            self.input.value = query
        self.input.cursor_position = len(query)
        self.post_message(self.Changed(query))

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._cancel()
        query = event.value
        self._timer = self.set_timer(DEBOUNCE, lambda: self._settled(query))

    def _settled(self, query: str) -> None:
        self._timer = None
        self.post_message(self.Changed(query))

    @property
    def pending(self) -> bool:
        """Typing has not paused long enough yet for the query to be reported."""
        return self._timer is not None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._cancel()
        self.post_message(self.Changed(event.value, submitted=True))

    def show_status(self, *, total: int | None, error: str | None = None, corrected: str | None = None,
                    busy: bool = False, accept_key: str = "", relaxed: str | None = None,
                    notes: tuple[str, ...] = ()) -> None:
        """``relaxed`` (the line saying no article has every word) and ``notes`` (what was left out
        of the query) go on the bar's bottom edge, which has the room the status line lacks."""
        self.correction = corrected
        below = "; ".join(((relaxed,) if relaxed and not error else ()) + tuple(notes))
        self.border_subtitle = Text(below) if below else None
        status = self.query_one("#search-status", Static)
        out = Text(no_wrap=True, overflow="ellipsis")
        if error:
            out.append(safe(error), style="bold #ff5f5f")
            self.add_class("-error")
        else:
            self.remove_class("-error")
            if busy:
                out.append("searching…", style="dim")
            elif total is not None:
                out.append(f"{total} article{'s' if total != 1 else ''}", style="bold")
            if corrected:
                out.append("  did you mean ", style="dim")
                out.append(safe(corrected), style="bold italic")
                out.append(f"? {accept_key}", style="dim")
        status.update(out)
