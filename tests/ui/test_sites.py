"""Sites: every site with the world's capacity; a site whose API dies stays listed, in red."""

from __future__ import annotations

from collections.abc import Callable

from pilot_support import set_filter, settle, wait_refreshes
from screen_text import text_of
from snapshot_support import SIZES, steady_latency
from textual.widgets import Sparkline

from biosphere_tui.app import BiosphereApp
from biosphere_tui.cache import reader
from biosphere_tui.config import Config
from biosphere_tui.screens.sites import SitesScreen, SiteTable
from biosphere_tui.widgets.palette import style

BIRD = "ifb-bird-stack"


def _cells(table: SiteTable, key: str) -> dict[str, str]:
    return dict(zip((column[0] for column in table.COLUMNS), table.get_row(key), strict=True))


def _all_red(table: SiteTable, key: str) -> bool:
    """Every cell of the row drawn in the theme's error colour."""
    return all(cell.color == style("error").color for cell in table.get_row_styles(key))


async def _open(app: BiosphereApp, pilot) -> SiteTable:  # noqa: ANN001
    await settle(app, pilot)
    await pilot.press("5")
    await settle(app, pilot)
    assert isinstance(app.screen, SitesScreen)
    return app.screen.query_one(SiteTable)


async def test_every_site_is_listed_with_the_world_capacity(synced: Config, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        table = await _open(app, pilot)
        assert table.row_count == len(demo.world.sites) == 8
        for site_id, site in demo.world.sites.items():
            cap = demo.world.capacity(site_id)
            cells = _cells(table, site_id)
            assert cells["site"] == site.spec.platform
            assert cells["state"] == site.availability.value
            assert cells["api"] == "ok"
            assert cells["vcpu"] == f"{cap['vcpu'].free}/{cap['vcpu'].total}"
            assert cells["ram"] == f"{cap['ram_gb'].free}/{cap['ram_gb'].total}"
            assert cells["disk"] == f"{cap['storage_gb'].free // 1000}/{cap['storage_gb'].total // 1000}"
            assert cells["gpu"] == f"{cap['gpu'].free}/{cap['gpu'].total}"
            assert cells["features"] == ", ".join(site.spec.features)
        await set_filter(pilot, "lille")
        await pilot.press("enter")
        assert table.row_keys == ["ifb-bilille-cloud"]
        detail = " ".join(text_of(app.screen.query_one("#site-info")).split())
        assert "Storage backend maintenance" in detail and "degraded" in detail
        assert "OpenStack API answered in" in detail


async def test_filter_by_feature(synced: Config, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        table = await _open(app, pilot)
        await set_filter(pilot, "gpu")
        await pilot.press("enter")
        gpu_sites = {i for i, s in demo.world.sites.items() if "GPU" in s.spec.features}
        assert set(table.row_keys) == gpu_sites == {"ifb-core-cloud", "ifb-aubi-cloud"}
        await pilot.press("slash", "escape")
        assert table.row_count == 8


async def test_a_site_going_down_keeps_its_last_data_and_the_others_refresh(
        synced: Config, make_app: Callable[[Config], BiosphereApp], demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        table = await _open(app, pilot)
        before = _cells(table, BIRD)
        synced_at = demo.clock.now()

        demo.set_fault(BIRD, "down")
        demo.clock.advance(14 * 60)
        app.request_refresh()
        await wait_refreshes(app, pilot, 1)

        fresh = {f.source: f for f in reader.freshness(app.cache)}
        assert not fresh[f"site.{BIRD}"].ok and fresh[f"site.{BIRD}"].last_success == synced_at
        for site_id in demo.world.sites:
            if site_id != BIRD:
                assert fresh[f"site.{site_id}"].ok and fresh[f"site.{site_id}"].last_success == demo.clock.now()

        after = _cells(table, BIRD)
        assert after["api"] == f"✗ since {synced_at:%H:%M}"
        assert {k: v for k, v in after.items() if k not in ("api", "latency", "updated")} == \
            {k: v for k, v in before.items() if k not in ("api", "latency", "updated")}
        assert _all_red(table, BIRD)
        assert not any(cell.color == style("error").color for cell in table.get_row_styles("ifb-core-cloud"))

        await set_filter(pilot, "bird")
        await pilot.press("enter")
        assert table.row_keys == [BIRD]
        detail = " ".join(text_of(app.screen.query_one("#site-info")).split())
        assert f"API unreachable since {synced_at:%H:%M} UTC — showing data from 14 min ago" in detail
        assert "cannot connect" in detail, detail


async def test_history_grows_with_each_refresh(synced: Config, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        await _open(app, pilot)
        demo.clock.advance(60)
        app.request_refresh()
        await wait_refreshes(app, pilot, 1)
        spark = app.screen.query_one(Sparkline)
        assert spark.data is not None and len(spark.data) >= 2
        assert "last 2 refreshes" in text_of(app.screen.query_one("#vcpu-caption"))


@SIZES
def test_sites_snapshot(snap_compare, synced: Config, make_app, size: tuple[int, int]) -> None:  # noqa: ANN001
    steady_latency(synced)

    async def go(pilot) -> None:  # noqa: ANN001
        await pilot.press("5")
        await settle(pilot.app, pilot)

    assert snap_compare(make_app(synced), terminal_size=size, run_before=go)
