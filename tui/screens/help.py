"""The help screen: every key the reader answers to, as currently mapped, grouped by where it works."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..keys import DEFAULT_KEYS, KEYS, KeyMap, bindings, key_map, key_text
from ..look import look_of
from ..render import legend

SCOPES = ((("main", "app"), "Anywhere"), (("list",), "In a list (articles, entities, dialogs)"),
          (("article",), "In the article"), (("help",), "On this screen"), (("related",), "Related articles"),
          (("feeds",), "The feed list"), (("save",), "Saving a search"), (("confirm",), "A yes/no question"))


def _section(title: str) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0), expand=True, title=title,
                  title_justify="left", title_style="bold underline")
    table.add_column("key", style="bold #5fafff", no_wrap=True, width=14)
    table.add_column("what", ratio=1)
    table.add_column("id", style="dim", no_wrap=True, width=22)
    return table


def help_table(keys: KeyMap = DEFAULT_KEYS) -> Group:
    """Every binding as it is mapped now, with the id to use in config.toml's [keys] table."""
    sections = []
    for scopes, title in SCOPES:
        table = _section(title)
        for key in KEYS:
            if key.scope in scopes:
                table.add_row(Text(keys.label(key.id, every=True)), Text(key.help or key.description), Text(key.id))
        sections += [table, Text("")]
    mouse = _section("Mouse")
    mouse.add_row("click", Text("open an article, choose an entity, move between panes"), "")
    mouse.add_row("wheel", Text("scroll lists and the article"), "")
    other = _section("Elsewhere")
    other.add_row("config", Text('remap keys in config.toml under [keys], e.g. main.star = "x" (ids on the right)'), "")
    return Group(*sections, mouse, Text(""), other)


def closing_keys(keys: KeyMap) -> str:
    """"escape, q or ? closes this screen", as the keys are mapped now."""
    names = [key_text(k) for k in keys.keys("dialog.close") + keys.keys("main.help")]
    return f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else "".join(names)


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = bindings("help")

    def compose(self):
        keys = key_map(self)
        with VerticalScroll(id="help-box"):
            yield Static(Text("Keys", style="bold"), markup=False)
            yield Static(help_table(keys), id="help-table", markup=False)
            yield Static(Text.assemble(("Entity colours: ", "bold"), legend(look=look_of(self))), markup=False)
            yield Static(Text(f"{closing_keys(keys)} closes this screen", style="dim"), markup=False)

    def on_mount(self) -> None:
        self.query_one("#help-box", VerticalScroll).focus()

    def action_scroll(self, where: str) -> None:
        """The help is longer than a small terminal: the reader's own movement keys scroll it."""
        box = self.query_one("#help-box", VerticalScroll)
        getattr(box, f"scroll_{where}")(animate=False)

    def action_dismiss(self) -> None:
        self.dismiss(None)
