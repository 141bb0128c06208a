"""The reference for time to first screen: the smallest Textual app that draws something and quits on q."""

from textual.app import App, ComposeResult
from textual.widgets import Static


class Bare(App):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static("Bare Textual app ready")


if __name__ == "__main__":
    Bare().run()
