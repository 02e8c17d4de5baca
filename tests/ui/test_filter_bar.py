"""One filter behaviour on every screen that has one: ``/`` opens the bar, typing narrows the rows,
Esc clears it, brings every row back and hides the bar."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pilot_support import set_filter, settle
from screen_text import text_of
from sync_helpers_os import os_only_config
from synced_cache import TEMPLATES
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Static

from biosphere_tui.config import Config
from biosphere_tui.local.folders import journal_file
from biosphere_tui.local.journal import Journal, entry
from biosphere_tui.widgets.filter_bar import Filterable, FilterBar
from biosphere_tui.widgets.line_table import LineTable

# (mode, key, the table the filter narrows, the column whose text (of the last row) is typed)
PORTAL = [("portal", "2", "#appliances", "name"), ("portal", "3", "#vms", "name"), ("portal", "4", "#members", "username"),
          ("portal", "5", "#sites", "site"), ("portal", "7", "#groups", "name"), ("portal", "8", "#journal", "action")]
OPENSTACK_ONLY = [("nova", "2", "#images", "name"), ("nova", "3", "#vms", "name"), ("nova", "5", "#sites", "site")]


def write_journal() -> None:
    """Two actions in the journal, so that its screen has rows to filter."""
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    log = Journal(journal_file())
    log.append(entry(at, "demo", "Approving 1 request", ["POST /approve"], result="r-1"))
    log.append(entry(at, "demo", "Deleting 2 VMs", ["DELETE /deployments/1"], result="d-1"))


@pytest.mark.parametrize(("mode", "key", "table_id", "column"), PORTAL + OPENSTACK_ONLY,
                         ids=[f"{m}-{k}" for m, k, _t, _c in PORTAL + OPENSTACK_ONLY])
async def test_slash_filters_and_escape_restores(mode: str, key: str, table_id: str, column: str, demo_config: Config,
                                                 make_app, demo, tmp_path: Path) -> None:  # noqa: ANN001
    write_journal()
    if mode == "portal":
        await asyncio.to_thread(TEMPLATES.fill, demo_config, demo)
        config = demo_config
    else:
        config = await asyncio.to_thread(os_only_config, demo, tmp_path)
    app = make_app(config)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press(key)
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, Filterable)
        table = screen.query_one(table_id, LineTable)
        before = table.row_keys
        assert len(before) > 1, "a screen with one row cannot show a filter narrowing it"
        needle = str(table.get_cell(before[-1], column)).strip()
        bar = screen.query_one(FilterBar)
        assert not bar.display

        await pilot.press("slash")
        assert bar.display and bar.has_focus
        bar.insert_text_at_cursor(needle[0])  # what the first key does: the screen filters in that very call
        assert screen.filter_text == needle[0]
        await pilot.press(*needle[1:])
        await settle(app, pilot)
        narrowed = table.row_keys
        assert screen.filter_text == needle and bar.value == needle
        assert before[-1] in narrowed and len(narrowed) < len(before)
        assert table.current_key == narrowed[0]  # the cursor on the first match

        await pilot.press("escape")
        await settle(app, pilot)
        assert screen.filter_text == "" and bar.value == "" and not bar.display and not bar.has_focus
        assert table.row_keys == before


async def test_a_space_typed_after_a_word_keeps_the_cursor(synced: Config, make_app) -> None:  # noqa: ANN001
    """The same words (a space typed after the last one): the same rows, the cursor stays on its row."""
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await settle(app, pilot)
        table = app.screen.query_one("#members", LineTable)
        await set_filter(pilot, "e")
        await settle(app, pilot)
        assert table.row_count > 1
        table.move_cursor(row=1)
        at = table.current_key
        await pilot.press("space")
        await settle(app, pilot)
        assert app.screen.query_one(FilterBar).value == "e " and table.current_key == at


async def test_a_key_shows_its_rows_and_title_in_the_frame_that_echoes_it(synced: Config, make_app) -> None:  # noqa: ANN001
    """myVM's rows, its title and the header showing it follow each key in the call that puts the key in the
    bar: before the next frame is drawn (they came one or two frames after the echo, ~33 ms later)."""
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("3", "a")
        await settle(app, pilot)
        screen = app.screen
        table = screen.query_one("#vms", LineTable)
        header = screen.query_one("HeaderTitle", Static)
        every = table.row_keys
        await pilot.press("slash")
        bar = screen.query_one(FilterBar)
        typed = ""
        for key in "ready":
            bar.insert_text_at_cursor(key)  # what the key press does
            typed += key
            rows = table.row_keys
            assert f"matching “{typed}”" in screen.title and f"matching “{typed}”" in text_of(header)
            assert rows and all(typed in " ".join(table.get_row(k)).lower() for k in rows)
        assert table.row_keys != every  # "ready" leaves out the VMs in other states
        bar.action_delete_left_all()  # what ctrl+u does
        assert "matching" not in screen.title and "matching" not in text_of(header) and table.row_keys == every


async def test_a_key_in_a_bar_not_yet_full_lays_nothing_out(synced: Config, make_app) -> None:  # noqa: ANN001
    """A key that changes no row (a space after a word) repaints the bar and lays the screen out no more
    (each key grew the bar's virtual width: Textual laid the whole screen out, then repainted the table's scroll
    bar a frame later); a text longer than the bar still scrolls to show its end."""
    app = make_app(synced)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("3", "a", "slash", *"ready")
        await settle(app, pilot)
        screen = app.screen
        bar = screen.query_one(FilterBar)
        layouts: list[object] = []
        screen.screen_layout_refresh_signal.subscribe(screen, layouts.append, immediate=True)
        await pilot.press("space")
        await settle(app, pilot)
        assert bar.value == "ready " and "matching “ready”" in screen.title and layouts == []
        typed = "x" * bar.size.width + "end"
        bar.insert_text_at_cursor(typed)  # pasted: longer than the bar
        await settle(app, pilot)
        shown = [strip.text for strip in bar.render_lines(Region(0, 0, *bar.outer_size))]  # its border too
        assert "xxend" in shown[1] and f"matching “ready {typed}”" in screen.title


class Terminal:
    """What Textual's frames put on a terminal of ``width`` columns: each update the app displays,
    applied as the terminal applies it."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.rows: dict[int, list[str]] = {}

    def put(self, y: int, x: int, strips: Iterable[Strip]) -> None:
        row = self.rows.setdefault(y, [" "] * self.width)
        for strip in strips:
            text = strip.text
            row[x:x + len(text)] = text
            x += len(text)
        del row[self.width:]

    def draw(self, update: object) -> None:
        if isinstance(update, LayoutUpdate):
            for dy, strips in enumerate(update.strips):
                self.put(update.region.y + dy, update.region.x, strips)
        elif isinstance(update, ChopsUpdate):
            for y, _x1, _x2 in update.spans:
                for x, strip in update.chops[y].items():
                    if strip is not None:
                        self.put(y, x, [strip])

    def text(self) -> list[str]:
        return ["".join(self.rows.get(y, [])) for y in range(max(self.rows, default=-1) + 1)]


