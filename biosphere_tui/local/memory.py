"""Give the memory a refresh used back to the system.

A refresh at scale 200 parses tens of megabytes of JSON; once its rows are in the cache the app
frees them, but glibc keeps the freed heap mapped (its mmap threshold grows after the first big
reply), so the process would keep its peak size for as long as it stays open. ``malloc_trim``
returns the free pages. Elsewhere than glibc (musl, macOS) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable
from functools import cache


@cache
def _trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        return None if libc is None else libc.malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


def give_back() -> bool:
    """Return the heap's free pages to the system; False where the C library cannot."""
    trim = _trim()
    if trim is None:
        return False
    trim(0)
    return True
