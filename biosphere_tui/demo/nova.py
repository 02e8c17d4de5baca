"""The fake sites' Nova (compute API v2.1), answered at each request's microversion.

Shapes follow Nova's own API samples (doc/api_samples/ in openstack/nova) and view builders
(nova/api/openstack/compute/views/), as a project member (not an admin) sees them: e.g. a
server's ``flavor`` is ``{"id", "links"}`` below 2.47 and the embedded flavor from 2.47 on.
Validation and error messages are Nova's (nova/api/openstack/compute/servers.py, keypairs.py).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from .httpserver import Reply, Request
from .openstack_protocol import MAX_LIMIT, MIN_VERSION, ApiError, APIVersion, T, next_query, paginate, ref_id
from .site_state import FakeFlavor, FakeKeypair, FakeServer, SiteState, iso, parse_time

DEFAULT_MAX_VERSION = APIVersion(2, 96)  # Caracal (2024.1); Yoga is 2.90, Antelope/Bobcat 2.95
FIXED_QUOTAS = {"key_pairs": 100, "metadata_items": 128, "server_groups": 10, "server_group_members": 10}
VM_STATES = {"BUILD": "building", "ACTIVE": "active", "SHUTOFF": "stopped", "ERROR": "error",
             "DELETED": "deleted"}
PROGRESS_STATUSES = ("ACTIVE", "BUILD")  # views/servers.py: _progress_statuses (those we have)
NAME_RULE = "printable characters. Can not start or end with whitespace."
KEYPAIR_NAME_V292 = re.compile(r"^[_\-\@\. a-zA-Z0-9]+$")
AMBIGUOUS = "Multiple possible networks found, use a Network ID to be more specific."
Handler = Callable[..., Reply]


def _v(text: str) -> APIVersion:
    return APIVersion.parse(text)


def _nova_time(moment: datetime) -> str:
    """``2013-09-23T13:37:00.880302``: how Nova serialises launched_at/terminated_at (naive)."""
    return moment.replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _invalid(field: str, value: Any, message: str) -> ApiError:
    """Nova's JSON-schema failure (nova/api/validation/validators.py)."""
    return ApiError(400, f"Invalid input for field/attribute {field}. Value: {value}. {message}")


