"""A yes/no question over the main screen, for actions that change a lot at once (mark a list read,
rebuild the library)."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ..keys import bindings, key_map


class ConfirmScreen(ModalScreen[bool]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = bindings("confirm")

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self):
        keys = key_map(self)
        with Vertical(id="confirm-box"):
            yield Static(Text(self.question, style="bold"), markup=False)
            yield Static(Text(keys.hint(("confirm.yes", "yes"), ("confirm.no", "no")), style="dim"), markup=False)

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)
