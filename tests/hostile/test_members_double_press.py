"""Item 15: ``a y a y`` pressed quickly on Members sends one approval, and says "approved" once;
a request (or a VM being deleted) is busy while its action runs and until the refresh after it."""

from __future__ import annotations

import threading

import pytest
from pilot_support import fill, settle
from toasts import Toasts

from biosphere_tui.app import BiosphereApp
from biosphere_tui.config import Config
from biosphere_tui.demo import contract as wire
from biosphere_tui.widgets.line_table import ColumnsTable

GROUP = "marine-meta"


class Decisions(list):
    """Every decision the demo portal received, (request id, approve?); each waits for ``answer``
    (a portal slower than the user's fingers)."""

    def __init__(self) -> None:
        super().__init__()
        self.answer = threading.Event()


@pytest.fixture
def decisions(demo, monkeypatch: pytest.MonkeyPatch) -> Decisions:  # noqa: ANN001
    seen = Decisions()
    real = demo.world.decide

    def decide(gid: str, rid: str, actor: str, **kw: object):  # noqa: ANN202
        seen.append((rid, bool(kw.get("approve"))))
        seen.answer.wait(10)
        return real(gid, rid, actor, **kw)

    monkeypatch.setattr(demo.world, "decide", decide)
    return seen


def pending(demo) -> list:  # noqa: ANN001
    found = [r for r in demo.world.requests.values() if r.group_id == GROUP and r.state is wire.RequestState.PENDING]
    return sorted(found, key=lambda r: (r.created, r.id))


def titled(toasts: Toasts) -> list[str]:
    """Each toast raised, as "title: message"."""
    return [f"{n.title}: {n.message}" for n in toasts.raised]


async def open_members(app: BiosphereApp, pilot):  # noqa: ANN001, ANN201
    from biosphere_tui.screens.members import MembersScreen

    await settle(app, pilot)
    await pilot.press("4")
    await settle(app, pilot)
    assert isinstance(app.screen, MembersScreen)
    return app.screen


async def test_a_y_a_y_approves_once_and_says_so_once(synced: Config, demo, decisions, toasts) -> None:  # noqa: ANN001
    first = pending(demo)[0]
    app = BiosphereApp(synced, now=demo.clock.now, background_refresh=False)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await open_members(app, pilot)
        await pilot.press("a", "y", "a", "y")  # the portal has not answered the first yet
        decisions.answer.set()
        await settle(app, pilot, lambda: first.id not in app.screen.query_one("#requests", ColumnsTable).row_keys)
        assert decisions == [(first.id, True)]
        assert demo.world.requests[first.id].state is wire.RequestState.APPROVED
        said = titled(toasts)
        assert [m for m in said if "Approved: " in m] == [f"Requests approved: Approved: {first.name}."]
        assert not [m for m in said if m.startswith("Not approved")], said
        assert f"{first.name} is already being approved." in "\n".join(said)


async def test_already_approved_after_our_own_approval_is_not_a_failure(synced: Config, demo, decisions,  # noqa: ANN001
                                                                         monkeypatch: pytest.MonkeyPatch, toasts: Toasts) -> None:
    """The refresh after our approval fails, so the request still looks pending; approving it again
    gets the portal's 409 "already approved", which is what we wanted: no "Not approved" toast."""
    first = pending(demo)[0]
    decide = demo.world.decide

    def then_portal_fails(*args: object, **kw: object):  # noqa: ANN202
        decided = decide(*args, **kw)
        demo.set_fault("portal", "http500")  # the refresh that follows fails
        return decided

    monkeypatch.setattr(demo.world, "decide", then_portal_fails)
    decisions.answer.set()
    app = BiosphereApp(synced, now=demo.clock.now, background_refresh=False)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        screen = await open_members(app, pilot)
        await pilot.press("a", "y")
        await settle(app, pilot, lambda: app.refreshes >= 1)
        assert first.id in screen.query_one("#requests", ColumnsTable).row_keys  # the cache could not learn it
        demo.set_fault("portal", "none")
        await pilot.press("a", "y")
        await settle(app, pilot, lambda: first.id not in screen.query_one("#requests", ColumnsTable).row_keys)
        assert decisions == [(first.id, True), (first.id, True)]  # the second got a 409
        said = titled(toasts)
        assert not [m for m in said if m.startswith("Not approved")], said
        assert said.count(f"Requests approved: Approved: {first.name}.") == 2


async def test_reject_pressed_again_before_the_answer_is_not_sent_twice(synced: Config, demo, decisions, toasts) -> None:  # noqa: ANN001
    first = pending(demo)[0]
    app = BiosphereApp(synced, now=demo.clock.now, background_refresh=False)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await open_members(app, pilot)
        await pilot.press("x")
        await fill(pilot, pilot.app.focused, "duplicate")
        await pilot.press("enter", "y", "a")
        decisions.answer.set()
        await settle(app, pilot, lambda: first.id not in app.screen.query_one("#requests", ColumnsTable).row_keys)
        assert decisions == [(first.id, False)]
        assert f"{first.name} is already being rejected." in "\n".join(titled(toasts))


async def test_ctrl_d_y_twice_on_myvm_deletes_once(synced: Config, demo, monkeypatch: pytest.MonkeyPatch, toasts) -> None:  # noqa: ANN001
    from biosphere_tui.widgets.vm_table import VmTable

    asked: list[str] = []
    answer = threading.Event()
    deletable = demo.world.deletable

    def slow(dep_id: str, actor: str):  # noqa: ANN202
        asked.append(dep_id)
        answer.wait(10)
        return deletable(dep_id, actor)

    monkeypatch.setattr(demo.world, "deletable", slow)
    app = BiosphereApp(synced, now=demo.clock.now, background_refresh=False)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        await settle(app, pilot)
        table = app.screen.query_one(VmTable)
        key = next(k for k in table.row_keys if demo.world.deployments[k].state is wire.DeploymentState.READY)
        table.move_cursor(row=table.get_row_index(key))
        await pilot.pause()
        await pilot.press("ctrl+d", "y", "ctrl+d", "y")
        answer.set()
        await settle(app, pilot, lambda: app.refreshes >= 1)
        assert asked == [key]
        said = "\n".join(titled(toasts))
        assert f"{demo.world.deployments[key].name} is already being deleted." in said
        assert "Delete failed" not in said and "1 VM deleted" in said
