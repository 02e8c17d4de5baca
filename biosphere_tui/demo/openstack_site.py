"""A fake OpenStack site: Keystone v3, Nova v2.1 and Glance v2 behind one loopback listener.

Enough of the real APIs for openstacksdk/keystoneauth to work unmodified: password login
with a service catalog, version discovery, servers (paging, ``changes-since``, create,
delete), flavors, limits, quotas, simple tenant usage and images. Statuses follow the
injected clock (`SiteState.tick`), so a frozen clock gives reproducible tests.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar
from urllib.parse import urlencode

from .httpserver import BadRequest, DemoHTTPService, Reply, Request

NETWORK = "biosphere-net"
MAX_LIMIT = 1000  # Nova's osapi_max_limit and Glance's api_limit_max
GLANCE_DEFAULT_LIMIT = 25
NOVA_VERSION = "2.96"
TOKEN_LIFETIME = timedelta(hours=12)
FOREVER = datetime.min.replace(tzinfo=UTC)
FIXED_QUOTAS = {"key_pairs": 100, "metadata_items": 128, "server_groups": 10, "server_group_members": 10}
VM_STATES = {"BUILD": "building", "ACTIVE": "active", "SHUTOFF": "stopped", "ERROR": "error",
             "DELETED": "deleted"}


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


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    """``2026-11-25T12:00:00Z``."""
    return _utc(moment).astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse_time(value: str, name: str) -> datetime:
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
        self.host_id = hashlib.sha224(f"{project_id}{site_id}-compute".encode()).hexdigest()
        self.quota_cores = quota_cores
        self.quota_ram_mb = quota_ram_mb
        self.quota_instances = quota_instances
        self.flavors: dict[str, FakeFlavor] = {}
        self.images: dict[str, FakeImage] = {}
        self.servers: dict[str, FakeServer] = {}
        self.lock = threading.RLock()
        self.opened = self.now()  # creation time of the images
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

    def add_server(self, *, name: str, flavor_id: str, image_id: str, metadata: dict[str, str] | None = None,
                   created: datetime | None = None, status: str = "BUILD", boot_seconds: float = 90.0,
                   server_id: str | None = None, key_name: str | None = None) -> FakeServer:
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
                ip=self._allocate_ip() if status in ("ACTIVE", "SHUTOFF") else None,
                boot_seconds=boot_seconds, key_name=key_name)
            self.servers[server.id] = server
            return server

    def delete_server(self, server_id: str) -> bool:
        """Mark a live server deleted; False if there is none."""
        with self.lock:
            server = self.servers.get(server_id)
            if server is None or server.deleted:
                return False
            server.deleted = True
            server.updated = self.now()
            return True

    def set_status(self, server_id: str, status: str) -> None:
        """Force a live server's status (the demo's switch for a VM in ERROR, or shut off); KeyError if none."""
        with self.lock:
            server = self.servers[server_id]
            if server.deleted:
                raise KeyError(server_id)
            server.status, server.updated = status, self.now()

    def tick(self) -> None:
        """Advance statuses against the clock: BUILD -> ACTIVE (+ip) when due."""
        now = self.now()
        with self.lock:
            for server in self.servers.values():
                if (server.status == "BUILD" and not server.deleted
                        and now >= server.created + timedelta(seconds=server.boot_seconds)):
                    server.status = "ACTIVE"
                    server.ip = server.ip or self._allocate_ip()
                    server.updated = now

    def usage(self) -> tuple[int, int, int]:
        """(cores, ram_mb, instances) used by live servers."""
        with self.lock:
            flavors = [self.flavors[s.flavor_id] for s in self.servers.values() if not s.deleted]
        return sum(f.vcpus for f in flavors), sum(f.ram_mb for f in flavors), len(flavors)

    def _allocate_ip(self) -> str:
        host = self._next_host
        self._next_host += 1
        return f"10.{self._subnet}.{host >> 8 & 255}.{host & 255}"


class _HasId(Protocol):
    id: str


T = TypeVar("T", bound=_HasId)


def _paginate(items: Sequence[T], req: Request, default_limit: int) -> tuple[Sequence[T], str | None]:
    """The page after ``?marker=`` of at most ``?limit=`` items, and the next marker (None at the end).

    As in Nova and Glance, a full page always has a next marker.
    """
    try:
        limit = min(int(req.arg("limit") or default_limit), MAX_LIMIT)
    except ValueError:
        raise BadRequest("limit must be an integer") from None
    if limit < 0:
        raise BadRequest("limit must be >= 0")
    start = 0
    if (marker := req.arg("marker")) is not None:
        found = next((i for i, item in enumerate(items) if item.id == marker), None)
        if found is None:
            raise BadRequest(f"marker [{marker}] not found")
        start = found + 1
    page = items[start:start + limit]
    return page, (page[-1].id if page and len(page) == limit else None)


def _ref_id(ref: Any) -> str:
    """The id at the end of a flavorRef/imageRef, which may be a URL."""
    return str(ref or "").rstrip("/").rsplit("/", 1)[-1]


def _next_query(req: Request, marker: str) -> str:
    """The request's query string with ``marker`` replaced."""
    query = {name: values for name, values in req.query.items() if name != "marker"}
    query["marker"] = [marker]
    return urlencode(query, doseq=True)


