"""A badge per data source: fresh, stale, or failed with its plain error, data age and retry."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, cast

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

from biosphere_tui.cache.freshness import age, failing
from biosphere_tui.cache.reader import Freshness
from biosphere_tui.i18n import _, t


class _Clocked(Protocol):
    """The app's clock (injectable in tests): the countdown follows it, not the wall."""

    def now(self) -> datetime: ...


class FreshnessBar(Static):
    """Every source in a line or two; failed sources spell out their error, data age and when
    they are tried again, counted down each second while the app runs."""

    _rows: Sequence[Freshness] = ()
    _stale_after = 0.0
    _ticker: Timer | None = None  # runs only while a retry is counted down

    def show(self, rows: Sequence[Freshness], now: datetime, stale_after: float) -> None:
        self._rows, self._stale_after = rows, stale_after
        self._paint(now)

    def _tick(self) -> None:
        self._paint(cast(_Clocked, self.app).now())

    def _paint(self, now: datetime) -> None:
        rows = self._rows
        text = Text()
        failed = failing(rows)
        fresh = [r for r in rows if r.ok]
        if not rows:
            text.append(_("No data yet: the first refresh is running…"), style="italic")
        for f in failed:
            text.append("✗ ", style="bold red")
            head, _sep, rest = f.words(now).partition(" — ")
            text.append(head, style="red")
            text.append(f" — {rest}  ", style="dim")
        if fresh:
            oldest = min(r.last_success for r in fresh if r.last_success)
            stale = (now - oldest).total_seconds() > self._stale_after
            style = "yellow" if stale else "green"
            text.append("● " if not stale else "◌ ", style=style)
            text.append(t("{fresh}/{total} sources fresh", fresh=len(fresh), total=len(rows)), style=style)
            text.append(t(", oldest {age} ago", age=age(oldest, now)) + (_(" (stale)") if stale else ""), style="dim")
        self.update(text)
        self.set_class(bool(failed), "-failed")
        counting = any(f.retry_at is not None and f.retry_at > now for f in failed)
        if counting and self._ticker is None:
            self._ticker = self.set_interval(1.0, self._tick)
        elif not counting and self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
