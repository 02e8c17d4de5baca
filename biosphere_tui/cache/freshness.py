"""How old a source's data is and which sources failed, in words: for the app's freshness bar and the
scripted commands' stderr."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from biosphere_tui.cache.reader import Freshness
from biosphere_tui.i18n import _, t


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