def _check_name(value: Any, field: str = "name") -> str:
    if not isinstance(value, str):
        raise _invalid(field, value, f"{value!r} is not of type 'string'")
    if not value:
        raise _invalid(field, value, "'' is too short")
    if len(value) > 255:
        raise _invalid(field, value, f"{value!r} is too long")
    if value != value.strip() or not value.isprintable():
        raise ApiError(400, f"An invalid 'name' value was provided. The name must be: {NAME_RULE}")
    return value


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def fingerprint(public_key: str) -> str:
    """MD5 fingerprint of an OpenSSH public key, as Nova computes it; ApiError 400 if it is no key."""
    parts = public_key.split()
    try:
        if len(parts) < 2 or not (parts[0].startswith(("ssh-", "ecdsa-"))):
            raise ValueError(public_key)
        blob = base64.b64decode(parts[1], validate=True)
    except (ValueError, binascii.Error):
        raise ApiError(400, "Keypair data is invalid: failed to generate fingerprint") from None
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _generate_keypair() -> tuple[str, str]:
    """(public, private) RSA key pair in OpenSSH/PEM form, as Nova generates below 2.92."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    return f"{public} Generated-by-Nova\n", private


class Nova:
    """Nova v2.1 of one site; handlers take ``(request, version, *path groups)``."""

    def __init__(self, state: SiteState, base_url: Callable[[], str],
                 max_version: APIVersion = DEFAULT_MAX_VERSION) -> None:
        if max_version < MIN_VERSION:
            raise ValueError(f"max_version {max_version} is below {MIN_VERSION}")
        self.state = state
        self.base_url = base_url
        self.max_version = max_version

    def routes(self) -> list[tuple[str, str, Handler]]:
        """(method, path regex under /compute/v2.1, handler)."""
        return [
            ("GET", r"", self.version_doc),
            ("GET", r"/servers(/detail)?", self.list_servers),
            ("POST", r"/servers", self.create_server),
            ("GET", r"/servers/([^/]+)", self.show_server),
            ("DELETE", r"/servers/([^/]+)", self.delete_server),
            ("POST", r"/servers/([^/]+)/action", self.server_action),
            ("GET", r"/flavors(/detail)?", self.list_flavors),
            ("GET", r"/flavors/([^/]+)", self.show_flavor),
            ("GET", r"/flavors/([^/]+)/os-extra_specs", self.flavor_extra_specs),
            ("GET", r"/limits", self.limits),
            ("GET", r"/os-quota-sets/([^/]+)(/detail)?", self.quota_set),
            ("GET", r"/os-simple-tenant-usage/([^/]+)", self.tenant_usage),
            ("GET", r"/os-keypairs", self.list_keypairs),
            ("POST", r"/os-keypairs", self.create_keypair),
            ("GET", r"/os-keypairs/([^/]+)", self.show_keypair),
            ("DELETE", r"/os-keypairs/([^/]+)", self.delete_keypair),
        ]

    # -- versions (nova/api/openstack/compute/versions.py) ----------------------------------

    def _version(self, key: str) -> dict[str, Any]:
        url = self.base_url()
        if key == "v2.0":
            return {"id": "v2.0", "status": "DEPRECATED", "version": "", "min_version": "",
                    "updated": "2025-07-04T12:00:00Z", "links": [{"rel": "self", "href": f"{url}/compute/v2/"}]}
        return {"id": "v2.1", "status": "CURRENT", "version": str(self.max_version),
                "min_version": str(MIN_VERSION), "updated": "2013-07-23T11:33:21Z",
                "links": [{"rel": "self", "href": f"{url}/compute/v2.1/"}]}

    def versions(self, req: Request) -> Reply:
        """``GET /`` of the compute endpoint (versions-get-resp.json): not microversioned."""
        return Reply(200, {"versions": [self._version("v2.0"), self._version("v2.1")]})

    def version_doc(self, req: Request, v: APIVersion) -> Reply:
        """``GET /v2.1/`` (v21-version-get-resp.json)."""
        doc = self._version("v2.1")
        doc["links"].append({"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"})
        doc["media-types"] = [{"base": "application/json",
                               "type": "application/vnd.openstack.compute+json;version=2.1"}]
        return Reply(200, {"version": doc})

    # -- servers (views/servers.py) -----------------------------------------------------------

    def _links(self, kind: str, ident: str) -> list[dict[str, str]]:
        url = self.base_url()
        return [{"rel": "self", "href": f"{url}/compute/v2.1/{kind}/{ident}"},
                {"rel": "bookmark", "href": f"{url}/compute/{kind}/{ident}"}]

    def _server(self, server_id: str) -> FakeServer:
        server = self.state.servers.get(server_id)
        if server is None or server.deleted:
            raise ApiError(404, f"Instance {server_id} could not be found.")
        return server

    def server_json(self, server: FakeServer, v: APIVersion, *, detail: bool = True,
                    show: bool = False) -> dict[str, Any]:
        """A server as Nova shows it at *v* to a project member (``detail=False``: id, name, links;
        ``show``: GET /servers/{id}, which alone has ``server_groups`` from 2.71)."""
        if server.down_cell:
            return self._down_cell_json(server, show)
        brief = {"id": server.id, "name": server.name, "links": self._links("servers", server.id)}
        if not detail:
            return brief
        flavor = self.state.flavors[server.flavor_id]
        status = "DELETED" if server.deleted else server.status
        mac = "fa:16:3e:" + ":".join(f"{b:02x}" for b in hashlib.md5(server.id.encode(), usedforsecurity=False).digest()[:3])
        addresses = ({server.network: [{"OS-EXT-IPS-MAC:mac_addr": mac, "version": 4, "addr": server.ip,
                                        "OS-EXT-IPS:type": "fixed"}]}
                     if server.ip and server.network and status != "BUILD" else {})
        image = {"id": server.image_id, "links": self._links("images", server.image_id)[1:]}
        if v >= _v("2.98"):
            image["properties"] = {}
        body: dict[str, Any] = brief | {
            "accessIPv4": "", "accessIPv6": "", "addresses": addresses,
            "created": iso(server.created), "flavor": self._server_flavor(flavor, v),
            "hostId": "" if server.ip is None else self.state.host_id, "image": image,
            "metadata": dict(server.metadata), "status": status, "tenant_id": self.state.project_id,
            "user_id": self.state.user_id, "updated": iso(server.updated), "OS-DCF:diskConfig": "MANUAL",
        }
        if status in ("ERROR", "DELETED") and server.fault:
            body["fault"] = {"code": 500, "created": iso(server.updated), "message": server.fault}
        if status in PROGRESS_STATUSES:
            body["progress"] = 0
        body |= {
            "OS-EXT-AZ:availability_zone": "nova", "config_drive": "", "key_name": server.key_name,
            "OS-SRV-USG:launched_at": None if status == "BUILD" else _nova_time(server.created),
            "OS-SRV-USG:terminated_at": _nova_time(server.updated) if server.deleted else None,
            "security_groups": [{"name": "default"}],
            "OS-EXT-STS:task_state": "spawning" if status == "BUILD" else None,
            "OS-EXT-STS:vm_state": VM_STATES.get(status, status.lower()),
            "OS-EXT-STS:power_state": 1 if status == "ACTIVE" else 0,
            "os-extended-volumes:volumes_attached": [],
        }
        gated: list[tuple[str, str, Any]] = [
            ("2.9", "locked", server.locked), ("2.19", "description", None), ("2.26", "tags", []),
            ("2.63", "trusted_image_certificates", None), ("2.71", "server_groups", []),
            ("2.73", "locked_reason", server.locked_reason), ("2.90", "OS-EXT-SRV-ATTR:hostname", _hostname(server)),
            ("2.96", "pinned_availability_zone", None), ("2.100", "scheduler_hints", {}),
        ]
        for since, key, value in gated:
            if v >= _v(since) and (show or key != "server_groups"):
                body[key] = value
        return body

    def _down_cell_json(self, server: FakeServer, show: bool) -> dict[str, Any]:
        """A server whose cell is down, from 2.69 (servers/v2.69/servers-details-resp.json and
        server-get-resp.json): its status UNKNOWN, what the API database still knows, no name."""
        body: dict[str, Any] = {"id": server.id, "status": "UNKNOWN", "created": iso(server.created),
                                "tenant_id": self.state.project_id, "links": self._links("servers", server.id)}
        if show:
            flavor = self.state.flavors[server.flavor_id]
            body |= {"OS-EXT-AZ:availability_zone": "UNKNOWN", "OS-EXT-STS:power_state": 0,
                     "flavor": self._server_flavor(flavor, _v("2.69")), "user_id": self.state.user_id,
                     "image": {"id": server.image_id, "links": self._links("images", server.image_id)[1:]}}
        return body

    def _server_flavor(self, flavor: FakeFlavor, v: APIVersion) -> dict[str, Any]:
        if v < _v("2.47"):
            return {"id": flavor.id, "links": self._links("flavors", flavor.id)[1:]}
        return {"vcpus": flavor.vcpus, "ram": flavor.ram_mb, "disk": flavor.disk_gb, "ephemeral": 0, "swap": 0,
                "original_name": flavor.name, "extra_specs": flavor.extra_specs()}

    def list_servers(self, req: Request, v: APIVersion, detail: str | None) -> Reply:
        servers: list[FakeServer] = list(self.state.servers.values())
        if (since := req.arg("changes-since")) is not None:
            moment = parse_time(since, "changes-since")
            servers = [s for s in servers if s.updated >= moment]
        else:
            servers = [s for s in servers if not s.deleted]
        if (status := req.arg("status")) is not None:
            servers = [s for s in servers if ("DELETED" if s.deleted else s.status) == status.upper()]
        if v < _v("2.69"):  # older clients never see the servers of a down cell
            servers = [s for s in servers if not s.down_cell]
        if (name := req.arg("name")) is not None:
            pattern = re.compile(name)
            servers = [s for s in servers if pattern.search(s.name)]
        servers.sort(key=lambda s: (s.created, s.id), reverse=True)
        return self._page(req, "servers", servers, lambda s: self.server_json(s, v, detail=detail is not None))

    def _page(self, req: Request, key: str, items: Sequence[T], to_json: Callable[[T], Any]) -> Reply:
        """One page of a Nova collection, with a ``{key}_links`` next link when the page is full."""
        page, marker = paginate(items, req, MAX_LIMIT)
        body: dict[str, Any] = {key: [to_json(item) for item in page]}
        if marker is not None:
            href = f"{self.base_url()}{req.path}?{next_query(req, marker)}"
            body[f"{key}_links"] = [{"rel": "next", "href": href}]
        return Reply(200, body)

    def show_server(self, req: Request, v: APIVersion, server_id: str) -> Reply:
        return Reply(200, {"server": self.server_json(self._server(server_id), v, show=True)})

    def delete_server(self, req: Request, v: APIVersion, server_id: str) -> Reply:
        server = self._server(server_id)
        if server.locked:
            raise ApiError(409, f"Instance {server_id} is locked")
        self.state.delete_server(server_id)
        return Reply(204)

    def server_action(self, req: Request, v: APIVersion, server_id: str) -> Reply:
        """``lock`` (with ``locked_reason`` from 2.73) and ``unlock``; any other action is refused."""
        body = req.json()
        if not isinstance(body, dict) or len(body) != 1:
            raise ApiError(400, "Malformed request body")
        action, arg = next(iter(body.items()))
        if action not in ("lock", "unlock"):
            raise ApiError(400, f"There is no such action: {action}")
        if arg is not None and not (action == "lock" and v >= _v("2.73") and isinstance(arg, dict)):
            raise _invalid(action, arg, f"{arg!r} is not of type 'null'")
        server = self._server(server_id)
        server.locked = action == "lock"
        server.locked_reason = (arg or {}).get("locked_reason") if server.locked else None
        return Reply(202)

    def create_server(self, req: Request, v: APIVersion) -> Reply:
        """POST /servers with Nova's checks, in Nova's order: schema, imageRef, flavor, image,
        networks, key pair, quota."""
        body = req.json()
        spec = body.get("server") if isinstance(body, dict) else None
        if not isinstance(spec, dict):
            raise _invalid("server", spec, f"{spec!r} is not of type 'object'")
        state = self.state
        name = _check_name(spec["name"]) if "name" in spec else None
        networks = spec.get("networks")
        if "networks" in spec:
            self._check_networks_schema(networks, v)
        if "key_name" in spec and not isinstance(spec["key_name"], str | None):
            raise _invalid("key_name", spec["key_name"], f"{spec['key_name']!r} is not of type 'string', 'null'")
        required = ["name", "flavorRef"] + (["networks"] if v >= _v("2.37") else [])
        if missing := next((key for key in required if key not in spec), None):
            raise _invalid("server", spec, f"'{missing}' is a required property")
        if not spec.get("imageRef"):
            raise ApiError(400, "Missing imageRef attribute")
        if (flavor := state.flavors.get(ref_id(spec["flavorRef"]))) is None:
            raise ApiError(400, f"Flavor {ref_id(spec['flavorRef'])} could not be found.")
        if (image_id := ref_id(spec["imageRef"])) not in state.images:
            raise ApiError(400, "Can not find requested image")
        network = self._pick_network(networks)
        if (key_name := spec.get("key_name")) is not None and key_name not in state.keypairs:
            raise ApiError(400, "Invalid key_name provided.")
        cores, ram, instances = state.usage()
        for resource, requested, used, quota in (("cores", flavor.vcpus, cores, state.quota_cores),
                                                 ("ram", flavor.ram_mb, ram, state.quota_ram_mb),
                                                 ("instances", 1, instances, state.quota_instances)):
            if quota != -1 and used + requested > quota:  # -1: no limit
                raise ApiError(403, f"Quota exceeded for {resource}: Requested {requested}, "
                                    f"but already used {used} of {quota} {resource}")
        server = state.add_server(name=str(name), flavor_id=flavor.id, image_id=image_id,
                                  metadata={str(k): str(x) for k, x in (spec.get("metadata") or {}).items()},
                                  key_name=key_name, network=network)
        links = self._links("servers", server.id)
        return Reply(202, {"server": {
            "id": server.id, "links": links, "OS-DCF:diskConfig": "MANUAL",
            "security_groups": [{"name": "default"}], "adminPass": secrets.token_urlsafe(9),
        }}, headers={"Location": links[0]["href"]})

    @staticmethod
    def _check_networks_schema(networks: Any, v: APIVersion) -> None:
        if isinstance(networks, str) and v >= _v("2.37") and networks in ("auto", "none"):
            return
        if not isinstance(networks, list):
            raise _invalid("networks", networks, f"{networks!r} is not valid under any of the given schemas")
        for entry in networks:
            if not isinstance(entry, dict):
                raise _invalid("networks", entry, f"{entry!r} is not of type 'object'")
            if "uuid" in entry and not _is_uuid(entry["uuid"]):
                raise _invalid("uuid", entry["uuid"], f"{entry['uuid']!r} is not a 'uuid'")

    def _pick_network(self, networks: Any) -> str | None:
        """The name of the network the server goes on (None: ``"none"``), or Nova's refusal."""
        available = self.state.networks
        if networks == "none":
            return None
        if networks in (None, [], "auto"):
            if len(available) > 1:
                raise ApiError(409, AMBIGUOUS)
            return next((n.name for n in available.values()), None)
        wanted = [str(entry["uuid"]) for entry in networks if "uuid" in entry]
        if lost := [ident for ident in wanted if ident not in available]:
            raise ApiError(400, f"Network {', '.join(lost)} could not be found.")
        return available[wanted[0]].name if wanted else None

    # -- flavors (views/flavors.py) -------------------------------------------------------------

    def flavor_json(self, flavor: FakeFlavor, v: APIVersion, detail: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {"id": flavor.id, "name": flavor.name, "links": self._links("flavors", flavor.id)}
        if detail:
            body |= {"ram": flavor.ram_mb, "disk": flavor.disk_gb, "swap": 0 if v >= _v("2.75") else "",
                     "OS-FLV-EXT-DATA:ephemeral": 0, "vcpus": flavor.vcpus, "os-flavor-access:is_public": True}
            if v < _v("2.102"):
                body |= {"OS-FLV-DISABLED:disabled": False, "rxtx_factor": 1.0}
        if v >= _v("2.55"):
            body["description"] = None
        if detail and v >= _v("2.61"):
            body["extra_specs"] = flavor.extra_specs()
        return body

    def list_flavors(self, req: Request, v: APIVersion, detail: str | None) -> Reply:
        flavors = list(self.state.flavors.values())
        return self._page(req, "flavors", flavors, lambda f: self.flavor_json(f, v, detail is not None))

    def _flavor(self, flavor_id: str) -> FakeFlavor:
        if (flavor := self.state.flavors.get(flavor_id)) is None:
            raise ApiError(404, f"Flavor {flavor_id} could not be found.")
        return flavor

    def show_flavor(self, req: Request, v: APIVersion, flavor_id: str) -> Reply:
        return Reply(200, {"flavor": self.flavor_json(self._flavor(flavor_id), v)})

    def flavor_extra_specs(self, req: Request, v: APIVersion, flavor_id: str) -> Reply:
        return Reply(200, {"extra_specs": self._flavor(flavor_id).extra_specs()})

    # -- limits, quotas, usage (limits/ and os-quota-sets/ samples) -------------------------------

    def limits(self, req: Request, v: APIVersion) -> Reply:
        state = self.state
        cores, ram, instances = state.usage()
        absolute: dict[str, int] = {
            "maxServerMeta": FIXED_QUOTAS["metadata_items"], "maxTotalCores": state.quota_cores,
            "maxTotalInstances": state.quota_instances, "maxTotalKeypairs": FIXED_QUOTAS["key_pairs"],
            "maxTotalRAMSize": state.quota_ram_mb, "maxServerGroups": FIXED_QUOTAS["server_groups"],
            "maxServerGroupMembers": FIXED_QUOTAS["server_group_members"], "totalCoresUsed": cores,
            "totalInstancesUsed": instances, "totalRAMUsed": ram, "totalServerGroupsUsed": 0}
        if v < _v("2.57"):
            absolute |= {"maxPersonality": 5, "maxPersonalitySize": 10240}
        if v < _v("2.39"):
            absolute["maxImageMeta"] = 128
        if v < _v("2.36"):
            absolute |= {"maxSecurityGroupRules": -1, "maxSecurityGroups": -1, "maxTotalFloatingIps": -1,
                         "totalSecurityGroupsUsed": 0, "totalFloatingIpsUsed": 0}
        return Reply(200, {"limits": {"absolute": absolute, "rate": []}})

    def _quotas(self, v: APIVersion) -> dict[str, tuple[int, int]]:
        """Nova quota name -> (limit, in use)."""
        state = self.state
        cores, ram, instances = state.usage()
        quotas = {"cores": (state.quota_cores, cores), "ram": (state.quota_ram_mb, ram),
                  "instances": (state.quota_instances, instances)} | {
                      name: (limit, len(state.keypairs) if name == "key_pairs" else 0)
                      for name, limit in FIXED_QUOTAS.items()}
        if v < _v("2.57"):
            quotas |= {"injected_files": (5, 0), "injected_file_content_bytes": (10240, 0),
                       "injected_file_path_bytes": (255, 0)}
        if v < _v("2.36"):
            quotas |= {name: (-1, 0) for name in ("fixed_ips", "floating_ips", "security_groups",
                                                   "security_group_rules")}
        return quotas

    def quota_set(self, req: Request, v: APIVersion, project_id: str, detail: str | None) -> Reply:
        if project_id not in (self.state.project_id, self.state.project_name):
            raise ApiError(403, f"Policy doesn't allow os_compute_api:os-quota-sets:show "
                                f"to be performed on project {project_id}.")
        values = {name: {"limit": limit, "in_use": used, "reserved": 0} if detail else limit
                  for name, (limit, used) in self._quotas(v).items()}
        return Reply(200, {"quota_set": {"id": project_id} | values})

    def tenant_usage(self, req: Request, v: APIVersion, project_id: str) -> Reply:
        state = self.state
        now = state.now()
        start = parse_time(arg, "start") if (arg := req.arg("start")) else datetime.min.replace(tzinfo=now.tzinfo)
        end = min(parse_time(arg, "end"), now) if (arg := req.arg("end")) else now
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

    # -- key pairs (os-keypairs/ samples, keypairs.py) ------------------------------------------

    def _keypair_json(self, pair: FakeKeypair, v: APIVersion, fields: Sequence[str]) -> dict[str, Any]:
        every = {"name": pair.name, "public_key": pair.public_key, "fingerprint": pair.fingerprint,
                 "user_id": self.state.user_id, "created_at": _nova_time(pair.created), "deleted": False,
                 "deleted_at": None, "id": pair.id, "updated_at": None, "type": pair.type}
        return {key: every[key] for key in (*fields, *(("type",) if v >= _v("2.2") else ()))}

    def _keypair(self, name: str) -> FakeKeypair:
        if (pair := self.state.keypairs.get(name)) is None:
            raise ApiError(404, f"Keypair {name} not found for user {self.state.user_id}")
        return pair

    def list_keypairs(self, req: Request, v: APIVersion) -> Reply:
        pairs = sorted(self.state.keypairs.values(), key=lambda p: p.name)
        fields = ("name", "public_key", "fingerprint")
        return Reply(200, {"keypairs": [{"keypair": self._keypair_json(p, v, fields)} for p in pairs]})

    def show_keypair(self, req: Request, v: APIVersion, name: str) -> Reply:
        fields = ("name", "public_key", "fingerprint", "user_id", "created_at", "deleted", "deleted_at", "id",
                  "updated_at")
        return Reply(200, {"keypair": self._keypair_json(self._keypair(name), v, fields)})

    def delete_keypair(self, req: Request, v: APIVersion, name: str) -> Reply:
        del self.state.keypairs[self._keypair(name).name]
        return Reply(204 if v >= _v("2.2") else 202)

    def create_keypair(self, req: Request, v: APIVersion) -> Reply:
        """Import (``public_key``) or, below 2.92, generate a key pair: 201 from 2.2, 200 before."""
        body = req.json()
        spec = body.get("keypair") if isinstance(body, dict) else None
        if not isinstance(spec, dict):
            raise _invalid("keypair", spec, f"{spec!r} is not of type 'object'")
        required = ("name", "public_key") if v >= _v("2.92") else ("name",)
        if missing := next((key for key in required if key not in spec), None):
            raise _invalid("keypair", spec, f"'{missing}' is a required property")
        name = _check_name(spec["name"])
        if v >= _v("2.92") and not KEYPAIR_NAME_V292.match(name):
            raise _invalid("name", name, f"{name!r} does not match '{KEYPAIR_NAME_V292.pattern}'")
        if name in self.state.keypairs:
            raise ApiError(409, f"Key pair '{name}' already exists.")
        if len(self.state.keypairs) >= FIXED_QUOTAS["key_pairs"]:
            raise ApiError(403, "Quota exceeded, too many key pairs.")
        private = None
        if "public_key" in spec:
            public = str(spec["public_key"])
        else:
            public, private = _generate_keypair()
        pair = FakeKeypair(name, public, fingerprint(public), self.state.now(), str(spec.get("type", "ssh")),
                           id=max((p.id for p in self.state.keypairs.values()), default=0) + 1)
        self.state.keypairs[name] = pair
        reply = self._keypair_json(pair, v, ("name", "public_key", "fingerprint", "user_id"))
        if private is not None:
            reply["private_key"] = private
        return Reply(201 if v >= _v("2.2") else 200, {"keypair": reply})


def _hostname(server: FakeServer) -> str:
    """The guest hostname Nova derives from the display name (sanitised)."""
    return re.sub(r"[^a-z0-9-]+", "-", server.name.lower()).strip("-")[:63] or f"server-{server.id}"
