"""The app opens on the cache at once, then shows the demo cloud's data after a refresh."""

from __future__ import annotations

from dataclasses import replace

from rich.console import Console, ConsoleOptions
from rich.table import Table
from screen_text import text_of

from biosphere_tui.app import BiosphereApp
from biosphere_tui.config import Config
from biosphere_tui.widgets.freshness import FreshnessBar
from biosphere_tui.widgets.summary import Summary
from biosphere_tui.widgets.vm_table import VmTable


async def _settle(app: BiosphereApp, pilot, refreshes: int) -> None:  # noqa: ANN001
    for _ in range(200):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if app.refreshes >= refreshes:
            return
    raise AssertionError("the refresh did not finish")


async def test_home_shows_demo_rows_and_a_dead_site(demo_config: Config, demo, toasts) -> None:  # noqa: ANN001
    app = BiosphereApp(replace(demo_config, refresh_interval=3600), now=demo.clock.now)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        table = app.screen.query_one(VmTable)
        assert table.row_count == 0  # opens instantly on an empty cache
        await _settle(app, pilot, 1)
        live = [d for d in demo.world.deployments.values() if d.owner == "demo" or d.group_id == "marine-meta"]
        assert table.row_count >= len(live) > 0
        summary = text_of(app.screen.query_one(Summary))
        assert "8/8 up" in summary or "7/8 up" in summary
        assert "marine-meta" in summary
        assert "sources fresh" in text_of(app.screen.query_one(FreshnessBar))

        demo.set_fault("ifb-bird-stack", "down")
        await pilot.press("r")
        await _settle(app, pilot, 2)
        bar = text_of(app.screen.query_one(FreshnessBar))
        assert "ifb-bird-stack" in bar and "cannot connect" in bar
        assert any("ifb-bird-stack" in n.message for n in toasts.raised)
        assert table.row_count >= len(live)  # the dead site's VMs are still listed from the cache


async def test_the_summary_is_drawn_once_per_width_however_often_textual_asks(synced: Config, make_app, monkeypatch) -> None:  # noqa: ANN001
    """Textual draws a widget's content to measure its height and again to show it, and Home's
    summary is shown twice as the app starts: its nested tables were drawn four times before the
    first frame; the lines drawn are now kept for the width they were drawn at."""
    widths: list[int] = []
    draw = Table.__rich_console__

    def counted(table: Table, console: Console, options: ConsoleOptions):  # noqa: ANN202
        if table.padding == (0, 3, 0, 3):  # the summary's outer grid (its quota tables are padded by 1)
            widths.append(options.max_width)
        return draw(table, console, options)

    monkeypatch.setattr(Table, "__rich_console__", counted)
    app = make_app(synced)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        summary = text_of(app.screen.query_one(Summary))
        assert "Quota use" in summary and widths == [widths[0]], widths
        await pilot.resize_terminal(100, 36)
        await pilot.pause()
        assert text_of(app.screen.query_one(Summary)) != summary and len(set(widths)) == 2, widths  # drawn for the new width
