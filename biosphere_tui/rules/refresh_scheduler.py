"""The one owner of the background refresh: a full refresh every ``interval`` after the previous
one ended, and "refresh these sources now" requests queued and merged in between.

Nothing but the scheduler starts a refresh, and nothing stops its loop: a request never cancels
the schedule, a refresh that fails or raises is followed by the next one all the same. Time
comes from a ``Timers`` (Textual's timers in the app: ``app.PumpTimers``, a hand-driven clock in tests).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)


class Alarm(Protocol):
    def stop(self) -> None: ...


class Timers(Protocol):
    """A monotonic clock and one-shot alarms on it."""

    def now(self) -> float: ...

    def call_in(self, seconds: float, callback: Callable[[], None]) -> Alarm: ...


@dataclass(frozen=True)
class Batch:
    """Sources to refresh together: names or families (``site``); ``only`` None means all.
    ``force``: a person asked, so even sources waiting out their backoff are asked."""

    only: frozenset[str] | None = None
    force: bool = False

    def merge(self, other: Batch | None) -> Batch:
        if other is None:
            return self
        only = None if self.only is None or other.only is None else self.only | other.only
        return Batch(only, self.force or other.force)

    def covers(self, source: str) -> bool:
        return self.only is None or source in self.only or source.split(".", 1)[0] in self.only


class RefreshScheduler:
    """Runs one refresh at a time through ``start(batch)``; whoever runs it must call
    ``finished()`` once it has ended, however it ended."""

    def __init__(self, interval: float, start: Callable[[Batch], None], timers: Timers) -> None:
        self.interval = interval
        self._start = start
        self._timers = timers
        self._due: float | None = None  # when the next full refresh is due; None: stopped
        self._asked: Batch | None = None  # requests waiting for their turn, merged
        self._alarm: Alarm | None = None
        self.running: Batch | None = None

    def begin(self, *, full_now: bool = True) -> None:
        """Start the schedule: a full refresh at once (or after one interval)."""
        now = self._timers.now()
        self._due = now if full_now else now + self.interval
        self._poke()

    def stop(self) -> None:
        """The app is closing: no more refreshes."""
        self._due = None
        self._asked = None
        self._disarm()

    def request(self, only: set[str] | frozenset[str] | None = None, *, force: bool = False) -> None:
        """Refresh these sources (all when None) now, or as soon as the running refresh ends.
        The schedule of the full refresh stays where it is."""
        self._asked = Batch(None if only is None else frozenset(only), force).merge(self._asked)
        self._poke()

    def refreshing(self, source: str) -> bool:
        return self.running is not None and self.running.covers(source)

    def finished(self) -> None:
        ran, self.running = self.running, None
        if ran is not None and ran.only is None and self._due is not None:
            self._due = self._timers.now() + self.interval
        self._poke()

    def _poke(self) -> None:
        """Start what is due, else sleep until the next full refresh."""
        if self.running is not None:
            return
        now = self._timers.now()
        batch = self._asked
        if self._due is not None and now >= self._due:
            batch = Batch().merge(batch)
        if batch is None:
            self._arm(now)
            return
        self._asked, self.running = None, batch
        self._disarm()
        try:
            self._start(batch)
        except Exception:
            log.exception("a refresh could not start")
            self.running = None
            if batch.only is None and self._due is not None:
                self._due = now + self.interval
            self._arm(now)

    def _arm(self, now: float) -> None:
        self._disarm()
        if self._due is not None:
            self._alarm = self._timers.call_in(self._due - now, self._poke)

    def _disarm(self) -> None:
        if self._alarm is not None:
            self._alarm.stop()
            self._alarm = None
