"""The key footer, recomposed only when the keys it shows change."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """Textual's ``Footer`` rebuilds all its key widgets whenever the screen re-checks its bindings: on
    every focus change and every ``refresh_bindings``, even when the same keys come out. Starting the
    reader did that five times (~35 widgets styled and laid out before the first screen); this one
    rebuilds only when a shown key, its label or whether it is enabled has changed.
    """

    _shown: tuple | None = None

    def bindings_changed(self, screen: Screen) -> None:
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            shown = tuple((binding.key, binding.action, binding.description, enabled, tooltip)
                          for _, binding, enabled, tooltip in screen.active_bindings.values()
                          if binding.show or binding.action == "command_palette")
            if shown == self._shown and self._bindings_ready:
                return
            self._shown = shown
        super().bindings_changed(screen)
