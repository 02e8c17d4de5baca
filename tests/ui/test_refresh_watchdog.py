"""Watchdog: the background refresh never stops. The app is left running (on a hand-driven
clock for its schedule and the frozen demo clock for its data) through a launch followed to
Ready, a class launch, faults coming and going and screen changes; at every interval every
source must have been asked again."""

from __future__ import annotations

from dataclasses import replace

from manual_timers import ManualTimers
from pilot_support import settle
from screen_text import text_of
from test_class_launch import fill_class, open_class
from test_launch import choose, open_launch, set_name

from biosphere_tui.app import BiosphereApp
from biosphere_tui.cache import reader
from biosphere_tui.models.states import DeploymentState
from biosphere_tui.widgets.freshness import FreshnessBar

INTERVAL = 30.0
SITE = "ifb-bird-stack"


def bar_text(app: BiosphereApp) -> str:
    return " ".join(text_of(bar) for bar in app.screen.query(FreshnessBar))


async def interval_passes(app: BiosphereApp, pilot, timers: ManualTimers, demo) -> None:  # noqa: ANN001
    """One refresh interval goes by; then every source must have been asked at this instant."""
    count = app.refreshes
    demo.clock.advance(INTERVAL)
    timers.advance(INTERVAL)
    if getattr(app.screen, "_poll", None) is not None:  # a launch being followed: its poll lands
        app.screen._ask_refresh()                       # during the full refresh (the field defect)
    await settle(app, pilot, lambda: app.refreshes > count)
    now = demo.clock.now()
    late = {r.source: r.last_attempt for r in reader.freshness(app.cache) if r.last_attempt != now}
    assert late == {}, f"not refreshed at {now:%H:%M:%S}: {late}"
    assert [a.at - timers.now() for a in timers.armed] == [INTERVAL]  # and the next one is armed
    assert "(stale)" not in bar_text(app) and "stale:" not in bar_text(app)


async def test_every_source_keeps_being_refreshed_through_launches_faults_and_screens(synced, demo) -> None:  # noqa: ANN001
    timers = ManualTimers()
    app = BiosphereApp(replace(synced, refresh_interval=INTERVAL), now=demo.clock.now, timers=timers)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(app, pilot, lambda: app.refreshes >= 1)

        # a launch, followed to Ready (the field defect: no refresh after it)
        screen = await open_launch(app, pilot, "rstudio server")
        await set_name(pilot, "watchdog-1")
        await choose(pilot, screen, "ifb-genouest-genostack", "ifb.m4.xlarge")
        await pilot.press("ctrl+s")
        await settle(app, pilot, lambda: screen.deployment is not None)
        for _ in range(6):
            await interval_passes(app, pilot, timers, demo)
        assert screen.deployment.state is DeploymentState.READY and screen._poll is None
        for _ in range(3):  # on the progress, Ready: the app goes on refreshing
            await interval_passes(app, pilot, timers, demo)

        # faults come and go while screens change
        await pilot.press("escape")
        for fault, key in (("down", "5"), ("garbage", "3"), ("none", "1")):
            demo.set_fault(SITE, fault)
            demo.set_fault("portal", fault)
            await pilot.press(key)
            await interval_passes(app, pilot, timers, demo)
        await interval_passes(app, pilot, timers, demo)
        assert all(r.ok for r in reader.freshness(app.cache))

        # a class launch, followed to Ready
        await pilot.press("escape")
        classroom = await open_class(app, pilot)
        await fill_class(pilot, "watch-{n:02}", 3)
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await settle(app, pilot, lambda: bool(classroom.seats))
        for _ in range(10):
            await interval_passes(app, pilot, timers, demo)
        assert classroom._poll is None and all(s.ready for s in classroom.seats)
        for _ in range(3):
            await interval_passes(app, pilot, timers, demo)
