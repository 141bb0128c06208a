"""The key footer: the keys that apply now, drawn as one line by one widget."""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text
from textual import events
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget


class ShownKey(NamedTuple):
    key: str  # what a click presses
    display: str  # how the key is written ("/", "^p")
    description: str
    enabled: bool


class KeyFooter(Widget, can_focus=False):
    """Why not Textual's ``Footer``: it makes one widget per key, and only after the screen's first
    bindings update, so the first frame had an empty bottom line that filled in a moment later with nine
    more widgets to style and lay out. This draws the same keys in the first frame as one line of text.

    It follows the keys that apply (the focused pane's, then the screen's and the app's), redraws only
    when they change, dims a key that cannot be used now, and a click presses the key, as in ``Footer``.
    The command palette's key sits at the right end while it fits.
    """

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-footer--key", "key-footer--description", "key-footer--hover"}
    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        .key-footer--key { color: $footer-key-foreground; text-style: bold; }
        .key-footer--description { color: $footer-description-foreground; }
        .key-footer--hover { background: $block-hover-background; }
    }
    """

    hovered: reactive[int | None] = reactive(None)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: tuple[tuple[ShownKey, ...], ShownKey | None] | None = None
        self._spans: list[tuple[int, int, ShownKey]] = []  # x range of each drawn key, for the mouse

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        if screen is self.screen and self._keys() != self._shown:
            self.refresh()

    def _keys(self) -> tuple[tuple[ShownKey, ...], ShownKey | None]:
        """The shown keys in binding order (one per action), and the command palette's key."""
        app = self.app
        keys: list[ShownKey] = []
        actions: set[str] = set()
        palette = None
        for _, binding, enabled, _tooltip in self.screen.active_bindings.values():
            shown = ShownKey(binding.key, app.get_key_display(binding), binding.description, enabled)
            if binding.action == "command_palette" and app.ENABLE_COMMAND_PALETTE:
                palette = palette or shown
            elif binding.show and binding.action not in actions:
                actions.add(binding.action)
                keys.append(shown)
        return tuple(keys), palette

    def render(self) -> Text:
        keys, palette = self._shown = self._keys()
        key_style = self.get_component_rich_style("key-footer--key", partial=True)
        description_style = self.get_component_rich_style("key-footer--description", partial=True)
        hover_style = self.get_component_rich_style("key-footer--hover", partial=True)
        width = self.size.width
        line = Text(no_wrap=True, overflow="crop", end="")
        self._spans = []

        def add(item: ShownKey, lead: str = " ") -> None:
            start = line.cell_len
            line.append(f"{lead}{item.display} ", key_style)
            line.append(f"{item.description} ", description_style)
            end = line.cell_len
            if not item.enabled:
                line.stylize("dim", start, end)
            if len(self._spans) == self.hovered:
                line.stylize(hover_style, start, end)
            self._spans.append((start, end, item))

        for item in keys:
            add(item)
        if palette is not None:
            label = f"{palette.display} {palette.description} "
            room = width - line.cell_len - len(label) - 1
            if room >= 0:  # on a narrow terminal the palette key gives way to the reader's own keys
                line.append(" " * room + "▏", "dim")
                add(palette, lead="")
        return line

    def _key_at(self, x: int) -> int | None:
        return next((i for i, (start, end, _) in enumerate(self._spans) if start <= x < end), None)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.hovered = self._key_at(event.x)

    def on_leave(self, event: events.Leave) -> None:
        self.hovered = None

    def on_click(self, event: events.Click) -> None:
        index = self._key_at(event.x)
        if index is None:
            return
        event.stop()
        item = self._spans[index][2]
        if item.enabled:
            self.app.simulate_key(item.key)
        else:
            self.app.bell()
