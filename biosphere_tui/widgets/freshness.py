"""A badge per data source: fresh, stale, or failed with its plain error, data age and retry."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, cast

from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

from biosphere_tui.cache.reader import Freshness
from biosphere_tui.i18n import _, t


class _Clocked(Protocol):
    """The app's clock (injectable in tests): the countdown follows it, not the wall."""

    def now(self) -> datetime: ...


def span(seconds: float) -> str:
    """'12 s', '3 min', '2 h', '4 d' — a duration in its largest whole unit."""
    whole = max(int(seconds), 0)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if whole >= size:
            return f"{whole // size} {unit}"
    return f"{whole} s"


def age(then: datetime | None, now: datetime) -> str:
    """'12 s', '3 min', '2 h', '4 d' — how long ago ``then`` was."""
    return _("never") if then is None else span((now - then).total_seconds())


def label(source: str) -> str:
    return source.removeprefix("site.").removeprefix("portal.")


@dataclass(frozen=True)
class Failing:
    """Failed sources sharing one error: the portal's sources fail together when it is down."""

    label: str
    error: str
    last_success: datetime | None  # the oldest data among them
    retry_at: datetime | None  # the soonest try among them; None: at the next refresh

    def words(self, now: datetime) -> str:
        """'ifb-bird-stack: cannot connect — data 4 min old — retrying in 40 s'."""
        data = _("no data yet") if self.last_success is None else t("data {age} old", age=age(self.last_success, now))
        parts = [f"{self.label}: {_(self.error)}", data]
        if self.retry_at is not None:
            wait = (self.retry_at - now).total_seconds()
            parts.append(t("retrying in {wait}", wait=span(math.ceil(wait))) if wait > 0 else _("retrying at the next refresh"))
        return " — ".join(parts)


def failing(rows: Sequence[Freshness]) -> list[Failing]:
    """The failed sources, those of one family (portal, or one site) with the same error as one."""
    grouped: dict[tuple[str, str], list[Freshness]] = {}
    for r in rows:
        if not r.ok:
            family = "portal" if r.source.startswith("portal.") else r.source
            grouped.setdefault((family, r.last_error or "no answer yet"), []).append(r)
    found = []
    for (family, error), members in grouped.items():
        name = label(members[0].source) if len(members) == 1 else t("{family} ({n} sources)", family=family, n=len(members))
        successes = [m.last_success for m in members if m.last_success is not None]
        retries = [m.retry_at for m in members if m.retry_at is not None]
        oldest = min(successes) if len(successes) == len(members) else None
        found.append(Failing(name, error, oldest, min(retries) if retries else None))
    return found


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
