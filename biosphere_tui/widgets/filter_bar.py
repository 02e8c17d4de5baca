"""The ``/`` filter line: hidden until asked for, Esc clears it and hands focus back."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input

from biosphere_tui.i18n import _


class FilterBar(Input):
    """Screens bind ``/`` to ``open()`` and react to ``Input.Changed`` from it (id ``filter``)."""

    BINDINGS = [Binding("escape", "close", "Clear filter"), Binding("enter", "done", "Keep filter", show=False)]

    def __init__(self, placeholder: str = "filter…  (esc clears)") -> None:
        super().__init__(placeholder=_(placeholder), id="filter")
        self.display = False
        self.can_focus = False  # hidden: the screen's auto-focus must not land here

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
