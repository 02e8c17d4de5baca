"""The cycle collector off the app's first paint: paused while it loads, its startup objects
left out of later collections once the first frame is shown; then its full passes off the keys,
run when the user has stopped typing (``local/collector.py``)."""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pilot_support import settle

from biosphere_tui import cli
from biosphere_tui.app import BiosphereApp
from biosphere_tui.config import Config
from biosphere_tui.local import collector
from biosphere_tui.local.collector import BACKSTOP, DUE, QUIET, Idle
from biosphere_tui.local.interpreter import SWITCH_INTERVAL


class FakeCollector:
    """``gc`` as ``Idle`` sees it: younger passes counted by the test, full passes recorded."""

    def __init__(self, middle_passes: int = 0) -> None:
        self.threshold = (700, 10, 10)
        self.middle_passes = middle_passes
        self.full_passes = 0
        self.frozen_after: list[int] = []  # the full passes after which it froze what survived

    def get_count(self) -> tuple[int, int, int]:
        return (0, 0, self.middle_passes)

    def get_threshold(self) -> tuple[int, int, int]:
        return self.threshold

    def set_threshold(self, threshold0: int, threshold1: int = 10, threshold2: int = 10, /) -> None:
        self.threshold = (threshold0, threshold1, threshold2)

    def collect(self, generation: int = 2) -> int:
        self.full_passes += 1
        self.middle_passes = 0
        return 0

    def freeze(self) -> None:
        self.frozen_after.append(self.full_passes)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clean_collector(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The test process's collector running with nothing frozen (an app opened by ``cli.main`` in an
    earlier test of this process froze its objects at its first frame) and its own thresholds, and so
    again afterwards; the app's ``IDLE`` a new one."""
    gc.unfreeze()
    assert gc.isenabled(), "a test before this one left the collector paused"
    thresholds = gc.get_threshold()
    monkeypatch.setattr(collector, "IDLE", Idle())
    try:
        yield
    finally:
        collector.resume()  # a pause the test left
        gc.unfreeze()
        gc.enable()
        gc.set_threshold(*thresholds)


async def test_a_paused_collector_runs_again_after_the_first_frame_without_the_startup_objects(  # noqa: ANN201
        synced: Config, make_app: Callable[[Config], BiosphereApp], clean_collector: None):
    gc.set_threshold(700, 10, 10)  # Python's default (the tests' own is 100: tests/conftest.py)
    collector.pause()
    app = make_app(synced)
    assert not gc.isenabled()  # while the app loads
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert gc.isenabled() and gc.get_freeze_count() > 10_000  # modules, classes, the first screen...
        assert gc.get_threshold()[2] == BACKSTOP  # full passes: the app's, when no key comes


async def test_an_app_whose_collector_was_not_paused_leaves_it_alone(  # noqa: ANN201
        synced: Config, make_app: Callable[[Config], BiosphereApp], clean_collector: None):
    thresholds = gc.get_threshold()
    async with make_app(synced).run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert gc.isenabled() and not gc.get_freeze_count()  # e.g. the tests' apps
        assert not collector.IDLE.started and gc.get_threshold() == thresholds


def test_the_command_opening_the_app_pauses_the_collector_while_it_loads(
        synced: Config, monkeypatch: pytest.MonkeyPatch, clean_collector: None) -> None:
    collecting: list[bool] = []

    def run(app: BiosphereApp, *args: Any, **kwargs: Any) -> None:
        collecting.append(gc.isenabled())

    monkeypatch.setattr(BiosphereApp, "run", run)
    monkeypatch.setattr(cli, "_has_terminal", lambda: True)
    monkeypatch.setattr(cli, "load", lambda path=None: synced)
    assert cli.main([]) == 0
    assert collecting == [False]  # resumed by the app's first frame (above)


def test_the_app_opened_by_its_command_hands_the_interpreter_over_every_millisecond(
        synced: Config, monkeypatch: pytest.MonkeyPatch, clean_collector: None) -> None:
    # Replays keys typed in a refresh at scale 200: each of the threads a key goes through waited up to
    # CPython's 5 ms for the refresh's threads to hand the interpreter over (local/interpreter.py).
    intervals: list[float] = []
    monkeypatch.setattr(BiosphereApp, "run", lambda app, *args, **kwargs: intervals.append(sys.getswitchinterval()))
    monkeypatch.setattr(cli, "_has_terminal", lambda: True)
    monkeypatch.setattr(cli, "load", lambda path=None: synced)
    before = sys.getswitchinterval()
    assert before > SWITCH_INTERVAL
    assert cli.main([]) == 0
    assert intervals == [SWITCH_INTERVAL] and sys.getswitchinterval() == before  # the process's own afterwards


def test_a_command_whose_app_never_opens_leaves_the_collector_running(
        synced: Config, monkeypatch: pytest.MonkeyPatch, clean_collector: None) -> None:
    """Without a terminal the app is never shown, so no first frame resumes the collector: the command
    must (CI saw a later test's app freeze the whole test process, paused since such a command), and
    freeze nothing (then each refresh of a later app in the process made a full pass over what the
    process holds: ``memory.after_refresh``)."""
    monkeypatch.setattr(cli, "_has_terminal", lambda: False)
    monkeypatch.setattr(cli, "load", lambda path=None: synced)
    assert cli.main([]) == cli.EXIT_USAGE
    assert gc.isenabled()
    assert not gc.get_freeze_count() and not collector.IDLE.started  # nothing frozen: no app's objects to leave out


