"""SQL reads of the consumption and sites screens (cache/usage.py, cache/capacity.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from biosphere_tui.cache import capacity, usage
from biosphere_tui.cache.db import open_cache
from biosphere_tui.cache.usage import Period
from biosphere_tui.cache.writer import CacheWriter
from biosphere_tui.models.deployments import UsageDay
from biosphere_tui.models.nova import SiteLimits, SiteSnapshot
from biosphere_tui.models.sites import Capacity, SiteStatus
from biosphere_tui.models.states import SiteState

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TODAY = AT.date()


def _day(day: date, member: str, site: str, hours: float, vcpu: int, group: str = "g1") -> UsageDay:
    return UsageDay(group, day, member, site, hours, hours * vcpu, hours * vcpu * 4, hours * 20, 0.0)


@pytest.fixture
def writer(tmp_path: Path) -> CacheWriter:
    return CacheWriter(open_cache(tmp_path / "c.sqlite").db)


@pytest.fixture
def filled(writer: CacheWriter) -> CacheWriter:
    d = TODAY - timedelta(days=1)
    rows = [
        _day(TODAY, "alice", "site-a", 24, 2), _day(TODAY, "bob", "site-a", 10, 8), _day(TODAY, "bob", "site-b", 5, 4),
        _day(d, "alice", "site-b", 24, 4),
        _day(TODAY - timedelta(days=40), "carol", "site-a", 24, 16),  # outside 30 days, inside 90
        _day(TODAY, "zed", "site-a", 99, 99, group="g2"),  # another group
    ]
    start = TODAY - timedelta(days=89)
    writer.usage({"g1": start, "g2": start}, TODAY, rows, start, 0.1, AT)
    return writer


def test_period_counts_both_ends() -> None:
    p = Period.last(30, TODAY)
    assert p.start == date(2026, 10, 27) and p.end == TODAY and len(p.days) == 30


def test_daily_fills_every_day_and_sums_members_and_sites(filled: CacheWriter) -> None:
    days = usage.daily(filled.db, "g1", Period.last(30, TODAY))
    assert [d for d, _ in days] == Period.last(30, TODAY).days
    values = {d: t.value("vcpu_hours") for d, t in days}
    assert values[TODAY] == 24 * 2 + 10 * 8 + 5 * 4
    assert values[TODAY - timedelta(days=1)] == 24 * 4
    assert sum(values.values()) == 48 + 80 + 20 + 96  # carol's day is 40 days back
    assert sum(t.value("vcpu_hours") for _, t in usage.daily(filled.db, "g1", Period.last(90, TODAY))) == 244 + 384


def test_totals_per_member_and_site_sorted_by_the_metric(filled: CacheWriter) -> None:
    period = Period.last(30, TODAY)
    by_vcpu = usage.by_member(filled.db, "g1", period, "vcpu_hours")
    assert [(t.key, t.vcpu_hours) for t in by_vcpu] == [("alice", 144), ("bob", 100)]
    by_hours = usage.by_member(filled.db, "g1", period, "vm_hours")
    assert [(t.key, t.vm_hours) for t in by_hours] == [("alice", 48), ("bob", 15)]
    sites = usage.by_site(filled.db, "g1", period, "vcpu_hours")
    assert [(t.key, t.label, t.vcpu_hours) for t in sites] == [("site-a", "site-a", 128), ("site-b", "site-b", 116)]


def test_site_totals_are_labelled_with_the_platform(filled: CacheWriter) -> None:
    filled.sites([_status("site-b", "Bee")], 0.1, AT)
    labels = {t.key: t.label for t in usage.by_site(filled.db, "g1", Period.last(30, TODAY), "vm_hours")}
    assert labels == {"site-a": "site-a", "site-b": "Bee"}


def test_export_rows_are_the_period_s_in_order(filled: CacheWriter) -> None:
    rows = usage.rows(filled.db, "g1", Period.last(30, TODAY))
    assert [(r.day, r.member, r.site) for r in rows] == [
        (TODAY - timedelta(days=1), "alice", "site-b"), (TODAY, "alice", "site-a"),
        (TODAY, "bob", "site-a"), (TODAY, "bob", "site-b")]
    assert rows[0] == _day(TODAY - timedelta(days=1), "alice", "site-b", 24, 4)


def test_an_unknown_metric_is_refused(filled: CacheWriter) -> None:
    with pytest.raises(ValueError):
        usage.by_member(filled.db, "g1", Period.last(30, TODAY), "vcpu_hours; DROP TABLE usage")


# -- sites ----------------------------------------------------------------------------------


def _status(site: str, platform: str, features: tuple[str, ...] = ()) -> SiteStatus:
    return SiteStatus(site, platform, "Town", SiteState.UP, Capacity(100, 40), Capacity(400, 100),
                      Capacity(1000, 10), Capacity(0, 0), features, "", AT)


def _snapshot(site: str, used_vcpu: int) -> SiteSnapshot:
    return SiteSnapshot([], [], [], SiteLimits(site, 50, used_vcpu, 204800, 8192, 10, 1))


def test_site_rows_join_the_site_s_own_freshness_and_limits(writer: CacheWriter) -> None:
    writer.sites([_status("a", "Alpha", ("GPU",)), _status("b", "Beta")], 0.1, AT)
    writer.site("a", _snapshot("a", 4), 0.25, AT)
    writer.record_failure("site.b", "connect", "cannot connect", 0.01, AT + timedelta(minutes=1))
    rows = {r.status.id: r for r in capacity.site_rows(writer.db)}
    assert rows["a"].api is not None and rows["a"].api.ok and rows["a"].api.duration == 0.25
    assert rows["a"].limits == SiteLimits("a", 50, 4, 204800, 8192, 10, 1)
    assert rows["b"].failing and rows["b"].api.last_error == "cannot connect" and rows["b"].limits is None
    assert [r.status.id for r in capacity.site_rows(writer.db, "gpu")] == ["a"]
    assert [r.status.id for r in capacity.site_rows(writer.db, "beta")] == ["b"]


def test_history_is_the_last_refreshes_oldest_first(writer: CacheWriter) -> None:
    for minute in range(5):
        writer.site("a", _snapshot("a", minute), 0.1, AT + timedelta(minutes=minute))
    writer.record_failure("site.a", "connect", "cannot connect", 0.01, AT + timedelta(minutes=5))
    points = capacity.history(writer.db, "a", points=4)
    assert [p.vcpu_used for p in points] == [2, 3, 4, None]
    assert points[-1].state == "connect" and points[0].latency_ms == pytest.approx(100)
