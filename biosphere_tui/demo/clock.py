"""Demo time: one clock shared by the fake portal and the fake OpenStack sites."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta


class DemoClock:
    """Demo time: start + elapsed_real * speed + manual offset. speed=0 freezes it (tests)."""

    def __init__(self, start: datetime, speed: float = 1.0) -> None:
        if start.tzinfo is None:
            raise ValueError("DemoClock needs a timezone-aware start")
        self._start = start.astimezone(UTC)
        self._speed = speed
        self._origin = time.monotonic()
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The current demo time, timezone-aware UTC."""
        with self._lock:
            seconds = (time.monotonic() - self._origin) * self._speed + self._offset
        return self._start + timedelta(seconds=seconds)

    def advance(self, seconds: float) -> None:
        """Jump the demo time forward (or back, with a negative value)."""
        with self._lock:
            self._offset += seconds
