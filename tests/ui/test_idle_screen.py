"""The idle VM finder (screen 9) on the demo cloud: the seeded idle VMs and what deleting them
gives back; admins bulk-delete through the confirmation; members see only their own."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import httpx
from pilot_support import settle
from screen_text import text_of
from snapshot_support import SIZES
from world_idle import seeded_idle

from biosphere_tui.app import BiosphereApp
from biosphere_tui.config import IdleSettings
from biosphere_tui.demo import contract as wire
from biosphere_tui.screens.idle import IdleScreen, IdleTable
from biosphere_tui.widgets.confirm import ConfirmDialog


async def open_idle(app: BiosphereApp, pilot) -> IdleTable:  # noqa: ANN001
    await settle(app, pilot)
    await pilot.press("9")
    await settle(app, pilot)
    assert isinstance(app.screen, IdleScreen)
    return app.screen.query_one(IdleTable)


def given_back_line(app: BiosphereApp) -> str:
    return text_of(app.screen.query_one("#given-back"))


async def test_lists_the_seeded_idle_vms_with_what_deleting_them_gives_back(synced, make_app, demo) -> None:  # noqa: ANN001
    expected = seeded_idle(demo, "marine-meta")
    assert len(expected) >= 3 and {demo.world.deployments[k].owner for k in expected} - {"demo"}
    deps = [demo.world.deployments[k] for k in expected]
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        table = await open_idle(app, pilot)
        assert set(table.row_keys) == expected
        vcpu, ram = sum(d.vcpu for d in deps), sum(d.ram_gb for d in deps)
        assert f"Deleting all {len(deps)} VMs would give back {vcpu} vCPU, {ram} GB RAM" in given_back_line(app)
        assert any(table.get_cell(k, "why").startswith("SHUTOFF for ") for k in expected)
        assert any(table.get_cell(k, "why").startswith("no activity for ") for k in expected)
        first, second = table.row_keys[:2]
        for row in (0, 1):
            table.move_cursor(row=row)
            await pilot.press("space")
        marked = [demo.world.deployments[k] for k in (first, second)]
        assert (f"Deleting the 2 selected gives back {sum(d.vcpu for d in marked)} vCPU, "
                f"{sum(d.ram_gb for d in marked)} GB RAM") in given_back_line(app)
        await pilot.press("A")
        assert table.selected == expected and f"Deleting the {len(deps)} selected" in given_back_line(app)
        await pilot.press("A")
        assert table.selected == set()


async def test_an_admin_bulk_deletes_two_with_y_and_they_are_gone_from_nova(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        table = await open_idle(app, pilot)
        others = [k for k in table.row_keys if demo.world.deployments[k].owner != "demo"][:2]
        assert len(others) == 2  # an admin deletes members' VMs
        for key in others:
            table.move_cursor(row=table.get_row_index(key))
            await pilot.press("space")
        await pilot.press("ctrl+d")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        deps = [demo.world.deployments[k] for k in others]
        assert sorted(dialog.items) == sorted(f"{d.name} — {d.site} — {d.owner}" for d in deps)
        assert dialog.title_text == "Delete 2 VMs? Their servers and disks are destroyed."
        await pilot.press("y")
        await settle(app, pilot, lambda: app.refreshes >= 1)
        for dep in deps:
            assert demo.world.deployments[dep.id].state is wire.DeploymentState.FINALIZING
            assert demo.sites[dep.site].state.servers[dep.server_id].deleted
        assert set(table.row_keys).isdisjoint(others) and table.row_keys  # the others stay listed
        assert "2 VMs deleted" in toasts.text()


async def test_answering_n_keeps_them(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        table = await open_idle(app, pilot)
        rows = table.row_keys
        await pilot.press("A", "ctrl+d")
        assert isinstance(app.screen, ConfirmDialog) and len(app.screen.items) == len(rows)
        await pilot.press("n")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmDialog) and table.row_keys == rows
        for key in rows:
            dep = demo.world.deployments[key]
            assert dep.state is wire.DeploymentState.READY
            assert not demo.sites[dep.site].state.servers[dep.server_id].deleted


async def test_a_member_sees_only_their_own_idle_vms(demo_config, make_app, demo) -> None:  # noqa: ANN001
    other = next(d for d in demo.world.deployments.values()
                 if d.group_id == "ebame-2026" and d.owner != "demo" and d.state is wire.DeploymentState.READY)
    httpx.post(f"{demo.control_url}/server", json={"deployment": other.id, "status": "SHUTOFF"},
               trust_env=False).raise_for_status()
    demo.clock.advance(3600)
    config = replace(demo_config, idle=IdleSettings(running_days=14, shutoff_days=0.02))  # shut off for 30 min
    mine = seeded_idle(demo, "ebame-2026", owner="demo")
    assert mine and other.id in seeded_idle(demo, "ebame-2026", shutoff=timedelta(days=0.02)) - mine
    app = make_app(config)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        app.request_refresh()
        await settle(app, pilot, lambda: app.refreshes >= 1)
        app.choose_group("ebame-2026")  # where demo is a plain member
        table = await open_idle(app, pilot)
        assert set(table.row_keys) == mine
        assert "ebame-2026, yours" in app.screen.title
        await pilot.press("A", "ctrl+d")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert dialog.items and all(item.endswith("— demo") for item in dialog.items)
        await pilot.press("n")


async def go_to_idle_marked(pilot) -> None:  # noqa: ANN001
    await open_idle(pilot.app, pilot)
    await pilot.press("space", "down", "space")


@SIZES
def test_idle_snapshot(snap_compare, synced, make_app, size: tuple[int, int]) -> None:  # noqa: ANN001
    assert snap_compare(make_app(synced), terminal_size=size, run_before=go_to_idle_marked)


async def test_deleting_one_vm_is_asked_in_the_singular(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await open_idle(app, pilot)
        await pilot.press("space", "ctrl+d")
        assert isinstance(app.screen, ConfirmDialog) and len(app.screen.items) == 1
        assert app.screen.title_text == "Delete 1 VM? Its server and disk are destroyed."
        await pilot.press("n")
