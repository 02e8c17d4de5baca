"""Every delay we hand to a timer, a toast or a sleep goes through ``delay``: Textual 8.2.8 spins
forever on a timer with a negative delay, so none of ours may be negative or zero."""

from __future__ import annotations

MIN_DELAY = 0.01  # seconds
FOLLOW_SECONDS = 2.0
"""How often a screen following a launch asks for a refresh (``BiosphereApp(follow_every=...)``)."""


def delay(seconds: float) -> float:
    """``seconds``, or ``MIN_DELAY`` when it is smaller (negative, zero, NaN)."""
    return seconds if seconds >= MIN_DELAY else MIN_DELAY
