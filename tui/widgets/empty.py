"""What an empty library shows instead of a blank screen: how to put articles in it."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ..keys import DEFAULT_KEYS, KeyMap, key_map


def empty_text(home: str, *, indexing: bool, readonly: bool, keys: KeyMap = DEFAULT_KEYS) -> Text:
    out = Text()
    out.append("Your library is empty\n\n", style="bold")
    if indexing:
        out.append("Articles are being indexed right now; they appear here as soon as the first batch is done.\n\n")
    out.append("Add articles from a terminal:\n\n")
    out.append("  newsreader index ~/news", style="bold #5fafff")
    out.append("        plain text, Markdown, HTML, JSON Lines, RSS/Atom files\n")
    out.append("  newsreader ~/news", style="bold #5fafff")
    out.append("              index a folder, then open the reader on it\n")
    out.append("  newsreader index", style="bold #5fafff")
    out.append("               the bundled sample articles\n")
    out.append("  newsreader feed add URL", style="bold #5fafff")
    out.append(f"        subscribe to an RSS/Atom feed; {keys.label('main.refresh_feeds')} here fetches it\n\n")
    out.append(f"or press {keys.label('app.command_palette')} and choose ", style="")
    out.append("Re-index library", style="bold")
    out.append(".\n\n")
    out.append("Library folder: ", style="dim")
    out.append(home, style="dim")
    if readonly:
        out.append("\nThis library is read-only: indexing is not possible here.", style="bold #ff5f5f")
    return out


class EmptyLibrary(Static):
    def show(self, home: str, *, indexing: bool, readonly: bool) -> None:
        self.update(empty_text(home, indexing=indexing, readonly=readonly, keys=key_map(self)))
