"""``?``: every key binding of the screen underneath, and what the screen is for."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from biosphere_tui.i18n import _

MOVES = {"cursor_up", "cursor_down", "cursor_left", "cursor_right", "page_up", "page_down", "page_left",
         "page_right", "scroll_home", "scroll_end", "scroll_top", "scroll_bottom", "scroll_up", "scroll_down",
         "scroll_left", "scroll_right", "first", "last"}


def bindings_table(screen: Screen) -> Table:
    """The screen's and the app's own keys first, one row per action with all its keys;
    moving around is summed up in one line. Keys a terminal cannot send (``super+…``, the
    macOS command key) and Textual's hidden system keys are left out."""
    table = Table(box=None, padding=(0, 2), show_header=True, header_style="bold")
    table.add_column(_("key"))
    table.add_column(_("action"))
    rows: dict[tuple[int, str], tuple[list[str], str]] = {}
    ordered = sorted(screen.active_bindings.items(), key=lambda kv: kv[1].node is screen.app)
    for key, active in ordered:
        binding = active.binding
        if binding.action in MOVES or "switch_mode" in binding.action or not binding.description:
            continue
        if binding.system or key.startswith("super+"):
            continue
        keys, _description = rows.setdefault((id(active.node), binding.action), ([], binding.description))
        shown = screen.app.get_key_display(binding)
        if shown not in keys:
            keys.append(shown)
    for keys, description in rows.values():
        table.add_row(Text(" ".join(sorted(keys, key=len))), Text(description))  # "q ^q": the plain key first
    table.add_row("↑ ↓ ← → pgup pgdn home end", _("move around"))
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
                yield Static(_(about), id="about")
            yield Static(bindings_table(self.target), id="keys")
            jumps = "  ".join(f"[b]{key}[/b] {title}" for key, title in self.screens)
            yield Static("\n" + _("Screens:") + f" {jumps}\n[b]:[/b] " + _("jump to a screen by name") +
                         " · [b]ctrl+p[/b] " + _("every command") + " · [b]P[/b] " + _("privacy mode") +
                         " · [b]esc[/b] " + _("back"), id="screens")
