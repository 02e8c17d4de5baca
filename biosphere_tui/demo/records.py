"""What the fake portal keeps and serves: its own records, apart from the client's models.

Plain frozen dataclasses shaped like the contract's objects (docs/portal-api.yaml); times are
timezone-aware UTC, sizes in GB. The world's own bookkeeping records (`GroupInfo`, `DemoSite`,
`Launch`) and its refusal (`WorldError`) sit here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from .contract import Availability, DeploymentState, GroupKind, RequestState, Role
from .site_state import SiteState

if TYPE_CHECKING:
    from .seed_data import SiteSpec


@dataclass(frozen=True)
class User:
    username: str
    name: str
    email: str


@dataclass(frozen=True)
class Quota:
    vcpu: int
    ram_gb: int
    storage_gb: int


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    full_name: str
    kind: GroupKind
    role: Role  # the asking user's role in this group
    quota: Quota
    start_date: date
    end_date: date
    funding: str
    used: Quota | None = None  # what the group's live deployments hold


@dataclass(frozen=True)
class Member:
    group_id: str
    username: str
    name: str
    email: str
    role: Role
    joined: date
    account_end: date


@dataclass(frozen=True)
class MembershipRequest:
    id: str
    group_id: str
    username: str
    name: str
    email: str
    message: str
    created: datetime
    state: RequestState
    reason: str = ""


@dataclass(frozen=True)
class Tool:
    name: str
    version: str
    url: str


@dataclass(frozen=True)
class Developer:
    name: str
    platform: str


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Capacity:
    total: int
    used: int

    @property
    def free(self) -> int:
        return max(self.total - self.used, 0)


@dataclass(frozen=True)
class AccessLink:
    kind: str  # "ssh" | "https" | "x2go"
    url: str


@dataclass(frozen=True)
class Parameter:
    name: str
    value: str
    secret: bool = False


@dataclass(frozen=True)
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
    last_activity: datetime | None = None  # what the portal's monitor saw last (`World.monitored`)


@dataclass(frozen=True)
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


# -- the world's own records ----------------------------------------------------------------


class WorldError(Exception):
    """A refused operation: *code* is the portal's error code, *field* the offending input."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


@dataclass(frozen=True)
class GroupInfo:
    id: str
    name: str
    full_name: str
    kind: GroupKind
    quota: Quota
    start_date: date
    end_date: date
    funding: str
    summary: str

    def as_group(self, role: Role, used: Quota | None = None) -> Group:
        return Group(self.id, self.name, self.full_name, self.kind, role, self.quota, self.start_date,
                     self.end_date, self.funding, used)


@dataclass
class DemoSite:
    """One site of the federation as the portal knows it, with its fake OpenStack state."""

    spec: SiteSpec
    cloud: SiteState
    availability: Availability
    message: str
    totals: tuple[int, int, int, int]  # vcpu, ram_gb, storage_gb, gpu of the whole site
    others: tuple[int, int, int, int]  # used by projects outside Biosphère
    flavor_ids: dict[str, str]  # flavour name -> Nova id
    image_ids: dict[str, str]  # image name -> Glance id

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class Launch:
    """What the orchestrator needs to create a reserved deployment's server through Nova."""

    deployment: Deployment
    flavor_id: str
    image_id: str
    metadata: dict[str, str]
