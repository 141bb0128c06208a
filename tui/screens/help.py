"""The help screen: every key the reader answers to, as currently mapped, grouped by where it works."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..keys import KEYS, key_label
from ..render import legend

SCOPES = (("app", "Anywhere"), ("list", "In a list (articles, entities)"), ("view", "In the article"))


def _section(title: str) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0), expand=True, title=title,
                  title_justify="left", title_style="bold underline")
    table.add_column("key", style="bold #5fafff", no_wrap=True, width=12)
    table.add_column("what", ratio=1)
    table.add_column("id", style="dim", no_wrap=True, width=18)
    return table


def help_table(keymap: dict[str, str] | None = None) -> Group:
    """Every binding as it is mapped now, with the id to use in config.toml's [keys] table."""
    sections = []
    for scope, title in SCOPES:
        table = _section(title)
        for key in KEYS:
            if key.scope == scope:
                table.add_row(Text(key_label(key, keymap)), Text(key.help or key.description), Text(key.id))
        sections += [table, Text("")]
    mouse = _section("Mouse")
    mouse.add_row("click", Text("open an article, choose an entity, move between panes"), "")
    mouse.add_row("wheel", Text("scroll lists and the article"), "")
    other = _section("Elsewhere")
    other.add_row("ctrl+p", Text("command palette: re-index, refresh feeds, filter by feed, entity types, themes, saved searches"), "")
    other.add_row("config", Text('remap keys in config.toml under [keys], e.g. star = "x" (ids on the right)'), "")
    return Group(*sections, mouse, Text(""), other)


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="close_help"),
        Binding("j,down", "scroll('down')", "Down", show=False),
        Binding("k,up", "scroll('up')", "Up", show=False),
        Binding("space,pagedown", "scroll('page_down')", "Page down", show=False),
        Binding("b,pageup", "scroll('page_up')", "Page up", show=False),
        Binding("g,home", "scroll('home')", "Top", show=False),
        Binding("G,end", "scroll('end')", "Bottom", show=False),
    ]

    def compose(self):
        with VerticalScroll(id="help-box"):
            yield Static(Text("Keys", style="bold"), markup=False)
            yield Static(help_table(getattr(self.app, "_keymap", {})), id="help-table", markup=False)
            yield Static(Text.assemble(("Entity colours: ", "bold"), legend()), markup=False)
            yield Static(Text("escape, q or ? closes this screen", style="dim"), markup=False)

    def on_mount(self) -> None:
        self.query_one("#help-box", VerticalScroll).focus()

    def action_scroll(self, where: str) -> None:
        """The help is longer than a small terminal: the reader's own movement keys scroll it."""
        box = self.query_one("#help-box", VerticalScroll)
        getattr(box, f"scroll_{where}")(animate=False)

    def action_dismiss(self) -> None:
        self.dismiss(None)
