"""Waiting in Pilot tests: for workers, refreshes and conditions, never a fixed sleep."""

from __future__ import annotations

from collections.abc import Callable

from biosphere_tui.app import BiosphereApp


async def settle(app: BiosphereApp, pilot, until: Callable[[], bool] = lambda: True) -> None:  # noqa: ANN001
    """Wait for workers (refreshes, actions) to finish and ``until()`` to hold."""
    for _ in range(300):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if until() and not app._refreshing:
            return
    raise AssertionError("the app did not settle")


async def wait_refreshes(app: BiosphereApp, pilot, count: int) -> None:  # noqa: ANN001
    await settle(app, pilot, lambda: app.refreshes >= count)

