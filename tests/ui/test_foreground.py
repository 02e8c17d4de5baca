"""Keys before background work: a refresh's threads wait between two items while a key is answered
(``local/foreground.py``)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from pilot_support import settle

from biosphere_tui import app as app_module
from biosphere_tui.app import BiosphereApp
from biosphere_tui.config import Config
from biosphere_tui.local.foreground import HOLD, LONGEST, Foreground


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_background_work_waits_only_while_an_input_is_answered() -> None:
    clock = Clock()
    foreground = Foreground(clock, clock.sleep)
    foreground.pace()
    assert clock.slept == []  # no key yet: on at once
    foreground.input()
    clock.now += HOLD / 5
    foreground.pace()
    assert clock.slept == [pytest.approx(HOLD * 4 / 5)]  # until HOLD after the key
    foreground.pace()
    assert len(clock.slept) == 1  # then on
    foreground.input()
    clock.now += HOLD / 2
    foreground.input()  # the next key: from it
    foreground.pace()
    assert clock.slept[1] == pytest.approx(HOLD)


def test_inputs_without_a_break_hold_background_work_for_a_while_at_most() -> None:
    """A key held down repeats every 30-40 ms, less than ``HOLD``: background work waiting for every repeat
    would wait as long as the key is held, and a refresh's call be cut by its deadline (21 s) with no reply."""
    clock = Clock()
    foreground = Foreground(clock, clock.sleep)
    for _ in range(int(LONGEST / 0.03) + 1):  # repeats for LONGEST seconds
        foreground.input()
        clock.now += 0.03
    foreground.input()
    foreground.pace()
    assert clock.slept == []  # the repeats went on for LONGEST: no more waiting
    clock.now += HOLD  # a break: the next key holds it back again
    foreground.input()
    foreground.pace()
    assert clock.slept == [pytest.approx(HOLD)]


class Recording(Foreground):
    """The app's foreground, recording who paces and when."""

    def __init__(self) -> None:
        super().__init__()
        self.paced_on: list[bool] = []  # each call: on the UI thread?
        self.inputs = 0

    def input(self) -> None:
        self.inputs += 1
        super().input()

    def pace(self) -> None:
        self.paced_on.append(threading.current_thread() is threading.main_thread())
        super().pace()


async def test_a_refresh_paces_every_item_it_parses_and_keys_hold_it(  # noqa: ANN201
        synced: Config, make_app: Callable[[Config], BiosphereApp], monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    # Replays keys typed during a refresh at scale 200: shown after 33 ms (median; up to 97 ms) against
    # 11-13 ms otherwise, the UI thread sharing the interpreter with the refresh's threads at every switch.
    foreground = Recording()
    monkeypatch.setattr(app_module, "FOREGROUND", foreground)
    app = make_app(replace(synced, cache_path=tmp_path / "empty.sqlite"))  # its first refresh reads everything
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        assert foreground.inputs > 0  # the key held background work back
        app.request_refresh(force=True)
        await settle(app, pilot, lambda: app.refreshes >= 1)
        parsed = sum(app.cache.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                     for table in ("deployments", "servers", "usage"))
    assert parsed > 1000 and len(foreground.paced_on) >= 2 * parsed  # before each deployment, server and day parsed, and written
    assert not any(foreground.paced_on)  # never on the UI thread, which it would only slow


async def test_a_refresh_ending_as_a_key_is_answered_is_shown_after_it(  # noqa: ANN201
        synced: Config, make_app: Callable[[Config], BiosphereApp], monkeypatch: pytest.MonkeyPatch):
    # The refresh's end costs the UI thread its screens' reading and drawing (10-25 ms at scale 200): a
    # key typed then waited for it too.
    clock = Clock()
    foreground = Foreground(clock, clock.sleep)
    monkeypatch.setattr(app_module, "FOREGROUND", foreground)
    app = make_app(synced)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        foreground.input()  # a key, at the fake clock's time: the refresh's work does not wait for it here
        foreground.pace = lambda: None  # type: ignore[method-assign]
        app.request_refresh()
        await app.workers.wait_for_complete()
        for _ in range(5):
            await pilot.pause(HOLD)
        assert app.refreshes == 0 and app.refreshing("portal.deployments")  # done, not shown yet: the key first
        clock.now += HOLD
        await settle(app, pilot, lambda: app.refreshes == 1)
        assert not app.refreshing("portal.deployments")
