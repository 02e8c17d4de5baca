"""The consumption screen's forecast lines, checked against a forecast of the demo world's own record."""

from __future__ import annotations

from pilot_support import settle
from screen_text import text_of
from textual.widgets import Static
from world_forecast import world_forecast

from biosphere_tui.config import Config


async def test_forecast_lines_follow_the_world_record(synced: Config, make_app, demo) -> None:  # noqa: ANN001
    expected = [f.words() for f in world_forecast(demo)]
    assert [line.split(":")[0] for line in expected] == ["vCPU", "RAM", "storage"]
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("6")
        await settle(app, pilot)
        shown = text_of(app.screen.query_one("#forecast", Static))
    assert [line.strip() for line in shown.splitlines() if line.strip()] == expected
