"""The refresh scheduler alone, on a hand-driven clock: the full refresh keeps its schedule
whatever requests, failures and exceptions come in between."""

from __future__ import annotations

import pytest
from manual_timers import ManualTimers

from biosphere_tui.rules.refresh_scheduler import Batch, RefreshScheduler

INTERVAL = 30.0
FULL = Batch()


def make(start=None) -> tuple[RefreshScheduler, ManualTimers, list[Batch]]:  # noqa: ANN001
    timers, started = ManualTimers(), []
    return RefreshScheduler(INTERVAL, start or started.append, timers), timers, started


def test_a_request_queued_during_a_full_refresh_does_not_lose_the_schedule() -> None:
    """The field defect: a launch's "deployments and sites" request arrived while a full refresh
    ran; it ran next, and nothing re-armed the full refresh ever again."""
    scheduler, timers, started = make()
    scheduler.begin()
    assert started == [FULL]
    scheduler.request({"portal.deployments", "site"})  # the launch follower, during the full refresh
    scheduler.finished()
    assert started[-1] == Batch(frozenset({"portal.deployments", "site"}))
    scheduler.finished()
    for n in range(2, 6):  # launch Ready: no more requests; the full refresh goes on by itself
        timers.advance(INTERVAL)
        assert started[-1] == FULL and len(started) == n + 1
        scheduler.finished()


def test_partial_requests_neither_postpone_nor_cancel_the_full_refresh() -> None:
    scheduler, timers, started = make()
    scheduler.begin(full_now=False)
    for _ in range(30):  # a launch followed: a request every 2 s, each answered at once
        timers.advance(2)
        scheduler.request({"portal.deployments", "site"})
        scheduler.finished()
    fulls = [b for b in started if b == FULL]
    assert len(fulls) == 2  # at 30 s and 60 s (each full refresh re-arms after it ends)


def test_requests_during_a_refresh_merge_into_one() -> None:
    scheduler, timers, started = make()
    scheduler.request({"portal.members"})
    scheduler.request({"site.a"})
    scheduler.request({"site.b"}, force=True)
    scheduler.finished()
    assert started == [Batch(frozenset({"portal.members"})), Batch(frozenset({"site.a", "site.b"}), force=True)]
    scheduler.request({"site.a"})
    scheduler.request()  # everything: the merge is a full refresh
    scheduler.finished()
    assert started[-1] == FULL


def test_a_refresh_that_cannot_start_is_logged_and_the_next_one_is_scheduled(
        caplog: pytest.LogCaptureFixture) -> None:
    calls: list[Batch] = []

    def start(batch: Batch) -> None:
        calls.append(batch)
        if len(calls) == 1:
            raise RuntimeError("boom")

    scheduler, timers, _started = make(start)
    scheduler.begin()
    assert "a refresh could not start" in caplog.text and scheduler.running is None
    timers.advance(INTERVAL)
    assert calls == [FULL, FULL] and scheduler.running == FULL


def test_no_alarm_is_ever_armed_with_a_negative_or_zero_delay() -> None:
    scheduler, timers, started = make()
    scheduler.begin(full_now=False)
    timers.advance(INTERVAL + 5)  # the alarm rang late (a loaded machine)
    assert started == [FULL]
    timers.time += 3 * INTERVAL  # and the refresh took longer than the interval
    scheduler.finished()
    assert [a.at - timers.time for a in timers.armed] == [INTERVAL]  # ManualTimers refuses delays <= 0


def test_stop_ends_the_schedule() -> None:
    scheduler, timers, started = make()
    scheduler.begin(full_now=False)
    scheduler.stop()
    timers.advance(10 * INTERVAL)
    assert started == [] and timers.armed == []


def test_whether_a_source_is_being_refreshed() -> None:
    scheduler, _timers, _started = make()
    assert not scheduler.refreshing("site.a")
    scheduler.request({"site"})
    assert scheduler.refreshing("site.a") and not scheduler.refreshing("portal.members")
