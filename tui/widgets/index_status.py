"""The indexing line at the bottom: what the background indexer is doing, with a progress bar."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Horizontal
from textual.widgets import Static

from ...index.models import WorkerEvent
from ..render import safe

# What each phase of ``Library.refresh_feeds`` is doing, in words.
REFRESH_PHASES = {"feeds": "fetching feeds", "pages": "fetching article pages", "index": "indexing new articles",
                  "done": "done"}


class IndexStatus(Horizontal):
    """Hidden until something is indexed: its label and progress bar are made then, not at start-up,
    where most sessions never need them."""

    _rebuilding = False

    def _parts(self):
        from textual.widgets import ProgressBar

        if not self.children:
            self.mount(Static(Text(""), id="index-label", markup=False),
                       ProgressBar(total=None, show_eta=False, id="index-bar"))
        return self.query_one("#index-label", Static), self.query_one(ProgressBar)

    def update_event(self, event: WorkerEvent) -> None:
        """Show one event from ``Library.index_in_child``: progress, waiting, done or error.

        Events of ``kind`` refresh come from a feed refresh, whose ``path`` is the feed's name."""
        label, bar = self._parts()
        kind = event.event
        if event.kind == "refresh" and kind in ("progress", "start"):
            total = event.total or None
            bar.update(total=total, progress=event.done)
            text = Text("Refreshing feeds", style="bold")
            phase = REFRESH_PHASES.get(event.phase, "")
            if phase:
                text.append(f" · {phase}")
                if total:
                    text.append(f" {event.done}/{total}")
            if event.path and event.phase == "feeds":
                text.append(" · ")
                text.append(safe(event.path)[:40], style="italic")
            label.update(text)
        elif kind == "progress":
            total = event.total or None
            bar.update(total=total, progress=event.done)
            what = "Rebuilding (the current library answers until the new one is ready)" \
                if self._rebuilding else "Indexing"
            if event.phase == "scan":
                label.update(Text(f"{what} · looking for new and changed files", style="bold"))
            else:
                label.update(Text(f"{what} · {event.read}/{total or 0} files read · "
                                  f"{event.articles} articles analysed", style="bold"))
        elif kind == "rebuilding":
            self._rebuilding = True
            label.update(Text("Rebuilding the library · the current one answers until the new one is ready",
                              style="bold"))
        elif kind == "waiting":
            label.update(Text("Another newsreader is indexing this library; waiting…", style="bold"))
        elif kind == "start":
            self._rebuilding = event.rebuild
            bar.update(total=None, progress=0)
            label.update(Text("Rebuilding…" if self._rebuilding else "Indexing…", style="bold"))
