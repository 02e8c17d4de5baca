"""Keep the memory a refresh used from staying with the process.

A refresh at scale 200 parses tens of megabytes of JSON; once its rows are in the cache the app
frees them, but glibc keeps the freed heap mapped (its mmap threshold grows after the first big
reply), so the process would keep its peak size for as long as it stays open. ``malloc_trim``
returns the free pages. And glibc gives each new thread a heap of its own (up to 8 per core): each
refresh starts new threads (its worker, one per site), which would leave what they freed spread
over a dozen heaps, each kept at its own high point. Elsewhere than glibc (musl, macOS) this does
nothing.

What a refresh leaves behind also keeps the memory its replies took: a few objects that outlive it,
spread over the Python memory pools its replies filled, keep each of those pools (and the 1 MB
arena holding it) for as long as they live. Two sorts do: what it made in reference cycles (freed
only by a full collection, which the app holds back while the user types: ``local/collector.py``),
and the standard library's cache of split URLs (``urllib.parse.urlsplit``, one entry per page asked,
the last 128 kept). ``after_refresh`` frees both at once, before the screens read the new rows: at
scale 200, five minutes of refreshes every 5 s (a full pass every 50 s) left the app at 122-127 MB
instead of 128-141 MB, either alone at 128-135 MB. The cost: a full collection at the end of each
refresh, in its worker: 50-180 ms at scale 200 once the app has left its startup objects out of
collections (``gc.freeze``, at its first frame when opened by its command), so it waits for the
user to stop typing (``collector.Idle.refreshed``). Where nothing is frozen (an app run by
the tests, 0.2-0.5 s a pass over everything the process holds) it is left to the collector's own
schedule.
"""

from __future__ import annotations

import ctypes
import gc
import urllib.parse
from functools import cache
from typing import Any

from biosphere_tui.local import collector

HEAPS = 2
"""The heaps (glibc arenas) every thread shares: the threads take turns at the GIL anyway. A warm
full pass at scale 200 leaves the process ~30 MB smaller with 2 than with glibc's 16 (2 cores)."""
_M_ARENA_MAX = -8  # mallopt's parameter (malloc.h)


@cache
def _libc() -> Any:
    """The C library the interpreter already runs on, through the process's own symbols: no search
    (``ctypes.util.find_library`` runs ``ldconfig``, ~15 ms at every start)."""
    try:
        return ctypes.CDLL(None)
    except (OSError, TypeError):  # TypeError: a platform without a process-wide namespace
        return None


def share_heaps() -> bool:
    """At start, before any thread: the threads to come share ``HEAPS`` heaps; False where the C
    library cannot."""
    mallopt = getattr(_libc(), "mallopt", None)
    return mallopt is not None and mallopt(_M_ARENA_MAX, HEAPS) == 1


def after_refresh() -> None:
    """Once a refresh's rows are in the cache (in its worker, before the screens read them): what it
    left in reference cycles and in the URL cache is freed, and the heap's free pages given back."""
    urllib.parse.urlsplit.cache_clear()  # an lru_cache from Python 3.11 on
    if gc.get_freeze_count():  # the startup objects are left out (``local/collector.py``): a pass walks the rest
        collector.IDLE.refreshed()
    give_back()


def give_back() -> bool:
    """Return the heap's free pages to the system; False where the C library cannot."""
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is None:
        return False
    trim(0)
    return True
