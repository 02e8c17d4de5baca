"""The new-project-group form: the fields of the IFB support request, checked as the portal checks
them (``GroupCreate`` in docs/portal-api.yaml, bounds included) before sending.

Each field's problem is shown under it when the user asks to send, and cleared (or updated) as
soon as the field changes. The form only gathers and checks the fields; it dismisses with them and
the groups screen sends the request (and keeps the draft if the portal refuses it).
"""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from biosphere_tui.i18n import _, t
from biosphere_tui.rules.group_draft import FUNDINGS, RESOURCES, TEXT_FIELDS, GroupDraft, attention, check
from biosphere_tui.screens.base import Footer, Form, Header, OwnRules, TranslatedBindings


class GroupRequestScreen(Form, OwnRules, TranslatedBindings, Screen[GroupDraft | None]):
    """Dismisses with a checked draft, or None when cancelled."""
    CSS_PATH = Path(__file__).with_name("groups.tcss")  # read when the screen is first shown

    TITLE = "Request a new project group"
    BINDINGS = [
        Binding("ctrl+s", "send", "Send request"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, draft: GroupDraft) -> None:
        super().__init__()
        self.draft = draft
        self.title = _(self.TITLE)

    def compose(self) -> ComposeResult:
        d = self.draft
        yield Header()
        with VerticalScroll(id="form"):
            yield Static(_("Filed by the project's administrative lead; the IFB committee reviews it and tells "
                           "you the resources granted. The project's leads become the group's admins."), markup=False, id="intro")
            with Horizontal(classes="row"):
                yield self._field("short_name", _("Short name"), Input(
                    d.short_name, placeholder=_("e.g. plankton-rna"), restrict=r"[a-z0-9-]*", max_length=30))
                yield self._field("full_name", _("Full name"), Input(d.full_name, placeholder=_("the project's title")),
                                  classes="wide")
            with Horizontal(classes="row"):
                for name, label in (("start_date", "Start date"), ("end_date", "End date (accounts end then)")):
                    yield self._field(name, _(label), Input(getattr(d, name), placeholder=_("YYYY-MM-DD"),
                                                         restrict=r"[0-9-]*", max_length=10))
                yield self._field("funding", _("Funding"), Select(
                    [(_(text), value) for value, text in FUNDINGS], value=d.funding, allow_blank=False), classes="wide")
            yield self._field("summary", _("Scientific summary"), TextArea(d.summary))
            with Horizontal(classes="row"):
                for name, label in RESOURCES:
                    yield self._field(name, t("{label} asked", label=_(label)), Input(getattr(d, name), type="integer",
                                                                                  placeholder=_("e.g. 64")))
            with Horizontal(id="form-buttons"):
                yield Button(_("Send request") + " (ctrl+s)", id="send", variant="primary")
                yield Button(_("Cancel") + " (esc)", id="cancel")
        yield Footer()

    @staticmethod
    def _field(name: str, label: str, widget: Widget, classes: str = "") -> Vertical:
        widget.id = name
        return Vertical(Label(label), widget, Label("", markup=False, id=f"{name}-problem", classes="problem"),
                        classes=f"field {classes}".strip())

    def on_mount(self) -> None:
        self.query_one("#short_name", Input).focus()

    def current(self) -> GroupDraft:
        values = {name: self.query_one(f"#{name}", Input).value.strip() for name in TEXT_FIELDS}
        funding = self.query_one("#funding", Select).value
        return GroupDraft(**values, summary=self.query_one("#summary", TextArea).text.strip(),
                          funding=funding if isinstance(funding, str) else "")

    def _show(self, problems: dict[str, str], *, every: bool) -> None:
        """Each field's problem under it: of ``every`` field (on send), else of those showing one
        (on a change: a fixed field's clears, another's follows what was typed)."""
        for label in self.query(".problem").results(Label):
            if every or label.display:
                problem = problems.get((label.id or "").removesuffix("-problem"), "")
                label.update(problem)
                label.display = bool(problem)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._show(check(self.current()), every=False)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._show(check(self.current()), every=False)

    def on_select_changed(self, event: Select.Changed) -> None:
        self._show(check(self.current()), every=False)

    def action_send(self) -> None:
        draft = self.current()
        problems = check(draft)
        self._show(problems, every=True)
        if problems:
            self.query_one(f"#{next(iter(problems))}").focus()
            self.notify(attention(problems), severity="warning")
            return
        self.dismiss(draft)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_send() if event.button.id == "send" else self.action_cancel()
