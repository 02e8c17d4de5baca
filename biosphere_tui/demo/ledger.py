"""The portal's consumption ledger: VM hours per group, member, site and day."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

from .records import Deployment, UsageDay

USAGE_DAYS = 90


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


_Key = tuple[date, str, str]  # day, member, site


class Ledger:
    """Consumption per group: days before `until` frozen, the current day computed on demand."""

    def __init__(self, until: date) -> None:
        self.until = until
        self._rows: dict[str, dict[_Key, list[float]]] = defaultdict(dict)
        self._sorted: dict[str, tuple[list[date], list[UsageDay]]] = {}

    @staticmethod
    def lifetime(dep: Deployment, now: datetime) -> tuple[datetime, datetime] | None:
        """When *dep* had a VM charged to its group; None if it never had one."""
        if dep.server_id is None:
            return None
        return dep.created, (dep.updated if dep.state.is_final else now)

    def record(self, deps: Iterable[Deployment], since: date, now: datetime) -> None:
        """Add the hours of *deps* from *since* to the start of `until` to the frozen days."""
        first = max(midnight(since), midnight(self.until - timedelta(days=USAGE_DAYS - 1)))
        last = midnight(self.until)
        for dep in deps:
            span = self.lifetime(dep, now)
            if span is None:
                continue
            start, end = max(span[0], first), min(span[1], last)
            rows = self._rows[dep.group_id]
            while start < end:
                stop = min(end, midnight(start.date() + timedelta(days=1)))
                _accrue(rows.setdefault((start.date(), dep.owner, dep.site), [0.0] * 5), dep,
                        (stop - start).total_seconds() / 3600)
                start = stop
        self._sorted.clear()

    def advance(self, deps: Iterable[Deployment], today: date, now: datetime) -> None:
        """Freeze the days between `until` and *today* (after the clock passed midnight)."""
        since, self.until = self.until, today
        self.record(deps, since, now)

    def days(self, gid: str, start: date, end: date) -> list[UsageDay]:
        """Frozen rows of *gid* with start <= day <= end, sorted by day, member, site."""
        if gid not in self._sorted:
            rows = sorted(self._rows[gid].items())
            self._sorted[gid] = ([k[0] for k, _ in rows], [_usage_day(gid, k, v) for k, v in rows])
        days, items = self._sorted[gid]
        return items[bisect_left(days, start):bisect_right(days, end)]

    def today(self, gid: str, deps: Iterable[Deployment], now: datetime) -> list[UsageDay]:
        """The rows of the day in progress, accruing with the clock."""
        day_start = midnight(self.until)
        rows: dict[_Key, list[float]] = {}
        for dep in deps:
            span = self.lifetime(dep, now)
            if span is not None and span[1] > day_start:
                hours = (span[1] - max(span[0], day_start)).total_seconds() / 3600
                _accrue(rows.setdefault((self.until, dep.owner, dep.site), [0.0] * 5), dep, hours)
        return [_usage_day(gid, k, v) for k, v in sorted(rows.items())]


def _accrue(row: list[float], dep: Deployment, hours: float) -> None:
    row[0] += hours
    row[1] += hours * dep.vcpu
    row[2] += hours * dep.ram_gb
    row[3] += hours * dep.disk_gb
    row[4] += hours * dep.gpu


def _usage_day(gid: str, key: _Key, row: list[float]) -> UsageDay:
    return UsageDay(gid, key[0], key[1], key[2], *(round(v, 3) for v in row))

