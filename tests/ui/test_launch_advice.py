"""The launch form's recommendation: shown, marked in the matrix, applied with a key, and moved by an outage."""

from __future__ import annotations

from pilot_support import settle
from screen_text import text_of
from test_launch import open_launch

from biosphere_tui.demo import contract as wire
from biosphere_tui.demo.seed_data import FLAVORS
from biosphere_tui.widgets.fit_matrix import FitMatrix


async def test_the_recommendation_is_shown_and_applied(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        screen = await open_launch(app, pilot, "biopipes")
        app_min = demo.world.appliances[screen.appliance_id]
        advice = screen.advice
        assert advice is not None
        spec = demo.world.sites[advice.site]
        assert advice.flavor in spec.flavor_ids and spec.availability.value == "up"
        table = screen.query_one(FitMatrix)
        waste = lambda name: (FLAVORS[name].gpu, FLAVORS[name].vcpu - app_min.min_vcpu,  # noqa: E731
                              FLAVORS[name].ram_gb - app_min.min_ram_gb)
        fitting = [(row, col) for row in table.row_keys for col in table.shown_columns[table.LABEL_COLUMNS:]
                   if table.get_cell(row, col).startswith(("✓", "★"))]
        assert fitting and all(waste(name) >= waste(advice.flavor) for name, _ in fitting)  # the least waste
        assert str(table.get_cell(advice.flavor, advice.site)) == "★ best"
        await pilot.pause()  # the line may have grown to two rows: let the layout follow
        line = " ".join(text_of(screen.query_one("#advice")).split())
        assert f"Recommended: {spec.spec.platform} / {advice.flavor} — " in line  # the site by its one display name
        assert f"{app_min.min_vcpu} vCPU / {app_min.min_ram_gb} GB needed" in line and "(a applies it)" in line
        await pilot.press("down", "down", "right")
        assert table.chosen != (advice.site, advice.flavor)
        await pilot.press("a")
        assert table.chosen == (advice.site, advice.flavor)
        assert "fits" in text_of(screen.query_one("#verdict"))

        demo.world.set_availability(advice.site, wire.Availability.MAINTENANCE, "Disk swap.")
        await pilot.press("r")
        await settle(app, pilot, lambda: app.refreshes >= 1)
        moved = screen.advice
        assert moved is not None and moved.site != advice.site
        assert str(table.get_cell(moved.flavor, moved.site)) == "★ best"
        assert str(table.get_cell(advice.flavor, advice.site)) == "✗ maint."
        await pilot.press("a")
        assert table.chosen == (moved.site, moved.flavor)
