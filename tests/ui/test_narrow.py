"""80×24 is a first-class size: the key columns are on screen, footers are not cut, the launch
matrix shows whole sites under one name, Home's quota figures are not wrapped; snapshots of the
screens that had none at 80×24 (Journal, describe)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from pilot_support import settle
from screen_text import text_of
from test_journal_screen import approve_first, open_journal
from test_launch import open_launch
from test_myvm import go_to_myvm, go_to_myvm_described
from textual.geometry import Region
from textual.widgets import Footer

from biosphere_tui.screens.group_request import GroupRequestScreen
from biosphere_tui.screens.journal import JournalTable
from biosphere_tui.widgets.columns import fitting
from biosphere_tui.widgets.fit_matrix import FitMatrix
from biosphere_tui.widgets.summary import Summary
from biosphere_tui.widgets.vm_table import VmTable

NARROW = (80, 24)


def test_columns_are_kept_by_priority_and_never_past_a_cut() -> None:
    # name 20 (always), appliance 20 (p2), state 10 (always), ip 15 (p1), age 6 (p2)
    priorities, widths = [0, 2, 0, 1, 2], [20, 20, 10, 15, 6]
    assert fitting(priorities, widths, 80) == [True] * 5
    assert fitting(priorities, widths, 51) == [True, False, True, True, True]  # age fits where appliance does not
    assert fitting(priorities, widths, 40) == [True, False, True, False, False]  # IP cut: nothing of lower priority
    assert fitting(priorities, widths, 10) == [True, False, True, False, False]  # the must-haves stay


@pytest.mark.parametrize("key", ["1", "3"], ids=["home", "myvm"])
async def test_state_and_ip_are_visible_at_80_columns(synced, make_app, key: str) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=NARROW) as pilot:
        await settle(app, pilot)
        await pilot.press(key)
        await settle(app, pilot)
        table = app.screen.query_one(VmTable)
        assert {"name", "site", "state", "ip"} <= set(table.shown_columns)
        header, first = text_of(table).splitlines()[:2]
        assert "state" in header and "IP" in header
        assert re.search(r"\b10\.\d+\.\d+\.\d+\b", first), first  # an address, on the first row
        assert "Ready" in text_of(table) and "ifb-" not in text_of(table)  # sites by their short name
        await pilot.press("w")  # wide: every column, the view scrolls sideways
        await pilot.pause()
        assert "appliance" in table.shown_columns and "owner" in table.shown_columns
        assert table.virtual_size.width > table.size.width
        await pilot.press("w")
        await pilot.pause()
        assert "appliance" not in table.shown_columns


def assert_footer_cuts_no_label(footer: Footer, *shown: str) -> None:
    """Every key shown whole, left of the palette key, ``shown`` among them."""
    keys = [k for k in footer.query("FooterKey") if not k.has_class("-command-palette")]
    assert set(shown) <= {k.action.split(".")[-1] for k in keys}
    assert max(k.region.right for k in keys) <= footer.region.right - 12


@pytest.mark.parametrize("key", ["1", "2", "3", "4", "5", "6", "7", "8", "9"])
async def test_footer_keeps_help_and_quit_and_cuts_no_label(synced, make_app, key: str) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=NARROW) as pilot:
        await settle(app, pilot)
        await pilot.press(key)
        await settle(app, pilot)
        assert_footer_cuts_no_label(app.screen.query_one(Footer), "help", "quit")


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_the_new_project_group_form_cuts_no_footer_label(synced, make_app, lang: str) -> None:  # noqa: ANN001
    app = make_app(replace(synced, lang=lang))
    async with app.run_test(size=(160, 40)) as pilot:  # a wide terminal, then an SSH session's
        await settle(app, pilot)
        await pilot.press("7", "n")
        await settle(app, pilot)
        assert isinstance(app.screen, GroupRequestScreen)
        await pilot.press("tab", "tab", "tab", "tab")  # to the funding choice: the app's keys are offered too
        await pilot.resize_terminal(*NARROW)
        await settle(app, pilot)
        assert_footer_cuts_no_label(app.screen.query_one(Footer), "send", "cancel", "help")


async def test_launch_matrix_shows_whole_sites_under_one_name(synced, make_app) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=NARROW) as pilot:
        screen = await open_launch(app, pilot, "biopipes")
        await settle(app, pilot)
        table = screen.query_one(FitMatrix)
        lines = text_of(table).splitlines()
        assert lines[0].split()[0] == "AuBi" and lines[0].rstrip().endswith("▶")  # more to the right
        assert all(len(line.rstrip()) <= table.size.width for line in lines)
        assert table.virtual_size.width <= table.size.width  # nothing to scroll: no site cut in half
        assert "ifb-" not in lines[0]  # display names, not ids
        shown = len(table.shown_columns)
        for _ in range(8):
            await pilot.press("right")
        assert table.chosen is not None and table.chosen[0] == "meso-psmn-cirrus"  # the last site came in
        assert text_of(table).splitlines()[0].lstrip().startswith("◀") and len(table.shown_columns) >= shown - 1
        advice = " ".join(text_of(screen.query_one("#advice")).split())
        assert screen.advice is not None
        assert f"Recommended: {screen.names[screen.advice.site]} / {screen.advice.flavor}" in advice


async def test_home_quota_figures_are_not_wrapped(synced, make_app) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=NARROW) as pilot:
        await settle(app, pilot)
        summary = app.screen.query_one(Summary)
        lines = [strip.text for strip in summary.render_lines(Region(0, 0, *summary.outer_size))]  # border included
        quota = [line for line in lines if "vCPU" in line or "RAM GB" in line]
        assert len(quota) == 4 and all(re.search(r"\d+/\d+ +\(\d+ %\)", line) for line in quota), lines


async def test_journal_result_is_visible_at_80_columns(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=NARROW) as pilot:
        await approve_first(app, pilot, demo)
        screen = await open_journal(app, pilot)
        table = screen.query_one(JournalTable)
        assert {"result", "action"} <= set(table.shown_columns)
        assert "ok" in text_of(table).splitlines()[1].split()


def test_journal_snapshot(snap_compare, synced, make_app, demo) -> None:  # noqa: ANN001
    async def go(pilot) -> None:  # noqa: ANN001
        await approve_first(pilot.app, pilot, demo)
        await open_journal(pilot.app, pilot)
        pilot.app.clear_notifications()  # the approval's toasts: not what this shows
        await pilot.pause()

    assert snap_compare(make_app(synced), terminal_size=NARROW, run_before=go)


def test_describe_snapshot(snap_compare, synced, make_app) -> None:  # noqa: ANN001
    assert snap_compare(make_app(synced), terminal_size=NARROW, run_before=go_to_myvm_described)


def test_myvm_wide_snapshot(snap_compare, synced, make_app) -> None:  # noqa: ANN001
    async def go(pilot) -> None:  # noqa: ANN001
        await go_to_myvm(pilot)
        await pilot.press("w")

    assert snap_compare(make_app(synced), terminal_size=NARROW, run_before=go)
