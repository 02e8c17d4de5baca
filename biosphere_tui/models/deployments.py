"""Portal deployments (the VMs launched through the portal), a request for one, and their daily usage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from biosphere_tui.models.states import DeploymentState


@dataclass(frozen=True, slots=True)
class AccessLink:
    kind: str  # "ssh" | "https" | "x2go"
    url: str


@dataclass(frozen=True, slots=True)
class Parameter:
    """A deployment's parameter. A secret one (password, token) is masked on screen until revealed;
    read from the cache its ``value`` is None: the cache never holds it, it is fetched from the portal."""

    name: str
    value: str | None = None
    secret: bool = False


@dataclass(frozen=True, slots=True)
class Deployment:
    id: str
    name: str
    appliance_id: str
    appliance_name: str
    group_id: str
    owner: str
    site: str
    flavor: str
    state: DeploymentState
    created: datetime
    updated: datetime
    vcpu: int
    ram_gb: int
    disk_gb: int
    gpu: int = 0
    server_id: str | None = None
    ip: str | None = None
    access: tuple[AccessLink, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    reason: str = ""  # why it was Aborted, if it was
    last_activity: datetime | None = None  # last login or CPU activity the portal's monitor saw


@dataclass(frozen=True, slots=True)
class UsageDay:
    """One day of consumption of one member on one site, charged to a group."""

    group_id: str
    day: date
    member: str
    site: str
    vm_hours: float
    vcpu_hours: float
    ram_gb_hours: float
    disk_gb_hours: float
    gpu_hours: float


@dataclass(frozen=True, slots=True)
class DeploymentRequest:
    name: str
    appliance: str
    group: str
    site: str
    flavor: str
