"""The ``/`` filter line: hidden until asked for, Esc clears it and hands focus back. When a
filter changes, the screen's tables put their cursor on their first matching row."""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input

from biosphere_tui.i18n import _
from biosphere_tui.widgets.keyed_table import KeyedTable
from biosphere_tui.widgets.line_table import LineTable


def restart_cursors(screen: Screen) -> None:
    """The screen's filter changed: each of its tables puts its cursor on the first row it shows next
    (not on the row that happens to have the old cursor's number: Enter would act on another row)."""
    for table in screen.query(KeyedTable):
        table.restart_cursor()
    for lines in screen.query(LineTable):
        lines.restart_cursor()


class FilterBar(Input):
    """Screens bind ``/`` to ``open()`` and react to ``Input.Changed`` from it (id ``filter``)."""

    BINDINGS = [Binding("escape", "close", "Clear filter"), Binding("enter", "done", "Keep filter", show=False)]

    def __init__(self, placeholder: str = "filter…  (esc clears)") -> None:
        super().__init__(placeholder=_(placeholder), id="filter")
        self.display = False
        self.can_focus = False  # hidden: the screen's auto-focus must not land here

    def on_input_changed(self, event: Input.Changed) -> None:
        """Runs before the screen hears of it (and reloads its tables)."""
        restart_cursors(self.screen)

    def open(self) -> None:
        self.display = True
        self.can_focus = True
        self.focus()

    def action_close(self) -> None:
        self.value = ""
        self._leave(keep=False)

    def action_done(self) -> None:
        self._leave(keep=bool(self.value))

    def _leave(self, *, keep: bool) -> None:
        self.display = keep
        self.can_focus = False
        self.screen.focus_next()
