"""OpenStack-only mode on the demo sites, driven by keys: Nova servers, delete, launch, limits."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from pilot_support import fill, set_filter, settle
from screen_text import text_of
from sync_helpers_os import os_only_config

from biosphere_tui.app import BiosphereApp
from biosphere_tui.cache import servers
from biosphere_tui.screens.sites import QuotaTable
from biosphere_tui.widgets.confirm import ConfirmDialog
from biosphere_tui.widgets.vm_table import VmTable


@pytest.fixture
def os_synced(demo, tmp_path: Path):  # noqa: ANN001, ANN201
    return os_only_config(demo, tmp_path)


def live(demo) -> dict[str, tuple[str, str]]:  # noqa: ANN001
    """Every live server of the demo sites, keyed as the app keys its rows."""
    return {servers.server_key(site_id, s.id): (site_id, s.id) for site_id, site in demo.sites.items()
            for s in site.state.servers.values() if not s.deleted}



async def open_mode(app: BiosphereApp, pilot, key: str) -> None:  # noqa: ANN001
    await settle(app, pilot)
    await pilot.press(key)
    await settle(app, pilot)


async def test_myvm_lists_the_nova_servers_of_every_site(os_synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(os_synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await open_mode(app, pilot, "3")
        assert type(app.screen).__name__ == "NovaVMScreen"
        table = app.screen.query_one(VmTable)
        every = live(demo)
        assert set(table.row_keys) < set(every) and app.screen.total == len(every)  # a window of them
        assert f"· {len(every)} servers ·" in app.screen.title  # all of them, not the rows read so far
        await pilot.press("1")
        await settle(app, pilot)
        summary = text_of(app.screen.query_one("#summary"))
        assert "OpenStack-only mode" in summary and f"{len(every)} servers" in summary
        assert f"{len(demo.sites)}/{len(demo.sites)} sites answer" in summary
        await pilot.press("3")
        await settle(app, pilot)
        await set_filter(pilot, "bigest")  # each site's servers are there, e.g. the smallest site's
        await pilot.press("enter")
        bigest = {k for k in every if k.startswith("ifb-bigest-cloud/")}
        assert bigest and set(table.row_keys) == bigest
        assert "OpenStack-only mode" in app.sub_title
        assert "Nova servers of every site" in app.screen.title


@pytest.mark.parametrize("answer", ["y", "n"])
async def test_delete_goes_through_nova_after_confirmation(os_synced, make_app, demo, answer: str, toasts) -> None:  # noqa: ANN001
    app = make_app(os_synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await open_mode(app, pilot, "3")
        table = app.screen.query_one(VmTable)
        key = table.row_keys[2]
        table.move_cursor(row=2)
        site_id, server_id = live(demo)[key]
        await pilot.press("ctrl+d")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press(answer)
        await settle(app, pilot)
        deleted = demo.sites[site_id].state.servers[server_id].deleted
        if answer == "y":
            assert deleted and "1 VM deleted" in toasts.text()
            assert key not in table.row_keys  # the site was refreshed after the delete
            assert any(f"DELETE {site_id}:/servers/{server_id}" in line for line in app.journal.path.read_text().splitlines())
        else:
            assert not deleted and key in table.row_keys
        assert demo.portal.service.log == []


async def test_launch_from_an_image_reaches_active_with_ssh(os_synced, make_app, demo) -> None:  # noqa: ANN001
    site = demo.sites["ifb-bird-stack"].state
    before = {s.id for s in site.servers.values()}
    app = make_app(os_synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await open_mode(app, pilot, "2")
        assert type(app.screen).__name__ == "ImagesScreen"
        images = app.screen.query_one("#images")
        image = next(i for i in site.images.values())
        images.move_cursor(row=images.get_row_index(image.name))
        await pilot.press("l")
        await settle(app, pilot)
        form = app.screen
        assert type(form).__name__ == "ServerLaunchScreen"
        form.query_one("#site").value = "ifb-bird-stack"
        await settle(app, pilot)
        flavor = min(site.flavors.values(), key=lambda f: (f.vcpus, f.ram_mb))
        form.query_one("#flavor").value = flavor.id
        await fill(pilot, "#name", "os-only-test")
        await pilot.press("ctrl+s")
        await settle(app, pilot, lambda: form.launched is not None)
        created = [s for s in site.servers.values() if s.id not in before]
        assert [(s.name, s.flavor_id, s.image_id) for s in created] == [("os-only-test", flavor.id, image.id)]
        assert "BUILD" in text_of(form.query_one("#steps"))

        demo.clock.advance(200)  # the demo Nova boots it
        app.request_refresh({"site.ifb-bird-stack"})
        await settle(app, pilot)
        steps = text_of(form.query_one("#steps"))
        assert "ACTIVE" in steps and f"ssh ubuntu@{created[0].ip}" in steps
        assert demo.portal.service.log == []


async def test_launch_refused_when_the_form_is_incomplete_and_error_shows_the_fault(os_synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    site = demo.sites["ifb-bird-stack"].state
    app = make_app(os_synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await open_mode(app, pilot, "2")
        image = next(i for i in site.images.values())
        images = app.screen.query_one("#images")
        images.move_cursor(row=images.get_row_index(image.name))
        await pilot.press("l")
        await settle(app, pilot)
        form = app.screen
        form.query_one("#site").value = "ifb-bird-stack"
        form.query_one("#name").value = "9bad"
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "Cannot launch: name: must start with a letter" in toasts.text()
        form.query_one("#name").value = "faulty"
        form.query_one("#flavor").value = min(site.flavors.values(), key=lambda f: (f.vcpus, f.ram_mb)).id
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot, lambda: form.launched is not None)
        server = site.servers[form.launched[1]]
        server.status, server.fault = "ERROR", "No valid host was found."
        app.request_refresh({"site.ifb-bird-stack"})
        await settle(app, pilot)
        assert "Nova could not build it: No valid host was found." in text_of(form.query_one("#steps"))


async def test_sites_show_project_limits_and_a_failing_site(os_synced, make_app, demo) -> None:  # noqa: ANN001
    demo.set_fault("ifb-bird-stack", "down")
    app = make_app(os_synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(app, pilot)
        app.request_refresh(force=True)
        await open_mode(app, pilot, "5")
        table = app.screen.query_one(QuotaTable)
        assert set(table.row_keys) == set(demo.sites)
        core = demo.sites["ifb-core-cloud"].state
        cores, _, instances = core.usage()
        row = [str(c) for c in table.get_row("ifb-core-cloud")]
        assert f"{cores}/{core.quota_cores}" in row and f"{instances}/{core.quota_instances}" in row and "ok" in row
        assert "failed" in [str(c) for c in table.get_row("ifb-bird-stack")]
        assert demo.portal.service.log == []


@pytest.mark.parametrize(("key", "title"), [("4", "Members"), ("6", "Consumption"), ("7", "Groups")])
async def test_portal_only_screens_explain_themselves(os_synced, make_app, key: str, title: str, toasts) -> None:  # noqa: ANN001
    app = make_app(os_synced)
    async with app.run_test(size=(120, 32), notifications=True, message_hook=toasts) as pilot:
        await open_mode(app, pilot, key)
        text = text_of(app.screen.query_one("#portal-only"))
        assert f"{title} is not available in OpenStack-only mode" in text
        assert "[portal]" in text and not [n for n in toasts.raised if n.severity == "error"]


async def test_openstack_only_mode_in_french(os_synced, make_app, monkeypatch) -> None:  # noqa: ANN001
    from biosphere_tui import i18n

    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    app = make_app(os_synced)
    try:
        async with app.run_test(size=(120, 32), notifications=True) as pilot:
            await open_mode(app, pilot, "1")
            assert "Mode OpenStack seul — aucun portail configuré" in text_of(app.screen.query_one("#summary"))
            await open_mode(app, pilot, "2")
            assert "images (Glance, tous les sites)" in text_of(app.screen.query_one("#filters"))
            await open_mode(app, pilot, "6")
            assert "Consommation n'est pas disponible en mode OpenStack seul" in \
                text_of(app.screen.query_one("#portal-only"))
    finally:
        i18n.set_language("en")  # the language is process-wide


def long_shut_off(demo, days: int = 14) -> dict[str, tuple[str, str]]:  # noqa: ANN001
    """The demo's Nova servers shut off (or suspended, shelved) for ``days`` or more."""
    now = demo.clock.now()
    return {servers.server_key(site_id, s.id): (site_id, s.id) for site_id, site in demo.sites.items()
            for s in site.state.servers.values()
            if not s.deleted and s.status in ("SHUTOFF", "SUSPENDED", "SHELVED", "SHELVED_OFFLOADED")
            and (now - s.updated).days >= days}


