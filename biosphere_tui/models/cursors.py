"""Where each source's next partial read starts: the refresh's own, not loaded before the first frame."""

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
