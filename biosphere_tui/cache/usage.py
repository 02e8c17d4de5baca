"""Reads for the consumption screen: a group's daily usage record, summed in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from biosphere_tui.cache.db import Reader
from biosphere_tui.models.deployments import UsageDay

METRICS = {  # column -> label, in the order ``m`` cycles through them
    "vm_hours": "VM-hours",
    "vcpu_hours": "vCPU-hours",
    "ram_gb_hours": "RAM GB-hours",
    "disk_gb_hours": "disk GB-hours",
    "gpu_hours": "GPU-hours",
}
_SUMS = ", ".join(f"COALESCE(SUM({m}), 0)" for m in METRICS)


@dataclass(frozen=True)
class Period:
    """Both ends included."""

    start: date
    end: date

    @classmethod
    def last(cls, days: int, today: date) -> Period:
        return cls(today - timedelta(days=days - 1), today)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class Totals:
    """The usage of one member, site or day over a period; ``label`` is what to show for ``key``."""

    key: str
    label: str
    vm_hours: float
    vcpu_hours: float
    ram_gb_hours: float
    disk_gb_hours: float
    gpu_hours: float

    def value(self, metric: str) -> float:
        value: float = getattr(self, _metric(metric))
        return value


def _metric(metric: str) -> str:
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    return metric


def _totals(db: Reader, group_id: str, period: Period, by: str, order: str, label: str | None = None) -> list[Totals]:
    cur = db.execute(
        f"SELECT {by}, {label or by}, {_SUMS} FROM usage WHERE group_id = ? AND day BETWEEN ? AND ? "
        f"GROUP BY {by} ORDER BY {order}",
        [group_id, period.start.isoformat(), period.end.isoformat()],
    )
    return [Totals(*r) for r in cur.fetchall()]


def daily(db: Reader, group_id: str, period: Period) -> list[tuple[date, Totals]]:
    """Every day of the period with its totals (key: the ISO day); days without usage as zeros."""
    found = {t.key: t for t in _totals(db, group_id, period, "day", "day")}
    return [(d, found.get(d.isoformat()) or Totals(d.isoformat(), d.isoformat(), 0, 0, 0, 0, 0)) for d in period.days]


def by_member(db: Reader, group_id: str, period: Period, metric: str) -> list[Totals]:
    """Each member's totals, the largest ``metric`` first."""
    return _totals(db, group_id, period, "member", f"SUM({_metric(metric)}) DESC, member")


def by_site(db: Reader, group_id: str, period: Period, metric: str) -> list[Totals]:
    """Each site's totals (labelled with its platform's name), the largest ``metric`` first."""
    return _totals(db, group_id, period, "site", f"SUM({_metric(metric)}) DESC, site",
                   "COALESCE((SELECT platform FROM sites WHERE sites.id = usage.site), site)")


def rows(db: Reader, group_id: str, period: Period) -> list[UsageDay]:
    """The daily rows of the period (day, member, site), as the export writes them."""
    cur = db.execute(
        f"SELECT group_id, day, member, site, {', '.join(METRICS)} FROM usage "
        "WHERE group_id = ? AND day BETWEEN ? AND ? ORDER BY day, member, site",
        [group_id, period.start.isoformat(), period.end.isoformat()],
    )
    return [UsageDay(r[0], date.fromisoformat(r[1]), r[2], r[3], *r[4:]) for r in cur.fetchall()]
