"""The freshness policy: one stale threshold, one state per source, a summary that never says
"fresh" and "stale" of the same source."""

from __future__ import annotations

from datetime import timedelta

from demo_time import DEMO_START

from biosphere_tui.models.sources import Freshness
from biosphere_tui.rules.freshness import State, stale_after, state, summary

LIMIT = stale_after(30)


def row(source: str, seconds_ago: float | None, error: str | None = None) -> Freshness:
    success = None if seconds_ago is None else DEMO_START - timedelta(seconds=seconds_ago)
    return Freshness(source, DEMO_START, success, error, "unreachable" if error else None, int(bool(error)), 0.1)


def test_the_threshold_is_three_missed_refreshes() -> None:
    assert LIMIT == 90


def test_one_state_per_source() -> None:
    assert state(row("site.a", 90), DEMO_START, LIMIT) is State.FRESH
    assert state(row("site.a", 91), DEMO_START, LIMIT) is State.STALE
    assert state(row("site.a", 91), DEMO_START, LIMIT, refreshing=True) is State.REFRESHING
    assert state(row("site.a", 5, "cannot connect"), DEMO_START, LIMIT, refreshing=True) is State.FAILING
    assert state(row("site.a", None, "cannot connect"), DEMO_START, LIMIT) is State.FAILING


def test_the_summary_never_calls_stale_data_fresh() -> None:
    """The field report: '11/11 sources fresh, oldest 40 s ago (stale)' (interval 10 s)."""
    rows = [row(f"site.s{i}", 12) for i in range(10)] + [row("portal.members", 40)]
    line = summary(rows, DEMO_START, stale_after(10))
    assert line.state is State.STALE
    assert line.words(DEMO_START) == "10/11 sources fresh, oldest 12 s ago, stale: portal (data 40 s old)"


def test_all_fresh_reads_as_before() -> None:
    rows = [row("portal.members", 3), row("site.a", 12)]
    assert summary(rows, DEMO_START, LIMIT).words(DEMO_START) == "2/2 sources fresh, oldest 12 s ago"


def test_refreshing_and_failing_sources_are_counted_apart() -> None:
    rows = [row("portal.members", 3), row("site.a", 12), row("site.b", 5, "cannot connect")]
    line = summary(rows, DEMO_START, LIMIT, refreshing=lambda s: s.startswith("site."))
    assert line.state is State.REFRESHING
    assert line.words(DEMO_START) == "refreshing 1 source…, 1/3 sources fresh, oldest 3 s ago"
    everything = summary(rows[:2], DEMO_START, LIMIT, refreshing=lambda s: True)
    assert everything.words(DEMO_START) == "refreshing 2 sources…"


def test_when_every_source_failed_the_summary_has_nothing_to_say() -> None:
    assert summary([row("site.a", 5, "down")], DEMO_START, LIMIT).state is None
