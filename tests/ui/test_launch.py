"""Launch: the form and its fit matrix, sending once, following the deployment to Ready, refusals."""

from __future__ import annotations

import asyncio

from pilot_support import fill, set_filter, settle
from screen_text import text_of
from snapshot_support import SIZES, steady_latency

from biosphere_tui.demo import contract as wire
from biosphere_tui.models.states import DeploymentState
from biosphere_tui.rules.freshness import age
from biosphere_tui.rules.privacy import SECRET_MASK as MASK
from biosphere_tui.screens.launch import LaunchScreen
from biosphere_tui.widgets.confirm import ConfirmDialog
from biosphere_tui.widgets.fit_matrix import FitMatrix

RSTUDIO = "180"  # web access: a password parameter, masked until revealed


async def open_launch(app, pilot, search: str) -> LaunchScreen:  # noqa: ANN001
    await settle(app, pilot)
    await pilot.press("2")
    await pilot.pause()
    await set_filter(pilot, search)
    await pilot.press("enter", "enter")
    await pilot.pause()
    assert isinstance(app.screen, LaunchScreen)
    return app.screen


async def set_name(pilot, name: str) -> None:  # noqa: ANN001
    """Fill the name field, then give the focus back to the matrix (focused when the form opens).
    Typing the name key by key: tests/ui/test_forms.py."""
    await fill(pilot, "#name", name)
    pilot.app.screen.query_one(FitMatrix).focus()
    await pilot.pause()


async def choose(pilot, screen: LaunchScreen, site: str, flavor: str) -> None:  # noqa: ANN001
    """Move the matrix's cursor with the arrow keys to (flavour row, site column)."""
    table = screen.query_one(FitMatrix)
    assert table.has_focus
    row, column = table.get_row_index(flavor), table.shown_columns.index(site)
    at_row, at_column = table.cursor_row, table.cursor_column
    keys = ["down" if row > at_row else "up"] * abs(row - at_row)
    keys += ["right" if column > at_column else "left"] * abs(column - at_column)
    await pilot.press(*keys)
    assert table.chosen == (site, flavor)


def launched(demo, name: str) -> list:  # noqa: ANN001
    return [d for d in demo.world.deployments.values() if d.name == name]


async def test_launch_until_ready_shows_the_access(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(120, 40), notifications=True, message_hook=toasts) as pilot:
        screen = await open_launch(app, pilot, "rstudio server")
        assert screen.appliance_id == RSTUDIO
        await set_name(pilot, "stats-2026")
        assert "✓ name" in text_of(screen.query_one("#name-hint"))
        site, flavor = "ifb-genouest-genostack", "ifb.m4.xlarge"
        await choose(pilot, screen, site, flavor)
        assert "fits" in text_of(screen.query_one("#verdict"))
        await pilot.press("ctrl+s")
        await settle(app, pilot, lambda: screen.deployment is not None)

        [dep] = launched(demo, "stats-2026")
        assert (dep.site, dep.flavor, dep.group_id, dep.appliance_id) == (site, flavor, "marine-meta", RSTUDIO)
        assert dep.server_id in demo.sites[site].state.servers
        assert (app.state.launch.group, app.state.launch.site, app.state.launch.flavor) == ("marine-meta", site, flavor)
        assert not screen.query_one("#form").display and screen.query_one("#progress").display
        assert "Access details appear when the deployment is Ready" in text_of(screen.query_one("#access"))

        demo.clock.advance(300)  # the screen asks for a refresh (every 2 s in use) until Ready
        for _ in range(100):
            await asyncio.sleep(0.1)
            await pilot.pause()
            if screen.deployment.state is DeploymentState.READY:
                break
        await settle(app, pilot)
        ready = demo.world.deployments[dep.id]
        assert ready.state is wire.DeploymentState.READY and ready.ip
        assert screen._poll is None  # stopped once Ready
        steps = text_of(screen.query_one("#steps"))
        for step in ("Initializing", "Provisioning", "Executing", "SendingReports", "Ready"):
            assert f"✓ {step}" in steps
        access = text_of(screen.query_one("#access"))
        assert f"ssh ubuntu@{ready.ip}" in access
        assert f"https://stats-2026.{site}.biosphere.example/" in access
        [password] = [p for p in ready.parameters if p.secret]
        assert MASK in access and password.value not in access
        await pilot.press("v")  # fetched from the portal: the cache keeps no secret
        await settle(app, pilot, lambda: password.value in text_of(screen.query_one("#access")))
        access = text_of(screen.query_one("#access"))
        assert password.value in access and MASK not in access
        await pilot.press("c")
        assert app.clipboard == f"ssh ubuntu@{ready.ip}"
        assert any("Copied" in n.message for n in toasts.raised)


