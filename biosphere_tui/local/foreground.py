"""Keys before background work: a refresh's threads step aside while a key is answered.

A refresh parses and writes tens of thousands of rows in threads that share the interpreter with the
UI thread, which gets it back at each switch (``local/interpreter.py``) only to share it again: at
scale 200, keys typed during a refresh were shown after 33 ms (median; up to 97 ms), against 11-13 ms
otherwise. The refresh's loops call ``Foreground.pace`` between two items (``Sync(pace=...)``); for
``HOLD`` seconds after each key or mouse event it waits, so that the UI thread has the interpreter to
itself while it answers; the refresh's end, when the screens read its rows and are drawn again
(10-25 ms of the UI thread at scale 200), waits likewise (``BiosphereApp._after_keys``). The
clients also wait before each request they send and each reply they decode (the reply's JSON is
decoded in one call that holds the interpreter: ~10 ms for a page of 1,000 servers).

Inputs coming without a break (typing, a key held down and repeating) hold background work back
for ``LONGEST`` seconds at most: a refresh is late, never cut by its deadline for want of a reply.
"""

from __future__ import annotations

import time
from collections.abc import Callable

HOLD = 0.05  # seconds: a key's handling and its frame
LONGEST = 2.0  # seconds: inputs without a break hold background work back no longer


class Foreground:
    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.clock, self.sleep = clock, sleep
        self.until = -float("inf")  # the last input is answered then
        self.since = -float("inf")  # the first of the inputs that came without a break

    def input(self) -> None:
        """A key or mouse event came (on the UI thread)."""
        now = self.clock()
        if now >= self.until:
            self.since = now
        self.until = now + HOLD

    def left(self) -> float:
        """Seconds background work still waits for the inputs (0 or less: none): until the last is answered,
        or ``LONGEST`` after the first of those that came without a break."""
        return min(self.until, self.since + LONGEST) - self.clock()

    def pace(self) -> None:
        """Before a step of background work (an item, a request, a reply's decoding; never on the UI thread):
        wait for as long as ``left`` says."""
        while (left := self.left()) > 0:
            self.sleep(left)


FOREGROUND = Foreground()  # the app's: its ``on_event`` notes the input, its refreshes pace themselves
