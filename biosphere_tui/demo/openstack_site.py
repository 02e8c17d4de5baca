"""A fake OpenStack site: Keystone v3, Nova v2.1, Glance v2 and a little Neutron behind one listener.

Enough of the real APIs, answering as the real services do, for openstacksdk/keystoneauth and
the ``openstack`` CLI to work unmodified: Keystone's version documents, login by password or
application credential with a service catalog (identity, compute, image, network), token
validation; Nova at the request's microversion (`nova.Nova`); Glance images; Neutron's network
list. Every reply carries a request id; errors come in each service's own body.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from .httpserver import BadRequest, DemoHTTPService, Reply, Request
from .nova import DEFAULT_MAX_VERSION, Nova
from .openstack_protocol import (
    ApiError,
    APIVersion,
    keystone_error,
    negotiate,
    neutron_error,
    next_query,
    nova_fault,
    paginate,
    request_ids,
    with_version,
)
from .site_state import NETWORK, FakeFlavor, FakeImage, FakeNetwork, FakeServer, SiteState, iso

__all__ = ["NETWORK", "FakeFlavor", "FakeImage", "FakeServer", "OpenStackSite", "SiteState", "iso"]

GLANCE_DEFAULT_LIMIT = 25
TOKEN_LIFETIME = timedelta(hours=12)
RATE_WINDOW = 60  # seconds: the window of the rate limiter in front of Nova (the http429 fault)
NOVA = "/compute/v2.1"
Handler = Callable[..., Reply]
# route kinds: how a route is authenticated and answered
PUBLIC, IDENTITY, COMPUTE, IMAGE, NETWORK_API = "public", "identity", "compute", "image", "network"


class OpenStackSite:
    """A SiteState served by one DemoHTTPService: Keystone v3 + Nova v2.1 + Glance v2 + Neutron v2.0.

    ``max_microversion`` caps the compute API (``"2.90"`` answers like Yoga, ``"2.95"`` like
    Antelope); a request above it gets Nova's 406.
    """

    def __init__(self, state: SiteState, port: int = 0, *, max_microversion: str | None = None) -> None:
        self.state = state
        self.service = DemoHTTPService(state.site_id, self._route, port=port, fault_reply=self._fault_reply)
        self.nova = Nova(state, lambda: self.service.url,
                         APIVersion.parse(max_microversion) if max_microversion else DEFAULT_MAX_VERSION)
        self._tokens: dict[str, tuple[int, dict[str, Any]]] = {}  # token -> (monotonic ns at issue, body)
        routes: list[tuple[str, str, Handler, str]] = [  # method, path regex, handler, kind
            ("GET", r"/", self._identity_versions, PUBLIC),
            ("GET", r"/v3", self._identity_version, PUBLIC),
            ("POST", r"/v3/auth/tokens", self._login, PUBLIC),
            ("GET", r"/v3/auth/tokens", self._validate_token, IDENTITY),
            ("HEAD", r"/v3/auth/tokens", self._validate_token, IDENTITY),
            ("GET", r"/compute", self.nova.versions, PUBLIC),
            *((method, NOVA + path, handler, COMPUTE if path else PUBLIC)  # /v2.1/ itself needs no token
              for method, path, handler in self.nova.routes()),
            ("GET", r"/image", self._image_versions, PUBLIC),
            ("GET", r"/image/v2/images", self._list_images, IMAGE),
            ("GET", r"/image/v2/images/([^/]+)", self._show_image, IMAGE),
            ("GET", r"/network", self._network_versions, PUBLIC),
            ("GET", r"/network/v2\.0/networks", self._list_networks, NETWORK_API),
            ("GET", r"/network/v2\.0/networks/([^/]+)", self._show_network, NETWORK_API),
        ]
        self._routes = [(method, re.compile(path), handler, kind) for method, path, handler, kind in routes]

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
        reply = self._dispatch(req, path)
        if path == "/compute":  # Nova's version root has no request-id middleware
            return reply
        return request_ids(reply, compute=path.startswith(NOVA))

    def _dispatch(self, req: Request, path: str) -> Reply:
        known = False
        for method, pattern, handler, kind in self._routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            known = True
            if method != req.method:
                continue
            if kind != PUBLIC and not self._token_valid(req.headers.get("X-Auth-Token")):
                return self._unauthorized()
            if not path.startswith(NOVA):
                return self._call(handler, req, match.groups(), kind)
            version = negotiate(req.headers, self.nova.max_version)
            if isinstance(version, Reply):
                return version
            return with_version(self._call(handler, req, (version, *match.groups()), COMPUTE), version)
        if path.startswith(NOVA):
            return nova_fault(405 if known else 404,
                              "Method not allowed." if known else "The resource could not be found.")
        if known:
            return keystone_error(405, f"{req.method} is not allowed on {req.path}")
        return keystone_error(404, f"No route for {req.path}")

    def _call(self, handler: Handler, req: Request, args: tuple[Any, ...], kind: str) -> Reply:
        """The handler's reply, or its failure in the service's own error body."""
        try:
            with self.state.lock:
                return handler(req, *args)
        except BadRequest as exc:
            status, message = 400, str(exc)
        except ApiError as exc:
            status, message = exc.status, str(exc)
        if kind == COMPUTE:
            return nova_fault(status, message)
        if kind == NETWORK_API:
            return neutron_error(status, "NetworkNotFound" if status == 404 else "HTTPBadRequest", message)
        return keystone_error(status, message)

    def _token_valid(self, token: str | None) -> bool:
        issued = self._tokens.get(token or "")
        fault = self.service.fault
        if issued is None or fault == "revoked_token":
            return False
        return not (fault == "expired_token" and issued[0] < self.service.fault_since)

    def _unauthorized(self, message: str = "The request you have made requires authentication.") -> Reply:
        reply = keystone_error(401, message)
        reply.headers["WWW-Authenticate"] = f'Keystone uri="{self.service.url}"'
        return reply

    def _fault_reply(self, req: Request, fault: str) -> Reply | None:
        """Nova's own bodies for the generic faults on the compute API (others: the generic reply)."""
        if not req.path.startswith(NOVA):
            return None
        match fault:
            case "http429":
                elapsed = (time.monotonic_ns() - self.service.fault_since) // 1_000_000_000
                wait = str(RATE_WINDOW - elapsed % RATE_WINDOW)
                reply = nova_fault(429, "This request was rate-limited.", **{"Retry-After": wait})
            case "http500":
                reply = nova_fault(500, "Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ "
                                        "and attach the Nova API log if possible.\n"
                                        "<class 'oslo_db.exception.DBConnectionError'>")
            case "http503":
                reply = nova_fault(503, "The server is currently unavailable. Please try again at a later time.")
            case "forbidden":
                reply = nova_fault(403, "Policy doesn't allow os_compute_api:servers:detail to be performed.")
            case _:
                return None
        return request_ids(reply, compute=True)

    # -- Keystone -----------------------------------------------------------------------

    def _v3_doc(self) -> dict[str, Any]:
        return {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
                "links": [{"rel": "self", "href": f"{self.auth_url}/"}],
                "media-types": [{"base": "application/json",
                                 "type": "application/vnd.openstack.identity-v3+json"}]}

    def _identity_versions(self, req: Request) -> Reply:
        """Keystone's root: 300 Multiple Choices with ``versions.values``."""
        return Reply(300, {"versions": {"values": [self._v3_doc()]}})

    def _identity_version(self, req: Request) -> Reply:
        return Reply(200, {"version": self._v3_doc()})

    def _login(self, req: Request) -> Reply:
        """``POST /v3/auth/tokens``: a password scoped to the project, or an application credential
        (by id, or by name and its user), which gets a token scoped to the credential's project."""
        try:
            auth = req.json()["auth"]
            methods = auth["identity"]["methods"]
        except (KeyError, TypeError):
            raise BadRequest("Expecting to find identity in auth.") from None
        if self.service.fault == "revoked_token":
            return self._unauthorized()
        if methods == ["application_credential"]:
            if "scope" in auth:
                return self._unauthorized("Application credentials cannot request a scope.")
            if not self._app_credential_valid(auth["identity"].get("application_credential")):
                return self._unauthorized()
            state = self.state
            extra = {"application_credential": {"id": state.app_credential_id, "name": state.app_credential_name,
                                                "restricted": True}}
        elif methods == ["password"]:
            try:
                user = auth["identity"]["password"]["user"]
                project = auth["scope"]["project"]
            except (KeyError, TypeError):
                raise BadRequest("Expecting password authentication scoped to a project") from None
            if not self._password_valid(user, project):
                return self._unauthorized()
            extra = {}
        else:
            return self._unauthorized(f"Attempted to authenticate with an unsupported method: {methods!r}.")
        return self._issue(methods, extra)

    def _password_valid(self, user: Any, project: Any) -> bool:
        state = self.state
        return (isinstance(user, dict) and isinstance(project, dict) and user.get("name") == state.username
                and user.get("password") == state.password
                and state.project_id == project.get("id", state.project_id)
                and state.project_name == project.get("name", state.project_name))

    def _app_credential_valid(self, cred: Any) -> bool:
        """By ``id``, or by ``name`` with its ``user`` (by id, or by name and domain); and the ``secret``."""
        state = self.state
        if not isinstance(cred, dict) or cred.get("secret") != state.app_credential_secret:
            return False
        if "id" in cred:
            return cred["id"] == state.app_credential_id
        user = cred.get("user")
        return (cred.get("name") == state.app_credential_name and isinstance(user, dict)
                and (user.get("id") == state.user_id or user.get("name") == state.username))

    def _issue(self, methods: list[str], extra: dict[str, Any]) -> Reply:
        state = self.state
        token = secrets.token_hex(16)
        # Token times are real wall-clock times: keystoneauth checks expiry against its own clock.
        issued = datetime.now(UTC)
        domain = {"id": "default", "name": "Default"}
        body = {"token": {
            "methods": methods,
            "user": {"id": state.user_id, "name": state.username, "domain": domain,
                     "password_expires_at": None},
            "audit_ids": [secrets.token_urlsafe(16)],
            "issued_at": issued.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "expires_at": (issued + TOKEN_LIFETIME).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "project": {"id": state.project_id, "name": state.project_name, "domain": domain},
            "is_domain": False,
            "roles": [{"id": "member-role", "name": "member"}, {"id": "reader-role", "name": "reader"}],
            "catalog": [self._catalog_entry("identity", "keystone", "", ("public", "internal", "admin")),
                        self._catalog_entry("compute", "nova", NOVA),
                        self._catalog_entry("image", "glance", "/image"),
                        self._catalog_entry("network", "neutron", "/network")],
            **extra,
        }}
        self._tokens[token] = (time.monotonic_ns(), body)
        return Reply(201, body, headers={"X-Subject-Token": token})

    def _validate_token(self, req: Request) -> Reply:
        """``GET /v3/auth/tokens`` with ``X-Subject-Token``: 200 and the token, 404 for an unknown one."""
        subject = req.headers.get("X-Subject-Token") or ""
        if not self._token_valid(subject):
            raise ApiError(404, f"Could not find token: {subject}.")
        body = self._tokens[subject][1]
        if req.arg("nocatalog") is not None:
            body = {"token": {k: v for k, v in body["token"].items() if k != "catalog"}}
        return Reply(200, body, headers={"X-Subject-Token": subject})

    def _catalog_entry(self, kind: str, name: str, path: str,
                       interfaces: tuple[str, ...] = ("public", "internal")) -> dict[str, Any]:
        url = f"{self.service.url}{path}"
        region = self.state.region
        return {"id": f"{name}-service", "type": kind, "name": name, "endpoints": [
            {"id": f"{name}-{interface}", "interface": interface, "region": region, "region_id": region,
             "url": url} for interface in interfaces]}

    # -- Neutron (the little the CLI needs to resolve --network) ------------------------------

    def _network_versions(self, req: Request) -> Reply:
        href = f"{self.service.url}/network/v2.0/"
        return Reply(200, {"versions": [{"id": "v2.0", "status": "CURRENT",
                                         "links": [{"rel": "self", "href": href}]}]})

    def _network_json(self, network: FakeNetwork) -> dict[str, Any]:
        created = iso(network.created)
        return {"id": network.id, "name": network.name, "status": "ACTIVE", "admin_state_up": True,
                "shared": False, "router:external": False, "subnets": [network.subnet_id], "mtu": 1450,
                "availability_zone_hints": [], "availability_zones": ["nova"], "description": "",
                "ipv4_address_scope": None, "ipv6_address_scope": None, "l2_adjacency": True,
                "port_security_enabled": True, "project_id": self.state.project_id, "qos_policy_id": None,
                "revision_number": 1, "tags": [], "tenant_id": self.state.project_id,
                "created_at": created, "updated_at": created}

    def _list_networks(self, req: Request) -> Reply:
        networks = list(self.state.networks.values())
        for key in ("id", "name"):
            if key in req.query:
                networks = [n for n in networks if getattr(n, key) in req.query[key]]
        return Reply(200, {"networks": [self._network_json(n) for n in networks]})

    def _show_network(self, req: Request, network_id: str) -> Reply:
        if (network := self.state.networks.get(network_id)) is None:
            raise ApiError(404, f"Network {network_id} could not be found.")
        return Reply(200, {"network": self._network_json(network)})

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
        page, marker = paginate(list(self.state.images.values()), req, GLANCE_DEFAULT_LIMIT)
        body: dict[str, Any] = {"images": [self._image_json(i) for i in page],
                                "first": "/v2/images", "schema": "/v2/schemas/images"}
        if marker is not None:
            body["next"] = f"/v2/images?{next_query(req, marker)}"
        return Reply(200, body)

    def _show_image(self, req: Request, image_id: str) -> Reply:
        if (image := self.state.images.get(image_id)) is None:
            raise ApiError(404, f"No image found with ID {image_id}")
        return Reply(200, self._image_json(image))
