"""The portal's consumption ledger: VM hours per group, member, site and day."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from operator import itemgetter
from typing import overload

from .records import Deployment, UsageDay

USAGE_DAYS = 90


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


_Key = tuple[date, str, str]  # day, member, site
_Span = tuple[datetime, datetime | None, Deployment]  # charged from, until (None: still running), to whom


class Ledger:
    """Consumption per group: days before `until` frozen, the current day indexed and read at any time.

    Reading one page of a group's rows costs the page, not the ledger: the frozen rows are sorted
    when recorded (at build and at midnight, never on a read), and the day in progress is indexed
    once per group, then kept up to date deployment by deployment (`changed`) until it is frozen.
    """

    def __init__(self, until: date) -> None:
        self.until = until
        self._rows: dict[str, dict[_Key, list[float]]] = defaultdict(dict)
        self._sorted: dict[tuple[str, str | None], tuple[list[date], list[UsageDay]]] = {}  # by group, member
        self._today: dict[str, _Today] = {}

    @staticmethod
    def lifetime(dep: Deployment) -> tuple[datetime, datetime | None] | None:
        """When *dep* had a VM charged to its group (end None: it still has); None if it never had one."""
        if dep.server_id is None:
            return None
        return dep.created, (dep.updated if dep.state.is_final else None)

    def record(self, deps: Iterable[Deployment], since: date, now: datetime) -> None:
        """Add the hours of *deps* from *since* to the start of `until` to the frozen days."""
        first = max(midnight(since), midnight(self.until - timedelta(days=USAGE_DAYS - 1)))
        last = midnight(self.until)
        for dep in deps:
            span = self.lifetime(dep)
            if span is None:
                continue
            start, end = max(span[0], first), min(span[1] or now, last)
            rows = self._rows[dep.group_id]
            while start < end:
                stop = min(end, midnight(start.date() + timedelta(days=1)))
                _accrue(rows.setdefault((start.date(), dep.owner, dep.site), [0.0] * 5), dep,
                        (stop - start).total_seconds() / 3600)
                start = stop
        self._sorted = {(gid, None): _by_day([_usage_day(gid, k, v) for k, v in sorted(rows.items())])
                        for gid, rows in self._rows.items()}
        self._today.clear()

    def advance(self, deps: Iterable[Deployment], today: date, now: datetime) -> None:
        """Freeze the days between `until` and *today* (after the clock passed midnight)."""
        since, self.until = self.until, today
        self.record(deps, since, now)

    def changed(self, dep: Deployment) -> None:
        """*dep* appeared or changed: the index of its group's day in progress follows it."""
        if dep.group_id in self._today:
            self._today[dep.group_id] = self._today[dep.group_id].put(dep)

    def rows(self, gid: str, start: date, end: date, now: datetime, deps: Iterable[Deployment],
             member: str | None = None) -> UsageRows:
        """Rows of *gid* (of *member* only, if given) with start <= day <= end, by day, member, site.

        *deps* are the group's deployments, read only when its day in progress is first indexed.
        """
        days, frozen = self._frozen(gid, member)
        today = None
        if start <= self.until <= end:
            if gid not in self._today:
                self._today[gid] = _Today.of_deps(gid, self.until, deps)
            today = self._today[gid].of(member)
        return UsageRows((frozen, bisect_left(days, start), bisect_right(days, end)), today, now)

    def _frozen(self, gid: str, member: str | None) -> tuple[list[date], list[UsageDay]]:
        if (gid, member) not in self._sorted:
            every = self._sorted.get((gid, None), ([], []))[1]
            self._sorted[gid, member] = _by_day([r for r in every if r.member == member])
        return self._sorted[gid, member]


def _by_day(rows: list[UsageDay]) -> tuple[list[date], list[UsageDay]]:
    """Sorted *rows* and their days, to find a range of days by bisection."""
    return [r.day for r in rows], rows