def age_line(screen: LaunchScreen) -> str:
    return " ".join(text_of(screen.query_one("#age")).split())


async def until(pilot, holds) -> None:  # noqa: ANN001
    """The age is repainted each second of real time: wait for that (3 s at most), never for a fixed time."""
    for _ in range(60):
        if holds():
            return
        await pilot.pause(0.05)
    raise AssertionError("it did not happen")


async def test_the_last_change_counts_up_after_ready(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)  # on the demo's clock, which moves only when the test moves it
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_launch(app, pilot, "biopipes")
        await set_name(pilot, "aging")
        await pilot.press("ctrl+s")
        await settle(app, pilot, lambda: screen.deployment is not None)
        demo.clock.advance(300)
        await settle(app, pilot, lambda: screen.deployment.state is DeploymentState.READY)
        ready = screen.deployment
        first = age_line(screen)
        assert f"last change {age(ready.updated, demo.clock.now())} ago" in first
        for seconds in (30, 600, 3600):  # nothing changes but the time: no refresh, no reading of the cache
            demo.clock.advance(seconds)
            words = f"last change {age(ready.updated, demo.clock.now())} ago"
            await until(pilot, lambda words=words: words in age_line(screen))
        assert age_line(screen).startswith("Ready after ")
        assert screen.deployment is ready  # the deployment was not read again: only the age moved


