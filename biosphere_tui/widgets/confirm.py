"""A modal confirmation that names what will change; only ``y`` (or the button) confirms."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, Static

from biosphere_tui.i18n import _, t
from biosphere_tui.local.folders import export_dir

MAX_LISTED = 30


class ConfirmDialog(ModalScreen[bool]):
    """Dismisses with True on ``y`` / Confirm, False on ``n`` / Esc / Cancel."""

    BINDINGS = [("y", "answer(True)", "Yes"), ("n", "answer(False)", "No"), ("escape", "answer(False)", "Cancel")]

    def __init__(self, title: str, items: Sequence[str] = (), *, action: str = "Confirm", danger: bool = True) -> None:
        super().__init__()
        self.title_text = _(title)
        self.items = list(items)
        self.action_label = _(action)
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, markup=False, id="question")
            if self.items:
                shown = self.items[:MAX_LISTED]
                more = len(self.items) - len(shown)
                with VerticalScroll(id="items"):
                    yield Static("\n".join(f"• {item}" for item in shown) + (t("\n… and {n} more", n=more) if more else ""),
                                 markup=False)
            with Horizontal(id="buttons"):
                yield Button(f"{self.action_label} (y)", id="yes", variant="error" if self.danger else "primary")
                yield Button(_("Cancel") + " (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class ReasonDialog(ModalScreen[str | None]):
    """Asks for a short text (e.g. why a request is rejected); None when cancelled."""

    BINDINGS = [("escape", "cancel", "Cancel")]

    def __init__(self, title: str, items: Sequence[str] = (), *, placeholder: str = "reason", required: bool = True,
                 value: str = "", hint: str = "Please give a reason: it is sent to the person.",
                 action: str = "Send") -> None:
        super().__init__()
        self.action = _(action)
        self.title_text = _(title)
        self.items = list(items)
        self.placeholder = _(placeholder)
        self.required = required
        self.value = value
        self.hint = _(hint)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, markup=False, id="question")
            if self.items:
                with VerticalScroll(id="items"):
                    yield Static("\n".join(f"• {item}" for item in self.items[:MAX_LISTED]), markup=False)
            yield Input(self.value, placeholder=self.placeholder, id="reason")
            yield Label("", markup=False, id="hint")
            with Horizontal(id="buttons"):
                yield Button(f"{self.action} (enter)", id="yes", variant="primary")
                yield Button(_("Cancel") + " (esc)", id="no")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._send()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "yes":
            self._send()
        else:
            self.dismiss(None)

    def _send(self) -> None:
        text = self.query_one(Input).value.strip()
        if self.required and not text:
            self.query_one("#hint", Label).update(self.hint)
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


def export_path(answer: str, default: str) -> Path:
    """Where an export goes: ``answer`` as a file, or ``default`` inside it if it is a folder;
    relative to the working directory."""
    target = Path(answer).expanduser()
    target = target if target.is_absolute() else Path.cwd() / target
    return target / default if target.is_dir() else target


def ask_export(screen: Screen[Any], question: str, default: str, write: Callable[[Path], None]) -> None:
    """Ask where to write an export (the file ``default`` in ``export_dir()`` proposed, to edit), then
    ``write`` it there; a failure to write is said in a toast."""
    proposed = str(export_dir() / default)

    def answered(answer: str | None) -> None:
        if answer is None:
            return
        target = export_path(answer, default)
        try:
            write(target)
        except OSError as exc:
            screen.notify(t("The export could not be written to {path} ({error}).", path=target, error=exc.strerror),
                          severity="error")

    screen.app.push_screen(ReasonDialog(question, placeholder=proposed, value=proposed, action="Export",
                                        hint="Please give a file or folder to write to."), answered)
