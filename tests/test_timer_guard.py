"""Textual 8.2.8 spins forever on a timer with a negative delay; our delays and toasts never
give it one. Each case runs in a subprocess, killed when it has not exited 3 s after mounting
(a hang cannot take pytest down)."""

from __future__ import annotations

import select
import subprocess
import sys
import time

import pytest

from biosphere_tui.rules.delays import MIN_DELAY, delay
from biosphere_tui.widgets.toast import LastingNotification

STARTUP = 60  # seconds a bare app may take to mount on a loaded machine (about 0.5 s when quiet)
HANG = 3  # seconds after mounting without exiting: hung (the cases exit within 0.2 s of mounting)

APP = """
import os, sys, time
from textual.app import App
from textual.notifications import Notification
from textual.widgets._toast import Toast
from biosphere_tui.rules.delays import delay
from biosphere_tui.widgets.toast import LastingNotification

class Bare(App):
    def on_mount(self):
        os.write(1, b"mounted\\n")
        {body}

Bare().run(headless=True)
print("exited")
"""
CASES = {
    "raw": "self.set_timer(-0.0003, self.exit)",
    "clamped": "self.set_timer(delay(-0.0003), self.exit)",
    # a toast built for a notification that expired between the rack's check and the toast itself
    "expired toast": "self.mount(Toast(Notification('x', raised_at=time.time() - 6))); self.set_timer(0.2, self.exit)",
    "our toast": "self.mount(Toast(LastingNotification('x', raised_at=time.time() - 6))); self.set_timer(0.2, self.exit)",
}


def _run(case: str) -> bool:
    """Whether the app exited (False: it hung, spinning, and was killed)."""
    script = APP.format(body=CASES[case])
    # unbuffered: reading the first line reads nothing past it, the rest is left to communicate()
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          bufsize=0) as app:
        assert app.stdout is not None
        try:
            ready = select.select([app.stdout], [], [], STARTUP)[0]
            assert ready and app.stdout.readline() == b"mounted\n", "the bare app did not start"
            out, err = app.communicate(timeout=HANG)
        except subprocess.TimeoutExpired:
            app.kill()
            app.communicate()
            return False
    assert app.returncode == 0, err.decode()[-2000:]
    return b"exited" in out


@pytest.mark.parametrize(("hangs", "guarded"), [("raw", "clamped"), ("expired toast", "our toast")])
def test_textual_hangs_on_a_negative_delay_and_ours_never_is(hangs: str, guarded: str) -> None:
    assert not _run(hangs), "Textual no longer hangs on a negative delay: the guard may go"
    assert _run(guarded)


def test_delay_is_never_below_the_minimum() -> None:
    assert [delay(s) for s in (-5.0, -0.0003, 0.0, float("nan"), 0.5)] == [MIN_DELAY] * 4 + [0.5]


def test_an_expired_notification_is_expired_but_its_toast_timer_is_positive() -> None:
    gone = LastingNotification("x", timeout=1, raised_at=time.time() - 1.001)
    assert gone.has_expired and gone.time_left == MIN_DELAY
    live = LastingNotification("x", timeout=60)
    assert not live.has_expired and 59 < live.time_left <= 60