def test_a_full_pass_due_waits_until_no_key_came_for_a_while() -> None:
    clock, fake = Clock(), FakeCollector(middle_passes=DUE)
    idle = Idle(clock, fake)
    idle.start()
    assert fake.threshold == (700, 10, BACKSTOP)  # CPython's own full passes: a backstop only
    idle.input()
    clock.now += QUIET / 2
    assert not idle.tick()  # typing
    idle.input()
    clock.now += QUIET * 0.9
    assert not idle.tick()  # the last key came less than QUIET ago
    clock.now += QUIET * 0.2
    assert idle.tick() and fake.full_passes == 1
    clock.now += 60
    assert not idle.tick() and fake.full_passes == 1  # none due: ``collect`` reset the count


def test_no_full_pass_before_one_is_due_or_when_not_started() -> None:
    clock, fake = Clock(), FakeCollector(middle_passes=DUE - 1)
    idle = Idle(clock, fake)
    clock.now += 60
    fake.middle_passes = DUE
    assert not idle.tick() and fake.threshold[2] == 10  # not started: e.g. the tests' apps
    idle.start()
    fake.middle_passes = DUE - 1
    assert not idle.tick()
    fake.middle_passes = DUE
    assert idle.tick() and fake.full_passes == 1


async def test_the_app_notes_keys_and_runs_a_due_full_pass_once_they_stop(  # noqa: ANN201
        synced: Config, make_app: Callable[[Config], BiosphereApp], clean_collector: None,
        monkeypatch: pytest.MonkeyPatch):
    clock, fake = Clock(), FakeCollector()
    monkeypatch.setattr(collector, "IDLE", Idle(clock, fake))
    monkeypatch.setattr(collector, "TICK", 0.01)  # the app's ticks come quickly; the clock says when idle
    collector.pause()
    async with make_app(synced).run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert collector.IDLE.started
        clock.now += 60
        await pilot.press("down")
        assert collector.IDLE.last_input == clock.now  # a key defers the full passes
        fake.middle_passes = DUE
        clock.now += QUIET
        for _ in range(1000):
            if fake.full_passes:
                break
            await pilot.pause(0.01)
        assert fake.full_passes == 1


def test_a_refreshs_full_pass_runs_at_once_when_no_key_came_else_at_the_first_quiet_tick() -> None:
    clock, fake = Clock(), FakeCollector()
    idle = Idle(clock, fake)
    idle.start()
    assert idle.refreshed() and fake.full_passes == 1  # no key yet: now, in the refresh's worker
    idle.input()
    clock.now += QUIET / 2
    assert not idle.refreshed() and fake.full_passes == 1  # typing: not under the keys
    assert not idle.tick()  # due, but the last key came less than QUIET ago
    clock.now += QUIET / 2
    assert idle.tick() and fake.full_passes == 2  # asked for, fewer than DUE younger passes though
    clock.now += 60
    assert not idle.tick() and fake.full_passes == 2


@pytest.mark.parametrize("typing", [False, True])
def test_what_the_first_refresh_loaded_is_frozen_by_its_full_pass_once(typing: bool) -> None:
    # Replays a pass at scale 200 walking ~60,000 objects of openstacksdk and httpx (loaded by the
    # first refresh, after the first frame froze the startup objects): 50-180 ms each time.
    clock, fake = Clock(), FakeCollector()
    idle = Idle(clock, fake)
    idle.start()
    if typing:
        idle.input()
    idle.refreshed()
    clock.now += QUIET
    idle.tick()
    assert fake.full_passes == 1 and fake.frozen_after == [1]  # now, or at the first quiet tick
    idle.refreshed()
    fake.middle_passes = DUE
    idle.tick()
    assert fake.full_passes == 3 and fake.frozen_after == [1]  # once


async def test_a_key_typed_as_a_refresh_ends_is_not_kept_waiting_by_its_full_pass(  # noqa: ANN201
        synced: Config, make_app: Callable[[Config], BiosphereApp], clean_collector: None,
        monkeypatch: pytest.MonkeyPatch):
    # Replays bench/terminal.py at scale 200: each refresh ended with a full pass (50-180 ms, up to 550 ms
    # on a busy machine) in its worker, holding the interpreter while keys were typed into myVM's filter.
    clock, fake = Clock(), FakeCollector()
    monkeypatch.setattr(collector, "IDLE", Idle(clock, fake))
    monkeypatch.setattr(collector, "TICK", 0.01)
    collector.pause()
    app = make_app(synced)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert gc.get_freeze_count() and collector.IDLE.started
        app.request_refresh()
        await settle(app, pilot, lambda: app.refreshes >= 1)
        assert fake.full_passes == 1  # no key yet: as the refresh ended
        await pilot.press("down")
        app.request_refresh()
        await settle(app, pilot, lambda: app.refreshes >= 2)
        assert fake.full_passes == 1  # a key came just before: not now
        clock.now += QUIET
        for _ in range(1000):
            if fake.full_passes > 1:
                break
            await pilot.pause(0.01)
        assert fake.full_passes == 2  # once the keys stopped


def test_no_full_pass_while_a_refresh_runs_its_own_comes_at_its_end() -> None:
    # Replays passes at scale 200 walking the replies a refresh was parsing: 170-730 ms each.
    clock, fake = Clock(), FakeCollector(middle_passes=DUE)
    idle = Idle(clock, fake)
    idle.start()
    assert not idle.tick(busy=True) and fake.full_passes == 0
    assert idle.refreshed() and fake.full_passes == 1
    fake.middle_passes = DUE
    assert idle.tick(busy=False) and fake.full_passes == 2
