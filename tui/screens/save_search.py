"""Asks for a name under which to save the current search."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ..render import safe


class SaveSearchScreen(ModalScreen[str | None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel_save")]

    def __init__(self, query: str) -> None:
        super().__init__()
        self.query_text = query

    def compose(self):
        with Vertical(id="save-box"):
            yield Static(Text.assemble(("Save the search ", "bold"), (safe(self.query_text), "italic"),
                                       (" as:", "bold")), markup=False)
            yield Input(value=self.query_text[:60], id="save-name")
            yield Static(Text("enter saves · escape cancels · find it again with ctrl+p", style="dim"), markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = event.value.strip()
        self.dismiss(name or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
