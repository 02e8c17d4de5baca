"""Sources failing while the app is open: it keeps running, says so once, in plain words,
with the age of the data it shows and when it tries again, and says when they are back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from demo_time import DEMO_START
from pilot_support import settle
from screen_text import text_of
from toasts import Toasts

from biosphere_tui.app import BiosphereApp
from biosphere_tui.config import Config
from biosphere_tui.models.sources import Freshness
from biosphere_tui.rules import backoff
from biosphere_tui.rules.freshness import failing
from biosphere_tui.widgets.freshness import FreshnessBar

SITE = "ifb-bird-stack"


def _screen(app: BiosphereApp) -> str:
    """Everything on screen: each visible widget's own lines (toasts included)."""
    return "\n".join(text_of(w) for w in app.screen.walk_children() if w.display and w.size.area)


def _toasts(toasts: Toasts, kind: str, source: str) -> int:
    """Toasts of this kind ("failed" or "recovered") that name ``source`` (one toast may name several)."""
    names = lambda n: n.message.split(":")[0] if kind == "failed" else n.message.rsplit(" ", 2)[0]  # noqa: E731
    return sum(kind in n.title and source in names(n).split(", ") for n in toasts.raised)


async def _until(pilot, holds: Callable[[], bool]) -> None:  # noqa: ANN001
    """Wait (5 s at most) for something the app does on its own timer."""
    for _ in range(50):
        if holds():
            return
        await pilot.pause(0.1)
    raise AssertionError("it did not happen")


async def _refresh(app: BiosphereApp, pilot, key: str = "r") -> None:  # noqa: ANN001
    count = app.refreshes
    await pilot.press(key)
    await settle(app, pilot, lambda: app.refreshes > count)


async def test_the_portal_then_a_site_go_down_and_come_back(
        synced: Config, make_app: Callable[[Config], BiosphereApp], demo, toasts) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        bar = app.screen.query_one(FreshnessBar)
        demo.set_fault("portal", "down")
        demo.clock.advance(4 * 60)
        await _refresh(app, pilot)
        text = " ".join(text_of(bar).split())
        assert "portal (6 sources): cannot connect to 127.0.0.1:" in text
        assert "data 4 min old — retrying in 5 s" in text
        assert _toasts(toasts, "failed", "portal.account") == 1
        assert _toasts(toasts, "failed", "portal.usage") == 1
        assert sum("failed" in n.title for n in toasts.raised) == 1  # one toast for the six

        demo.set_fault(SITE, "down")
        demo.clock.advance(60)
        await _refresh(app, pilot)
        text = " ".join(text_of(bar).split())
        assert (f"{SITE}: cannot connect (connection refused or reset) — failing since 09:04 UTC, data 1 min old"
                " — retrying in 5 s") in text
        assert "portal (6 sources): cannot connect" in text and "data 5 min old" in text
        assert "ifb-core-cloud" not in text  # the others are fine: counted, not named
        await _refresh(app, pilot)  # again at once
        assert _toasts(toasts, "failed", f"site.{SITE}") == 1
        assert _toasts(toasts, "failed", "portal.account") == 1  # once, not at every refresh
        screen = _screen(app)
        assert f"site.{SITE}: cannot connect" in screen  # the toast is on screen
        for bad in ("Traceback", 'File "', demo.token):
            assert bad not in screen

        for source in ("portal", SITE):
            demo.set_fault(source, "none")
        demo.clock.advance(backoff.delay(2))
        await _refresh(app, pilot)
        assert _toasts(toasts, "recovered", f"site.{SITE}") == 1
        assert _toasts(toasts, "recovered", "portal.account") == 1
        text = text_of(bar)
        assert "✗" not in text and "sources fresh" in text
        assert app.is_running


