"""How each source of the cache last answered (where its next partial read starts: ``models.cursors``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
