"""When will the group exhaust its quota, at the current rate? Pure functions on plain values.

A day of the consumption record says how much of a resource was in use on average that day
(``vcpu_hours / 24`` vCPU, ``ram_gb_hours / 24`` GB RAM, ``disk_gb_hours / 24`` GB storage).
A least-squares line through the last ``WINDOW_DAYS`` complete days gives the trend per day;
starting from what the group's live VMs hold now, the trend says when the quota is reached,
or that it is not before the group's end date, or not at all (flat or falling use).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from biosphere_tui.i18n import _, day, number, plural, t
from biosphere_tui.models.groups import Group, Quota

if TYPE_CHECKING:
    from biosphere_tui.cache.usage import Totals

WINDOW_DAYS = 30  # the trend looks this far back
MIN_DAYS = 7  # fewer complete days than this is too little to tell a trend
FLAT = 1e-4  # a trend below this share of the quota per day counts as flat


class Outlook(StrEnum):
    OVER = "over"  # the quota is used up already
    REACHED = "reached"  # reached on ``Forecast.reached_on`` at this rate
    NOT_BEFORE_END = "not_before_end"  # rising, but not reached before the group ends
    NOT_RISING = "not_rising"  # flat or falling: not reached at this rate
    TOO_LITTLE_DATA = "too_little_data"
    NO_QUOTA = "no_quota"  # the group has none of this resource


@dataclass(frozen=True)
class Resource:
    """One quota'd resource: its label, unit, quota and what the group holds now."""

    label: str  # "vCPU", "RAM", "storage"
    unit: str  # "" or "GB"
    quota: float
    current: float


@dataclass(frozen=True)
class Forecast:
    label: str
    unit: str
    quota: float
    current: float
    outlook: Outlook
    group_end: date
    rate: float | None = None  # trend, in units per day (None: too little data)
    reached_on: date | None = None
    days_left: int | None = None  # from today to ``reached_on``
    days_used: int = 0  # complete days the trend was fitted on

    def words(self) -> str:
        """'vCPU: at +0.8/day, quota reached ~12 Jan 2027 (48 days)'."""
        rate = t("at {rate}, ", rate=self.per_day) if self.outlook in (Outlook.REACHED, Outlook.NOT_BEFORE_END,
                                                                       Outlook.NOT_RISING) else ""
        return t("{resource}: {forecast}", resource=_(self.label), forecast=rate + self.verdict())

    @property
    def per_day(self) -> str:
        """'+0.8/day', '+12.5 GB/day' ('' without a trend)."""
        unit = f" {_(self.unit)}" if self.unit else ""
        return "" if self.rate is None else t("{rate}{unit}/day", rate=number(self.rate, 1, sign=True), unit=unit)

    def verdict(self) -> str:
        """'quota reached ~12 Jan 2027 (48 days)', 'quota used up (120/100)', ..."""
        unit = f" {_(self.unit)}" if self.unit else ""
        if self.outlook is Outlook.NO_QUOTA:
            return _("no quota")
        if self.outlook is Outlook.TOO_LITTLE_DATA:
            return t("too little data for a trend ({used} of {needed} days needed)", used=self.days_used,
                     needed=MIN_DAYS)
        if self.outlook is Outlook.OVER:
            return t("quota used up ({current}/{quota}{unit})", current=number(self.current),
                     quota=number(self.quota), unit=unit)
        if self.outlook is Outlook.REACHED:
            assert self.reached_on is not None
            return t("quota reached ~{day} ({left})", day=day(self.reached_on, year=True, padded=False),
                     left=_days(self.days_left or 0))
        if self.outlook is Outlook.NOT_BEFORE_END:
            return t("quota not reached before the group ends ({day})",
                     day=day(self.group_end, year=True, padded=False))
        return _("steady or falling: quota not reached at this rate")


def _days(n: int) -> str:
    return _("today") if n == 0 else plural(n, "{n} day", "{n} days")


def trend(values: Sequence[float]) -> float:
    """The least-squares slope of ``values`` taken one per day (units per day); 0 for < 2 values."""
    n = len(values)
    if n < 2:
        return 0.0
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    spread = sum((x - mean_x) ** 2 for x in range(n))
    return sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values)) / spread


def forecast(resource: Resource, daily: Sequence[tuple[date, float]], today: date, end: date) -> Forecast:
    """The outlook of ``resource`` from ``daily`` = (day, average in use that day), every day
    listed, oldest first. Only complete days (before ``today``) of the last ``WINDOW_DAYS`` count."""
    first = today - timedelta(days=WINDOW_DAYS)
    values = [v for d, v in daily if first <= d < today]
    base = Forecast(resource.label, resource.unit, resource.quota, resource.current, Outlook.NO_QUOTA, end,
                    days_used=len(values))
    if resource.quota <= 0:
        return base
    if resource.current >= resource.quota:
        return _with(base, Outlook.OVER, days_left=0)
    if len(values) < MIN_DAYS:
        return _with(base, Outlook.TOO_LITTLE_DATA)
    rate = trend(values)
    if rate <= FLAT * resource.quota:
        return _with(base, Outlook.NOT_RISING, rate=rate)
    days = int((resource.quota - resource.current) / rate)  # whole days still under the quota
    reached = today + timedelta(days=days)
    if reached > end:
        return _with(base, Outlook.NOT_BEFORE_END, rate=rate)
    return _with(base, Outlook.REACHED, rate=rate, reached_on=reached, days_left=days)


def _with(base: Forecast, outlook: Outlook, **values: object) -> Forecast:
    return replace(base, outlook=outlook, **values)  # type: ignore[arg-type]


def of_group(group: Group, use: Quota, daily: Sequence[tuple[date, Totals]], today: date) -> list[Forecast]:
    """vCPU, RAM and storage of ``group`` whose live VMs hold ``use``, from its daily record
    (``cache.usage.daily``) since the group started; hours per day / 24 = average in use that day."""
    quota = group.quota
    daily = [(d, t) for d, t in daily if d >= group.start_date]
    series = (("vCPU", "", quota.vcpu, use.vcpu, "vcpu_hours"),
              ("RAM", "GB", quota.ram_gb, use.ram_gb, "ram_gb_hours"),
              ("storage", "GB", quota.storage_gb, use.storage_gb, "disk_gb_hours"))
    return [forecast(Resource(label, unit, total, now), [(d, getattr(t, metric) / 24) for d, t in daily], today,
                     group.end_date)
            for label, unit, total, now, metric in series]
