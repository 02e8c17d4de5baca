"""Python's cycle collector kept off the first paint, and its full passes off the keys.

A full collection walks every object the process holds, most of them made as the app starts
(modules, classes, Textual's styles, the first screen): 100,000-150,000 objects at scale 200, 50-130
ms a pass on a busy 2-core machine, several while the app starts (its first frame waits for them).
The command that opens the app pauses the collector while it loads; once the first frame is shown,
the objects made so far, which live as long as the app, are left out of later collections
(``gc.freeze``) and the collector runs again.

The full passes left still walk what was made since (a refresh's rows, Textual's caches of rendered
lines, whose reference cycles only a pass frees): ~100,000 objects, 45-80 ms at scale 200, and
CPython runs one once ten younger passes have run (and enough objects aged), every few seconds
while the user types: a key under one was shown after 110-125 ms instead of 40. ``Idle`` moves them
to quiet moments: CPython's own come ten times less often (a backstop, for someone typing for
minutes), and the app, ticking ``Idle.tick`` every second, runs one as soon as one is due and no key
or mouse event came for ``QUIET`` seconds. The memory freed is the same, a few seconds later.
A refresh ends with one (``Idle.refreshed``, see ``local/memory.py``): at once if the user is not
typing, else at the first quiet tick. At scale 200 a pass took 50-180 ms (up to 560 on a busy
machine), a key typed under it waiting as long: most of the 60,000-150,000 objects it walked were
what the first refresh loaded for good (openstacksdk's and httpx's modules, classes and functions,
~60,000 objects, imported after the first frame so as not to delay it). The first refresh's pass
freezes what survives it, as the first frame did.
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable
from typing import Protocol

QUIET = 1.5  # seconds without input before a full pass may run
DUE = 10  # younger (generation 1) passes since the last full one: CPython's default cadence
BACKSTOP = 10 * DUE  # ...after which CPython runs one itself, input or not
TICK = 1.0  # seconds between two looks (``Idle.tick``)


class Collector(Protocol):
    """The part of the ``gc`` module ``Idle`` uses."""

    def get_count(self) -> tuple[int, int, int]: ...
    def get_threshold(self) -> tuple[int, int, int]: ...
    def set_threshold(self, threshold0: int, threshold1: int = ..., threshold2: int = ..., /) -> None: ...
    def collect(self, generation: int = 2) -> int: ...
    def freeze(self) -> None: ...


class Idle:
    """When full passes run: once ``start``-ed, at a ``tick`` after ``QUIET`` seconds without ``input``."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, collector: Collector = gc) -> None:
        self.clock, self.collector = clock, collector
        self.started = False
        self.last_input = -math.inf  # no key yet
        self.wanted = False  # a full pass asked for (``refreshed``), whatever the count
        self.first_refreshed = False  # the first refresh ended: what it loaded is frozen by the next pass
        self.freeze_next = False

    def start(self) -> None:
        young, middle, _ = self.collector.get_threshold()
        self.collector.set_threshold(young, middle, BACKSTOP)
        self.started = True

    def input(self) -> None:
        self.last_input = self.clock()

    def quiet(self) -> bool:
        """No key or mouse event came for ``QUIET`` seconds."""
        return self.clock() - self.last_input >= QUIET

    def tick(self, *, busy: bool = False) -> bool:
        """Run a full pass if one is due and the user is not typing; whether it ran. None while ``busy``
        (a refresh runs): it would walk the replies being parsed (at scale 200, 120,000-150,000 objects,
        170-730 ms on a busy machine), which the refresh's own pass at its end finds freed."""
        due = self.started and not busy and (self.wanted or self.collector.get_count()[2] >= DUE)
        if due and self.quiet():
            self._collect()
            return True
        return False

    def refreshed(self) -> bool:
        """A refresh ended (in its worker): a full pass now if the user is not typing, else at the first
        quiet ``tick``; whether it ran now. The first refresh's pass also freezes what survives it."""
        if not self.first_refreshed:
            self.first_refreshed = self.freeze_next = True
        if self.quiet():
            self._collect()
            return True
        self.wanted = True
        return False

    def _collect(self) -> None:
        self.wanted = False
        self.collector.collect()
        if self.freeze_next:
            self.freeze_next = False
            self.collector.freeze()


IDLE = Idle()  # the app's, started by ``resume``


class _Paused:
    on = False  # paused by ``pause``, not yet resumed


def pause() -> None:
    """Before loading the app: no collection until ``resume``."""
    if gc.isenabled():
        gc.disable()
        _Paused.on = True


def release() -> None:
    """After a command whose app showed no frame (no terminal, no cache): the collector runs again,
    nothing frozen and no ``IDLE`` started (the process ends, or goes on as it was: the tests')."""
    if _Paused.on:
        _Paused.on = False
        gc.enable()


def resume() -> bool:
    """After the first frame: what exists stays out of later collections, which run again, full passes
    when ``IDLE`` says; whether it did: nothing when ``pause`` paused nothing (e.g. an app run by the tests)."""
    if not _Paused.on:
        return False
    _Paused.on = False
    gc.freeze()
    IDLE.start()
    gc.enable()
    return True
