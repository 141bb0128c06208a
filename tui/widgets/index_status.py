"""The indexing line at the bottom: what the background indexer is doing, with a progress bar."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static


class IndexStatus(Horizontal):
    def compose(self):
        yield Static(Text(""), id="index-label", markup=False)
        yield ProgressBar(total=None, show_eta=False, id="index-bar")

    def update_event(self, event: dict) -> None:
        """Show one event from ``index_in_subprocess``: progress, waiting, done or error."""
        label = self.query_one("#index-label", Static)
        bar = self.query_one(ProgressBar)
        kind = event.get("event")
        if kind == "progress":
            total = event.get("total") or None
            bar.update(total=total, progress=event.get("done") or 0)
            phase = event.get("phase") or "indexing"
            label.update(Text(f"Indexing ({phase}) · {event.get('articles') or 0} articles", style="bold"))
        elif kind == "waiting":
            label.update(Text("Another newsreader is indexing this library; waiting…", style="bold"))
        elif kind == "start":
            bar.update(total=None, progress=0)
            label.update(Text("Indexing…", style="bold"))
