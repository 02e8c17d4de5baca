"""The appliance catalogue, and the sites as launching sees them (``Room``): not loaded before the first frame."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from biosphere_tui.models.states import SiteState


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    version: str
    url: str


@dataclass(frozen=True, slots=True)
class Developer:
    name: str
    platform: str


@dataclass(frozen=True, slots=True)
class Appliance:
    id: str
    name: str
    category: str
    os: str
    os_version: str
    summary: str
    description: str
    version: str
    licence: str
    contact: str
    tools: tuple[Tool, ...]
    topics: tuple[str, ...]  # EDAM topics
    access: tuple[str, ...]  # "ssh", "https", "x2go"
    developers: tuple[Developer, ...]
    min_vcpu: int
    min_ram_gb: int
    min_disk_gb: int
    docker: bool = False
    remote_desktop: bool = False
    multi_vm: bool = False


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
