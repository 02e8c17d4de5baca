"""Members: an admin approves and rejects membership requests; a member is told why they see none."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import httpx
from pilot_support import fill, set_filter, settle
from screen_text import text_of
from snapshot_support import SIZES
from window_support import COPIES, RowCount, grow

from biosphere_tui.demo import contract as wire
from biosphere_tui.screens.base import WindowedRows
from biosphere_tui.screens.members import ColumnsTable, MembersScreen
from biosphere_tui.widgets.confirm import ConfirmDialog, ReasonDialog
from biosphere_tui.widgets.palette import style
from biosphere_tui.widgets.summary import Summary

GROUP = "marine-meta"


def pending_in_world(demo) -> list:  # noqa: ANN001
    """The group's pending requests, oldest first (the order of the screen)."""
    found = [r for r in demo.world.requests.values() if r.group_id == GROUP and r.state is wire.RequestState.PENDING]
    return sorted(found, key=lambda r: (r.created, r.id))


async def open_members(app, pilot) -> MembersScreen:  # noqa: ANN001
    await settle(app, pilot)
    await pilot.press("4")
    await settle(app, pilot)
    assert isinstance(app.screen, MembersScreen)
    return app.screen


def requests_table(screen: MembersScreen) -> ColumnsTable:
    return screen.query_one("#requests", ColumnsTable)



async def test_approve_one_request(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    waiting = pending_in_world(demo)
    first = waiting[0]
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        screen = await open_members(app, pilot)
        assert screen.title == f"Members — {len(waiting)} pending"
        assert requests_table(screen).current_key == first.id
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmDialog) and first.name in text_of(app.screen.query_one("#items Static"))
        await pilot.press("y")
        await settle(app, pilot, lambda: first.id not in requests_table(screen).row_keys)
        assert demo.world.requests[first.id].state is wire.RequestState.APPROVED
        assert first.username in demo.world.members[GROUP]
        assert f"Approved: {first.name}." in toasts.text()
        assert screen.title == f"Members — {len(waiting) - 1} pending"
        assert first.username in screen.query_one("#members", ColumnsTable).row_keys  # a member now
        await pilot.press("1")
        await settle(app, pilot)
        assert f"Requests {len(waiting) - 1}" in text_of(app.screen.query_one(Summary))


async def test_reject_with_a_reason(synced, make_app, demo) -> None:  # noqa: ANN001
    second = pending_in_world(demo)[1]
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        screen = await open_members(app, pilot)
        await pilot.press("down", "x")
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press("enter")  # a reason is required: the dialog stays
        assert isinstance(app.screen, ReasonDialog)
        await fill(pilot, pilot.app.focused, "Please ask through your team lead")
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(app, pilot, lambda: second.id not in requests_table(screen).row_keys)
        rejected = demo.world.requests[second.id]
        assert rejected.state is wire.RequestState.REJECTED and rejected.reason == "Please ask through your team lead"
        assert second.username not in demo.world.members[GROUP]


async def test_cancel_changes_nothing(synced, make_app, demo) -> None:  # noqa: ANN001
    first = pending_in_world(demo)[0]
    app = make_app(synced)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_members(app, pilot)
        await pilot.press("a", "n")
        await pilot.press("x", *"no", "enter", "n")
        await settle(app, pilot)
        assert demo.world.requests[first.id].state is wire.RequestState.PENDING


async def test_approve_two_marked_requests(synced, make_app, demo) -> None:  # noqa: ANN001
    first, second = pending_in_world(demo)[:2]
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        screen = await open_members(app, pilot)
        requests_table(screen).focus()
        await pilot.press("space", "down", "space", "a")
        assert isinstance(app.screen, ConfirmDialog)
        listed = text_of(app.screen.query_one("#items Static"))
        assert first.name in listed and second.name in listed
        await pilot.press("y")
        await settle(app, pilot, lambda: not {first.id, second.id} & set(requests_table(screen).row_keys))
        assert all(demo.world.requests[r.id].state is wire.RequestState.APPROVED for r in (first, second))
        assert {first.username, second.username} <= set(demo.world.members[GROUP])
        assert requests_table(screen).selected == set()


async def test_a_request_handled_by_another_admin_meanwhile(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    first = pending_in_world(demo)[0]
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        screen = await open_members(app, pilot)
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmDialog)
        async with httpx.AsyncClient(base_url=demo.portal_url.rstrip("/") + "/",
                                     headers={"Authorization": f"Bearer {demo.token}"}) as other_admin:
            reply = await other_admin.post(f"cloudweb_account/groups/{GROUP}/requests/{first.id}/reject",
                                           json={"reason": "Not in our team."})
        assert reply.status_code == 200
        await pilot.press("y")
        await settle(app, pilot, lambda: "Not approved" in " ".join(n.title for n in toasts.raised))
        await settle(app, pilot, lambda: first.id not in requests_table(screen).row_keys)  # the view was refreshed
        assert f"{first.name}: Request {first.id} was already rejected." in toasts.text()
        assert demo.world.requests[first.id].state is wire.RequestState.REJECTED
        assert first.username not in demo.world.members[GROUP]


