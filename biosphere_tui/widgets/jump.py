"""``:`` — type part of a screen's name, Enter to go there (as in k9s)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from biosphere_tui.i18n import _


class JumpDialog(ModalScreen[str | None]):
    """Dismisses with the chosen mode name, or None."""

    BINDINGS = [("escape", "dismiss(None)", "Cancel"), ("down", "move(1)", "Next"), ("up", "move(-1)", "Previous")]

    def __init__(self, screens: list[tuple[str, str]]) -> None:
        super().__init__()
        self.screens = screens  # (mode, title)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Input(placeholder=_(":screen"), id="jump")
            yield OptionList(*self._options(""), id="choices")

    def _options(self, text: str) -> list[Option]:
        text = text.lstrip(":").strip().lower()
        return [Option(title, id=mode) for mode, title in self.screens if text in f"{mode} {title}".lower()]

    def on_input_changed(self, event: Input.Changed) -> None:
        choices = self.query_one(OptionList)
        choices.clear_options()
        choices.add_options(self._options(event.value))
        choices.highlighted = 0 if choices.option_count else None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        choices = self.query_one(OptionList)
        if choices.highlighted is not None:
            self.dismiss(choices.get_option_at_index(choices.highlighted).id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_move(self, step: int) -> None:
        choices = self.query_one(OptionList)
        if choices.option_count:
            choices.highlighted = ((choices.highlighted or 0) + step) % choices.option_count
