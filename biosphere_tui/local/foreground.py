"""Keys before background work: a refresh's threads step aside while a key is answered.

A refresh parses and writes tens of thousands of rows in threads that share the interpreter with the
UI thread, which gets it back at each switch (``local/interpreter.py``) only to share it again: at
scale 200, keys typed during a refresh were shown after 33 ms (median; up to 97 ms), against 11-13 ms
otherwise. The refresh's loops call ``Foreground.pace`` between two items (``Sync(pace=...)``); for
``HOLD`` seconds after each key or mouse event it waits, so that the UI thread has the interpreter to
itself while it answers; the refresh's end, when the screens read its rows and are drawn again
(10-25 ms of the UI thread at scale 200), waits likewise (``BiosphereApp._after_keys``). Typing
without a break holds the refresh back for as long; it goes on when the keys stop.
"""

from __future__ import annotations

import time
from collections.abc import Callable

HOLD = 0.05  # seconds: a key's handling and its frame


class Foreground:
    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.clock, self.sleep = clock, sleep
        self.until = -float("inf")  # background work waits until then

    def input(self) -> None:
        """A key or mouse event came (on the UI thread)."""
        self.until = self.clock() + HOLD

    def left(self) -> float:
        """Seconds until the last input is answered (0 or less: it is)."""
        return self.until - self.clock()

    def pace(self) -> None:
        """Between two items of background work (never on the UI thread): wait while an input is answered."""
        while (left := self.left()) > 0:
            self.sleep(left)


FOREGROUND = Foreground()  # the app's: its ``on_event`` notes the input, its refreshes pace themselves
