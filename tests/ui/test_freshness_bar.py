"""The freshness line on screen, on the demo clock: its age counts up each second, it says stale
past the threshold, refreshing while a refresh runs, failing since when and why."""

from __future__ import annotations

from collections.abc import Callable

from pilot_support import settle
from screen_text import text_of
from toasts import Toasts

from biosphere_tui.app import BiosphereApp
from biosphere_tui.config import Config
from biosphere_tui.widgets.freshness import FreshnessBar
from biosphere_tui.widgets.toast import LastingNotification

SITE = "ifb-bird-stack"


def bar(app: BiosphereApp) -> str:
    return " ".join(text_of(app.screen.query_one(FreshnessBar)).split())


async def until(pilot, holds: Callable[[], bool]) -> None:  # noqa: ANN001
    """The bar repaints each second of real time: wait for that, never for a fixed time."""
    for _ in range(60):
        if holds():
            return
        await pilot.pause(0.05)
    raise AssertionError("it did not happen")


async def test_the_age_counts_up_then_the_data_is_said_stale(
        synced: Config, make_app: Callable[[Config], BiosphereApp], demo) -> None:  # noqa: ANN001
    app = make_app(synced)  # interval 30 s: stale after 90 s
    async with app.run_test(size=(160, 40)) as pilot:
        await until(pilot, lambda: "● 14/14 sources fresh, oldest 0 s ago" in bar(app))
        demo.clock.advance(7)  # no refresh: only the clock moves
        await until(pilot, lambda: "oldest 7 s ago" in bar(app))
        demo.clock.advance(83)
        await until(pilot, lambda: "oldest 1 min ago" in bar(app))
        assert "stale" not in bar(app)
        demo.clock.advance(1)
        # the longer words take a second line at the next layout: until then the bar shows its first
        await until(pilot, lambda: bar(app).startswith("◌ 0/14 sources fresh, stale: portal, ")
                    and "(data 1 min old)" in bar(app))
        await pilot.press("5")  # the same words on every screen
        await until(pilot, lambda: bar(app).startswith("◌ 0/9 sources fresh, stale: portal, "))  # its sources


async def test_refreshing_then_failing_since_with_the_reason(
        synced: Config, make_app: Callable[[Config], BiosphereApp], demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 40)) as pilot:
        demo.set_fault(SITE, "hang")  # the refresh lasts until its 2 s timeout
        demo.clock.advance(60)
        app.request_refresh()
        assert bar(app).startswith("⟳ refreshing 14 sources…")
        await settle(app, pilot, lambda: app.refreshes >= 1)
        text = bar(app)
        assert text.startswith(f"✗ {SITE}: no answer within 4 s — failing since 09:00 UTC, data 1 min old")
        assert "● 13/14 sources fresh, oldest 0 s ago" in text


async def test_toasts_never_arm_a_negative_timer(synced: Config, make_app: Callable[[Config], BiosphereApp],
                                                toasts: Toasts) -> None:
    app = make_app(synced)
    async with app.run_test(size=(100, 30), notifications=True, message_hook=toasts) as pilot:
        app.notify("kept", timeout=60)
        app.notify("gone at once", timeout=-1)  # a computed timeout gone negative
        await pilot.pause()
        assert toasts.messages == ["kept", "gone at once"]
        assert all(isinstance(n, LastingNotification) for n in toasts.raised)
        shown = lambda: [str(toast.render()) for toast in app.screen.query("Toast")]  # noqa: E731
        await until(pilot, lambda: shown() == ["kept"])  # one shown, the other expired at once, and the app goes on


async def test_with_a_site_down_the_others_still_turn_stale(
        synced: Config, make_app: Callable[[Config], BiosphereApp], demo) -> None:  # noqa: ANN001
    """A failing source has its own line; the data of the others, once older than three missed
    refreshes (90 s here), is marked stale beside it rather than hidden by the failure."""
    app = make_app(synced)
    async with app.run_test(size=(160, 40)) as pilot:
        demo.set_fault(SITE, "down")
        app.request_refresh()
        await settle(app, pilot, lambda: app.refreshes >= 1)
        await until(pilot, lambda: bar(app).startswith(f"✗ {SITE}: ") and "● 13/14 sources fresh" in bar(app))
        demo.clock.advance(91)  # no refresh since: every source's data is older than the threshold
        await until(pilot, lambda: "◌ 0/14 sources fresh" in bar(app))  # the failing one counts as not fresh
        assert bar(app).startswith(f"✗ {SITE}: ") and "stale: portal, ifb-aubi-cloud, " in bar(app)


async def test_a_second_without_news_repaints_nothing(
        synced: Config, make_app: Callable[[Config], BiosphereApp], demo) -> None:  # noqa: ANN001
    """The bar ticks each second; when its words stay the same it leaves the screen alone (an
    idle dashboard used to lay out its whole screen again every second)."""
    app = make_app(synced)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        widget = app.screen.query_one(FreshnessBar)
        painted: list[object] = []
        shown = widget.update
        widget.update = lambda *args, **kwargs: (painted.append(args), shown(*args, **kwargs))[1]  # type: ignore[method-assign]
        widget.tick()
        widget.tick()
        assert painted == []
        demo.clock.advance(7)
        widget.tick()
        widget.tick()
        assert len(painted) == 1 and "oldest 7 s ago" in bar(app)
