"""What one OpenStack site reports: its servers, flavours, images and the project's limits there."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


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
