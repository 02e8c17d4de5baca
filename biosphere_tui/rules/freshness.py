"""The freshness policy, with no UI: when data is stale, the state of each source (fresh,
refreshing, stale, failing since when), and all of it in words — the same on every screen of the
app and on the scripted commands' stderr."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from biosphere_tui.i18n import _, day, plural, t
from biosphere_tui.models.sources import Freshness

STALE_AFTER_REFRESHES = 3  # data is stale once this many background refreshes have been missed


def stale_after(refresh_interval: float) -> float:
    """Seconds after which a source's last good data is stale."""
    return refresh_interval * STALE_AFTER_REFRESHES


def outdated(last_success: datetime | None, now: datetime, limit: float) -> bool:
    """Never good, or good longer than ``limit`` seconds ago."""
    return last_success is None or (now - last_success).total_seconds() > limit


class State(Enum):
    FRESH = "fresh"
    REFRESHING = "refreshing"
    STALE = "stale"
    FAILING = "failing"


def state(row: Freshness, now: datetime, limit: float, *, refreshing: bool = False) -> State:
    """One state per source: failing (its last try failed) before refreshing (being asked now)
    before stale (good data, older than ``limit`` seconds) before fresh."""
    if not row.ok:
        return State.FAILING
    if refreshing:
        return State.REFRESHING
    return State.STALE if outdated(row.last_success, now, limit) else State.FRESH


def clock(at: datetime, now: datetime) -> str:
    """'12:03 UTC', with the day when it is not today."""
    return f"{at:%H:%M} UTC" if at.date() == now.date() else f"{day(at)} {at:%H:%M} UTC"


def span(seconds: float) -> str:
    """'12 s', '3 min', '2 h', '4 d' — a duration in its largest whole unit."""
    whole = max(int(seconds), 0)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if whole >= size:
            return f"{whole // size} {_(unit)}"  # French writes days "j"
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
        """'ifb-bird-stack: cannot connect — failing since 12:03 UTC, data 4 min old — retrying in 40 s'."""
        data = _("no data yet") if self.last_success is None else t(
            "failing since {clock}, data {age} old", clock=clock(self.last_success, now), age=age(self.last_success, now))
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
            grouped.setdefault((_family(r.source), r.last_error or "no answer yet"), []).append(r)
    found = []
    for (family, error), members in grouped.items():
        name = label(members[0].source) if len(members) == 1 else t("{family} ({n} sources)", family=family, n=len(members))
        successes = [m.last_success for m in members if m.last_success is not None]
        retries = [m.retry_at for m in members if m.retry_at is not None]
        oldest = min(successes) if len(successes) == len(members) else None
        found.append(Failing(name, error, oldest, min(retries) if retries else None))
    return found


def _family(source: str) -> str:
    return "portal" if source.startswith("portal.") else source


@dataclass(frozen=True)
class Summary:
    """Every source counted by state, for one line (the failing ones have lines of their own)."""

    total: int
    fresh: list[Freshness]
    refreshing: list[Freshness]
    stale: list[Freshness]

    @property
    def state(self) -> State | None:
        """What the line says as a whole: stale if any is, else refreshing, else fresh; None if
        every source failed (nothing to say here)."""
        return (State.STALE if self.stale else State.REFRESHING if self.refreshing
                else State.FRESH if self.fresh else None)

    def phrases(self, now: datetime) -> tuple[str, str]:
        """The headline and the rest: ('refreshing 2 sources…', ', 8/11 sources fresh, oldest 12 s ago,
        stale: ifb-core-cloud (data 3 min old)')."""
        said: list[tuple[str, str]] = []  # (what, its detail)
        if self.refreshing:
            said.append((plural(len(self.refreshing), "refreshing {n} source…", "refreshing {n} sources…"), ""))
        if self.fresh or not self.refreshing:
            oldest = min((r.last_success for r in self.fresh if r.last_success), default=None)
            said.append((t("{fresh}/{total} sources fresh", fresh=len(self.fresh), total=self.total),
                         t(", oldest {age} ago", age=age(oldest, now)) if oldest else ""))
        if self.stale:
            names = ", ".join(dict.fromkeys(label(_family(r.source)) for r in self.stale))
            oldest = min(r.last_success for r in self.stale if r.last_success)
            said.append((t("stale: {sources} (data {age} old)", sources=names, age=age(oldest, now)), ""))
        (head, detail), others = said[0], said[1:]
        return head, detail + "".join(f", {what}{more}" for what, more in others)

    def words(self, now: datetime) -> str:
        return "".join(self.phrases(now))


def summary(rows: Sequence[Freshness], now: datetime, limit: float,
            refreshing: Callable[[str], bool] = lambda _source: False) -> Summary:
    """Count the sources by state (``refreshing``: whether a source is being asked now)."""
    by_state: dict[State, list[Freshness]] = {s: [] for s in State}
    for r in rows:
        by_state[state(r, now, limit, refreshing=refreshing(r.source))].append(r)
    return Summary(len(rows), by_state[State.FRESH], by_state[State.REFRESHING], by_state[State.STALE])
