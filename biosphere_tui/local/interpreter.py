"""How often the interpreter passes from one thread to another while the app is open.

The app's UI thread shares the interpreter (the GIL) with Textual's input and output threads and
with a refresh's threads, which parse replies and write the cache for up to seconds. A thread that
waits for the interpreter gets it once its holder has had it for the switch interval: CPython's
5 ms, at each of the threads a key goes through (read, handled and drawn, written out). At scale 200,
refreshing every 10 s, a thread asking for the interpreter every millisecond was kept waiting more
than 30 ms 0-14 times a minute (at most 29-86 ms); with 1 ms, 0-2 times (at most 23-62 ms). The
refresh's own threads switch more often in exchange, which costs them little: they mostly wait for
replies.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

SWITCH_INTERVAL = 0.001  # seconds


@contextmanager
def responsive() -> Iterator[None]:
    """While the app is open: the threads hand over the interpreter every ``SWITCH_INTERVAL``."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        yield
    finally:
        sys.setswitchinterval(before)
