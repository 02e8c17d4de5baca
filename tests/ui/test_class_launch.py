"""Class launch: names from a pattern, checked before sending, followed to Ready together, exported to CSV."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest
from pilot_support import fill, set_filter, settle
from screen_text import text_of
from snapshot_support import SIZES, steady_latency
from synced_cache import sync_once
from test_cli_launching import squeeze

from biosphere_tui.demo import contract as wire
from biosphere_tui.rules.privacy import SECRET_MASK as MASK
from biosphere_tui.screens.class_launch import ClassLaunchScreen, SeatTable
from biosphere_tui.widgets.confirm import ConfirmDialog, ReasonDialog

TRAINING_RNA = "219"


async def open_class(app, pilot) -> ClassLaunchScreen:  # noqa: ANN001
    await settle(app, pilot)
    await pilot.press("2")
    await pilot.pause()
    await set_filter(pilot, "training rna")
    await pilot.press("enter", "C")
    await pilot.pause()
    assert isinstance(app.screen, ClassLaunchScreen) and app.screen.appliance_id == TRAINING_RNA
    return app.screen


async def fill_class(pilot, pattern: str, count: int) -> None:  # noqa: ANN001
    """The names' pattern, then the number of VMs (the field after it)."""
    await fill(pilot, "#pattern", pattern)
    await fill(pilot, "#count", str(count))


def created(demo, prefix: str) -> list:  # noqa: ANN001
    return sorted((d for d in demo.world.deployments.values() if d.name.startswith(prefix)), key=lambda d: d.name)


async def until_ready(app, pilot, screen: ClassLaunchScreen, demo) -> None:  # noqa: ANN001
    demo.clock.advance(600)  # the screen asks for a refresh (every 2 s in use) until each VM is Ready or failed
    for _ in range(150):
        await asyncio.sleep(0.1)
        await pilot.pause()
        if screen._poll is None:
            break
    await settle(app, pilot)


async def test_a_class_is_launched_followed_to_ready_and_exported(synced, make_app, demo, tmp_path: Path,  # noqa: ANN001
                                                                  monkeypatch: pytest.MonkeyPatch, toasts) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)
    app = make_app(synced)
    async with app.run_test(size=(140, 40), notifications=True, message_hook=toasts) as pilot:
        screen = await open_class(app, pilot)
        await fill_class(pilot, "rnaseq-{n:02}", 3)
        assert "Names: rnaseq-01, rnaseq-02 … rnaseq-03 (3 VMs)" in text_of(screen.query_one("#names"))
        plan = " ".join(text_of(screen.query_one("#plan")).split())
        assert plan.startswith("Plan: 3 × ifb.tr.large on ") and "ebame-2026 has" in plan
        before = len(demo.world.deployments)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog) and len(demo.world.deployments) == before
        await pilot.press("y")
        await settle(app, pilot, lambda: bool(screen.seats))

        deps = created(demo, "rnaseq-")
        assert [d.name for d in deps] == ["rnaseq-01", "rnaseq-02", "rnaseq-03"]
        assert len(demo.world.deployments) == before + 3
        for dep in deps:
            assert (dep.group_id, dep.appliance_id, dep.flavor) == ("ebame-2026", TRAINING_RNA, "ifb.tr.large")
            assert dep.server_id in demo.sites[dep.site].state.servers
        assert "0/3 ready" in text_of(screen.query_one("#progress-line"))

        await until_ready(app, pilot, screen, demo)
        deps = created(demo, "rnaseq-")
        assert all(d.state is wire.DeploymentState.READY and d.ip for d in deps)
        assert "3/3 ready" in text_of(screen.query_one("#progress-line"))
        table = screen.query_one(SeatTable)
        shown = text_of(table)
        for dep in deps:
            [secret] = [p.value for p in dep.parameters if p.secret]
            assert str(table.get_cell(dep.name, "ip")) == dep.ip
            assert str(table.get_cell(dep.name, "state")) == "Ready"
            assert str(table.get_cell(dep.name, "secret")) == MASK and secret not in shown

        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press("enter")  # the proposed file: in the home folder (this one has no Downloads folder)
        await settle(app, pilot)
        target = Path.home() / "class-rnaseq.csv"
        assert not (tmp_path / "class-rnaseq.csv").exists()  # never where the app happened to be started
        assert oct(target.stat().st_mode & 0o777) == "0o600"
        rows = list(csv.DictReader(target.open()))
        assert [r["name"] for r in rows] == ["rnaseq-01", "rnaseq-02", "rnaseq-03"]
        for row, dep in zip(rows, deps, strict=True):
            [secret] = [p.value for p in dep.parameters if p.secret]
            assert (row["ip"], row["ssh"], row["password"]) == (dep.ip, f"ssh ubuntu@{dep.ip}", secret)
            assert row["url"] == f"https://{dep.name}.{dep.site}.biosphere.example/"
        assert str(target) in " ".join(text_of(screen.query_one("#written")).split())
        assert any(str(target) in n.message for n in toasts.raised)


