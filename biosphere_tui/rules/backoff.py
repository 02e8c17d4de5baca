"""When a failing source may be tried again: exponential backoff, or later if the server asked.

After the n-th consecutive failure a source waits ``min(BASE * 2**(n-1), CAP)`` seconds,
or the server's ``Retry-After`` when that is longer (bounded by ``RETRY_AFTER_CAP`` against
absurd hints). A manual refresh ignores the wait.
"""

from __future__ import annotations

from datetime import datetime, timedelta

BASE = 5.0
CAP = 300.0
RETRY_AFTER_CAP = 3600.0


def delay(failures: int, retry_after: float | None = None) -> float:
    """Seconds to wait after the ``failures``-th consecutive failure (``failures`` >= 1)."""
    doublings = min(max(failures, 1) - 1, 30)  # bounded: a source may fail thousands of times
    wait = min(BASE * 2.0**doublings, CAP)
    return max(wait, min(retry_after, RETRY_AFTER_CAP)) if retry_after else wait


def retry_at(failed_at: datetime, failures: int, retry_after: float | None = None) -> datetime:
    """The first instant a source that failed at ``failed_at`` may be tried again."""
    return failed_at + timedelta(seconds=delay(failures, retry_after))
