"""The related-articles dialog: the open article's nearest neighbours; enter opens one."""

from __future__ import annotations

from rich.text import Text
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...index.models import Hit
from ..keys import bindings, key_map
from ..render import safe
from ..widgets.article_list import hit_date


class RelatedList(OptionList):
    BINDINGS = bindings("list")


class RelatedScreen(ModalScreen[str | None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = bindings("related")

    def __init__(self, title: str, hits: list[Hit]) -> None:
        super().__init__()
        self.source_title = title
        self.hits = hits

    def compose(self):
        with Vertical(id="related-box"):
            yield Static(Text.assemble(("Related to ", "bold"), (safe(self.source_title), "italic")),
                         markup=False, id="related-title")
            options = [Option(Text.assemble(safe(h.title), (f"\n{' · '.join(x for x in (safe(h.source), hit_date(h)) if x)}",
                                                              "dim")), id=h.id) for h in self.hits]
            if not options:
                options = [Option(Text("No related articles in this library.", style="dim"), disabled=True)]
            yield RelatedList(*options, id="related-list")
            yield Static(Text(key_map(self).hint(("list.open", "opens"), ("dialog.close", "closes")), style="dim"),
                         markup=False)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