async def test_a_class_too_large_for_the_quota_is_refused_and_nothing_is_created(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(140, 40), notifications=True, message_hook=toasts) as pilot:
        screen = await open_class(app, pilot)
        await fill_class(pilot, "tp-{n:03}", 170)  # 170 × 4 vCPU: more than the 640 vCPU of the group
        plan = " ".join(text_of(screen.query_one("#plan")).split())
        assert "Cannot launch: 170 × ifb.tr.large need 680 vCPU" in plan and "(room for" in plan
        before = len(demo.world.deployments)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmDialog) and len(demo.world.deployments) == before
        assert any("Cannot launch the class: 170 × ifb.tr.large" in n.message for n in toasts.raised)
        await fill_class(pilot, "Bad_{n}", 3)
        assert "Names: name 'Bad_1': must start with a letter a–z" in text_of(screen.query_one("#names"))


async def test_a_refused_vm_is_reported_and_the_others_go_on(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    squeeze(demo, "ifb-genouest-genostack", 9)  # room for 2 × ifb.tr.large
    squeeze(demo, "meso-psmn-cirrus", 5)  # and 1
    await asyncio.to_thread(sync_once, synced, demo)  # the cache knows the sites are nearly full
    app = make_app(synced)
    async with app.run_test(size=(140, 40), notifications=True, message_hook=toasts) as pilot:
        screen = await open_class(app, pilot)
        await fill_class(pilot, "ws-{n}", 3)
        plan = " ".join(text_of(screen.query_one("#plan")).split())
        assert "3 × ifb.tr.large spread: GenOuest ×2, CBPsmn ×1" in plan  # sites by their display name
        await pilot.press("ctrl+s")
        await pilot.pause()
        demo.world.set_availability("meso-psmn-cirrus", wire.Availability.MAINTENANCE, "Cooling.")  # after the check
        await pilot.press("y")
        await settle(app, pilot, lambda: bool(screen.seats))
        assert [(d.name, d.site) for d in created(demo, "ws-")] == [("ws-1", "ifb-genouest-genostack"),
                                                                   ("ws-2", "ifb-genouest-genostack")]
        table = screen.query_one(SeatTable)
        assert str(table.get_cell("ws-3", "state")) == "refused: Site meso-psmn-cirrus is maintenance: Cooling."
        await pilot.pause()
        assert "refused: Site meso-psmn-cirrus is maintenance: Cooling." in text_of(table)  # drawn whole, not cut
        assert [str(table.get_cell(f"ws-{i}", "site")) for i in (1, 2, 3)] == ["GenOuest", "GenOuest", "CBPsmn"]
        assert any("2 launched, 1 refused" in n.message for n in toasts.raised)
        await until_ready(app, pilot, screen, demo)
        line = text_of(screen.query_one("#progress-line"))
        assert "2/3 ready, 1 failed (Site meso-psmn-cirrus is maintenance: Cooling.)" in line


@SIZES
def test_class_launch_snapshot(snap_compare, synced, make_app, size: tuple[int, int]) -> None:  # noqa: ANN001
    steady_latency(synced)  # the plan line may quote the sites' API latency

    async def go(pilot) -> None:  # noqa: ANN001
        await open_class(pilot.app, pilot)
        await fill_class(pilot, "rnaseq-{n:02}", 12)
        await settle(pilot.app, pilot)

    assert snap_compare(make_app(synced), terminal_size=size, run_before=go)
