"""Asks for a name under which to save the current search."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from ..keys import bindings, key_map
from ..render import safe


class SaveSearchScreen(ModalScreen[str | None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = bindings("save")

    def __init__(self, query: str) -> None:
        super().__init__()
        self.query_text = query

    def compose(self):
        with Vertical(id="save-box"):
            yield Static(Text.assemble(("Save the search ", "bold"), (safe(self.query_text), "italic"),
                                       (" as:", "bold")), markup=False)
            yield Input(value=self.query_text[:60], id="save-name")
            keys = key_map(self)
            hint = (f"enter saves · {keys.label('dialog.close')} cancels · "
                    f"find it again with {keys.label('app.command_palette')}")
            yield Static(Text(hint, style="dim"), markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = event.value.strip()
        self.dismiss(name or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
