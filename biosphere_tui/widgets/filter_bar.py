"""The ``/`` filter: a line hidden until asked for (Esc clears it and hands focus back), and the
one behaviour every screen with it shares (``Filterable``). When the text changes the bar tells its
screen at once (``Filterable.filter_typed``); the screen keeps the text in ``filter_text``, puts each
table's cursor on its first matching row and shows the rows again.

At once, not by a message: the key's own echo would be drawn before the message reached the screen,
and the rows and title it shows a frame or two later (Textual draws at most every 1/60 s, and a
change asked for just after a frame waits up to two periods: ~33 ms of the key's ~40 ms). And drawn
in one frame: each widget tells the screen it changed by a message of its own, at its next idle
moment; the bar's came first and the screen drew it alone, the table and title waiting for the
next frame (25-35 ms of the slowest keys at scale 200). So the screen is repainted whole at the
next frame (the lines of the widgets that did not change come from their caches)."""

from __future__ import annotations

from typing import Any, cast

from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input

from biosphere_tui.i18n import _
from biosphere_tui.widgets.line_table import LineTable


def filter_key(description: str = "Filter") -> Binding:
    """The ``/`` key of a screen with a filter bar (put it in the screen's ``BINDINGS``)."""
    return Binding("slash", "filter", description, key_display="/")


def restart_cursors(screen: Screen) -> None:
    """The screen's filter changed: each of its tables puts its cursor on the first row it shows next
    (not on the row that happens to have the old cursor's number: Enter would act on another row)."""
    for table in screen.query(LineTable):
        table.restart_cursor()


class FilterBar(Input):
    """Hidden until ``open()``; at each change its screen filters by the trimmed text, in the same call."""

    BINDINGS = [Binding("escape", "close", "Clear filter"), Binding("enter", "done", "Keep filter", show=False)]

    def __init__(self, placeholder: str = "filter…  (esc clears)") -> None:
        super().__init__(placeholder=_(placeholder), id="filter")
        self.display = False
        self.can_focus = False  # hidden: the screen's auto-focus must not land here

    @property
    def content_width(self) -> int:
        """At least the bar's own width: a key typed while the text fits changes no size (Textual lays the
        whole screen out again when an Input's virtual size changes, then repaints the table's scroll bar a
        frame later)."""
        return max(super().content_width, self.scrollable_content_region.width)

    def watch_value(self, value: str) -> None:
        screen = self.screen
        if isinstance(screen, Filterable):
            screen.filter_typed(value.strip())

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()  # the screen heard the text already (``watch_value``)

    def open(self) -> None:
        self.display = True
        self.can_focus = True
        self.focus()

    def action_close(self) -> None:
        self.value = ""
        self.leave(keep=False)

    def action_done(self) -> None:
        self.leave(keep=bool(self.value))

    def leave(self, *, keep: bool) -> None:
        """Hand the focus back to the screen; the bar stays in sight if ``keep``."""
        self.display = keep
        self.can_focus = False
        self.screen.focus_next()


class Filterable:
    """Mixin for a screen with a ``FilterBar``: put ``filter_key()`` in its ``BINDINGS`` and the bar
    (``filter_bar()``) in its body, read ``filter_text`` in ``reload_body``. ``filter_changed``
    shows the rows again (``reload_body``); a screen that filters otherwise overrides it."""

    FILTER_HINT = "filter…  (esc clears)"
    filter_text = ""

    def filter_bar(self) -> FilterBar:
        return FilterBar(self.FILTER_HINT)

    def action_filter(self) -> None:
        cast(Screen, self).query_one(FilterBar).open()

    def filter_typed(self, text: str) -> None:
        """The bar's text changed (``text``: trimmed, "" when cleared)."""
        if text == self.filter_text:
            return  # a space typed after a word: the same rows, the cursors stay (a windowed table reads none)
        self.filter_text = text
        screen = cast(Screen, self)
        restart_cursors(screen)
        self.filter_changed()
        screen.refresh()  # drawn whole in the next frame, with the key's echo (see the module's docstring)

    def filter_changed(self) -> None:
        cast(Any, self).reload_body()