async def test_the_retry_is_counted_down_on_the_app_s_clock(
        synced: Config, make_app: Callable[[Config], BiosphereApp], demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        bar = app.screen.query_one(FreshnessBar)
        demo.set_fault(SITE, "forbidden")
        await _refresh(app, pilot)
        assert "retrying in 5 s" in text_of(bar)
        demo.clock.advance(3)
        await _until(pilot, lambda: "retrying in 2 s" in text_of(bar))
        demo.clock.advance(2)
        await _until(pilot, lambda: "retrying at the next refresh" in text_of(bar))


def _row(source: str, error: str | None, success: datetime | None, retry: datetime | None) -> Freshness:
    return Freshness(source, DEMO_START, success, error, "unreachable" if error else None, 1 if error else 0, 0.1, retry)


def test_failed_sources_of_one_family_with_one_error_are_one_line() -> None:
    now = DEMO_START + timedelta(minutes=10)
    rows = [
        _row("portal.account", "cannot connect", DEMO_START, now + timedelta(seconds=40)),
        _row("portal.catalogue", "cannot connect", DEMO_START + timedelta(minutes=5), now + timedelta(seconds=30)),
        _row("portal.usage", "no answer within 10 s", None, now - timedelta(seconds=1)),
        _row("portal.status", None, now, None),
        _row("site.ifb-core-cloud", "forbidden (HTTP 403)", DEMO_START, now + timedelta(minutes=5)),
        _row("site.ifb-bird-stack", "clouds.yaml: no such cloud", None, None),
    ]
    assert [f.words(now) for f in failing(rows)] == [
        "portal (2 sources): cannot connect — failing since 09:00 UTC, data 10 min old — retrying in 30 s",
        "usage: no answer within 10 s — no data yet — retrying at the next refresh",
        "ifb-core-cloud: forbidden (HTTP 403) — failing since 09:00 UTC, data 10 min old — retrying in 5 min",
        "ifb-bird-stack: clouds.yaml: no such cloud — no data yet",
    ]


async def test_r_asks_a_source_in_backoff_at_once_the_timer_does_not(
        synced: Config, make_app: Callable[[Config], BiosphereApp], demo, toasts) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        demo.set_fault(SITE, "down")
        await _refresh(app, pilot)
        demo.set_fault(SITE, "none")
        count = app.refreshes
        app.request_refresh()  # what the timer does: the site is left alone during its backoff
        await settle(app, pilot, lambda: app.refreshes > count)
        assert _toasts(toasts, "recovered", f"site.{SITE}") == 0
        assert "retrying in 5 s" in text_of(app.screen.query_one(FreshnessBar))
        await _refresh(app, pilot)  # the user asks: no waiting
        assert _toasts(toasts, "recovered", f"site.{SITE}") == 1


async def test_a_source_down_on_a_first_start_promises_no_old_data(
        demo_config: Config, make_app: Callable[[Config], BiosphereApp], demo, toasts) -> None:  # noqa: ANN001
    """An empty cache and a dead site: the toast says there is no data from it yet."""
    demo.set_fault(SITE, "down")
    app = make_app(demo_config)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await _refresh(app, pilot)
        [toast] = [n for n in toasts.raised if f"site.{SITE}" in n.message]
        assert "No data from it yet." in toast.message and "last known data" not in toast.message
        demo.set_fault(SITE, "none")
        await _refresh(app, pilot)
        demo.set_fault(SITE, "down")
        demo.clock.advance(60)
        await _refresh(app, pilot)
        said = [m for m in toasts.messages if f"site.{SITE}" in m]
        assert any("Showing its last known data." in m for m in said), said


async def test_the_sites_screen_says_the_portal_failed_rather_than_a_first_refresh_running(
        demo_config: Config, make_app: Callable[[Config], BiosphereApp], demo) -> None:  # noqa: ANN001
    demo.set_fault("portal", "http500")
    app = make_app(demo_config)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await _refresh(app, pilot)
        await pilot.press("5")
        await settle(app, pilot)
        info = " ".join(text_of(app.screen.query_one("#site-info")).split())
        assert "the first refresh is running" not in info
        assert "No site status yet: the portal failed (" in info and "r tries again now" in info
