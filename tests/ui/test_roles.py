"""Roles: the app hides what the user's role cannot do, and when the portal refuses anyway
(rights changed meanwhile), it says so plainly, refreshes, and nothing changed in the world."""

from __future__ import annotations

import asyncio
import dataclasses

from pilot_support import settle
from screen_text import text_of
from synced_cache import sync_once

from biosphere_tui.actions import NO_RIGHT
from biosphere_tui.demo import contract as wire
from biosphere_tui.models.states import Role
from biosphere_tui.widgets.confirm import ConfirmDialog
from biosphere_tui.widgets.line_table import ColumnsTable
from biosphere_tui.widgets.vm_table import VmTable

GROUP = "marine-meta"



def pending(demo) -> list:  # noqa: ANN001
    found = [r for r in demo.world.requests.values() if r.group_id == GROUP and r.state is wire.RequestState.PENDING]
    return sorted(found, key=lambda r: (r.created, r.id))


def demote(demo, username: str = "demo") -> None:  # noqa: ANN001
    """Another admin makes the user a plain member of the group, behind the app's back."""
    with demo.world.lock:
        members = demo.world.members[GROUP]
        members[username] = dataclasses.replace(members[username], role=wire.Role.MEMBER)
        demo.world.touch()  # changed behind the world's methods: the portal's ETags must change


async def open_screen(app, pilot, key: str) -> None:  # noqa: ANN001
    await settle(app, pilot)
    await pilot.press(key)
    await settle(app, pilot)


def offered(app) -> str:  # noqa: ANN001
    """The screen's palette commands and footer keys, as text."""
    footer = app.screen.query_one("Footer")
    return " ".join([c.title for c in app.screen.palette_commands()] + [text_of(k) for k in footer.query("FooterKey")])


async def test_approve_and_reject_are_offered_to_admins_only(synced, make_app) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 36)) as pilot:
        await open_screen(app, pilot, "4")
        assert "Approve" in offered(app) and "Reject" in offered(app)  # admin of marine-meta
        app.choose_group("ebame-2026")
        await settle(app, pilot)
        assert "Approve" not in offered(app) and "Reject" not in offered(app)


async def test_a_demoted_admin_no_longer_sees_others_vms(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await open_screen(app, pilot, "3")
        table = app.screen.query_one(VmTable)
        await pilot.press("a")  # all of marine-meta, as its admin
        other = next(k for k in table.row_keys if demo.world.deployments[k].owner != "demo"
                     and demo.world.deployments[k].state is wire.DeploymentState.READY)
        demote(demo)
        await pilot.press("r")
        await settle(app, pilot, lambda: app.refreshes >= 1)
        assert app.current_group is not None and app.current_group.role is Role.MEMBER
        assert "(member)" in app.sub_title
        assert other not in table.row_keys  # back to the user's own VMs: others' are not offered
        await pilot.press("a")
        assert "Only a group's admins see all of its VMs" in toasts.text()
        assert other not in table.row_keys
        assert demo.world.deployments[other].state is wire.DeploymentState.READY


async def test_approve_refused_by_the_portal_after_a_demotion(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    first = pending(demo)[0]
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await open_screen(app, pilot, "4")
        screen = app.screen
        await pilot.press("a")
        assert isinstance(app.screen, ConfirmDialog)
        demote(demo)  # between the dialog and the answer
        await pilot.press("y")
        await settle(app, pilot, lambda: app.refreshes >= 1)
        said = toasts.text()
        assert f"{first.name}: {NO_RIGHT} (the portal answered: You must be an admin of group '{GROUP}')." in said
        assert "The list is being refreshed." in said
        assert demo.world.requests[first.id].state is wire.RequestState.PENDING  # nothing changed
        assert first.username not in demo.world.members[GROUP]
        # the refreshed view knows the new role: no more requests, the explanation instead
        assert screen.query_one("#not-admin").display and not screen.query_one("#admin").display
        assert f"You are a member of {GROUP}" in text_of(screen.query_one("#not-admin"))


async def test_approve_refused_by_the_portal_is_said_and_the_view_refreshed(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    first = pending(demo)[0]
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await open_screen(app, pilot, "4")
        await pilot.press("a")
        demo.set_fault("portal", "forbidden")
        await pilot.press("y")
        await settle(app, pilot, lambda: app.refreshes >= 1)
        assert f"{first.name}: {NO_RIGHT} (the portal answered: Forbidden)." in toasts.text()
        assert demo.world.requests[first.id].state is wire.RequestState.PENDING
        demo.set_fault("portal", "none")
        await pilot.press("r")
        await settle(app, pilot, lambda: app.refreshes >= 2)
        assert first.id in app.screen.query_one("#requests", ColumnsTable).row_keys  # still waiting, still listed


async def test_delete_refused_by_the_portal_is_said_and_the_vm_stays(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await open_screen(app, pilot, "3")
        table = app.screen.query_one(VmTable)
        key = next(k for k in table.row_keys if demo.world.deployments[k].state is wire.DeploymentState.READY)
        dep = demo.world.deployments[key]
        table.move_cursor(row=table.get_row_index(key))
        await pilot.pause()
        await pilot.press("ctrl+d")
        assert isinstance(app.screen, ConfirmDialog)
        demo.set_fault("portal", "forbidden")
        await pilot.press("y")
        await settle(app, pilot, lambda: app.refreshes >= 1)
        said = toasts.text()
        assert f"{dep.name}: {NO_RIGHT} (the portal answered: Forbidden)." in said and "0 of 1 VM" in said
        assert demo.world.deployments[key].state is wire.DeploymentState.READY
        assert not demo.sites[dep.site].state.servers[dep.server_id].deleted
        demo.set_fault("portal", "none")
        await pilot.press("r")
        await settle(app, pilot, lambda: app.refreshes >= 2)
        assert key in table.row_keys


async def test_a_member_cannot_delete_someone_elses_vm_still_listed(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    """An admin lists all of the group and is then made a plain member; a refresh of the account
    alone (each source is refreshed on its own: the deployments' may fail or come later) writes it to
    the cache while this screen still lists the others' VMs: ctrl+d on one of them is refused with the
    rule's words, no confirmation is asked and nothing is deleted."""
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await open_screen(app, pilot, "3")
        table = app.screen.query_one(VmTable)
        await pilot.press("a")  # all of marine-meta, as its admin
        key = next(k for k in table.row_keys if demo.world.deployments[k].owner != "demo"
                   and demo.world.deployments[k].state is wire.DeploymentState.READY)
        dep = demo.world.deployments[key]
        table.move_cursor(row=table.get_row_index(key))
        await pilot.pause()
        demote(demo)
        await asyncio.to_thread(sync_once, synced, demo, {"portal.account"})  # the cache: a member now
        await pilot.press("ctrl+d")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmDialog)
        assert (f"{dep.name} belongs to {dep.owner}: only its owner or an admin of {GROUP} can delete it."
                in toasts.text())
        assert demo.world.deployments[key].state is wire.DeploymentState.READY
        assert not demo.sites[dep.site].state.servers[dep.server_id].deleted
