"""Catalogue: search, category and tool filters, favourites kept across runs, the detail pane."""

from __future__ import annotations

import pytest
from pilot_support import fill, set_filter, settle
from screen_text import text_of
from snapshot_support import SIZES

from biosphere_tui.screens.catalogue import ApplianceTable, CatalogueScreen
from biosphere_tui.widgets.appliance_detail import ApplianceDetail


def rows(app) -> set[str]:  # noqa: ANN001
    table = app.screen.query_one(ApplianceTable)
    return set(table.row_keys)


async def open_catalogue(app, pilot) -> CatalogueScreen:  # noqa: ANN001
    await settle(app, pilot)
    await pilot.press("2")
    await pilot.pause()
    assert isinstance(app.screen, CatalogueScreen)
    return app.screen


async def test_search_narrows_rows(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_catalogue(app, pilot)
        assert rows(app) == set(demo.world.appliances)
        await set_filter(pilot, "nextflow")
        await pilot.pause()
        expected = {a.id for a in demo.world.catalogue(q="nextflow")}
        assert rows(app) == expected and {"119", "203"} <= expected and len(expected) < len(demo.world.appliances)
        await pilot.press("enter")  # keeps the search, back to the table
        assert rows(app) == expected
        await pilot.press("slash", "escape")  # clears it
        await pilot.pause()
        assert rows(app) == set(demo.world.appliances)


async def test_search_reaches_topics(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_catalogue(app, pilot)
        await set_filter(pilot, "virology")
        await pilot.pause()
        assert rows(app) == {a.id for a in demo.world.catalogue(q="virology")} == {"225"}


async def test_category_and_tool_filters(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_catalogue(app, pilot)
        categories = sorted({a.category for a in demo.world.appliances.values()}, key=str.lower)
        await pilot.press("c")
        assert rows(app) == {a.id for a in demo.world.catalogue(category=categories[0])}
        await pilot.press("c")
        assert rows(app) == {a.id for a in demo.world.catalogue(category=categories[1])}
        assert f"category: {categories[1]}" in text_of(screen.query_one("#filters"))
        await pilot.press("x")
        await pilot.pause()
        assert rows(app) == set(demo.world.appliances)

        await pilot.press("t")
        await pilot.pause()
        await fill(pilot, pilot.app.focused, "snakemake")
        await pilot.press("enter")
        await pilot.pause()
        snakemake = {a.id for a in demo.world.catalogue(tool="Snakemake")}
        assert rows(app) == snakemake and len(snakemake) > 2
        assert "tool: Snakemake" in text_of(screen.query_one("#filters"))
        await pilot.press("c")  # both filters at once
        assert rows(app) == snakemake & {a.id for a in demo.world.catalogue(category=categories[0])}
        await pilot.press("x", "e")
        await pilot.pause()
        await fill(pilot, pilot.app.focused, "metagenomics")
        await pilot.press("enter")
        await pilot.pause()
        assert rows(app) == {a.id for a in demo.world.catalogue(topic="Metagenomics")} >= {"125", "127", "225"}
        assert "topic: Metagenomics" in text_of(screen.query_one("#filters"))


async def test_favourite_is_kept_for_the_next_run(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_catalogue(app, pilot)
        await set_filter(pilot, "askomics")
        await pilot.press("enter")
        await pilot.pause()
        assert rows(app) == {"166"}
        await pilot.press("f")
        assert app.state.favourites == ["166"]
        assert str(screen.query_one(ApplianceTable).get_cell("166", "star")) == "★"
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("F")
        assert rows(app) == {"166"}

    second = make_app(synced)
    async with second.run_test(size=(120, 36)) as pilot:
        screen = await open_catalogue(second, pilot)
        assert second.state.favourites == ["166"]
        assert str(screen.query_one(ApplianceTable).get_cell("166", "star")) == "★"
        await pilot.press("F")
        assert rows(second) == {"166"}
        assert "★ favourites only" in text_of(screen.query_one("#filters"))
        await pilot.press("f")  # unstar: gone from the favourites-only list and from the saved state
        assert rows(second) == set() and second.state.favourites == []


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
async def test_detail_pane_follows_the_cursor(synced, make_app, demo, size: tuple[int, int]) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=size) as pilot:
        screen = await open_catalogue(app, pilot)
        pane = screen.query_one("#detail-pane")
        if size[0] < 120:
            assert not pane.display  # narrow: the table gets the room, d shows the detail below
            await pilot.press("d")
            await pilot.pause()
        assert pane.display
        table = screen.query_one(ApplianceTable)
        for _ in range(3):
            appliance = demo.world.appliances[table.current_key]
            shown = text_of(screen.query_one(ApplianceDetail))
            assert appliance.name in shown
            assert all(tool.name in shown for tool in appliance.tools[:3])
            assert appliance.topics[0] in shown
            await pilot.press("down")
            await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert not pane.display


async def test_enter_opens_launch_for_the_highlighted_appliance(synced, make_app) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(120, 36)) as pilot:
        await open_catalogue(app, pilot)
        await set_filter(pilot, "rstudio server")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "LaunchScreen" and app.screen.appliance_id == "180"
        await pilot.press("escape")
        assert isinstance(app.screen, CatalogueScreen)


@SIZES
def test_catalogue_snapshot(snap_compare, synced, make_app, size: tuple[int, int]) -> None:  # noqa: ANN001
    async def go(pilot) -> None:  # noqa: ANN001
        await settle(pilot.app, pilot)
        await pilot.press("2")
        await pilot.pause()

    assert snap_compare(make_app(synced), terminal_size=size, run_before=go)
