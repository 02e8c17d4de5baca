"""How each source of the cache was last read: its freshness and where the next partial read starts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ServersCursor:
    """How far a site's servers were read: the newest ``updated`` seen (where Nova's ``changes-since``
    starts), the partial reads since the last full one, and when that full one was (our clock)."""

    newest: datetime
    deltas: int
    full_pass: datetime


@dataclass(frozen=True, slots=True)
class ListCursor:
    """How far a portal source's lists were read: the ``next_since`` of the last read (where the next
    one's ``since`` starts), the partial reads since the last full one, when that full one was (our
    clock), and the lists it stands for (their request keys: another list needs a full read)."""

    newest: datetime
    deltas: int
    full_pass: datetime
    lists: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Freshness:
    """How one source (the portal, a site) last answered: when, how, and when to try again."""

    source: str
    last_attempt: datetime | None
    last_success: datetime | None
    last_error: str | None
    error_kind: str | None
    failures: int
    duration: float | None
    retry_at: datetime | None = None  # a failing source is not tried again before this

    @property
    def ok(self) -> bool:
        return self.last_error is None and self.last_success is not None
