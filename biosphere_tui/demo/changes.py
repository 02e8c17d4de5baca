"""An index of records by the time they last changed: what a portal's ``updated_at`` column and its
index give it, so that a list's ``since`` read costs what changed, not the whole list."""

from __future__ import annotations

import bisect
from collections.abc import Hashable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


class ChangeLog(Generic[K]):
    """Keys in the order of their last change; not thread-safe (the world's lock guards it).

    Times are the world's clock when the change was noted, never going back (a clock moved back
    notes at the last time noted): a change noted after a reader took the time ``t`` is listed by
    `since` (``t``)."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._times: list[datetime] = []
        self._keys: list[K] = []
        self._last: dict[K, int] = {}  # key -> its entry (the latest); older entries are stale
        self._order: dict[K, int] = {}  # key -> the rank of its first change (its creation)

    def note(self, key: K, at: datetime) -> None:
        """*key* changed at *at*."""
        if self._times and at < self._times[-1]:
            at = self._times[-1]
        self._order.setdefault(key, len(self._order))
        self._last[key] = len(self._keys)
        self._times.append(at)
        self._keys.append(key)
        if len(self._keys) > 2 * len(self._last) + 1024:
            self._compact()

    @property
    def latest(self) -> datetime:
        """The time of the last change noted (the start before any): a reader that saw every change
        noted so far gets each later one from `since` (this)."""
        return max(self._times[-1], self._start) if self._times else self._start

    def settle(self, at: datetime) -> None:
        """What was noted so far is the first state, which a reader at *at* or later has: dated before it."""
        self._times = [at - timedelta(microseconds=1)] * len(self._times)
        self._start = at

    def since(self, moment: datetime) -> list[K]:
        """Keys changed at or after *moment*, in the order they were first noted (creation order)."""
        start = bisect.bisect_left(self._times, moment)
        found = [k for i, k in enumerate(self._keys[start:], start) if self._last[k] == i]
        return sorted(found, key=self._order.__getitem__)

    def _compact(self) -> None:
        """Drop the stale entries (each key keeps its latest): the log stays within twice the keys."""
        kept = [i for i, k in enumerate(self._keys) if self._last[k] == i]
        self._times = [self._times[i] for i in kept]
        self._keys = [self._keys[i] for i in kept]
        self._last = {k: i for i, k in enumerate(self._keys)}
