"""Domain objects shared by every layer (clients, cache, screens).

Plain frozen dataclasses: no I/O, no UI, no SQL. Times are timezone-aware UTC
``datetime`` objects; dates are ``date``. Memory and disk sizes are in GB unless the
field name says otherwise (OpenStack reports RAM in MB, so ``ram_mb`` keeps it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


class GroupKind(StrEnum):
    PROJECT = "project"
    TRAINING = "training"
    AFFILIATION = "affiliation"


class RequestState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class SiteState(StrEnum):
    UP = "up"
    DEGRADED = "degraded"
    MAINTENANCE = "maintenance"
    DOWN = "down"


class DeploymentState(StrEnum):
    """SlipStream-lineage states of a portal deployment."""

    INITIALIZING = "Initializing"
    PROVISIONING = "Provisioning"
    EXECUTING = "Executing"
    SENDING_REPORTS = "SendingReports"
    READY = "Ready"
    FINALIZING = "Finalizing"
    DONE = "Done"
    ABORTED = "Aborted"
    CANCELLED = "Cancelled"

    @property
    def is_active(self) -> bool:
        return self in _ACTIVE

    @property
    def is_final(self) -> bool:
        return self in (DeploymentState.DONE, DeploymentState.ABORTED, DeploymentState.CANCELLED)


_ACTIVE = {
    DeploymentState.INITIALIZING,
    DeploymentState.PROVISIONING,
    DeploymentState.EXECUTING,
    DeploymentState.SENDING_REPORTS,
}

OFF_STATUSES = ("SHUTOFF", "SUSPENDED", "SHELVED", "SHELVED_OFFLOADED")  # Nova: holds its quota, runs nothing


@dataclass(frozen=True, slots=True)
class User:
    username: str
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Quota:
    vcpu: int
    ram_gb: float  # whole for the portal; Nova VMs given back may hold 512 MB (0.5)
    storage_gb: int


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    name: str
    full_name: str
    kind: GroupKind
    role: Role  # the current user's role in this group
    quota: Quota
    start_date: date
    end_date: date
    funding: str
    used: Quota | None = None  # the whole group's current use, when the portal tells (newer portals)


@dataclass(frozen=True, slots=True)
class Member:
    group_id: str
    username: str
    name: str
    email: str
    role: Role
    joined: date
    account_end: date


@dataclass(frozen=True, slots=True)
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
class Server:
    """A Nova server as one OpenStack site reports it."""

    site: str
    id: str
    name: str
    status: str  # ACTIVE, BUILD, SHUTOFF, ERROR, ...
    flavor: str  # flavour name
    vcpus: int
    ram_mb: int
    disk_gb: int
    image_id: str
    ip: str | None
    created: datetime
    updated: datetime
    metadata: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    fault: str = ""  # why it is in ERROR, as Nova says it
    addresses: tuple[str, ...] = ()  # every address, best first (floating, IPv4, IPv6); ``ip`` is the first


@dataclass(frozen=True, slots=True)
class ServerRequest:
    """What the OpenStack-only launch form asks Nova for (ids are the site's own)."""

    name: str
    site: str
    image_id: str
    flavor_id: str
    key_name: str = ""
    network: str = ""


@dataclass(frozen=True, slots=True)
class Flavor:
    site: str
    id: str
    name: str
    vcpus: int
    ram_mb: int
    disk_gb: int
    gpus: int = 0


@dataclass(frozen=True, slots=True)
class Image:
    site: str
    id: str
    name: str
    status: str
    min_disk_gb: int
    min_ram_mb: int
    os_distro: str


UNLIMITED = -1
"""Nova's value of a limit that is not set."""


def exceeds(in_use: int, need: int, most: int) -> bool:
    """Whether ``need`` more goes past the limit ``most`` (never for an ``UNLIMITED`` one)."""
    return most != UNLIMITED and in_use + need > most


@dataclass(frozen=True, slots=True)
class SiteLimits:
    """Absolute compute limits of the project on one site (a maximum of ``UNLIMITED``: none)."""

    site: str
    max_vcpu: int
    used_vcpu: int
    max_ram_mb: int
    used_ram_mb: int
    max_instances: int
    used_instances: int


@dataclass(frozen=True, slots=True)
class SiteSnapshot:
    """Everything one refresh reads from one OpenStack site."""

    servers: list[Server]
    flavors: list[Flavor]
    images: list[Image]
    limits: SiteLimits
    microversion: str = ""  # the compute API microversion every call used ("" when unknown)
    partial: bool = False  # ``servers`` are only those changed since a time (DELETED ones: gone)


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
class GroupSummary:
    """A group directory entry: a group one may ask to join."""

    id: str
    name: str
    full_name: str
    kind: GroupKind
    is_member: bool


@dataclass(frozen=True, slots=True)
class DeploymentRequest:
    name: str
    appliance: str
    group: str
    site: str
    flavor: str


# The most a new project group may ask for (the contract's ``GroupCreate`` maximums; 422 beyond).
GROUP_REQUEST_MAXIMUM = {"vcpu": 4096, "ram_gb": 32768, "storage_gb": 500000}


@dataclass(frozen=True, slots=True)
class GroupRequest:
    """A new project group, with the fields of the IFB support form."""

    short_name: str
    full_name: str
    start_date: str
    end_date: str
    summary: str
    vcpu: int
    ram_gb: int
    storage_gb: int
    funding: str


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
