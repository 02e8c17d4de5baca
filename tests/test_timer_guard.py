"""Textual 8.2.8 spins forever on a timer with a negative delay; our delays and toasts never
give it one. Each case runs in a subprocess with a hard timeout (a hang cannot take pytest down)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from biosphere_tui.rules.delays import MIN_DELAY, delay
from biosphere_tui.widgets.toast import LastingNotification

HARD_TIMEOUT = 10  # seconds: a bare app starts and exits in about 0.5 s

APP = """
import sys, time
from textual.app import App
from textual.notifications import Notification
from textual.widgets._toast import Toast
from biosphere_tui.rules.delays import delay
from biosphere_tui.widgets.toast import LastingNotification

class Bare(App):
    def on_mount(self):
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
    """Whether the app exited (False: it hung and was killed)."""
    script = APP.format(body=CASES[case])
    try:
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=HARD_TIMEOUT)
    except subprocess.TimeoutExpired:
        return False
    assert done.returncode == 0, done.stderr[-2000:]
    return "exited" in done.stdout


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
