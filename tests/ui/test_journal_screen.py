"""The journal: actions done through the UI are listed, newest first, with results and API requests."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from pilot_support import fill, set_filter, settle
from screen_text import text_of

from biosphere_tui.demo import contract as wire
from biosphere_tui.i18n import set_language
from biosphere_tui.local.folders import journal_file
from biosphere_tui.local.journal import OK, Entry
from biosphere_tui.screens.journal import JournalScreen, JournalTable
from biosphere_tui.widgets.confirm import ConfirmDialog
from biosphere_tui.widgets.vm_table import VmTable

GROUP = "marine-meta"


def pending_in_world(demo) -> list:  # noqa: ANN001
    found = [r for r in demo.world.requests.values() if r.group_id == GROUP and r.state is wire.RequestState.PENDING]
    return sorted(found, key=lambda r: (r.created, r.id))


async def approve_first(app, pilot, demo):  # noqa: ANN001, ANN201
    first = pending_in_world(demo)[0]
    await settle(app, pilot)
    await pilot.press("4")
    await settle(app, pilot)
    await pilot.press("a")
    assert isinstance(app.screen, ConfirmDialog)
    await pilot.press("y")
    await settle(app, pilot, lambda: demo.world.requests[first.id].state is wire.RequestState.APPROVED)
    return first


async def delete_two(app, pilot, demo, fail_site: bool) -> tuple:  # noqa: ANN001
    """Mark two ready VMs of demo's on different sites and delete them; the second's site may be down."""
    await pilot.press("3")
    await settle(app, pilot)
    table = app.screen.query_one(VmTable)
    ready = [key for key in table.row_keys if demo.world.deployments[key].state is wire.DeploymentState.READY]
    by_site: dict[str, str] = {}
    for key in ready:
        by_site.setdefault(demo.world.deployments[key].site, key)
    first, second = list(by_site.values())[:2]
    for key in (first, second):
        table.move_cursor(row=table.get_row_index(key))
        await pilot.pause()
        await pilot.press("space")
    await pilot.press("ctrl+d")
    assert isinstance(app.screen, ConfirmDialog)
    if fail_site:
        demo.set_fault(demo.world.deployments[second].site, "down")
    count = app.refreshes
    await pilot.press("y")
    await settle(app, pilot, lambda: app.refreshes > count)
    return first, second


async def open_journal(app, pilot) -> JournalScreen:  # noqa: ANN001
    await pilot.press("8")
    await settle(app, pilot)
    assert isinstance(app.screen, JournalScreen)
    return app.screen


async def test_an_approve_and_a_delete_are_journaled_with_their_results(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        first = await approve_first(app, pilot, demo)
        ok_vm, failed_vm = await delete_two(app, pilot, demo, fail_site=True)
        assert demo.world.deployments[ok_vm].state is wire.DeploymentState.FINALIZING
        assert demo.world.deployments[failed_vm].state is wire.DeploymentState.READY

        screen = await open_journal(app, pilot)
        table = screen.query_one(JournalTable)
        assert table.row_count == 2 and screen.title == "Journal — 2 actions"
        newest, oldest = (table.get_row(table.row_keys[i]) for i in (0, 1))
        assert str(newest[4]) == "Deleting 2 VMs" and newest[3] == "partly failed" and str(newest[2]) == "demo"
        assert str(oldest[4]) == "Approving 1 request" and oldest[3] == "ok"
        assert str(oldest[0]) == f"{demo.clock.now():%Y-%m-%d %H:%M:%S}"

        detail = text_of(screen.query_one("#entry"))  # the newest is highlighted
        assert f"✓ {ok_vm}: done" in detail
        assert f"✗ {failed_vm}: " in detail and "cannot" in detail
        assert f"DELETE /monitor/deployments/{ok_vm}" in detail
        assert f"DELETE /monitor/deployments/{failed_vm}" in detail

        await pilot.press("down")
        detail = text_of(screen.query_one("#entry"))
        assert f"POST /cloudweb_account/groups/{GROUP}/requests/{first.id}/approve" in detail
        assert f"✓ {first.id}: done" in detail and "by demo" in detail

        await set_filter(pilot, "approv")
        await pilot.pause()
        assert table.row_count == 1 and "1 matching “approv”" in screen.title

    text = journal_file().read_text()
    assert demo.token not in text and "Bearer" not in text and "Authorization" not in text
    assert len(text.splitlines()) == 2
    assert journal_file().stat().st_mode & 0o077 == 0


async def test_a_reject_records_the_reason_it_sent(synced, make_app, demo) -> None:  # noqa: ANN001
    second = pending_in_world(demo)[1]
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        await pilot.press("down", "x")
        await fill(pilot, pilot.app.focused, "Wrong team")
        await pilot.press("enter", "y")
        await settle(app, pilot, lambda: demo.world.requests[second.id].state is wire.RequestState.REJECTED)
        screen = await open_journal(app, pilot)
        detail = text_of(screen.query_one("#entry"))
        assert f"POST /cloudweb_account/groups/{GROUP}/requests/{second.id}/reject" in detail
        assert '/reject {"reason":"Wrong team"}' in detail
        assert "Rejecting 1 request" in detail and "· ok" in detail


async def test_an_action_the_portal_never_received_is_journaled_as_failed(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(app, pilot)
        demo.set_fault("portal", "down")
        app.act("Asking to join bird-lab", lambda a: a.join("bird-lab", "hello"), resync=set())
        await settle(app, pilot, lambda: journal_file().exists())
        demo.set_fault("portal", "none")
        screen = await open_journal(app, pilot)
        table = screen.query_one(JournalTable)
        row = table.get_row(table.row_keys[0])
        assert str(row[4]) == "Asking to join bird-lab" and row[3] == "failed"
        detail = text_of(screen.query_one("#entry"))
        assert "cannot connect" in detail
        assert "POST /cloudweb_account/groups/bird-lab/join" in detail  # sent, never answered


async def test_an_empty_journal_says_what_it_is_for(synced, make_app) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        screen = await open_journal(app, pilot)
        assert screen.title == "Journal — 0 actions"
        assert "No action yet" in text_of(screen.query_one("#entry"))


async def test_damaged_lines_are_skipped_and_counted(synced, make_app) -> None:  # noqa: ANN001
    path = journal_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    good = ('{"at": "2026-03-02T10:00:00+00:00", "user": "demo", "action": "Deleting 1 VM", "result": "ok", '
            '"message": "", "requests": ["DELETE /monitor/deployments/d-1"], "items": []}')
    path.write_text(f"{good}\nnot json\n{{\"at\": 1}}\n")
    app = make_app(synced)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        screen = await open_journal(app, pilot)
        assert screen.query_one(JournalTable).row_count == 1
        assert screen.title == "Journal — 1 action (2 unreadable lines skipped)"



async def test_actions_are_shown_in_the_language_of_the_app_reading_them(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)  # English
    async with app.run_test(size=(160, 48)) as pilot:
        await approve_first(app, pilot, demo)
    older = Entry(datetime(2026, 1, 5, tzinfo=UTC), "demo", "Suppression de 1 VM", OK, "", ())
    with journal_file().open("a") as out:  # an entry of a version that wrote titles in its language
        out.write(older.to_json() + "\n")
    french = make_app(replace(synced, lang="fr"))
    try:
        async with french.run_test(size=(160, 48)) as pilot:
            await settle(french, pilot)
            screen = await open_journal(french, pilot)
            table = screen.query_one(JournalTable)
            assert [table.get_row(table.row_keys[i])[4] for i in (0, 1)] == ["Suppression de 1 VM", "Approbation de 1 demande"]
            await pilot.press("down")
            assert text_of(screen.query_one("#entry")).startswith("Approbation de 1 demande · par demo")
            await set_filter(pilot, "approbation")
            await pilot.pause()
            assert table.row_count == 1  # found by the words shown
    finally:
        set_language("en")
    assert json.loads(journal_file().read_text().splitlines()[0])["action"] == "Approving 1 request"  # for scripts
