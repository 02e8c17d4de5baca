"""Keep the memory a refresh used from staying with the process.

A refresh at scale 200 parses tens of megabytes of JSON; once its rows are in the cache the app
frees them, but glibc keeps the freed heap mapped (its mmap threshold grows after the first big
reply), so the process would keep its peak size for as long as it stays open. ``malloc_trim``
returns the free pages. And glibc gives each new thread a heap of its own (up to 8 per core): each
refresh starts new threads (its worker, one per site), which would leave what they freed spread
over a dozen heaps, each kept at its own high point. Elsewhere than glibc (musl, macOS) this does
nothing.
"""

from __future__ import annotations

import ctypes
from functools import cache
from typing import Any

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


def give_back() -> bool:
    """Return the heap's free pages to the system; False where the C library cannot."""
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is None:
        return False
    trim(0)
    return True