class NotFound(Exception):
    """Raised by a handler to answer 404 with this message."""


_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed"}
_NOVA_KINDS = {400: "badRequest", 403: "forbidden", 404: "itemNotFound"}


def _keystone_error(status: int, message: str) -> Reply:
    """``{"error": {"code", "title", "message"}}``, as Keystone (and our Glance) answers."""
    return Reply(status, {"error": {"code": status, "title": _TITLES[status], "message": message}})


def _nova_error(status: int, message: str) -> Reply:
    """``{"itemNotFound": {"code", "message"}}`` and the like, as Nova answers."""
    return Reply(status, {_NOVA_KINDS[status]: {"code": status, "message": message}})


def _unauthorized(url: str) -> Reply:
    reply = _keystone_error(401, "The request you have made requires authentication.")
    reply.headers["WWW-Authenticate"] = f'Keystone uri="{url}/v3"'
    return reply


Handler = Callable[..., Reply]


class OpenStackSite:
    """A SiteState served by one DemoHTTPService: Keystone v3 + Nova v2.1 + Glance v2."""

    def __init__(self, state: SiteState, port: int = 0) -> None:
        self.state = state
        self.service = DemoHTTPService(state.site_id, self._route, port=port)
        self._tokens: dict[str, int] = {}  # token -> time.monotonic_ns() at issue
        nova = r"/compute/v2\.1"
        routes: list[tuple[str, str, Handler, bool]] = [  # method, path regex, handler, public
            ("GET", r"/v3", self._identity_version, True),
            ("POST", r"/v3/auth/tokens", self._login, True),
            ("GET", r"/compute", self._compute_versions, True),
            ("GET", nova, self._compute_version, True),
            ("GET", rf"{nova}/servers(/detail)?", self._list_servers, False),
            ("POST", rf"{nova}/servers", self._create_server, False),
            ("GET", rf"{nova}/servers/([^/]+)", self._show_server, False),
            ("DELETE", rf"{nova}/servers/([^/]+)", self._delete_server, False),
            ("GET", rf"{nova}/flavors(/detail)?", self._list_flavors, False),
            ("GET", rf"{nova}/flavors/([^/]+)", self._show_flavor, False),
            ("GET", rf"{nova}/flavors/([^/]+)/os-extra_specs", self._flavor_extra_specs, False),
            ("GET", rf"{nova}/limits", self._limits, False),
            ("GET", rf"{nova}/os-quota-sets/([^/]+)(/detail)?", self._quota_set, False),
            ("GET", rf"{nova}/os-simple-tenant-usage/([^/]+)", self._tenant_usage, False),
            ("GET", r"/image", self._image_versions, True),
            ("GET", r"/image/v2/images", self._list_images, False),
            ("GET", r"/image/v2/images/([^/]+)", self._show_image, False),
        ]
        self._routes = [(method, re.compile(path), handler, public)
                        for method, path, handler, public in routes]

    @property
    def auth_url(self) -> str:
        return f"{self.service.url}/v3"

    def start(self) -> None:
        self.service.start()

    def stop(self) -> None:
        self.service.stop()

    # -- routing and auth ---------------------------------------------------------------

    def _route(self, req: Request) -> Reply:
        self.state.tick()
        path = req.path.rstrip("/") or "/"
        path_known = False
        for method, pattern, handler, public in self._routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            path_known = True
            if method != req.method:
                continue
            if not public and not self._token_valid(req.headers.get("X-Auth-Token")):
                return _unauthorized(self.service.url)
            error = _nova_error if path.startswith("/compute/") else _keystone_error
            try:
                with self.state.lock:
                    return handler(req, *match.groups())
            except BadRequest as exc:
                return error(400, str(exc))
            except NotFound as exc:
                return error(404, str(exc))
        if path_known:
            return _keystone_error(405, f"{req.method} is not allowed on {req.path}")
        return _keystone_error(404, f"No route for {req.path}")

    def _token_valid(self, token: str | None) -> bool:
        issued = self._tokens.get(token or "")
        fault = self.service.fault
        if issued is None or fault == "revoked_token":
            return False
        return not (fault == "expired_token" and issued < self.service.fault_since)

    # -- Keystone -----------------------------------------------------------------------

    def _identity_version(self, req: Request) -> Reply:
        return Reply(200, {"version": {
            "id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
            "links": [{"rel": "self", "href": f"{self.auth_url}/"}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.identity-v3+json"}],
        }})

    def _login(self, req: Request) -> Reply:
        state = self.state
        try:
            auth = req.json()["auth"]
            user = auth["identity"]["password"]["user"]
            project = auth["scope"]["project"]
        except (KeyError, TypeError):
            raise BadRequest("Expecting password authentication scoped to a project") from None
        if (self.service.fault == "revoked_token" or user.get("name") != state.username
                or user.get("password") != state.password
                or state.project_id != project.get("id", state.project_id)
                or state.project_name != project.get("name", state.project_name)):
            return _unauthorized(self.service.url)
        token = secrets.token_hex(16)
        self._tokens[token] = time.monotonic_ns()
        # Token times are real wall-clock times: keystoneauth checks expiry against its own clock.
        issued = datetime.now(UTC)
        domain = {"id": "default", "name": "Default"}
        return Reply(201, {"token": {
            "methods": ["password"],
            "user": {"id": state.user_id, "name": state.username, "domain": domain,
                     "password_expires_at": None},
            "audit_ids": [secrets.token_urlsafe(16)],
            "issued_at": issued.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "expires_at": (issued + TOKEN_LIFETIME).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "project": {"id": state.project_id, "name": state.project_name, "domain": domain},
            "is_domain": False,
            "roles": [{"id": "member-role", "name": "member"}, {"id": "reader-role", "name": "reader"}],
            "catalog": [self._catalog_entry("compute", "nova", "/compute/v2.1"),
                        self._catalog_entry("image", "glance", "/image")],
        }}, headers={"X-Subject-Token": token})

    def _catalog_entry(self, kind: str, name: str, path: str) -> dict[str, Any]:
        url = f"{self.service.url}{path}"
        region = self.state.region
        return {"id": f"{name}-service", "type": kind, "name": name, "endpoints": [
            {"id": f"{name}-{interface}", "interface": interface, "region": region, "region_id": region,
             "url": url} for interface in ("public", "internal")]}

    # -- Nova ---------------------------------------------------------------------------

    def _nova_version_doc(self) -> dict[str, Any]:
        return {"id": "v2.1", "status": "CURRENT", "version": NOVA_VERSION, "min_version": "2.1",
                "updated": "2013-07-23T11:33:21Z",
                "links": [{"rel": "self", "href": f"{self.service.url}/compute/v2.1/"}],
                "media-types": [{"base": "application/json",
                                 "type": "application/vnd.openstack.compute+json;version=2.1"}]}

    def _compute_versions(self, req: Request) -> Reply:
        return Reply(200, {"versions": [self._nova_version_doc()]})

    def _compute_version(self, req: Request) -> Reply:
        return Reply(200, {"version": self._nova_version_doc()})

    def _links(self, kind: str, ident: str) -> list[dict[str, str]]:
        url = self.service.url
        return [{"rel": "self", "href": f"{url}/compute/v2.1/{kind}/{ident}"},
                {"rel": "bookmark", "href": f"{url}/compute/{kind}/{ident}"}]

    def _server_json(self, server: FakeServer, detail: bool = True) -> dict[str, Any]:
        """A server as Nova 2.96 shows it (``detail=False``: id, name, links)."""
        brief = {"id": server.id, "name": server.name, "links": self._links("servers", server.id)}
        if not detail:
            return brief
        flavor = self.state.flavors[server.flavor_id]
        status = "DELETED" if server.deleted else server.status
        addresses = ({NETWORK: [{"addr": server.ip, "version": 4, "OS-EXT-IPS:type": "fixed"}]}
                     if server.ip else {})
        created = iso(server.created)
        return brief | {
            "status": status,
            "tenant_id": self.state.project_id,
            "user_id": self.state.user_id,
            "created": created,
            "updated": iso(server.updated),
            "metadata": dict(server.metadata),
            "image": {"id": server.image_id, "links": self._links("images", server.image_id)[1:]},
            "flavor": {"original_name": flavor.name, "vcpus": flavor.vcpus, "ram": flavor.ram_mb,
                       "disk": flavor.disk_gb, "ephemeral": 0, "swap": 0,
                       "extra_specs": flavor.extra_specs()},
            "addresses": addresses,
            "accessIPv4": "",
            "accessIPv6": "",
            "key_name": server.key_name,
            "hostId": "" if server.ip is None else self.state.host_id,
            "progress": 0,
            "config_drive": "",
            "description": None,
            "locked": False,
            "locked_reason": None,
            "tags": [],
            "trusted_image_certificates": None,
            "server_groups": [],
            "security_groups": [{"name": "default"}],
            "os-extended-volumes:volumes_attached": [],
            "pinned_availability_zone": None,
            "OS-DCF:diskConfig": "MANUAL",
            "OS-EXT-AZ:availability_zone": "nova",
            "OS-EXT-STS:vm_state": VM_STATES.get(status, status.lower()),
            "OS-EXT-STS:task_state": "spawning" if status == "BUILD" else None,
            "OS-EXT-STS:power_state": 1 if status == "ACTIVE" else 0,
            "OS-SRV-USG:launched_at": None if status == "BUILD" else created,
            "OS-SRV-USG:terminated_at": iso(server.updated) if server.deleted else None,
        } | ({"fault": {"code": 500, "message": server.fault, "created": iso(server.updated)}}
             if status == "ERROR" and server.fault else {})

    def _list_servers(self, req: Request, detail: str | None) -> Reply:
        servers: list[FakeServer] = list(self.state.servers.values())
        if (since := req.arg("changes-since")) is not None:
            moment = _parse_time(since, "changes-since")
            servers = [s for s in servers if s.updated >= moment]
        else:
            servers = [s for s in servers if not s.deleted]
        if (status := req.arg("status")) is not None:
            servers = [s for s in servers if ("DELETED" if s.deleted else s.status) == status.upper()]
        if (name := req.arg("name")) is not None:
            pattern = re.compile(name)
            servers = [s for s in servers if pattern.search(s.name)]
        servers.sort(key=lambda s: (s.created, s.id), reverse=True)
        return self._nova_page(req, "servers", servers, lambda s: self._server_json(s, detail is not None))

    def _nova_page(self, req: Request, key: str, items: Sequence[T], to_json: Callable[[T], Any]) -> Reply:
        """One page of a Nova collection, with a ``{key}_links`` next link when the page is full."""
        page, marker = _paginate(items, req, MAX_LIMIT)
        body: dict[str, Any] = {key: [to_json(item) for item in page]}
        if marker is not None:
            href = f"{self.service.url}{req.path}?{_next_query(req, marker)}"
            body[f"{key}_links"] = [{"rel": "next", "href": href}]
        return Reply(200, body)

    def _show_server(self, req: Request, server_id: str) -> Reply:
        server = self.state.servers.get(server_id)
        if server is None or server.deleted:
            raise NotFound(f"Instance {server_id} could not be found.")
        return Reply(200, {"server": self._server_json(server)})

    def _delete_server(self, req: Request, server_id: str) -> Reply:
        if not self.state.delete_server(server_id):
            raise NotFound(f"Instance {server_id} could not be found.")
        return Reply(204)

    def _create_server(self, req: Request) -> Reply:
        body = req.json()
        spec = body.get("server") if isinstance(body, dict) else None
        if not isinstance(spec, dict) or not spec.get("name"):
            raise BadRequest("Invalid input for field/attribute server: 'name' is a required property")
        state = self.state
        if (flavor := state.flavors.get(_ref_id(spec.get("flavorRef")))) is None:
            raise BadRequest(f"Flavor {spec.get('flavorRef')} could not be found.")
        if (image_id := _ref_id(spec.get("imageRef"))) not in state.images:
            raise BadRequest("Can not find requested image")
        cores, ram, instances = state.usage()
        for resource, requested, used, quota in (("cores", flavor.vcpus, cores, state.quota_cores),
                                                 ("ram", flavor.ram_mb, ram, state.quota_ram_mb),
                                                 ("instances", 1, instances, state.quota_instances)):
            if used + requested > quota:
                return _nova_error(403, f"Quota exceeded for {resource}: Requested {requested}, "
                                        f"but already used {used} of {quota} {resource}")
        server = state.add_server(name=str(spec["name"]), flavor_id=flavor.id, image_id=image_id,
                                  metadata={str(k): str(v) for k, v in (spec.get("metadata") or {}).items()},
                                  key_name=spec.get("key_name"))
        links = self._links("servers", server.id)
        return Reply(202, {"server": {
            "id": server.id, "links": links, "adminPass": secrets.token_urlsafe(9),
            "OS-DCF:diskConfig": "MANUAL", "security_groups": [{"name": "default"}],
        }}, headers={"Location": links[0]["href"]})

    def _flavor_json(self, flavor: FakeFlavor, detail: bool = True) -> dict[str, Any]:
        brief = {"id": flavor.id, "name": flavor.name, "description": None,
                 "links": self._links("flavors", flavor.id)}
        if not detail:
            return brief
        return brief | {"vcpus": flavor.vcpus, "ram": flavor.ram_mb, "disk": flavor.disk_gb, "swap": 0,
                        "OS-FLV-EXT-DATA:ephemeral": 0, "OS-FLV-DISABLED:disabled": False,
                        "os-flavor-access:is_public": True, "rxtx_factor": 1.0,
                        "extra_specs": flavor.extra_specs()}

    def _list_flavors(self, req: Request, detail: str | None) -> Reply:
        flavors = list(self.state.flavors.values())
        return self._nova_page(req, "flavors", flavors, lambda f: self._flavor_json(f, detail is not None))

    def _flavor(self, flavor_id: str) -> FakeFlavor:
        if (flavor := self.state.flavors.get(flavor_id)) is None:
            raise NotFound(f"Flavor {flavor_id} could not be found.")
        return flavor

    def _show_flavor(self, req: Request, flavor_id: str) -> Reply:
        return Reply(200, {"flavor": self._flavor_json(self._flavor(flavor_id))})

    def _flavor_extra_specs(self, req: Request, flavor_id: str) -> Reply:
        return Reply(200, {"extra_specs": self._flavor(flavor_id).extra_specs()})

    def _quotas(self) -> dict[str, tuple[int, int]]:
        """Nova quota name -> (limit, in use)."""
        state = self.state
        cores, ram, instances = state.usage()
        return {"cores": (state.quota_cores, cores), "ram": (state.quota_ram_mb, ram),
                "instances": (state.quota_instances, instances)} | {
                    name: (limit, 0) for name, limit in FIXED_QUOTAS.items()}

    def _limits(self, req: Request) -> Reply:
        state = self.state
        cores, ram, instances = state.usage()
        absolute = {"maxTotalCores": state.quota_cores, "totalCoresUsed": cores,
                    "maxTotalRAMSize": state.quota_ram_mb, "totalRAMUsed": ram,
                    "maxTotalInstances": state.quota_instances, "totalInstancesUsed": instances,
                    "maxTotalKeypairs": FIXED_QUOTAS["key_pairs"],
                    "maxServerMeta": FIXED_QUOTAS["metadata_items"],
                    "maxServerGroups": FIXED_QUOTAS["server_groups"],
                    "maxServerGroupMembers": FIXED_QUOTAS["server_group_members"], "totalServerGroupsUsed": 0}
        return Reply(200, {"limits": {"absolute": absolute, "rate": []}})

    def _quota_set(self, req: Request, project_id: str, detail: str | None) -> Reply:
        if project_id not in (self.state.project_id, self.state.project_name):
            return _nova_error(403, f"Policy doesn't allow os_compute_api:os-quota-sets:show "
                                    f"to be performed on project {project_id}.")
        quotas = self._quotas()
        values = {name: {"limit": limit, "in_use": used, "reserved": 0} if detail else limit
                  for name, (limit, used) in quotas.items()}
        return Reply(200, {"quota_set": {"id": project_id} | values})

    def _tenant_usage(self, req: Request, project_id: str) -> Reply:
        state = self.state
        now = state.now()
        start = _parse_time(arg, "start") if (arg := req.arg("start")) else FOREVER
        end = min(_parse_time(arg, "end"), now) if (arg := req.arg("end")) else now
        usages = []
        for server in state.servers.values() if project_id == state.project_id else ():
            stopped = server.updated if server.deleted else now
            if server.created > end or stopped < start:
                continue
            flavor = state.flavors[server.flavor_id]
            hours = max((min(end, stopped) - max(start, server.created)).total_seconds(), 0) / 3600
            usages.append({"instance_id": server.id, "name": server.name, "tenant_id": state.project_id,
                           "flavor": flavor.name, "vcpus": flavor.vcpus, "memory_mb": flavor.ram_mb,
                           "local_gb": flavor.disk_gb, "hours": hours,
                           "state": "deleted" if server.deleted else server.status.lower(),
                           "started_at": iso(server.created),
                           "ended_at": iso(server.updated) if server.deleted else None,
                           "uptime": int((stopped - server.created).total_seconds())})
        return Reply(200, {"tenant_usage": {
            "tenant_id": project_id, "start": iso(start), "stop": iso(end),
            "total_hours": sum(u["hours"] for u in usages),
            "total_vcpus_usage": sum(u["hours"] * u["vcpus"] for u in usages),
            "total_memory_mb_usage": sum(u["hours"] * u["memory_mb"] for u in usages),
            "total_local_gb_usage": sum(u["hours"] * u["local_gb"] for u in usages),
            "server_usages": usages,
        }})

    # -- Glance -------------------------------------------------------------------------

    def _image_versions(self, req: Request) -> Reply:
        href = f"{self.service.url}/image/v2/"
        links = [{"rel": "self", "href": href}]
        versions = (("v2.17", "CURRENT"), ("v2.0", "SUPPORTED"))
        return Reply(300, {"versions": [{"id": v, "status": status, "links": links} for v, status in versions]})

    def _image_json(self, image: FakeImage) -> dict[str, Any]:
        opened = iso(self.state.opened)
        return {"id": image.id, "name": image.name, "status": image.status, "visibility": "public",
                "protected": False, "os_hidden": False, "owner": None, "os_distro": image.os_distro,
                "container_format": "bare", "disk_format": "qcow2", "min_disk": image.min_disk_gb,
                "min_ram": image.min_ram_mb, "size": None, "virtual_size": None, "checksum": None,
                "created_at": opened, "updated_at": opened, "tags": [],
                "self": f"/v2/images/{image.id}", "file": f"/v2/images/{image.id}/file",
                "schema": "/v2/schemas/image"}

    def _list_images(self, req: Request) -> Reply:
        page, marker = _paginate(list(self.state.images.values()), req, GLANCE_DEFAULT_LIMIT)
        body: dict[str, Any] = {"images": [self._image_json(i) for i in page],
                                "first": "/v2/images", "schema": "/v2/schemas/images"}
        if marker is not None:
            body["next"] = f"/v2/images?{_next_query(req, marker)}"
        return Reply(200, body)

    def _show_image(self, req: Request, image_id: str) -> Reply:
        if (image := self.state.images.get(image_id)) is None:
            raise NotFound(f"No image found with ID {image_id}")
        return Reply(200, self._image_json(image))
