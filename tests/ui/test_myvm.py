"""myVM on the demo cloud: scope, filter and sort, describe, copy, delete, a site going down."""

from __future__ import annotations

import asyncio
import re
import threading

from pilot_support import set_filter, settle
from screen_text import text_of
from snapshot_support import SIZES

from biosphere_tui.app import BiosphereApp
from biosphere_tui.cache import reader, vms
from biosphere_tui.demo import contract as wire
from biosphere_tui.rules.privacy import SECRET_MASK as MASK
from biosphere_tui.screens.myvm import PAGE
from biosphere_tui.widgets.confirm import ConfirmDialog
from biosphere_tui.widgets.freshness import FreshnessBar
from biosphere_tui.widgets.vm_table import VmTable

HIDDEN = (wire.DeploymentState.DONE, wire.DeploymentState.CANCELLED)


async def open_myvm(app: BiosphereApp, pilot) -> VmTable:  # noqa: ANN001
    await settle(app, pilot)
    await pilot.press("3")
    await settle(app, pilot)
    assert type(app.screen).__name__ == "MyVMScreen"
    return app.screen.query_one(VmTable)


def keys(table: VmTable) -> list[str]:
    return table.row_keys



async def test_mine_and_all_of_the_group(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    world = demo.world
    mine = {d.id for d in world.deployments.values() if d.owner == "demo" and d.state not in HIDDEN}
    group = {d.id for d in world.deployments.values() if d.group_id == "marine-meta" and d.state not in HIDDEN}
    assert any(world.deployments[i].owner != "demo" for i in group)
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        table = await open_myvm(app, pilot)
        assert set(keys(table)) == mine
        assert "mine" in app.screen.title and f"{len(mine)} VMs" in app.screen.title

        await pilot.press("a")
        assert set(keys(table)) == group
        assert "all of marine-meta" in app.screen.title

        await pilot.press("h")  # finished ones too: more than one window of rows
        finished = {d.id for d in world.deployments.values() if d.group_id == "marine-meta"}
        assert len(finished) > PAGE and set(keys(table)) < finished and table.row_count == PAGE
        # the title counts every matching VM, not the rows read so far (it said "60 of 77" until scrolled)
        assert f"· {len(finished)} VMs ·" in app.screen.title and " of " not in app.screen.title.split("·")[2]
        assert "with finished" in app.screen.title
        table.move_cursor(row=PAGE - 5)  # nearing the end of the window reads the next page
        await pilot.pause()
        assert set(keys(table)) == finished and f"· {len(finished)} VMs" in app.screen.title

        await pilot.press("a")
        assert set(keys(table)) == {d.id for d in world.deployments.values() if d.owner == "demo"}

        app.choose_group("ebame-2026")  # where demo is a plain member
        await pilot.press("a")
        assert "mine" in app.screen.title
        assert "Only a group's admins see all of its VMs" in toasts.text()


async def test_the_filters_vms_are_read_by_a_worker_once_the_rows_show_not_by_its_first_key(  # noqa: ANN201
        synced, make_app, demo, monkeypatch):  # noqa: ANN001
    read_on_ui_thread: list[bool] = []  # each reading of every VM of the scope (60-90 ms at 16,000)
    ordering = vms.ordering

    def recorded(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        read_on_ui_thread.append(threading.current_thread() is threading.main_thread())
        return ordering(*args, **kwargs)

    texts_read: list[int] = []  # each reading of every VM's searched text
    search_texts = vms.search_texts

    def texts_recorded(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        texts = search_texts(*args, **kwargs)
        texts_read.append(len(texts))
        return texts

    monkeypatch.setattr(vms, "ordering", recorded)
    monkeypatch.setattr(vms, "search_texts", texts_recorded)
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        table = await open_myvm(app, pilot)
        await settle(app, pilot, lambda: len(read_on_ui_thread) == 1)
        assert read_on_ui_thread == [False]  # my VMs, read by a worker once shown
        assert texts_read == [vms.count(app.cache)]  # with every VM's text, whatever its scope
        await pilot.press("a")
        await settle(app, pilot, lambda: len(read_on_ui_thread) == 2)
        assert read_on_ui_thread == [False, False]  # every VM of the group, likewise
        assert len(texts_read) == 1  # its ids alone: the texts were read for the same data
        await pilot.press("slash", "c", "o", "r", "e", "backspace", "e")
        assert read_on_ui_thread == [False, False]  # every key searched those
        listed = [demo.world.deployments[k] for k in keys(table)]
        assert len(listed) > 4 and all(d.site == "ifb-core-cloud" for d in listed)
        assert "matching “core”" in app.screen.title


async def test_a_refresh_under_a_filter_shows_the_new_data_without_reading_every_vm_on_the_ui_thread(  # noqa: ANN201
        synced, make_app, demo, monkeypatch):  # noqa: ANN001
    # Replays a key typed as a refresh ended, at 20,000 VMs: the UI thread read every VM of the scope
    # (~60 ms) and their texts before it showed the key (up to 220 ms in bench/terminal.py).
    on_ui_thread: list[bool] = []
    ordering, search_texts = vms.ordering, vms.search_texts

    def recorded(read):  # noqa: ANN001, ANN202
        def call(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            on_ui_thread.append(threading.current_thread() is threading.main_thread())
            return read(*args, **kwargs)
        return call

    monkeypatch.setattr(vms, "ordering", recorded(ordering))
    monkeypatch.setattr(vms, "search_texts", recorded(search_texts))
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        table = await open_myvm(app, pilot)
        await pilot.press("a")
        await set_filter(pilot, "finalizing")
        await settle(app, pilot)
        ready = _ready_of_demo_in(demo, "marine-meta")
        assert ready not in keys(table) and "matching “finalizing”" in app.screen.title
        demo.world.finalize(ready)  # its server is gone: it now matches the filter's word
        app.request_refresh()
        await settle(app, pilot, lambda: app.refreshes >= 1 and ready in keys(table))
        assert all(demo.world.deployments[k].state is wire.DeploymentState.FINALIZING for k in keys(table))
        assert f"{len(keys(table))} VM" in app.screen.title
        assert on_ui_thread and not any(on_ui_thread)  # every reading of every VM was a worker's


def _ready_of_demo_in(demo, group: str) -> str:  # noqa: ANN001
    return next(d.id for d in demo.world.deployments.values()
                if d.group_id == group and d.state is wire.DeploymentState.READY)


async def test_filter_sort_and_cursor_survive_a_refresh(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        table = await open_myvm(app, pilot)
        screen = app.screen
        await pilot.press("a")
        await set_filter(pilot, "core")
        await pilot.press("enter")
        listed = [demo.world.deployments[k] for k in keys(table)]
        assert len(listed) > 4 and all(d.site == "ifb-core-cloud" for d in listed)
        assert "matching “core”" in screen.title

        await pilot.press("s")  # age -> name
        names = [demo.world.deployments[k].name.lower() for k in keys(table)]
        assert names == sorted(names) and "by name ▲" in screen.title
        await pilot.press("S")
        names = [demo.world.deployments[k].name.lower() for k in keys(table)]
        assert names == sorted(names, reverse=True) and "by name ▼" in screen.title
        assert "name ▼" in table.header_label("name")
        assert "name ▼" in text_of(table).splitlines()[0]

        table.move_cursor(row=0)  # the cursor followed its VM through the re-sorts
        await pilot.press("space", "down", "down", "down")
        order, cursor = keys(table), table.current_key
        assert table.cursor_row == 3 and table.selected == {order[0]}

        app.request_refresh()
        await settle(app, pilot, lambda: app.refreshes >= 1)
        assert keys(table) == order and table.current_key == cursor and table.cursor_row == 3
        assert table.selected == {order[0]}
        assert "matching “core”" in screen.title and "by name ▼" in screen.title

        demo.clock.advance(30)  # now some VMs change state (a Finalizing one goes Done and is hidden)
        app.request_refresh()
        await settle(app, pilot, lambda: app.refreshes >= 2)
        assert keys(table) == [k for k in order if k in set(keys(table))]
        assert table.current_key == cursor and table.selected == {order[0]}
        assert screen.query_one("#filter").value == "core" and "by name ▼" in screen.title

        x = table.column_x("appliance")  # after the mark and name columns
        await pilot.click(VmTable, offset=(x + 2, 0))  # the header of the appliance column
        apps = [demo.world.deployments[k].appliance_name.lower() for k in keys(table)]
        assert apps == sorted(apps) and "by appliance ▲" in screen.title


def _ready_of_demo(table: VmTable, demo, count: int) -> list[str]:  # noqa: ANN001
    found = [k for k in keys(table) if demo.world.deployments[k].state is wire.DeploymentState.READY]
    assert len(found) >= count
    return found[:count]


async def _cursor_to(table: VmTable, pilot, key: str) -> None:  # noqa: ANN001
    table.move_cursor(row=table.get_row_index(key))
    await pilot.pause()


async def test_delete_confirmed_with_y_removes_the_server(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        table = await open_myvm(app, pilot)
        (key,) = _ready_of_demo(table, demo, 1)
        dep = demo.world.deployments[key]
        await _cursor_to(table, pilot, key)
        await pilot.press("ctrl+d")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert dialog.items == [f"{dep.name} — {dep.site} — demo"]
        await pilot.press("y")
        await settle(app, pilot, lambda: app.refreshes >= 1)
        assert demo.world.deployments[key].state is wire.DeploymentState.FINALIZING
        assert demo.sites[dep.site].state.servers[dep.server_id].deleted
        assert "1 VM deleted" in toasts.text()

        demo.clock.advance(60)
        app.request_refresh()
        await settle(app, pilot, lambda: app.refreshes >= 2)
        assert demo.world.deployments[key].state is wire.DeploymentState.DONE
        assert key not in keys(table)  # finished ones are hidden


async def test_delete_answered_n_keeps_the_vm(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        table = await open_myvm(app, pilot)
        (key,) = _ready_of_demo(table, demo, 1)
        dep = demo.world.deployments[key]
        await _cursor_to(table, pilot, key)
        await pilot.press("ctrl+d")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmDialog)
        assert demo.world.deployments[key].state is wire.DeploymentState.READY
        assert not demo.sites[dep.site].state.servers[dep.server_id].deleted
        assert key in keys(table)


async def test_delete_answered_with_enter_keeps_the_vm(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    """Enter, pressed out of habit, answers with the safe button that has the focus: nothing is deleted."""
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        table = await open_myvm(app, pilot)
        (key,) = _ready_of_demo(table, demo, 1)
        dep = demo.world.deployments[key]
        await _cursor_to(table, pilot, key)
        await pilot.press("ctrl+d")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmDialog)
        assert demo.world.deployments[key].state is wire.DeploymentState.READY
        assert not demo.sites[dep.site].state.servers[dep.server_id].deleted
        assert key in keys(table) and "deleted" not in toasts.text()



async def test_marked_vms_are_deleted_together_and_failures_are_reported(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        table = await open_myvm(app, pilot)
        await pilot.press("a")
        others = [k for k in _ready_of_demo(table, demo, 20) if demo.world.deployments[k].owner != "demo"]
        by_site: dict[str, str] = {}
        for k in others:
            by_site.setdefault(demo.world.deployments[k].site, k)
        first, second = list(by_site.values())[:2]  # an admin may mark others' VMs; two sites
        for key in (first, second):
            await _cursor_to(table, pilot, key)
            await pilot.press("space")
        assert table.selected == {first, second}
        await pilot.press("ctrl+d")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog) and len(dialog.items) == 2
        deps = [demo.world.deployments[k] for k in (first, second)]
        assert {item.split(" — ")[0] for item in dialog.items} == {d.name for d in deps}
        demo.set_fault(deps[1].site, "down")  # the second VM's site fails while it is deleted
        await pilot.press("y")
        await settle(app, pilot, lambda: app.refreshes >= 1)
        assert demo.world.deployments[first].state is wire.DeploymentState.FINALIZING
        assert demo.sites[deps[0].site].state.servers[deps[0].server_id].deleted
        assert demo.world.deployments[second].state is wire.DeploymentState.READY
        assert not demo.sites[deps[1].site].state.servers[deps[1].server_id].deleted
        failure = [n.message for n in toasts.raised if "Not deleted" in n.message]
        assert len(failure) == 1 and "1 of 2 VMs deleted" in failure[0] and deps[1].name in failure[0]
        assert table.selected == set()


async def test_finished_vms_cannot_be_marked(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        table = await open_myvm(app, pilot)
        await pilot.press("h")
        done = next(k for k in keys(table) if demo.world.deployments[k].state is wire.DeploymentState.DONE)
        await _cursor_to(table, pilot, done)
        await pilot.press("space")
        assert table.selected == set()
        assert "there is nothing left to delete" in toasts.text()
        await pilot.press("ctrl+d")
        assert not isinstance(app.screen, ConfirmDialog)


async def test_a_site_down_mid_session_keeps_its_vms_listed(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        table = await open_myvm(app, pilot)
        await pilot.press("a")
        on_core = {k for k in keys(table) if demo.world.deployments[k].site == "ifb-core-cloud"}
        assert on_core
        demo.set_fault("ifb-core-cloud", "down")
        demo.clock.advance(60)
        app.request_refresh()
        await settle(app, pilot, lambda: app.refreshes >= 1)
        bar = text_of(app.screen.query_one(FreshnessBar))
        assert "ifb-core-cloud" in bar and "cannot connect" in bar
        still = {k for k in on_core if demo.world.deployments[k].state not in HIDDEN}  # a minute went by
        assert still and still <= set(keys(table))
        servers = demo.sites["ifb-core-cloud"].state.servers  # as they were at the last sync (a few are SHUTOFF)
        ready = next(k for k in sorted(still) if demo.world.deployments[k].state is wire.DeploymentState.READY
                     and servers[demo.world.deployments[k].server_id].status == "ACTIVE")
        assert str(table.get_row(ready)[5]) == "ACTIVE"  # its server as last seen, from the cache
        fresh = {f.source: f for f in reader.freshness(app.cache)}
        assert not fresh["site.ifb-core-cloud"].ok
        assert all(f.ok and f.last_success == demo.clock.now().replace(microsecond=0)
                   for s, f in fresh.items() if s != "site.ifb-core-cloud" and s != "portal.usage")


async def test_describe_masks_secrets_and_c_copies_the_ssh_command(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        table = await open_myvm(app, pilot)
        await pilot.press("a")
        key = next(k for k in keys(table) if demo.world.deployments[k].state is wire.DeploymentState.READY
                   and any(p.secret for p in demo.world.deployments[k].parameters))
        dep = demo.world.deployments[key]
        ip = demo.sites[dep.site].state.servers[dep.server_id].ip
        secret = next(p.value for p in dep.parameters if p.secret)
        await _cursor_to(table, pilot, key)
        await pilot.press("d")
        pane = app.screen.query_one("#describe")
        shown = text_of(pane)
        assert ip in shown and f"ssh ubuntu@{ip}" in shown and MASK in shown and secret not in shown
        assert dep.name in shown and "ACTIVE" in shown
        await pilot.press("v")  # fetched from the portal: the cache keeps no secret
        await settle(app, pilot, lambda: secret in text_of(pane))
        assert secret in text_of(pane)

        await pilot.press("down", "up")  # moving away hides the secret again
        assert secret not in text_of(pane)

        await pilot.press("c")
        assert app.clipboard == f"ssh ubuntu@{ip}"
        assert f"Copied to the clipboard: ssh ubuntu@{ip}" in toasts.text()


async def test_the_screen_and_the_command_line_show_one_secret_mask(synced, make_app, demo, cli, capsys, monkeypatch) -> None:  # noqa: ANN001
    """myVM's describe pane and ``launch --wait`` hide a password behind the same mask."""
    monkeypatch.setattr("biosphere_tui.scripting.act.pause", lambda seconds: demo.clock.advance(30))
    assert await asyncio.to_thread(cli, "launch", "180", "--site", "ifb-core-cloud", "--flavour", "ifb.m4.xlarge",
                                   "--name", "masked-cli", "--wait") == 0
    printed = capsys.readouterr().out
    [password] = [p for d in demo.world.deployments.values() if d.name == "masked-cli" for p in d.parameters if p.secret]
    [cli_line] = [line for line in printed.splitlines() if line.startswith(f"{password.name}  ")]
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        table = await open_myvm(app, pilot)
        await pilot.press("a")
        key = next(k for k in keys(table) if demo.world.deployments[k].state is wire.DeploymentState.READY
                   and any(p.secret for p in demo.world.deployments[k].parameters))
        await _cursor_to(table, pilot, key)
        await pilot.press("d")
        shown = text_of(app.screen.query_one("#describe"))
    assert re.findall("•+", cli_line) == [MASK] and set(re.findall("•+", shown)) == {MASK}


async def test_c_says_why_there_is_nothing_to_copy(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        table = await open_myvm(app, pilot)
        await pilot.press("a", "h")
        aborted = next(k for k in keys(table) if demo.world.deployments[k].state is wire.DeploymentState.ABORTED)
        await _cursor_to(table, pilot, aborted)
        await pilot.press("c")
        assert app.clipboard == ""
        assert f"Nothing to copy: {demo.world.deployments[aborted].name} is Aborted" in toasts.text()
        await pilot.press("d")
        assert demo.world.deployments[aborted].reason in text_of(app.screen.query_one("#describe"))


async def go_to_myvm(pilot) -> None:  # noqa: ANN001
    await settle(pilot.app, pilot)
    await pilot.press("3")
    await settle(pilot.app, pilot)


async def go_to_myvm_described(pilot) -> None:  # noqa: ANN001
    await go_to_myvm(pilot)
    await pilot.press("a", "d")
    await pilot.pause()


@SIZES
def test_myvm_snapshot(snap_compare, synced, make_app, size: tuple[int, int]) -> None:  # noqa: ANN001
    assert snap_compare(make_app(synced), terminal_size=size, run_before=go_to_myvm)


def test_myvm_snapshot_with_describe_pane(snap_compare, synced, make_app) -> None:  # noqa: ANN001
    assert snap_compare(make_app(synced), terminal_size=(160, 48), run_before=go_to_myvm_described)


async def test_deleting_a_vm_already_gone_says_so_and_refreshes(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    """Another admin (here: the portal directly) deleted it meanwhile; our cache still lists it."""
    import httpx

    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        table = await open_myvm(app, pilot)
        (key,) = _ready_of_demo(table, demo, 1)
        httpx.delete(f"{demo.portal_url}/monitor/deployments/{key}",
                     headers={"Authorization": f"Bearer {demo.token}"}, trust_env=False).raise_for_status()
        demo.clock.advance(60)
        demo.world.tick()
        assert demo.world.deployments[key].state is wire.DeploymentState.DONE
        assert key in keys(table)  # not refreshed yet
        await _cursor_to(table, pilot, key)
        await pilot.press("ctrl+d")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(app, pilot, lambda: app.refreshes >= 1)
        message = toasts.text()
        assert "0 of 1" in message or "failed" in message.lower()
        assert "Traceback" not in message and demo.token not in message
        assert key not in keys(table)  # the refreshed view no longer lists it
