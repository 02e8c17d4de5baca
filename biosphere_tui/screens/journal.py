"""Journal: every action done through the app, newest first, with its result and its API requests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.containers import VerticalScroll
from textual.widgets import Static

from biosphere_tui.i18n import _, plural, t
from biosphere_tui.local.journal import FAILED, OK, Entry
from biosphere_tui.rules.freshness import age
from biosphere_tui.screens.base import BiosphereScreen
from biosphere_tui.widgets.filter_bar import Filterable, filter_key
from biosphere_tui.widgets.line_table import LineTable
from biosphere_tui.widgets.palette import style

RESULT_ROLES = {OK: "ok", FAILED: "strong-error"}  # partly failed: warning


def searchable(e: Entry) -> str:
    return " ".join([e.user, e.shown, e.action, _(e.result), e.result, e.message, *e.requests,
                     *(i.item for i in e.items)]).lower()


class JournalTable(LineTable):
    COLUMNS = (("when", "when (UTC)", 2), ("ago", "ago"), ("who", "who", 1), ("result", "result"), ("action", "action"))


class JournalScreen(Filterable, BiosphereScreen):
    CSS_PATH = Path(__file__).with_suffix(".tcss")  # read when the screen is first shown
    FILTER_HINT = "filter by action, person, result or request…  (esc clears)"
    SOURCES = ("portal.account",)
    AUTO_FOCUS = "#journal"  # not the hidden filter bar
    HELP = ("Journal: every action you did through this app (launch, delete, approve, reject, join, group "
            "request), newest first: who, when, the result item by item, and the portal requests that were sent. "
            "It is kept on this computer only, in your data folder, and never holds your token.")
    BINDINGS = [filter_key()]

    def __init__(self) -> None:
        super().__init__()
        self._entries: dict[str, Entry] = {}

    def compose_body(self) -> ComposeResult:
        yield self.filter_bar()
        yield JournalTable(id="journal")
        with VerticalScroll(id="entry-pane"):
            yield Static(markup=False, id="entry")

    def reload_body(self) -> None:
        try:
            found, unreadable = self.app.journal.entries()
        except OSError as exc:
            found, unreadable = [], 0
            self.notify(t("The journal {path} cannot be read ({error}).", path=self.app.journal.path, error=exc.strerror),
                        severity="error")
        shown = [(key, e) for key, e in found if self.filter_text.lower() in searchable(e)]
        self._entries = dict(shown)
        title = plural(len(found), "Journal — {n} action", "Journal — {n} actions")
        title += t(", {n} matching “{text}”", n=len(shown), text=self.filter_text) if self.filter_text else ""
        title += plural(unreadable, " ({n} unreadable line skipped)", " ({n} unreadable lines skipped)") if unreadable else ""
        self.title = title
        now = self.app.now()
        self.query_one(JournalTable).show([(key, [
            f"{e.at:%Y-%m-%d %H:%M:%S}", age(e.at, now), e.user or "?",
            Text(_(e.result), style=style(RESULT_ROLES.get(e.result, "warning"))), e.shown,
        ]) for key, e in shown])
        self._show_entry()

    def _show_entry(self) -> None:
        key = self.query_one(JournalTable).current_key
        e = self._entries.get(key) if key else None
        detail = self.query_one("#entry", Static)
        if e is None:
            detail.update(t("No action matches “{text}”.", text=self.filter_text) if self.filter_text else
                          _("No action yet: what you launch, delete, approve, reject or request is recorded here."))
            return
        text = Text.assemble((e.shown, "bold"), " · " + t("by {user}", user=e.user or "?")
                             + f" · {e.at:%Y-%m-%d %H:%M:%S} UTC · ", (_(e.result), style(RESULT_ROLES.get(e.result, "warning"))))
        if e.message:
            text.append(f" · {e.message}")
        for item in e.items:
            text.append(f"\n  {'✓' if item.ok else '✗'} {item.item}: {item.message}",
                        style="" if item.ok else style("error"))
        text.append("\n" + (_("API requests:") if e.requests else _("No request reached the portal.")), style="dim")
        for request in e.requests:
            text.append(f"\n  {request}", style=style("info"))
        detail.update(text)

    def on_line_table_row_highlighted(self, event: LineTable.RowHighlighted) -> None:
        self._show_entry()

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(_("Filter the journal"), _("Show only the matching actions (key /)"), self.action_filter)
