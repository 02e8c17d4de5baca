"""Pilot helpers: waiting for workers, refreshes and conditions (never a fixed sleep); filling a
field at once where typing it key by key is not what the test is about."""

from __future__ import annotations

import re
from collections.abc import Callable

from textual.widget import Widget
from textual.widgets import Input, TextArea

from biosphere_tui.app import BiosphereApp
from biosphere_tui.widgets.filter_bar import FilterBar


async def settle(app: BiosphereApp, pilot, until: Callable[[], bool] = lambda: True) -> None:  # noqa: ANN001
    """Wait for workers (refreshes, actions) to finish and ``until()`` to hold."""
    for _ in range(300):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if until() and not app._refreshing:
            return
    raise AssertionError("the app did not settle")


async def wait_refreshes(app: BiosphereApp, pilot, count: int) -> None:  # noqa: ANN001
    await settle(app, pilot, lambda: app.refreshes >= count)


async def fill(pilot, field: Widget | str | None, text: str) -> None:  # noqa: ANN001
    """Focus ``field`` (an Input or a TextArea, or a selector on the current screen) and replace its text with
    ``text`` at once. Its ``Changed`` message follows as after typing, so hints, validation and
    filters react; each typed key would instead cost a whole event round trip and repaint. Tests
    about key handling in a field (keys that must not leak out, narrowing as one types) still press keys."""
    widget = pilot.app.screen.query_one(field) if isinstance(field, str) else field
    assert widget is not None, "no field has the focus"
    widget.focus()
    await pilot.pause()  # focused first: an Input selects its text as it takes the focus
    if isinstance(widget, TextArea):
        widget.text = text
        widget.move_cursor(widget.document.end)  # where typing leaves it
    else:
        assert isinstance(widget, Input), f"{field} is not a text field"
        assert not widget.restrict or re.fullmatch(widget.restrict, text), f"{text!r}: typing it would be refused"
        assert not widget.max_length or len(text) <= widget.max_length, f"{text!r}: longer than the field takes"
        widget.value = text
        widget.cursor_position = len(text)
    await pilot.pause()


async def set_filter(pilot, text: str) -> None:  # noqa: ANN001
    """Open the screen's filter bar with ``/`` and fill it with ``text``; the bar keeps the focus."""
    await pilot.press("slash")
    await fill(pilot, pilot.app.screen.query_one(FilterBar), text)