async def test_a_key_and_the_rows_it_filters_are_drawn_in_one_frame(synced: Config, make_app) -> None:  # noqa: ANN001
    """The first frame Textual draws after a key in myVM's filter shows all the key changed: its echo, the
    title saying what it matches, the rows. Each widget tells the screen it changed by a message of its own,
    at its next idle moment; in a terminal, while a refresh ran, the screen's frame timer ticked between the
    bar's message and the others': the screen drew the bar alone, and the table and title waited for the next
    frame (the timer having been paused, one to two periods of 1/60 s later: 25-35 ms of the slowest keys,
    45-66 ms, at scale 200). Here the timer ticks right after the key, before any of those messages."""
    app = make_app(synced)
    terminal = Terminal(160)
    draw = app._display

    def display(screen: Screen, update: object) -> None:
        terminal.draw(update)
        draw(screen, update)

    app._display = display  # type: ignore[method-assign]
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("3", "a", "slash")
        await settle(app, pilot)
        screen = app.screen
        bar = screen.query_one(FilterBar)
        thumb = screen.query_one("#vms", LineTable).vertical_scrollbar.region  # moved by the next layout, a frame later

        def shown() -> list[str]:
            return [line[:thumb.x] + line[thumb.right:] if y in range(thumb.y, thumb.bottom) else line
                    for y, line in enumerate(terminal.text())]

        for typed in ("r", "re", "rea", "read", "ready", "read"):
            before = shown()
            bar.value = typed  # what the key does (the echo, the rows, the title) in the call that puts it in the bar
            screen._on_timer_update()  # the frame timer's tick, before the widgets' own messages reach the screen
            first = shown()
            await settle(app, pilot)
            assert f"matching “{typed}”" in screen.title and f"matching “{typed}”" in first[0]
            assert first != before and first == shown(), f"{typed!r}: the first frame drew part of what the key changed"
