"""No accidental launch: the cursor on the first match after a filter, `L` confirmed, duplicate names warned."""

from __future__ import annotations

from biosphere_tui.screens.catalogue import ApplianceTable, CatalogueScreen
from biosphere_tui.screens.launch import LaunchScreen
from biosphere_tui.widgets.vm_table import VmTable
from pilot_support import settle


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
        await pilot.press("slash", *"RStudio", "enter")
        await pilot.pause()
        table = screen.query_one(ApplianceTable)
        first = table.coordinate_to_cell_key((0, 0)).row_key.value
        print([ (k.value, demo.world.appliances[k.value].name) for k in table.rows], table.cursor_row)
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
        await pilot.press("slash", *site, "enter")
        await settle(app, pilot)
        assert table.row_count > 1 and last not in table.row_keys
        assert table.cursor_row == 0 and table.current_key == table.row_keys[0]
        await pilot.press("end", "h")  # hiding the finished ones is another selection too
        await settle(app, pilot)
        assert table.row_count > 1 and table.cursor_row == 0