class _Today:
    """The day in progress of one group: for each (member, site), the VM spans charged to it, by
    deployment id. Never changed once made (`put` makes another): a read in progress keeps its own."""

    def __init__(self, gid: str, day: date, keys: list[tuple[str, str]], spans: list[dict[str, _Span]]) -> None:
        self.gid, self.day, self.start = gid, day, midnight(day)
        self.keys, self.spans = keys, spans

    @classmethod
    def of_deps(cls, gid: str, day: date, deps: Iterable[Deployment]) -> _Today:
        start = midnight(day)
        spans: dict[tuple[str, str], dict[str, _Span]] = {}
        for dep in deps:
            if (span := _span(dep, start)) is not None:
                spans.setdefault((dep.owner, dep.site), {})[dep.id] = span
        keys = sorted(spans)
        return cls(gid, day, keys, [spans[k] for k in keys])

    def put(self, dep: Deployment) -> _Today:
        """This index with *dep* as it is now; it costs a copy of the list of keys."""
        key, span = (dep.owner, dep.site), _span(dep, self.start)
        i = bisect_left(self.keys, key)
        known = i < len(self.keys) and self.keys[i] == key
        charged = dict(self.spans[i]) if known else {}  # in the order deployments came: the sums as before
        if span is not None:
            charged[dep.id] = span
        elif charged.pop(dep.id, None) is None:
            return self  # not charged today (a deployment waiting for its server), nor before
        keys, spans = list(self.keys), list(self.spans)
        if not known:
            keys.insert(i, key)
            spans.insert(i, charged)
        elif charged:
            spans[i] = charged
        else:
            del keys[i], spans[i]
        return _Today(self.gid, self.day, keys, spans)

    def of(self, member: str | None) -> tuple[_Today, int, int]:
        """This index and the range of its keys that are *member*'s (all of them for None)."""
        if member is None:
            return self, 0, len(self.keys)
        return (self, bisect_left(self.keys, member, key=itemgetter(0)),
                bisect_right(self.keys, member, key=itemgetter(0)))

    def row(self, i: int, now: datetime) -> UsageDay:
        """The row of key *i*, accrued until *now*."""
        row = [0.0] * 5
        for start, end, dep in self.spans[i].values():
            if (end or now) > self.start:
                _accrue(row, dep, ((end or now) - start).total_seconds() / 3600)
        return _usage_day(self.gid, (self.day, *self.keys[i]), row)


def _span(dep: Deployment, day_start: datetime) -> _Span | None:
    """What of *dep*'s life is charged from *day_start* on; None if nothing."""
    life = Ledger.lifetime(dep)
    if life is None or (life[1] is not None and life[1] <= day_start):
        return None
    return max(life[0], day_start), life[1], dep


class UsageRows(Sequence[UsageDay]):
    """The rows of one read of the ledger: the frozen ones, then those of the day in progress at
    *now*, each made when it is read (a page of them costs the page)."""

    def __init__(self, frozen: tuple[list[UsageDay], int, int], today: tuple[_Today, int, int] | None,
                 now: datetime) -> None:
        self._frozen, self._first, last = frozen
        self._count = last - self._first  # frozen rows: self._frozen[self._first:last]
        self._today: _Today | None
        self._today, self._lo, self._hi = today or (None, 0, 0)
        self._now = now

    def __len__(self) -> int:
        return self._count + self._hi - self._lo

    @overload
    def __getitem__(self, index: int) -> UsageDay: ...
    @overload
    def __getitem__(self, index: slice) -> list[UsageDay]: ...
    def __getitem__(self, index: int | slice) -> UsageDay | list[UsageDay]:
        if isinstance(index, slice):
            return [self._row(i) for i in range(len(self))[index]]
        return self._row(range(len(self))[index])

    def _row(self, i: int) -> UsageDay:
        if i < self._count:
            return self._frozen[self._first + i]
        assert self._today is not None
        return self._today.row(self._lo + i - self._count, self._now)


def _accrue(row: list[float], dep: Deployment, hours: float) -> None:
    row[0] += hours
    row[1] += hours * dep.vcpu
    row[2] += hours * dep.ram_gb
    row[3] += hours * dep.disk_gb
    row[4] += hours * dep.gpu


def _usage_day(gid: str, key: _Key, row: list[float]) -> UsageDay:
    return UsageDay(gid, key[0], key[1], key[2], *(round(v, 3) for v in row))