async def test_idle_vms_lists_the_servers_shut_off_for_long_and_deletes_through_nova(os_synced, make_app, demo) -> None:  # noqa: ANN001
    from biosphere_tui.screens.idle import IdleTable

    expected = long_shut_off(demo)
    assert expected  # the demo has servers shut off for weeks, as myVM shows ("SHUTOFF since 34 d")
    app = make_app(os_synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await open_mode(app, pilot, "9")
        assert type(app.screen).__name__ == "NovaIdleScreen"
        table = app.screen.query_one(IdleTable)
        assert set(table.row_keys) == set(expected)
        assert "Idle VMs · Nova servers of every site" in app.screen.title
        text = text_of(app.screen.query_one("#given-back"))
        assert "would give back" in text and "No idle VM" not in text
        key = table.row_keys[0]
        table.move_cursor(row=0)
        await pilot.press("ctrl+d")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(app, pilot, lambda: app.refreshes >= 1)
        site_id, server_id = expected[key]
        assert demo.sites[site_id].state.servers[server_id].deleted
        assert key not in app.screen.query_one(IdleTable).row_keys


# -- read-only ---------------------------------------------------------------------------------------


async def test_read_only_refuses_a_nova_delete_without_asking(os_synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    app = make_app(replace(os_synced, read_only=True))
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await open_mode(app, pilot, "3")
        table = app.screen.query_one(VmTable)
        key = table.row_keys[2]
        table.move_cursor(row=2)
        await pilot.press("ctrl+d")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmDialog)
        assert "Read-only mode: nothing can be changed from this app" in toasts.text()
        site_id, server_id = live(demo)[key]  # still there
        assert not any(method == "DELETE" for method, _ in demo.sites[site_id].service.log)


async def test_read_only_still_refuses_a_change_the_screens_forgot_to_list(os_synced, make_app, demo,  # noqa: ANN001
                                                                          monkeypatch, toasts) -> None:  # noqa: ANN001
    """The gate is in the action runner: a change that reaches it (here a delete the up-front list
    misses, so the confirmation is asked) is refused there, sends nothing and journals nothing."""
    monkeypatch.setattr("biosphere_tui.app.CHANGING", frozenset())
    app = make_app(replace(os_synced, read_only=True))
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await open_mode(app, pilot, "3")
        table = app.screen.query_one(VmTable)
        key = table.row_keys[2]
        table.move_cursor(row=2)
        await pilot.press("ctrl+d")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await settle(app, pilot)
        assert "Read-only mode: nothing can be changed from this app" in toasts.text()
        site_id, server_id = live(demo)[key]
        assert not any(method == "DELETE" for method, _ in demo.sites[site_id].service.log)
        assert not app.journal.path.exists()  # nothing was done, so nothing to journal
        assert not app.in_flight.verb(key)  # free to be asked again
