"""No accidental launch: the cursor on the first match after a filter, `L` confirmed, duplicate names warned."""

from __future__ import annotations

from pilot_support import fill, set_filter, settle
from screen_text import text_of

from biosphere_tui.screens.catalogue import ApplianceTable, CatalogueScreen
from biosphere_tui.screens.class_launch import ClassLaunchScreen
from biosphere_tui.screens.launch import LaunchScreen
from biosphere_tui.widgets.confirm import ConfirmDialog
from biosphere_tui.widgets.fit_matrix import FitMatrix
from biosphere_tui.widgets.vm_table import VmTable

DEPLOY = "POST /api/v1/monitor/deployments"
RSTUDIO = "180"


def sent(demo) -> int:  # noqa: ANN001
    """Launch requests the demo portal received."""
    return demo.portal.service.hits[DEPLOY]


async def open_catalogue(app, pilot) -> CatalogueScreen:  # noqa: ANN001
    await settle(app, pilot)
    await pilot.press("2")
    await pilot.pause()
    assert isinstance(app.screen, CatalogueScreen)
    return app.screen


async def test_search_then_l_opens_the_first_match(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_catalogue(app, pilot)
        await pilot.press("down", "down", "down", "down")  # the user looked further down first
        await set_filter(pilot, "RStudio")
        await pilot.press("enter")
        await pilot.pause()
        table = screen.query_one(ApplianceTable)
        first = table.row_keys[0]
        print([(k, demo.world.appliances[k].name) for k in table.row_keys], table.cursor_row)
        assert demo.world.appliances[first].name.startswith("RStudio")
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, LaunchScreen) and app.screen.appliance_id == first


