"""What one fake OpenStack site knows: flavors, images, networks, key pairs and servers.

Statuses follow the injected clock (`SiteState.tick`), so a frozen clock gives reproducible tests.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .httpserver import BadRequest

NETWORK = "biosphere-net"


@dataclass
class FakeFlavor:
    id: str
    name: str
    vcpus: int
    ram_mb: int
    disk_gb: int
    gpus: int = 0

    def extra_specs(self) -> dict[str, str]:
        return {"pci_passthrough:alias": f"gpu:{self.gpus}"} if self.gpus else {}


@dataclass
class FakeImage:
    id: str
    name: str
    os_distro: str
    min_disk_gb: int = 10
    min_ram_mb: int = 512
    status: str = "active"


@dataclass
class FakeServer:
    id: str
    name: str
    flavor_id: str
    image_id: str
    created: datetime
    updated: datetime  # last change; the deletion time once `deleted`
    status: str  # "BUILD" | "ACTIVE" | "SHUTOFF" | "ERROR"
    ip: str | None  # assigned when ACTIVE
    metadata: dict[str, str]
    boot_seconds: float = 90
    deleted: bool = False
    key_name: str | None = None
    fault: str = ""  # shown as Nova's ``fault`` while the server is in ERROR
    network: str | None = NETWORK  # the network's name; None: booted with ``networks: "none"``
    locked: bool = False
    locked_reason: str | None = None
    down_cell: bool = False  # its cell database is out of reach: Nova tells little about it (2.69)


@dataclass
class FakeNetwork:
    id: str
    name: str
    subnet_id: str
    created: datetime


@dataclass
class FakeKeypair:
    name: str
    public_key: str
    fingerprint: str
    created: datetime
    type: str = "ssh"
    id: int = 0


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    """``2026-11-25T12:00:00Z``."""
    return _utc(moment).astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_time(value: str, name: str) -> datetime:
    try:
        return _utc(datetime.fromisoformat(value))
    except ValueError:
        raise BadRequest(f"Invalid {name}: {value!r}") from None


class SiteState:
    """Everything one fake site knows; thread-safe (one RLock, `lock`).

    Deleted servers stay in `servers` with ``deleted=True`` (for ``changes-since`` and usage).
    """

    def __init__(self, site_id: str, clock: Callable[[], datetime], *, region: str = "RegionOne",
                 project_id: str, project_name: str = "biosphere", username: str = "biosphere-portal",
                 password: str, quota_cores: int, quota_ram_mb: int, quota_instances: int) -> None:
        self.site_id = site_id
        self.clock = clock
        self.region = region
        self.project_id = project_id
        self.project_name = project_name
        self.username = username
        self.password = password
        self.user_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{site_id}/{username}").hex
        # the user's application credential on the project (``openstack application credential create``)
        self.app_credential_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{site_id}/{username}/app-cred").hex
        self.app_credential_name = "biosphere-tui"
        self.app_credential_secret = hashlib.sha256(f"{password}/app-cred".encode()).hexdigest()[:43]
        self.host_id = hashlib.sha224(f"{project_id}{site_id}-compute".encode()).hexdigest()
        self.quota_cores = quota_cores
        self.quota_ram_mb = quota_ram_mb
        self.quota_instances = quota_instances
        self.flavors: dict[str, FakeFlavor] = {}
        self.images: dict[str, FakeImage] = {}
        self.servers: dict[str, FakeServer] = {}
        self.networks: dict[str, FakeNetwork] = {}  # by id
        self.keypairs: dict[str, FakeKeypair] = {}  # by name (the one user's)
        self.lock = threading.RLock()
        self.version = 0  # counts the changes of `servers` (the portal's validators rest on it)
        self.changed: list[str] = []  # the server of each change, in order (`version` of them)
        self.opened = self.now()  # creation time of the images
        self.add_network(NETWORK)
        self._subnet = zlib.crc32(site_id.encode()) % 250
        self._next_host = 10

    def now(self) -> datetime:
        return _utc(self.clock())

    def add_flavor(self, flavor: FakeFlavor) -> None:
        with self.lock:
            self.flavors[flavor.id] = flavor

    def add_image(self, image: FakeImage) -> None:
        with self.lock:
            self.images[image.id] = image

    def add_network(self, name: str) -> FakeNetwork:
        """A tenant network (with one subnet) the project's servers may use."""
        with self.lock:
            ident = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.site_id}/network/{name}"))
            network = FakeNetwork(ident, name, str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ident}/subnet")), self.opened)
            self.networks[ident] = network
            return network

    def add_server(self, *, name: str, flavor_id: str, image_id: str, metadata: dict[str, str] | None = None,
                   created: datetime | None = None, status: str = "BUILD", boot_seconds: float = 90.0,
                   server_id: str | None = None, key_name: str | None = None,
                   network: str | None = NETWORK) -> FakeServer:
        """Create a server (seeding and POST /servers); ValueError on an unknown flavor or image."""
        with self.lock:
            if flavor_id not in self.flavors:
                raise ValueError(f"unknown flavor {flavor_id!r}")
            if image_id not in self.images:
                raise ValueError(f"unknown image {image_id!r}")
            created = _utc(created) if created else self.now()
            server = FakeServer(
                id=server_id or str(uuid.uuid4()), name=name, flavor_id=flavor_id, image_id=image_id,
                created=created, updated=created, status=status, metadata=dict(metadata or {}),
                ip=self._allocate_ip() if network and status in ("ACTIVE", "SHUTOFF") else None,
                boot_seconds=boot_seconds, key_name=key_name, network=network)
            self.servers[server.id] = server
            self._changed(server)
            return server

    def delete_server(self, server_id: str) -> bool:
        """Mark a live server deleted; False if there is none."""
        with self.lock:
            server = self.servers.get(server_id)
            if server is None or server.deleted:
                return False
            server.deleted = True
            server.updated = self.now()
            self._changed(server)
            return True

    def set_status(self, server_id: str, status: str) -> None:
        """Force a live server's status (the demo's switch for a VM in ERROR, or shut off); KeyError if none."""
        with self.lock:
            server = self.servers[server_id]
            if server.deleted:
                raise KeyError(server_id)
            server.status, server.updated = status, self.now()
            self._changed(server)

    def tick(self) -> None:
        """Advance statuses against the clock: BUILD -> ACTIVE (+ip) when due."""
        now = self.now()
        with self.lock:
            for server in self.servers.values():
                if (server.status == "BUILD" and not server.deleted
                        and now >= server.created + timedelta(seconds=server.boot_seconds)):
                    server.status = "ACTIVE"
                    server.ip = server.ip or (self._allocate_ip() if server.network else None)
                    server.updated = now
                    self._changed(server)

    def _changed(self, server: FakeServer) -> None:
        self.version += 1
        self.changed.append(server.id)

    def usage(self) -> tuple[int, int, int]:
        """(cores, ram_mb, instances) used by live servers."""
        with self.lock:
            flavors = [self.flavors[s.flavor_id] for s in self.servers.values() if not s.deleted]
        return sum(f.vcpus for f in flavors), sum(f.ram_mb for f in flavors), len(flavors)

    def _allocate_ip(self) -> str:
        host = self._next_host
        self._next_host += 1
        return f"10.{self._subnet}.{host >> 8 & 255}.{host & 255}"


