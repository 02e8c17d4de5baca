"""Groups: choose the current group, ask to join one, request a new project group."""

from __future__ import annotations

from pilot_support import fill, settle
from screen_text import text_of
from snapshot_support import SIZES

from biosphere_tui.demo import contract as wire
from biosphere_tui.screens.group_request import GroupRequestScreen
from biosphere_tui.screens.groups import GroupsScreen, JoinDialog
from biosphere_tui.screens.members import ColumnsTable


async def open_groups(app, pilot) -> GroupsScreen:  # noqa: ANN001
    await settle(app, pilot)
    await pilot.press("7")
    await settle(app, pilot)
    assert isinstance(app.screen, GroupsScreen)
    return app.screen


async def test_chosen_group_is_current_and_persists(synced, make_app, toasts) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        screen = await open_groups(app, pilot)
        table = screen.query_one("#groups", ColumnsTable)
        assert app.current_group.id == "marine-meta"
        table.focus()
        while table.current_key != "ebame-2026":
            await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        assert app.current_group.id == "ebame-2026"
        assert "ebame-2026 (member)" in app.sub_title
        assert table.get_cell("ebame-2026", "name") == "▶ ebame-2026"
        while table.current_key != "univ-rennes":
            await pilot.press("up")
        await pilot.press("g")  # an affiliation group has no resources: refused
        await pilot.pause()
        assert app.current_group.id == "ebame-2026"
        assert any("affiliation group" in n.message for n in toasts.raised)
    again = make_app(synced)
    async with again.run_test(size=(120, 36)) as pilot:
        await settle(again, pilot)
        assert again.current_group.id == "ebame-2026"


async def test_join_request_reaches_the_world(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        screen = await open_groups(app, pilot)
        directory = screen.query_one("#directory", ColumnsTable)
        assert "marine-meta" not in directory.row_keys and "dubii-2026" in directory.row_keys
        await pilot.press("j")
        dialog = app.screen
        assert isinstance(dialog, JoinDialog)
        for _ in range([e.id for e in dialog.entries].index("dubii-2026")):
            await pilot.press("down")
        await pilot.press("enter", "enter")  # choose the group, then send without a message: refused
        assert app.screen is dialog and "write a word" in text_of(dialog.query_one("#hint"))
        await fill(pilot, pilot.app.focused, "Teaching assistant for the practicals")
        await pilot.press("enter")
        await settle(app, pilot, lambda: "dubii-2026" in screen._asked)
        asked = [r for r in demo.world.requests.values() if r.group_id == "dubii-2026" and r.username == "demo"]
        assert len(asked) == 1
        assert asked[0].state is wire.RequestState.PENDING
        assert asked[0].message == "Teaching assistant for the practicals"
        assert f"request {asked[0].id} pending" in directory.get_cell("dubii-2026", "asked")
        assert any(asked[0].id in n.message for n in toasts.raised)


async def test_a_join_refused_by_the_portal_is_reported(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    demo.world.join("dubii-2026", "demo", "asked on the web portal")
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        screen = await open_groups(app, pilot)
        directory = screen.query_one("#directory", ColumnsTable)
        directory.move_cursor(row=directory.get_row_index("dubii-2026"))
        await pilot.press("j")
        dialog = app.screen
        assert isinstance(dialog, JoinDialog)
        assert dialog.entries[dialog.query_one("OptionList").highlighted].id == "dubii-2026"  # the highlighted row
        await pilot.press("tab")
        await fill(pilot, pilot.app.focused, "again")
        await pilot.press("enter")
        await settle(app, pilot, lambda: any("already pending" in n.message for n in toasts.raised))
        assert screen._asked == {}


async def fill_on(pilot, *values: str) -> None:  # noqa: ANN001
    """Put each value in the focused field, replacing what was there, then Tab to the next field."""
    for value in values:
        await pilot.pause()  # a focus() asked for just before has taken effect
        await fill(pilot, pilot.app.focused, value)
        await pilot.press("tab")


async def test_new_group_request_reaches_the_world(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(120, 40), notifications=True, message_hook=toasts) as pilot:
        await open_groups(app, pilot)
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, GroupRequestScreen)
        await fill_on(pilot, "pl", "Plankton transcriptomics survey", "2027-01-01", "2026-06-30")
        await pilot.press("tab")  # past the funding choice (default: a platform's envelope)
        await fill_on(pilot, "RNA-Seq of 400 plankton samples", "64", "512", "0")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and demo.world.group_requests == {}
        problem = lambda field: " ".join(text_of(form.query_one(f"#{field}-problem")).split())  # noqa: E731 - wrapped
        assert "3 to 30 characters" in problem("short_name")
        assert "after the start" in problem("end_date")
        assert "at least 1" in problem("storage_gb")
        assert not form.query_one("#full_name-problem").display
        form.query_one("#short_name").focus()
        await fill_on(pilot, "plankton-rna")
        form.query_one("#end_date").focus()
        await fill_on(pilot, "2027-12-31")
        form.query_one("#storage_gb").focus()
        await fill_on(pilot, "2000")
        await pilot.press("ctrl+s")
        await settle(app, pilot, lambda: bool(demo.world.group_requests))
        assert isinstance(app.screen, GroupsScreen)
        [(request_id, recorded)] = demo.world.group_requests.items()
        assert recorded == {
            "short_name": "plankton-rna", "full_name": "Plankton transcriptomics survey",
            "summary": "RNA-Seq of 400 plankton samples", "start_date": "2027-01-01", "end_date": "2027-12-31",
            "funding": "platform", "vcpu": 64, "ram_gb": 512, "storage_gb": 2000, "requester": "demo",
            "state": "pending",
        }
        await settle(app, pilot, lambda: any(request_id in n.message for n in toasts.raised))


async def test_a_refused_group_request_is_kept_as_a_draft(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(120, 40), notifications=True, message_hook=toasts) as pilot:
        await open_groups(app, pilot)
        await pilot.press("n")
        await fill_on(pilot, "marine-meta", "Again", "2027-01-01", "2027-12-31")
        await pilot.press("tab")
        await fill_on(pilot, "More of it", "8", "32", "100")
        await pilot.press("ctrl+s")
        await settle(app, pilot, lambda: any("already exists" in n.message for n in toasts.raised))
        assert demo.world.group_requests == {}
        await pilot.press("n")
        assert app.screen.query_one("#full_name").value == "Again"  # nothing to type again


@SIZES
def test_groups_snapshot(snap_compare, synced, make_app, size: tuple[int, int]) -> None:  # noqa: ANN001
    app = make_app(synced)

    async def go(pilot) -> None:  # noqa: ANN001
        await open_groups(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=go)
