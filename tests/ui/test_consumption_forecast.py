"""The consumption screen's forecast lines, checked against a forecast of the demo world's own record."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from pilot_support import settle
from textual.widgets import Static

from biosphere_tui.cache.usage import Totals
from biosphere_tui.config import Config
from biosphere_tui.forecast import WINDOW_DAYS, of_group
from biosphere_tui.models import Role
from screen_text import text_of

GROUP = "marine-meta"


def world_forecast(demo) -> list[str]:  # noqa: ANN001
    """What the forecast should say, computed from the world (not the cache)."""
    today = demo.clock.now().date()
    start = today - timedelta(days=WINDOW_DAYS)
    per_day: dict = defaultdict(lambda: [0.0] * 5)
    for row in demo.world.consumption(GROUP, "demo", start, today):
        for i, name in enumerate(("vm_hours", "vcpu_hours", "ram_gb_hours", "disk_gb_hours", "gpu_hours")):
            per_day[row.day][i] += getattr(row, name)
    days = [start + timedelta(days=n) for n in range(WINDOW_DAYS + 1)]
    daily = [(d, Totals(d.isoformat(), "", *per_day[d])) for d in days]
    group = demo.world.groups[GROUP].as_group(Role.ADMIN)
    return [f.words() for f in of_group(group, demo.world.committed(GROUP), daily, today)]


async def test_forecast_lines_follow_the_world_record(synced: Config, make_app, demo) -> None:  # noqa: ANN001
    expected = world_forecast(demo)
    assert expected[0].startswith("vCPU: ") and len(expected) == 3
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("6")
        await settle(app, pilot)
        shown = text_of(app.screen.query_one("#forecast", Static))
    assert [line.strip() for line in shown.splitlines() if line.strip()] == expected
