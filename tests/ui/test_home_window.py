"""Home reads what it shows in constant work: aggregates and a window of rows, bounded whatever the
number of VMs in the cache, and nothing again after a refresh that changed none of its sources."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from screen_text import text_of
from sync_helpers_os import os_only_config
from window_support import RowCount, grow

from biosphere_tui.cache import vm_detail, vms
from biosphere_tui.cache.db import open_cache
from biosphere_tui.cache.writer import CacheWriter
from biosphere_tui.config import Config
from biosphere_tui.screens.home import PAGE
from biosphere_tui.screens.myvm import PAGE as MYVM_PAGE
from biosphere_tui.widgets.summary import Summary
from biosphere_tui.widgets.vm_table import VmTable


async def test_home_reads_a_window_of_rows_however_many_vms_there_are(synced: Config, make_app) -> None:  # noqa: ANN001
    total = grow(synced)
    app = make_app(synced)
    counter = RowCount()
    app.cache.row_factory = counter
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(VmTable)
        assert total > 40 * PAGE
        assert counter.rows < 2 * PAGE  # the window, the sites, groups, states and sources: not the world
        assert table.row_count == PAGE
        assert f"VMs {total}" in text_of(app.screen.query_one(Summary))  # the aggregates count every VM
        assert table.row_keys == [vm.id for vm in vms.vms(app.cache, limit=PAGE)]  # the newest first, as before
        table.focus()
        await pilot.press("end")
        await pilot.pause()
        assert PAGE < table.row_count < total  # the cursor near the end of the window: the next page is read


async def test_a_refresh_that_changed_nothing_reads_no_vm_and_one_that_did_shows_it(
        synced: Config, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(VmTable)
        shown = table.row_keys
        statements: list[str] = []
        app.cache.set_trace_callback(statements.append)
        app.reload_screen()  # as after a refresh: every source answered the same rows
        await pilot.pause()
        app.cache.set_trace_callback(None)
        assert any("freshness" in s for s in statements)  # the sources' ages and versions are read
        assert not [s for s in statements if "deployments" in s or "vms" in s]  # no VM, no count
        assert table.row_keys == shown

        cached = [detail.deployment for (key,) in app.cache.execute("SELECT id FROM deployments").fetchall()
                  if (detail := vm_detail.detail(app.cache, key)) is not None]
        newest = max(cached, key=lambda d: d.created)
        new = replace(newest, id="new-vm", name="just-launched", created=newest.created + timedelta(minutes=1))
        writer = CacheWriter(open_cache(synced.cache_path).db)
        writer.deployments([*cached, new], 0.1, demo.clock.now())  # at the same instant: still a change
        writer.db.close()
        app.reload_screen()
        await pilot.pause()
        assert table.row_keys[0] == "new-vm"
        assert "just-launched" in text_of(table)


@pytest.fixture
def os_synced(demo, tmp_path: Path) -> Config:  # noqa: ANN001
    return os_only_config(demo, tmp_path)


async def test_openstack_only_home_reads_a_window_and_nothing_again_when_nothing_changed(
        os_synced: Config, make_app) -> None:  # noqa: ANN001
    config = os_synced
    total = grow(config, "servers")
    app = make_app(config)
    counter = RowCount()
    app.cache.row_factory = counter
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "NovaHomeScreen"
        table = app.screen.query_one(VmTable)
        assert total > 40 * PAGE
        assert counter.rows < 2 * PAGE  # the window, the sites, the statuses and sources: not every server
        assert table.row_count == PAGE
        assert f"{total} servers" in text_of(app.screen.query_one("#summary"))  # the aggregates count them all
        assert table.row_keys == [vm.id for vm in vms.vms(app.cache, nova=True, limit=PAGE)]
        statements: list[str] = []
        app.cache.set_trace_callback(statements.append)
        app.reload_screen()  # as after a refresh in which no site changed its servers
        await pilot.pause()
        app.cache.set_trace_callback(None)
        assert not [s for s in statements if "servers" in s]
        table.focus()
        await pilot.press("end")
        await pilot.pause()
        assert PAGE < table.row_count < total  # the cursor near the end of the window: the next page is read


async def test_a_filter_keystroke_on_myvm_reads_the_window_alone(synced: Config, make_app) -> None:  # noqa: ANN001
    """The first word of a filter reads the scope's VMs once (their searched fields, in order); each
    further keystroke searches them in memory and reads only the rows it shows."""
    total = grow(synced)
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await pilot.press("3", "slash", "i")
        await pilot.pause()
        screen = app.screen
        table = screen.query_one(VmTable)
        counter, statements = RowCount(), list[str]()
        app.cache.row_factory = counter
        app.cache.set_trace_callback(statements.append)
        await pilot.press("f")  # "if": every site of the demo is named ifb-…
        await pilot.pause()
        app.cache.set_trace_callback(None)
        assert total > 40 * PAGE and screen.total > 2 * MYVM_PAGE
        assert not [s for s in statements if "LIKE" in s]  # no pass over the VMs in SQL
        assert counter.rows < 2 * MYVM_PAGE  # the window, the sources' versions, the site names
        assert table.row_count == MYVM_PAGE
        expected = vms.vms(app.cache, replace(screen.vm_query, text="if"), limit=MYVM_PAGE)
        assert table.row_keys == [vm.id for vm in expected]
