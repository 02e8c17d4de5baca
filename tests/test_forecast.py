"""The quota forecast on hand-made series: rising, flat, falling, already over, too little data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from biosphere_tui.cache.usage import Totals
from biosphere_tui.models.groups import Group, Quota
from biosphere_tui.models.states import GroupKind, Role
from biosphere_tui.rules.forecast import MIN_DAYS, Outlook, Resource, forecast, of_group, trend

TODAY = date(2026, 11, 25)
END = date(2027, 6, 30)


def series(values: list[float], *, today: date = TODAY) -> list[tuple[date, float]]:
    """One value per day, the last one yesterday; then today's partial day (ignored), as 0."""
    start = today - timedelta(days=len(values))
    return [(start + timedelta(days=i), v) for i, v in enumerate(values)] + [(today, 0.0)]


def test_trend_is_the_least_squares_slope() -> None:
    assert trend([1, 2, 3, 4]) == pytest.approx(1.0)
    assert trend([5, 5, 5]) == 0.0
    assert trend([3, 1, 2, 0]) == pytest.approx(-0.8)
    assert trend([7]) == 0.0 and trend([]) == 0.0


def test_rising_use_reaches_the_quota_on_a_date() -> None:
    # +2 vCPU a day for 30 days; 40 held now of 100: 60 more at 2/day = 30 days
    result = forecast(Resource("vCPU", "", 100, 40), series([10 + 2 * i for i in range(30)]), TODAY, END)
    assert result.outlook is Outlook.REACHED
    assert result.rate == pytest.approx(2.0)
    assert result.days_left == 30 and result.reached_on == date(2026, 12, 25)
    assert result.words() == "vCPU: at +2.0/day, quota reached ~25 Dec 2026 (30 days)"


def test_only_the_last_30_complete_days_count() -> None:
    # falling long ago, rising over the last 30 days: the old days must not flatten the trend
    old = [200 - i for i in range(60)]
    recent = [10 + i for i in range(30)]
    result = forecast(Resource("RAM", "GB", 200, 100), series(old + recent), TODAY, END)
    assert result.rate == pytest.approx(1.0) and result.days_used == 30
    assert result.words() == "RAM: at +1.0 GB/day, quota reached ~5 Mar 2027 (100 days)"


def test_rising_too_slowly_to_reach_before_the_group_ends() -> None:
    result = forecast(Resource("vCPU", "", 1000, 10), series([i / 2 for i in range(30)]), TODAY, END)
    assert result.outlook is Outlook.NOT_BEFORE_END and result.reached_on is None
    assert "not reached before the group ends (30 Jun 2027)" in result.words()


@pytest.mark.parametrize("values", [[50.0] * 30, [80 - i for i in range(30)]], ids=["flat", "falling"])
def test_flat_or_falling_use_never_reaches_the_quota(values: list[float]) -> None:
    result = forecast(Resource("storage", "GB", 2000, 60), series(values), TODAY, END)
    assert result.outlook is Outlook.NOT_RISING and result.reached_on is None
    assert result.rate is not None and result.rate <= 0
    assert "steady or falling" in result.words()


def test_already_over_the_quota() -> None:
    result = forecast(Resource("vCPU", "", 100, 120), series([100 + i for i in range(30)]), TODAY, END)
    assert result.outlook is Outlook.OVER and result.days_left == 0
    assert result.words() == "vCPU: quota used up (120/100)"


def test_too_little_data() -> None:
    result = forecast(Resource("vCPU", "", 100, 10), series([1, 2, 3]), TODAY, END)
    assert result.outlook is Outlook.TOO_LITTLE_DATA and result.rate is None and result.days_used == 3
    assert f"3 of {MIN_DAYS} days" in result.words()


def test_no_quota_at_all() -> None:
    assert forecast(Resource("vCPU", "", 0, 0), series([1.0] * 30), TODAY, END).outlook is Outlook.NO_QUOTA


def test_of_group_reads_hours_per_day_and_skips_days_before_the_group_started() -> None:
    started = TODAY - timedelta(days=10)
    group = Group("g", "g", "G", GroupKind.PROJECT, Role.ADMIN, Quota(100, 400, 1000), started, END, "platform")
    days = [TODAY - timedelta(days=n) for n in range(30, -1, -1)]
    # before the start: zeros (no record); since: 24 h of 10 + i vCPU each day
    daily = [(d, Totals(d.isoformat(), "", 0, 24 * max((d - started).days + 10, 0) if d >= started else 0,
                        24 * 40, 0, 0)) for d in days]
    vcpu, ram, storage = of_group(group, Quota(30, 40, 0), daily, TODAY)
    assert vcpu.days_used == 10 and vcpu.rate == pytest.approx(1.0)  # zeros before the start ignored
    assert vcpu.outlook is Outlook.REACHED and vcpu.days_left == 70
    assert ram.outlook is Outlook.NOT_RISING and ram.rate == pytest.approx(0.0)
    assert storage.outlook is Outlook.NOT_RISING
