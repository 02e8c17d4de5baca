"""Bounds on what a server can make a client do: reply size, JSON depth, redirects.

Shared by the portal client (httpx) and the OpenStack transport (requests): a hostile or
broken server gets a plain ``BadReply``, never the memory, the stack or the credentials.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

from biosphere_tui import errors

MAX_REPLY_BYTES = 64 * 1024 * 1024
"""The largest reply read, counted after decompression (a 2 MB gzip may expand to 2 GB)."""
MAX_RETRY_WAIT = 5.0
"""The longest a server's ``Retry-After`` makes a client wait before asking again."""


def unpaced() -> None:
    """A client's ``pace`` by default: parse on (see ``local/foreground.py`` for the app's)."""


CAP_DEADLINES = 5
"""A call (a source's refresh) still receiving replies is stopped after this many deadlines all
the same: a server sending each page just within its deadline cannot hold a refresh forever."""


def deadline(timeout: float) -> float:
    """Seconds a request may take in all (and a call without a complete reply): a few per-read
    timeouts (retries), however slowly the server sends."""
    return timeout * 2 + 1


class Progress:
    """When a call (every request of a source's refresh) last received a complete reply: it is cut
    once it has had none for a deadline, or has run for its cap, not because its list is long.
    ``mark`` may be called from any thread."""

    def __init__(self, deadline: float, cap: float | None = None) -> None:
        self.deadline = deadline
        self.cap = cap if cap is not None else CAP_DEADLINES * deadline
        self.started = self.last = time.monotonic()

    def mark(self) -> None:
        """A complete reply came in."""
        self.last = time.monotonic()

    def left(self) -> float:
        """Seconds before the call is cut (zero or less: now)."""
        return min(self.last + self.deadline, self.started + self.cap) - time.monotonic()

    def overdue(self, source: str) -> errors.Timeout:
        """The error of a call cut now."""
        if time.monotonic() - self.started >= self.cap:
            return errors.Timeout(source, f"still not complete after {self.cap:g} s")
        return errors.Timeout(source, f"no complete answer within {self.deadline:g} s")


def too_large(source: str, limit: int) -> errors.BadReply:
    return errors.BadReply(source, f"the reply is larger than {_size(limit)}; it was not read")


def redirected(source: str, status: int) -> errors.BadReply:
    return errors.BadReply(source, f"the server redirected to another address (HTTP {status}); not followed")


def parse_json(data: bytes, source: str) -> Any:
    """``json.loads``, with nesting too deep for the parser a ``BadReply`` (``ValueError`` stays)."""
    try:
        return json.loads(data)
    except RecursionError:
        raise errors.BadReply(source, "the reply is nested too deeply") from None


def same_origin(url: str, location: str) -> bool:
    """Whether ``location`` (maybe relative to ``url``) has the scheme, host and port of ``url``."""
    here, there = urlsplit(url), urlsplit(urljoin(url, location))
    return (here.scheme, here.hostname, _port(here)) == (there.scheme, there.hostname, _port(there))


def _port(url: Any) -> int | None:
    try:
        return url.port or {"http": 80, "https": 443}.get(url.scheme)
    except ValueError:  # a port that is not a number
        return None


def _size(n: int) -> str:
    return f"{n / 2**20:g} MB" if n >= 2**20 else f"{n / 2**10:g} KB" if n >= 2**10 else f"{n} bytes"
