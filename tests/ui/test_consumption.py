"""Consumption: quota bars, the 30/90-day chart, per-member totals and the CSV export,
checked against the demo world's own record."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
from pilot_support import fill, settle
from screen_text import text_of
from snapshot_support import SIZES
from textual.app import App, ComposeResult
from textual.widgets import Input

from biosphere_tui.app import BiosphereApp
from biosphere_tui.config import Config
from biosphere_tui.rules.export import FIELDS
from biosphere_tui.screens.consumption import ConsumptionScreen, TotalsTable
from biosphere_tui.widgets.chart import DailyChart
from biosphere_tui.widgets.confirm import ReasonDialog
from biosphere_tui.widgets.quota_bar import QuotaBar, level

GROUP = "marine-meta"


async def _open(app: BiosphereApp, pilot) -> ConsumptionScreen:  # noqa: ANN001
    await settle(app, pilot)
    await pilot.press("6")
    await settle(app, pilot)
    assert isinstance(app.screen, ConsumptionScreen)
    return app.screen


def _world_rows(demo, days: int, gid: str = GROUP):  # noqa: ANN001, ANN202
    today = demo.clock.now().date()
    return demo.world.consumption(gid, "demo", today - timedelta(days=days - 1), today)


# -- the quota bar on its own ----------------------------------------------------------------


@pytest.mark.parametrize(("used", "total", "expected"), [
    (0, 100, "ok"), (75, 100, "ok"), (76, 100, "amber"), (90, 100, "amber"), (91, 100, "red"),
    (120, 100, "red"), (0, 0, "ok"), (1, 0, "red"),
])
def test_level_thresholds(used: int, total: int, expected: str) -> None:
    assert level(used, total) == expected


class _BarApp(App[None]):
    def compose(self) -> ComposeResult:
        yield QuotaBar("vCPU", id="bar")


@pytest.mark.parametrize(("used", "classes"), [(50, set()), (80, {"-amber"}), (95, {"-red"}), (60, set())])
async def test_quota_bar_sets_its_colour_class(used: int, classes: set[str]) -> None:
    app = _BarApp()
    async with app.run_test(size=(60, 3)) as pilot:
        bar = app.query_one(QuotaBar)
        bar.show(95, 100)  # a bar that was red goes back to its new level
        bar.show(used, 100)
        await pilot.pause()
        assert set(bar.classes) & {"-amber", "-red"} == classes
        assert f"{used}/100" in text_of(bar) and f"{used} %" in text_of(bar)


# -- the screen on the demo cloud ---------------------------------------------------------------


async def test_quota_bars_show_the_world_quota_and_live_use(synced: Config, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await _open(app, pilot)
        quota, used = demo.world.groups[GROUP].quota, demo.world.committed(GROUP)
        for name, u, q in (("vcpu", used.vcpu, quota.vcpu), ("ram", used.ram_gb, quota.ram_gb),
                           ("storage", used.storage_gb, quota.storage_gb)):
            bar = screen.query_one(f"#quota-{name}", QuotaBar)
            assert (bar.used, bar.total) == (u, q)
            assert f"{u:,}/{q:,}" in text_of(bar)
            assert bar.has_class("-amber") == (level(u, q) == "amber")
            assert bar.has_class("-red") == (level(u, q) == "red")
        assert GROUP in text_of(screen.query_one("#group-line"))
        assert not screen.query_one("#member-note").display  # the demo user leads marine-meta


async def test_period_toggle_and_metric_cycle(synced: Config, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await _open(app, pilot)
        chart = screen.query_one(DailyChart)
        assert len(chart.points) == 30 and chart.points[-1][0] == demo.clock.now().date()
        daily: dict = defaultdict(float)
        for r in _world_rows(demo, 30):
            daily[r.day] += r.vcpu_hours
        assert {d: v for d, v in chart.points if v} == pytest.approx(dict(daily))

        await pilot.press("t")
        assert len(chart.points) == 90 and "last 90 days" in str(chart.border_title)
        await pilot.press("t")
        assert len(chart.points) == 30

        await pilot.press("m")
        assert "RAM GB-hours per day" in str(chart.border_title)
        members = screen.query_one("#by-member", TotalsTable)
        assert "RAM GB-hours" in str(members.border_title)
        ram = defaultdict(float)
        for r in _world_rows(demo, 30):
            ram[r.member] += r.ram_gb_hours
        assert members.row_keys == sorted(ram, key=lambda m: (-round(ram[m], 6), m))


async def test_member_and_site_totals_are_the_world_s(synced: Config, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await _open(app, pilot)
        per_member: dict[str, float] = defaultdict(float)
        per_site: dict[str, float] = defaultdict(float)
        for r in _world_rows(demo, 30):
            per_member[r.member] += r.vcpu_hours
            per_site[r.site] += r.vcpu_hours
        members = screen.query_one("#by-member", TotalsTable)
        assert set(members.row_keys) == set(per_member)
        for member, total in per_member.items():
            assert str(members.get_cell(member, "total")) == f"{total:,.0f}"
        sites = screen.query_one("#by-site", TotalsTable)
        for site, total in per_site.items():
            assert str(sites.get_cell(site, "total")) == f"{total:,.0f}"
            assert str(sites.get_cell(site, "name")) == demo.world.sites[site].spec.platform


async def test_a_member_sees_their_own_rows_and_is_told_so(synced: Config, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        screen = await _open(app, pilot)
        app.choose_group("ebame-2026")
        await pilot.pause()
        assert screen.query_one("#member-note").display
        assert "your own consumption only" in text_of(screen.query_one("#member-note"))
        mine = _world_rows(demo, 30, "ebame-2026")
        assert mine and {r.member for r in mine} == {"demo"}
        members = screen.query_one("#by-member", TotalsTable)
        assert members.row_keys == ["demo"]
        assert str(members.get_cell("demo", "total")) == f"{sum(r.vcpu_hours for r in mine):,.0f}"


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == FIELDS
        return list(reader)


async def test_export_writes_the_period_s_rows_to_the_path_given(synced: Config, make_app, demo,  # noqa: ANN001
                                                                  tmp_path: Path, toasts) -> None:  # noqa: ANN001
    app = make_app(synced)
    target = tmp_path / "out" / "marine.csv"
    target.parent.mkdir()
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await _open(app, pilot)
        await pilot.press("t")  # 90 days
        await pilot.press("e")
        await settle(app, pilot)
        assert isinstance(app.screen, ReasonDialog)
        await fill(pilot, pilot.app.focused, str(target))  # replace the proposed name
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ConsumptionScreen)
        assert any(str(target) in n.message for n in toasts.raised)
    world = sorted(_world_rows(demo, 90), key=lambda r: (r.day, r.member, r.site))
    written = _read(target)
    assert [(r["day"], r["member"], r["site"]) for r in written] == \
        [(w.day.isoformat(), w.member, w.site) for w in world]
    for row, w in zip(written, world, strict=True):
        assert [float(row[f]) for f in FIELDS[3:]] == pytest.approx(
            [w.vm_hours, w.vcpu_hours, w.ram_gb_hours, w.disk_gb_hours, w.gpu_hours])


@pytest.mark.parametrize("downloads", [True, False])
async def test_export_proposes_a_file_in_downloads_or_home_to_edit(synced: Config, make_app, demo,  # noqa: ANN001
                                                                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   downloads: bool, toasts) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)  # where the app was started: never written to unasked
    folder = Path.home() / "Downloads" if downloads else Path.home()
    folder.mkdir(exist_ok=True)
    app = make_app(synced)
    today = demo.clock.now().date()
    expected = folder / f"consumption-{GROUP}-{today - timedelta(days=29)}-{today}.csv"
    async with app.run_test(size=(80, 24), notifications=True, message_hook=toasts) as pilot:
        await _open(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        assert isinstance(app.screen, ReasonDialog)
        assert app.screen.query_one(Input).value == str(expected)  # the whole path, to edit or take
        await pilot.press("enter")
        await settle(app, pilot)
        assert any(str(expected) in n.message for n in toasts.raised)
        await pilot.press("e")
        await settle(app, pilot)
        await pilot.press("escape")  # cancelled: nothing more written
    assert len(_read(expected)) == len(_world_rows(demo, 30))
    assert [p.name for p in folder.iterdir() if p.suffix == ".csv"] == [expected.name]
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".csv"]


@SIZES
def test_consumption_snapshot(snap_compare, synced: Config, make_app, size: tuple[int, int]) -> None:  # noqa: ANN001
    async def go(pilot) -> None:  # noqa: ANN001
        await pilot.press("6")
        await settle(pilot.app, pilot)

    assert snap_compare(make_app(synced), terminal_size=size, run_before=go)
