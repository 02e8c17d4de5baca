"""Notifications on the demo cloud: the world changes (a server in ERROR, a deployment Ready, a
quota past 90 %, a membership request) and toasts say so on whatever screen is shown; nothing
at startup; the bell only when configured."""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import replace

import httpx
import pytest
from pilot_support import settle
from toasts import Toasts

from biosphere_tui.app import BiosphereApp
from biosphere_tui.cache import watch
from biosphere_tui.config import Config, NotificationSettings
from biosphere_tui.demo import contract as wire
from biosphere_tui.rules.notifications import _TITLES

TITLES = set(_TITLES.values())


def launch(demo, name: str, flavor: str) -> str:  # noqa: ANN001
    """A deployment of the demo user in marine-meta, through the portal's API."""
    reply = httpx.post(f"{demo.portal_url}/monitor/deployments", trust_env=False,
                       headers={"Authorization": f"Bearer {demo.token}", "Idempotency-Key": str(uuid.uuid4())},
                       json={"name": name, "appliance": "201", "group": "marine-meta", "site": "ifb-core-cloud",
                             "flavor": flavor})
    reply.raise_for_status()
    return reply.json()["id"]


def control(demo, path: str, body: dict[str, str]) -> httpx.Response:  # noqa: ANN001
    reply = httpx.post(f"{demo.control_url}{path}", json=body, trust_env=False)
    reply.raise_for_status()
    return reply


def ours(toasts: Toasts) -> list[tuple[str, str]]:
    """The notification toasts raised so far: (title, message)."""
    return [(n.title, n.message) for n in toasts.raised if n.title in TITLES]


def change_the_world(demo) -> dict[str, str]:  # noqa: ANN001
    """A server of the demo user's in ERROR, a request, a launched VM Ready, marine-meta past 90 %
    of its storage; what each toast should name."""
    broken = next(d for d in demo.world.deployments.values()
                  if d.owner == "demo" and d.state is wire.DeploymentState.READY)
    control(demo, "/server", {"deployment": broken.id, "status": "ERROR"})
    asker = control(demo, "/membership-request", {"group": "marine-meta"}).json()["id"]
    demo.clock.advance(600)
    demo.world.tick()
    launch(demo, "quota-filler", "ifb.m4.8xlarge")  # 1,840 GB more: past 90 % of 20,000 GB of storage
    return {"error": broken.name, "site": broken.site, "request": demo.world.requests[asker].name}


async def refresh(app: BiosphereApp, pilot) -> None:  # noqa: ANN001
    count = app.refreshes
    app.request_refresh()
    await settle(app, pilot, lambda: app.refreshes > count)


async def test_changes_are_announced_on_another_screen_and_logged(synced, make_app, demo, caplog, toasts,  # noqa: ANN001
                                                                   monkeypatch) -> None:  # noqa: ANN001
    on_ui_thread: list[bool] = []  # each reading of what changed: the user's VMs (15-45 ms at 20,000 VMs)
    observed = watch.observed

    def recorded(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        on_ui_thread.append(threading.current_thread() is threading.main_thread())
        return observed(*args, **kwargs)

    monkeypatch.setattr(watch, "observed", recorded)
    ready = launch(demo, "watch-me", "ifb.m4.medium")  # Initializing when the app starts
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await refresh(app, pilot)  # the baseline
        await pilot.press("2")
        await settle(app, pilot)
        assert ours(toasts) == []
        names = change_the_world(demo)
        assert demo.world.deployments[ready].state is wire.DeploymentState.READY
        with caplog.at_level(logging.INFO, logger="biosphere_tui.app"):
            await refresh(app, pilot)
        assert type(app.screen).__name__ == "CatalogueScreen"
        shown = dict(ours(toasts))
        assert shown["VM in error"] == f"{names['error']} went to ERROR on {names['site']}."
        assert shown["VM Ready"] == "watch-me is Ready on ifb-core-cloud."
        used, quota = demo.world.committed("marine-meta").storage_gb, demo.world.groups["marine-meta"].quota.storage_gb
        assert used / quota > 0.9
        assert shown["Quota above 90 %"] == (f"marine-meta uses {used * 100 / quota:.0f} % of its storage quota "
                                              f"({used} GB of {quota} GB).")
        assert names["request"] in shown["Membership request"]
        assert len(ours(toasts)) == 4  # one toast per kind: several requests (one came by itself) are grouped
        logged = "\n".join(r.getMessage() for r in caplog.records if r.getMessage().startswith("notification: "))
        assert "watch-me is Ready" in logged and names["request"] in logged and demo.token not in logged
        await refresh(app, pilot)
        assert len(ours(toasts)) == 4  # nothing new, nothing more
        assert on_ui_thread == [False] * 3  # read by each refresh's worker: keys are not kept waiting


async def test_nothing_is_announced_at_startup(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    change_the_world(demo)  # all this happened while the app was closed
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await refresh(app, pilot)
        assert ours(toasts) == []


@pytest.mark.parametrize(("settings", "toasted", "rings"), [
    (NotificationSettings(), True, False),
    (NotificationSettings(bell=True), True, True),
    (NotificationSettings(enabled=False, bell=True), False, False),
])
async def test_the_bell_rings_only_when_configured(synced: Config, make_app, demo, settings: NotificationSettings,  # noqa: ANN001
                                                   toasted: bool, rings: bool, toasts) -> None:  # noqa: ANN001
    app = make_app(replace(synced, notifications=settings))
    rung: list[None] = []
    app.bell = lambda: rung.append(None)  # type: ignore[method-assign]
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await refresh(app, pilot)
        change_the_world(demo)
        await refresh(app, pilot)
        assert bool(ours(toasts)) is toasted
        assert bool(rung) is rings and len(rung) <= 1  # once per refresh, however many toasts
