"""The sites as the portal's status page and the launch forms see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from biosphere_tui.models.states import SiteState


@dataclass(frozen=True, slots=True)
class Capacity:
    total: int
    used: int

    @property
    def free(self) -> int:
        return max(self.total - self.used, 0)


@dataclass(frozen=True, slots=True)
class SiteStatus:
    id: str  # cloud id, e.g. "ifb-core-cloud"
    platform: str
    city: str
    state: SiteState
    vcpu: Capacity
    ram_gb: Capacity
    storage_gb: Capacity
    gpu: Capacity
    features: tuple[str, ...]  # "BigMem", "HighFreq", "GPU", "Training"
    message: str
    updated: datetime


@dataclass(frozen=True, slots=True)
class Room:
    """A site as launching sees it: its state and what it has free.

    ``answers`` is False when the site's own cloud does not answer the app (then ``since``
    is the first failed refresh), whatever the portal's status page says. ``name`` is the site's
    display name (``site_names``: its platform's short name), its id when empty.
    """

    site: str
    state: SiteState
    message: str = ""
    answers: bool = True
    since: datetime | None = None
    vcpu: int = 0
    ram_gb: int = 0
    storage_gb: int = 0
    gpu: int = 0
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.site

    @property
    def usable(self) -> bool:
        return self.answers and self.state not in (SiteState.DOWN, SiteState.MAINTENANCE)