async def test_a_category_filter_puts_the_cursor_on_its_first_row(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_catalogue(app, pilot)
        table = screen.query_one(ApplianceTable)
        table.move_cursor(row=table.row_count - 1)
        await pilot.pause()
        assert table.cursor_row == table.row_count - 1 > 1
        await pilot.press("c")
        await pilot.pause()
        assert screen.category and table.row_count > 1
        assert table.cursor_row == 0 and screen.current is not None and screen.current.category == screen.category


async def test_the_myvm_filter_puts_the_cursor_on_the_first_match(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        await settle(app, pilot)
        table = app.screen.query_one(VmTable)
        await pilot.press("a", "h")  # the whole group, finished too: many rows
        await pilot.press("end")
        last = table.current_key
        site = next(app.screen._rows[k].site for k in table.row_keys if app.screen._rows[k].site != app.screen._rows[last].site)
        await set_filter(pilot, site)
        await pilot.press("enter")
        await settle(app, pilot)
        assert table.row_count > 1 and last not in table.row_keys
        assert table.cursor_row == 0 and table.current_key == table.row_keys[0]
        await pilot.press("end", "h")  # hiding the finished ones is another selection too
        await settle(app, pilot)
        assert table.row_count > 1 and table.cursor_row == 0


async def test_quick_launch_confirms_the_recommendation_and_n_sends_nothing(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_catalogue(app, pilot)
        await set_filter(pilot, "RStudio")
        await pilot.press("enter", "l")  # first, what the form proposes
        await pilot.pause()
        form = app.screen
        assert isinstance(form, LaunchScreen) and form.appliance_id == RSTUDIO and form.advice is not None
        best, matrix = form.advice, form.matrix
        assert matrix is not None
        other = max((f for f in matrix.fits.values() if f.ok and f.flavor != best.flavor),
                    key=lambda f: matrix.specs[f.flavor].vcpus)  # the biggest flavour that fits: not the advice
        await pilot.press("escape")
        app.state.launch.group, app.state.launch.site, app.state.launch.flavor = "marine-meta", other.site, other.flavor
        before = sent(demo)

        await pilot.press("L")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        spec = matrix.specs[best.flavor]
        shown = " ".join(dialog.items)
        platform = demo.world.sites[best.site].spec.platform
        assert "RStudio Server" in dialog.title_text and f"site: {platform} ({best.site})" in shown
        assert f"flavour: {best.flavor}, {spec.vcpus} vCPU, {spec.ram_mb // 1024} GB RAM" in shown
        assert "name: rstudio-server" in shown and "group: marine-meta" in shown and "★ recommended" in shown
        assert other.flavor not in shown
        await pilot.press("n")
        await settle(app, pilot)
        assert sent(demo) == before and isinstance(app.screen, LaunchScreen) and app.screen.deployment is None
        assert app.screen.query_one(FitMatrix).chosen == (best.site, best.flavor)  # the form shows what was proposed

        await pilot.press("escape", "L")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(app, pilot, lambda: getattr(app.screen, "deployment", None) is not None)
        assert sent(demo) == before + 1
        dep = demo.world.deployments[app.screen.deployment.id]
        assert (dep.appliance_id, dep.site, dep.flavor, dep.group_id, dep.name) == (
            RSTUDIO, best.site, best.flavor, "marine-meta", "rstudio-server")


async def test_quick_launch_when_nothing_fits_asks_nothing_and_sends_nothing(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    for site in demo.world.sites:
        demo.set_fault(site, "down")
    app = make_app(synced)
    async with app.run_test(size=(80, 24), notifications=True, message_hook=toasts) as pilot:
        await open_catalogue(app, pilot)
        app.request_refresh(force=True)
        await settle(app, pilot, lambda: app.refreshes >= 1)
        before = sent(demo)
        await set_filter(pilot, "RStudio")
        await pilot.press("enter", "L")
        await settle(app, pilot)
        assert isinstance(app.screen, LaunchScreen) and app.screen.advice is None
        assert any("nothing fits now" in n.message for n in toasts.raised)
        assert sent(demo) == before


async def test_a_duplicate_name_is_warned_and_confirmed_before_sending(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_catalogue(app, pilot)
        await set_filter(pilot, "RStudio")
        await pilot.press("enter", "l")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, LaunchScreen) and form.vm_name == "rstudio-server"
        assert "✓ name" in text_of(form.query_one("#name-hint"))
        before = sent(demo)
        await pilot.press("ctrl+s")  # a free name: sent at once
        await settle(app, pilot, lambda: form.deployment is not None)
        assert sent(demo) == before + 1

        await pilot.press("escape", "l")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, LaunchScreen) and form.vm_name == "rstudio-server-2"  # the free one proposed
        assert "✓ name" in text_of(form.query_one("#name-hint"))
        finished = next(d for d in demo.world.deployments.values() if d.owner == "demo" and d.state.is_final)
        await fill(pilot, "#name", finished.name)  # a finished VM's name is free again
        assert "✓ name" in text_of(form.query_one("#name-hint"))
        await fill(pilot, "#name", "rstudio-server")
        hint = " ".join(text_of(form.query_one("#name-hint")).split())
        assert "✓" not in hint and "already the name of a live VM" in hint and "delete rstudio-server" in hint

        await pilot.press("ctrl+s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog) and "rstudio-server" in dialog.title_text
        await pilot.press("n")
        await settle(app, pilot)
        assert sent(demo) == before + 1 and app.screen is form and form.deployment is None
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")  # on purpose: the portal accepts it
        await settle(app, pilot, lambda: form.deployment is not None)
        assert sent(demo) == before + 2


async def test_the_class_preview_warns_of_names_live_vms_bear(synced, make_app, demo) -> None:  # noqa: ANN001
    live = next(d for d in demo.world.deployments.values() if d.name == "training-qc-33")
    assert not live.state.is_final
    app = make_app(synced)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_catalogue(app, pilot)
        await set_filter(pilot, "training rna")
        await pilot.press("enter", "C")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ClassLaunchScreen)
        await fill(pilot, "#pattern", "training-qc-{n:02}")
        assert "already" not in text_of(screen.query_one("#names"))
        await fill(pilot, "#pattern", "training-qc-3{n}")  # 31, 32, 33
        names = " ".join(text_of(screen.query_one("#names")).split())
        assert "⚠ 1 name is already the name of a live VM: training-qc-33" in names
        before = sent(demo)
        await pilot.press("ctrl+s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog) and dialog.items[0].startswith("⚠ 1 name")
        await pilot.press("n")
        await settle(app, pilot)
        assert sent(demo) == before and app.screen is screen