async def test_double_submit_creates_one_deployment(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_launch(app, pilot, "biopipes")
        await set_name(pilot, "twice")
        before = len(demo.world.deployments)
        await pilot.press("ctrl+s", "ctrl+s")
        await pilot.click("#launch")
        await settle(app, pilot, lambda: screen.deployment is not None)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert len(launched(demo, "twice")) == 1 and len(demo.world.deployments) == before + 1


async def test_same_request_resent_keeps_its_idempotency_key(synced, make_app, demo) -> None:  # noqa: ANN001
    """A retry of the very same request (e.g. after a lost reply) must not deploy twice."""
    app = make_app(synced)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_launch(app, pilot, "biopipes")
        await set_name(pilot, "retry")
        await pilot.press("ctrl+s")
        await settle(app, pilot, lambda: screen.deployment is not None)
        first_key = screen._attempt[1]
        screen.deployment, screen.in_flight = None, False  # as if the reply had been lost
        screen.action_launch()
        await settle(app, pilot, lambda: screen.deployment is not None)
        assert screen._attempt[1] == first_key
        assert len(launched(demo, "retry")) == 1


async def test_invalid_name_blocks_the_launch(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(120, 40), notifications=True, message_hook=toasts) as pilot:
        screen = await open_launch(app, pilot, "biopipes")
        await set_name(pilot, "9Lives")
        assert "must start with a letter" in text_of(screen.query_one("#name-hint"))
        await set_name(pilot, "ok")
        assert "at least 3 characters" in text_of(screen.query_one("#name-hint"))
        await set_name(pilot, "my_vm")
        assert "only a–z, 0–9 and '-'" in text_of(screen.query_one("#name-hint"))
        before = len(demo.world.deployments)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert len(demo.world.deployments) == before and screen.deployment is None
        assert any("Cannot launch: name" in n.message for n in toasts.raised)


async def test_quota_refusal_is_explained_before_sending(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(120, 40), notifications=True, message_hook=toasts) as pilot:
        screen = await open_launch(app, pilot, "biopipes")
        quota, used = demo.world.groups["marine-meta"].quota, demo.world.committed("marine-meta")
        big = "ifb.m4.16xlarge"  # 64 vCPU, 256 GB RAM, 3680 GB disk
        left = quota.storage_gb - used.storage_gb
        assert left < 3680, "the demo group should not have room for the biggest flavour"
        await choose(pilot, screen, "ifb-core-cloud", big)
        cell = screen.query_one(FitMatrix).get_cell(big, "ifb-core-cloud")
        assert str(cell) == "✗ quota"
        verdict = text_of(screen.query_one("#verdict"))
        assert f"needs 3680 GB storage, the group has {left} GB storage left" in verdict
        assert "does not fit the group's quota; ifb.m4.8xlarge does on IFB-core" in verdict
        before = len(demo.world.deployments)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert len(demo.world.deployments) == before
        assert any("Cannot launch" in n.message and "GB storage left" in n.message for n in toasts.raised)
        await pilot.press("p")  # take the proposal: the biggest flavour within the quota
        assert screen.query_one(FitMatrix).chosen == ("ifb-core-cloud", "ifb.m4.8xlarge")


async def test_down_sites_are_marked_and_another_proposed(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await open_launch(app, pilot, "biopipes")
        demo.set_fault("ifb-bird-stack", "down")  # its cloud stops answering; the portal still says up
        demo.world.set_availability("ifb-prabi-girofle", wire.Availability.DOWN, "Power cut in the machine room.")
        await pilot.press("r")
        await settle(app, pilot, lambda: app.refreshes >= 1)
        table = screen.query_one(FitMatrix)
        flavor = "ifb.m4.2xlarge"
        assert str(table.get_cell(flavor, "ifb-bird-stack")) == "✗ down"
        assert str(table.get_cell(flavor, "ifb-prabi-girofle")) == "✗ down"
        assert "● no answer" in str(table.header_label("ifb-bird-stack"))
        assert "● down" in str(table.header_label("ifb-prabi-girofle"))
        assert "● up" in str(table.header_label("ifb-core-cloud"))
        await choose(pilot, screen, "ifb-bird-stack", flavor)
        verdict = text_of(screen.query_one("#verdict"))
        assert "site down since 09:00 (its cloud does not answer)" in verdict
        assert "BiRD is down; IFB-core has room" in verdict
        await choose(pilot, screen, "ifb-prabi-girofle", flavor)
        verdict = text_of(screen.query_one("#verdict"))
        assert "site down: Power cut in the machine room." in verdict
        await pilot.press("p")
        assert table.chosen == ("ifb-core-cloud", flavor)
        await set_name(pilot, "moved")
        await pilot.press("ctrl+s")
        await settle(app, pilot, lambda: screen.deployment is not None)
        [dep] = launched(demo, "moved")
        assert dep.site == "ifb-core-cloud"


async def test_portal_refusal_is_shown_in_the_form(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    """The cache said the site was up; the portal knows better: its reason is shown, nothing is created."""
    app = make_app(synced)
    async with app.run_test(size=(120, 40), notifications=True, message_hook=toasts) as pilot:
        screen = await open_launch(app, pilot, "biopipes")
        await choose(pilot, screen, "ifb-aubi-cloud", "ifb.m4.large")
        demo.world.set_availability("ifb-aubi-cloud", wire.Availability.MAINTENANCE, "Upgrade to Caracal.")
        before = len(demo.world.deployments)
        await pilot.press("ctrl+s")
        await settle(app, pilot, lambda: not screen.in_flight)
        assert len(demo.world.deployments) == before and screen.deployment is None
        verdict = text_of(screen.query_one("#verdict"))
        assert "The portal refused: Site ifb-aubi-cloud is maintenance: Upgrade to Caracal." in verdict
        assert any("Launch refused" in n.message for n in toasts.raised)
        assert not screen.query_one("#launch").disabled
        # the refresh after the refusal brings the site's state: the matrix now says so
        assert str(screen.query_one(FitMatrix).get_cell("ifb.m4.large", "ifb-aubi-cloud")) == "✗ maint."


async def test_aborted_deployment_shows_its_reason(synced, make_app, demo) -> None:  # noqa: ANN001
    """The site's cloud fails after the form was read: the portal accepts, its orchestrator aborts."""
    app = make_app(synced)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_launch(app, pilot, "biopipes")
        await choose(pilot, screen, "ifb-bilille-cloud", "ifb.m4.large")
        demo.set_fault("ifb-bilille-cloud", "down")
        await set_name(pilot, "doomed")
        await pilot.press("ctrl+s")
        await settle(app, pilot, lambda: screen.deployment is not None)
        [dep] = launched(demo, "doomed")
        assert dep.state is wire.DeploymentState.ABORTED
        assert screen._poll is None
        steps = " ".join(text_of(screen.query_one("#steps")).split())  # the long reason wraps
        assert f"✗ Aborted: {dep.reason}" in steps and "▶" not in steps and "✓" not in steps


async def test_another_group_changes_what_fits(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_launch(app, pilot, "biopipes")
        table = screen.query_one(FitMatrix)
        big = "ifb.m4.16xlarge"
        assert str(table.get_cell(big, "ifb-core-cloud")) == "✗ quota"  # marine-meta is nearly full
        await pilot.press("shift+tab", "enter")  # the group list
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert screen.group_id == "ebame-2026"
        # a member lists only their own VMs, but the portal sends the whole group's use: every member's counts
        quota = demo.world.groups["ebame-2026"].quota
        live = [d for d in demo.world.deployments.values() if d.group_id == "ebame-2026" and not d.state.is_final]
        group_wide = sum(d.vcpu for d in live)
        assert group_wide > sum(d.vcpu for d in live if d.owner == "demo")
        shown = text_of(screen.query_one("#quota"))
        assert f"ebame-2026 has {quota.vcpu - group_wide}/{quota.vcpu} vCPU" in shown and "your VMs only" not in shown
        assert str(table.get_cell(big, "ifb-core-cloud")) == "✓ fits"


async def test_quick_launch_confirms_the_recommendation_not_the_saved_defaults(synced, make_app, demo) -> None:  # noqa: ANN001
    """Formerly sent the saved defaults at once; now `L` names the ★ cell and sends only on `y`."""
    app = make_app(synced)
    app.state.launch.group, app.state.launch.site, app.state.launch.flavor = (
        "ebame-2026", "meso-psmn-cirrus", "ifb.tr.xlarge")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await set_filter(pilot, "ebame")
        await pilot.press("enter")
        await pilot.pause()
        before = len(demo.world.deployments)
        await pilot.press("L")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog) and len(demo.world.deployments) == before
        form = app.screen_stack[-2]
        assert isinstance(form, LaunchScreen) and form.advice is not None
        best = form.advice
        await pilot.press("y")
        await settle(app, pilot, lambda: getattr(app.screen, "deployment", None) is not None)
        assert len(demo.world.deployments) == before + 1
        [dep] = [d for d in demo.world.deployments.values() if d.id == app.screen.deployment.id]
        assert (dep.group_id, dep.site, dep.flavor, dep.appliance_id) == ("marine-meta", best.site, best.flavor, "127")


async def test_quick_launch_without_defaults_asks_too(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        before = len(demo.world.deployments)
        await pilot.press("L")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmDialog) and len(demo.world.deployments) == before
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, LaunchScreen) and app.screen.deployment is None
        assert len(demo.world.deployments) == before


@SIZES
def test_launch_form_snapshot(snap_compare, synced, make_app, size: tuple[int, int]) -> None:  # noqa: ANN001
    steady_latency(synced)  # the recommendation line shows the API latency

    async def go(pilot) -> None:  # noqa: ANN001
        await open_launch(pilot.app, pilot, "biopipes")

    assert snap_compare(make_app(synced), terminal_size=size, run_before=go)
