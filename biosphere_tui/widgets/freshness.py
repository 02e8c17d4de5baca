"""A badge per data source: fresh, refreshing, stale, or failing since when with its plain error,
data age and retry — in the words of the freshness policy (``cache/freshness.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, cast

from rich.text import Text
from textual.widgets import Static

from biosphere_tui.i18n import _
from biosphere_tui.models.sources import Freshness
from biosphere_tui.rules.freshness import State, failing, summary
from biosphere_tui.widgets.palette import style
from biosphere_tui.widgets.shown import RepaintedWhenShown

MARKS = {State.FRESH: ("● ", "ok"), State.REFRESHING: ("⟳ ", "info"), State.STALE: ("◌ ", "warning")}


class _Clocked(Protocol):
    """The app: its clock (injectable in tests) and whether a source is being refreshed now."""

    def now(self) -> datetime: ...

    def refreshing(self, source: str) -> bool: ...


class FreshnessBar(RepaintedWhenShown, Static):
    """Every source in a line or two, repainted each second from the rows it was last given (no
    reading of the cache): ages count up, retries count down, a refresh shows as it runs."""

    _rows: Sequence[Freshness] = ()
    _stale_after = 0.0
    _shown: Text | None = None

    def on_mount(self) -> None:
        self.set_interval(1.0, self.tick)

    def show(self, rows: Sequence[Freshness], now: datetime, stale_after: float) -> None:
        self._rows, self._stale_after = rows, stale_after
        self._paint(now)

    def tick(self) -> None:
        """Repaint at the app's time (a hidden screen's bar waits to be shown)."""
        if self.screen.is_current:
            self._paint(cast(_Clocked, self.app).now())

    def _paint(self, now: datetime) -> None:
        rows = self._rows
        text = Text()
        failed = failing(rows)
        if not rows:
            text.append(_("No data yet: the first refresh is running…"), style="italic")
        for f in failed:
            text.append("✗ ", style=style("strong-error"))
            head, _sep, rest = f.words(now).partition(" — ")
            text.append(head, style=style("error"))
            text.append(f" — {rest}  ", style="dim")
        line = summary(rows, now, self._stale_after, cast(_Clocked, self.app).refreshing)
        if line.state is not None:
            mark, role = MARKS[line.state]
            head, rest = line.phrases(now)
            text.append(mark, style=style(role))
            text.append(head, style=style(role))
            text.append(rest, style="dim")
        if text != self._shown:  # the same words: no repaint, no new layout of the screen
            self._shown = text
            self.update(text)
        self.set_class(bool(failed), "-failed")