async def test_a_member_is_told_only_admins_see_members(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        app.choose_group("ebame-2026")
        screen = await open_members(app, pilot)
        note = screen.query_one("#not-admin")
        assert note.display and not screen.query_one("#admin").display
        text = text_of(note)
        assert "You are a member of ebame-2026" in text
        assert "Only the group's admins can see its members" in text
        assert screen.title == "Members"
        assert not screen.check_action("approve", ()) and not screen.check_action("reject", ())
        await pilot.press("a", "x")
        assert app.screen is screen  # no dialog: nothing to approve here
        assert pending_in_world(demo)  # and nothing changed


async def test_expiring_members_are_highlighted(synced, make_app, demo) -> None:  # noqa: ANN001
    today = demo.clock.now().date()
    soon = [m for m in demo.world.members[GROUP].values() if 0 <= (m.account_end - today).days <= 30]
    later = next(m for m in demo.world.members[GROUP].values() if (m.account_end - today).days > 30)
    assert soon, "the demo world has members whose account ends within 30 days"
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_members(app, pilot)
        table = screen.query_one("#members", ColumnsTable)
        for member in soon:
            days = (member.account_end - today).days
            notice = table.get_cell(member.username, "notice")
            assert notice == f"expires in {days} days"
            assert table.get_cell_style(member.username, "notice") == style("strong-warning")
            assert table.get_cell_style(member.username, "name") == style("strong-warning")  # the theme's $warning, bold
        assert table.get_cell(later.username, "notice") == ""
        assert f"{len(soon)} accounts end within 30 days" in text_of(screen.query_one("#members-title"))

        await pilot.press("slash", "z")  # the count is the group's, whatever the filter shows
        assert f"{len(soon)} accounts end within 30 days" in text_of(screen.query_one("#members-title"))
        demo.world.members[GROUP][later.username] = replace(later, account_end=today + timedelta(days=10))
        demo.world.touch("people")
        await pilot.press("escape", "r")  # a refresh brings the new account end: counted again
        await settle(app, pilot, lambda: table.get_cell(later.username, "notice") != "")
        assert f"{len(soon) + 1} accounts end within 30 days" in text_of(screen.query_one("#members-title"))


async def test_filter_narrows_both_lists(synced, make_app, demo) -> None:  # noqa: ANN001
    first = pending_in_world(demo)[0]
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_members(app, pilot)
        await set_filter(pilot, first.username)
        await pilot.pause()
        assert requests_table(screen).row_keys == [first.id]
        assert screen.query_one("#members", ColumnsTable).row_count == 0
        await pilot.press("escape")
        await pilot.pause()
        assert requests_table(screen).row_count == len(pending_in_world(demo))


async def test_marks_and_cursor_survive_a_refresh(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_members(app, pilot)
        table = requests_table(screen)
        table.focus()
        await pilot.press("down", "space")
        marked, at, before = set(table.selected), table.current_key, table.row_count
        demo.clock.advance(timedelta(minutes=15).total_seconds())  # a new request arrives meanwhile
        await pilot.press("r")
        await settle(app, pilot, lambda: table.row_count > before)
        assert table.row_count == len(pending_in_world(demo))
        assert table.selected == marked and table.current_key == at


async def test_thousands_of_members_are_read_a_window_at_a_time_and_counted_in_sql(synced, make_app, demo) -> None:  # noqa: ANN001
    """The table holds the first ``PAGE`` members in the screen's order, the next page once the cursor
    nears its end; the title counts every member; the filter searches them all; a refresh that changed
    nothing reads no member again."""
    page = WindowedRows.PAGE
    grow(synced, "members", keys=("username", "name"))
    total = COPIES * len(demo.world.members[GROUP])
    soon = (demo.clock.now().date() + timedelta(days=30)).isoformat()
    app = make_app(synced)
    cached = app.cache.execute("SELECT username, name, role, account_end FROM members WHERE group_id = ?",
                               [GROUP]).fetchall()
    ordered = [u for u, *_ in sorted(cached, key=lambda m: (m[2] != "admin", m[3] > soon, m[1], m[0]))]
    assert len(ordered) == total > 5 * page
    async with app.run_test(size=(160, 48)) as pilot:
        counter = RowCount()
        app.cache.row_factory = counter
        screen = await open_members(app, pilot)
        app.cache.row_factory = None
        table = screen.query_one("#members", ColumnsTable)
        assert table.row_keys == ordered[:page]
        assert counter.rows < 2 * page  # the window, the requests, the groups and sources: not every member
        title = text_of(screen.query_one("#members-title"))
        ending = sum(1 for *_, end in cached if demo.clock.now().date().isoformat() <= end <= soon)
        assert f"Members of {GROUP}  {total}" in title and f"{ending} accounts end within 30 days" in title

        table.focus()
        await pilot.press("end")
        await pilot.pause()
        assert table.row_keys == ordered[:2 * page]  # the cursor near the end of the window: the next page is read

        statements: list[str] = []
        app.cache.set_trace_callback(statements.append)
        app.reload_screen()  # as after a refresh that changed nothing
        await pilot.pause()
        app.cache.set_trace_callback(None)
        assert not [s for s in statements if "FROM members" in s] and table.row_count == 2 * page

        far = ordered[-1]  # far beyond every window read
        await set_filter(pilot, far)
        await pilot.pause()
        assert far in table.row_keys and table.current_key == table.row_keys[0]
        assert f"Members of {GROUP}  {table.row_count}" in text_of(screen.query_one("#members-title"))
        await pilot.press("escape")
        await pilot.pause()
        assert table.row_keys == ordered[:page]  # another selection: the window starts again


@SIZES
def test_members_snapshot(snap_compare, synced, make_app, size: tuple[int, int]) -> None:  # noqa: ANN001
    app = make_app(synced)

    async def go(pilot) -> None:  # noqa: ANN001
        await open_members(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=go)
