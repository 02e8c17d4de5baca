"""The sites as the portal's status page shows them (as launching sees them: ``models.catalogue.Room``)."""

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
