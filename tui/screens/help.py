"""The help screen: every key the reader answers to, as currently mapped, grouped by where it works."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..keys import KEYS, key_label
from ..render import legend

SCOPES = (("app", "Anywhere"), ("list", "In a list (articles, entities)"), ("view", "In the article"))


def help_table(keymap: dict[str, str] | None = None) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0), expand=True)
    table.add_column("key", style="bold #5fafff", no_wrap=True)
    table.add_column("what", ratio=1)
    table.add_column("id", style="dim", no_wrap=True)
    for scope, title in SCOPES:
        table.add_row(Text(title, style="bold underline"), "", "")
        for key in KEYS:
            if key.scope == scope:
                table.add_row(key_label(key, keymap), key.help or key.description, key.id)
        table.add_row("", "", "")
    table.add_row(Text("Mouse", style="bold underline"), "", "")
    table.add_row("click", "open an article, choose an entity, move between panes", "")
    table.add_row("wheel", "scroll lists and the article", "")
    table.add_row("", "", "")
    table.add_row(Text("Elsewhere", style="bold underline"), "", "")
    table.add_row("ctrl+p", "command palette: re-index, entity types, themes, saved searches", "")
    table.add_row("config", "remap keys in config.toml under [keys], e.g. star = \"x\" (ids on the right)", "")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="close_help")]

    def compose(self):
        with VerticalScroll(id="help-box"):
            yield Static(Text("Keys", style="bold"), markup=False)
            yield Static(help_table(getattr(self.app, "_keymap", {})), id="help-table", markup=False)
            yield Static(Text.assemble(("Entity colours: ", "bold"), legend()), markup=False)
            yield Static(Text("escape, q or ? closes this screen", style="dim"), markup=False)

    def action_dismiss(self) -> None:
        self.dismiss(None)
