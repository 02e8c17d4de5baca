"""``?``: every key binding of the screen underneath, and what the screen is for."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


def bindings_table(screen: Screen) -> Table:
    table = Table(box=None, padding=(0, 2), show_header=True, header_style="bold")
    table.add_column("key")
    table.add_column("action")
    seen: set[str] = set()
    for key, active in screen.active_bindings.items():
        binding = active.binding
        label = binding.description or binding.action
        if binding.action.startswith("app.switch_mode") or key in seen or not label:
            continue
        seen.add(key)
        table.add_row(screen.app.get_key_display(binding), label)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, screen: Screen, screens: list[tuple[str, str]]) -> None:
        super().__init__()
        self.target = screen
        self.screens = screens

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            about = getattr(self.target, "HELP", "")
            if about:
                yield Static(about, id="about")
            yield Static(bindings_table(self.target), id="keys")
            jumps = "  ".join(f"[b]{key}[/b] {title}" for key, title in self.screens)
            yield Static(f"\nScreens: {jumps}\n[b]:[/b] jump to a screen by name · [b]ctrl+p[/b] every command · "
                         "[b]esc[/b] back", id="screens")
