"""Defects 1 and 2: escape sequences and markup in server data, as the user meets them.

Each test injects the hostile value into the demo cloud (served on loopback) and drives the
app as a user would: the real app in a pseudo-terminal for what reaches the terminal, the
headless app through Pilot for what each screen, toast and dialog shows.
"""

from __future__ import annotations

import asyncio
import fcntl
import io
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest
from pilot_support import set_filter, settle
from rich.console import Console
from screen_text import text_of

from biosphere_tui.demo import records
from biosphere_tui.demo import world as world_module
from biosphere_tui.models.states import DeploymentState
from biosphere_tui.widgets.confirm import ConfirmDialog
from hostile.payloads import OSC0_TITLE, OSC52
from hostile.text_support import app_on, fail_with, inject, sync
from hostile.walk_support import leaked

MARKUP = "Mallory [/]"
PASSWORD = "Pw[i]9x[red]Q"


def _config_file(demo, demo_config, tmp_path: Path) -> Path:  # noqa: ANN001
    path = demo.write_config(tmp_path / "pty")
    with path.open("a") as extra:
        extra.write(f'\n[cache]\npath = "{demo_config.cache_path}"\n')
    return path


class Terminal:
    """The real app in a pseudo-terminal of 120×40; ``seen`` is every byte it wrote."""

    def __init__(self, config: Path) -> None:
        self.fd, child = pty.openpty()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
        self.process = subprocess.Popen([sys.executable, "-m", "biosphere_tui", "--config", str(config)],
                                        stdin=child, stdout=child, stderr=child, env=env, close_fds=True)
        os.close(child)
        self.seen = b""

    def read_until(self, wanted: bytes, patience: float = 60.0) -> bool:
        """Read what the app writes until ``wanted`` appears (or it stops writing for ``patience`` s)."""
        while wanted not in self.seen:
            ready, _, _ = select.select([self.fd], [], [], patience)
            if not ready:
                return False
            try:
                self.seen += os.read(self.fd, 65536)
            except OSError:
                return False
        return True

    def press(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def close(self) -> None:
        if self.process.poll() is None:
            self.press(b"q")
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.read_until(b"\x00never", patience=0.5)
        os.close(self.fd)


def test_escape_sequences_in_names_never_reach_the_terminal(demo, demo_config, tmp_path: Path) -> None:  # noqa: ANN001
    """A group name (in the header from the start) and VM names (on myVM) holding OSC 52,
    OSC 0 and CSI 2J: the terminal gets them as visible text, never as sequences."""
    inject(demo, f"qc{OSC52}{OSC0_TITLE}x\x1b[2Jy")
    assert sync(demo_config, demo) == []
    term = Terminal(_config_file(demo, demo_config, tmp_path))
    try:
        shown = "qc␛]52;c;aWQK␇".encode()
        assert term.read_until(shown, patience=20), "the header never showed the group's name"
        term.press(b"3")
        assert term.read_until(b"myVM")
        assert term.read_until(shown, patience=20)
    finally:
        term.close()
    assert b"\x1b]52;c;aWQK" not in term.seen  # no clipboard write
    assert b"\x1b]0;owned" not in term.seen  # no new window title
    assert b"\x1b[2Jy" not in term.seen  # no screen wiped by data
    assert b"\x9b" not in term.seen.decode("utf-8", "replace").encode("latin-1", "replace")


async def test_markup_in_names_and_messages_is_shown_as_typed(demo, demo_config, toasts) -> None:  # noqa: ANN001
    """``[/]`` in a member's name, an outsider's request, a VM's name and a portal error: shown as
    typed on the screens, the approve and delete dialogs and the toast; again at the next start."""
    inject(demo, MARKUP)
    assert await asyncio.to_thread(sync, demo_config, demo) == []
    fail_with(demo, "/approve", 403, '403 "maintenance [/] see …"')
    for start in ("first", "from the cache"):
        toasts.clear()  # each start says it again
        app = app_on(demo_config, demo)
        async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
            await settle(app, pilot)
            assert f"{MARKUP} (admin)" in app.sub_title, start
            await pilot.press("4")
            await settle(app, pilot)
            assert MARKUP in text_of(app.screen.query_one("#requests")) and MARKUP in text_of(app.screen.query_one("#members"))
            await pilot.press("a")
            await settle(app, pilot)
            assert isinstance(app.screen, ConfirmDialog) and f"• {MARKUP}" in text_of(app.screen.query_one("#items Static"))
            await pilot.press("y")
            await settle(app, pilot)
            assert any('403 "maintenance [/] see …"' in n.message for n in toasts.raised), start
            await pilot.press("3")
            await settle(app, pilot)
            assert MARKUP in text_of(app.screen.query_one("VmTable"))
            await set_filter(pilot, "mallory")
            await pilot.press("enter", "ctrl+d")
            await settle(app, pilot)
            assert isinstance(app.screen, ConfirmDialog) and MARKUP in text_of(app.screen.query_one("#items Static"))
            await pilot.press("n")
            assert leaked(app) == []


@pytest.fixture
def hostile_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every deployment that becomes Ready gets ``PASSWORD`` as its secret."""
    access = world_module._access

    def with_password(dep, app):  # noqa: ANN001, ANN202
        links, params = access(dep, app)
        return links, tuple(records.Parameter(p.name, PASSWORD, True) if p.secret else p for p in params)

    monkeypatch.setattr(world_module, "_access", with_password)


async def test_password_with_brackets_is_displayed_exactly(demo, demo_config, hostile_password) -> None:  # noqa: ANN001
    """The Launch screen's access panel and myVM's describe pane show ``Pw[i]9x[red]Q`` as it is."""
    assert await asyncio.to_thread(sync, demo_config, demo) == []
    app = app_on(demo_config, demo)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await set_filter(pilot, "rstudio server")
        await pilot.press("enter", "enter")
        await settle(app, pilot)
        screen = app.screen
        await pilot.press("a", "ctrl+s")
        await settle(app, pilot, lambda: screen.deployment is not None)
        demo.clock.advance(300)  # the screen asks for a refresh (every 2 s in use) until Ready
        for _ in range(100):
            await asyncio.sleep(0.1)
            await pilot.pause()
            if screen.deployment.state is DeploymentState.READY:
                break
        await settle(app, pilot)
        await pilot.press("v")  # the secret is fetched from the portal: wait for it, as test_launch does
        await settle(app, pilot, lambda: f"password  {PASSWORD}" in text_of(screen.query_one("#access")))
        assert f"password  {PASSWORD}" in text_of(screen.query_one("#access"))
        name = screen.deployment.name
        await pilot.press("escape", "3")  # a form (even following its launch) takes no screen keys
        await settle(app, pilot)
        table = app.screen.query_one("VmTable")
        table.move_cursor(row=table.row_keys.index(screen.deployment.id))
        await pilot.press("d", "v")
        await settle(app, pilot)
        console = Console(width=160, file=io.StringIO(), record=True)
        console.print(app.screen.query_one("VmDetailPane").content)  # the whole pane, scrolled or not
        pane = console.export_text()
        assert name in pane and f"password   {PASSWORD}" in pane


async def test_a_bracket_before_a_tag_in_a_group_name_is_shown_as_typed_in_the_palette(demo, demo_config) -> None:  # noqa: ANN001
    """Textual's ``escape`` leaves a ``[`` that starts no tag, and the tag after it was then read:
    the palette's "Use group …" crashed the app (found by test_hostile_property)."""
    name = "Mallory[ [link=https://evil.example]x[/link]"
    inject(demo, name)
    assert await asyncio.to_thread(sync, demo_config, demo) == []
    app = app_on(demo_config, demo)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("7", "ctrl+p", *"use")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "CommandPalette"
        assert f"Use group {name}" in text_of(app.screen.query_one("CommandList"))
