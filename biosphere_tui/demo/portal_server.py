"""The fake Biosphère portal: the JSON API of the contract (docs/portal-api.yaml) over a `World`.

One bearer token stands for the demo user. New deployments get their server from the
chosen site the way the real orchestrator does: a Keystone login with the portal's
credentials, then ``POST /servers`` on Nova, over HTTP on 127.0.0.1 (`NovaClient`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from .contract import CATEGORIES, FUNDINGS, GROUP_REQUEST_MAXIMUM, DeploymentState, RequestState, Role
from .httpserver import BadRequest, DemoHTTPService, Reply, Request, Routes, error_reply
from .openstack_site import OpenStackSite, iso
from .records import Appliance, DemoSite, Deployment, Group, Member, MembershipRequest, Quota, UsageDay, WorldError
from .world import World

T = TypeVar("T")
API = "/api/v1"
DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 500
MAX_PAGE = 2**31 - 1  # int32, as the contract says
NOVA_TIMEOUT = 3.0
MAX_TAGS = 1000  # validators remembered (one per list and query); past it they are forgotten at once
# The input rules of the contract (docs/portal-api.yaml), as anchored regexes.
DEPLOYMENT_NAME = re.compile(r"\A[a-z][a-z0-9-]{2,39}\Z")
GROUP_NAME = re.compile(r"\A[a-z][a-z0-9-]{2,29}\Z")
# JSON Schema patterns are ECMA-262 regexes: their \s is not Python's (it has U+FEFF, not U+001C-1F or U+0085).
NOT_BLANK = re.compile("[^\t\n\v\f\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]")
NOT_EMPTY = re.compile(r".", re.DOTALL)
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z")  # UTC, as in the contract
INTEGER = re.compile(r"[0-9]+")
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
SCOPES = ("mine", "group")
REQUEST_STATES = tuple(s.value for s in RequestState)
IDEMPOTENCY_KEY = "Idempotency-Key"
STATUS = {"unauthorized": 401, "forbidden": 403, "not_found": 404, "conflict": 409, "invalid": 422,
          "quota_exceeded": 422, "no_capacity": 422, "site_unavailable": 503}
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# -- the orchestrator's OpenStack calls -----------------------------------------------


NOVA_MICROVERSION = "compute 2.37"  # the first with ``networks: "auto"``; without a version Nova serves 2.1


class NovaError(Exception):
    """A site's API could not do what the orchestrator asked (message in plain words)."""


class NovaClient:
    """The portal's account on one site: Keystone password login, then Nova create/delete."""

    def __init__(self, site: OpenStackSite) -> None:
        self._site = site
        self._session: tuple[str, str] | None = None  # token, compute endpoint
        self._lock = threading.Lock()

    def create_server(self, name: str, flavor_id: str, image_id: str, metadata: dict[str, str]) -> str:
        spec = {"name": name, "flavorRef": flavor_id, "imageRef": image_id, "metadata": metadata, "networks": "auto"}
        reply = self._call("POST", "/servers", {"server": spec})
        try:
            return str(reply["server"]["id"])
        except (KeyError, TypeError):
            raise NovaError("Nova's reply to the server creation had no server id") from None

    def delete_server(self, server_id: str) -> None:
        """Delete a server; one that is already gone is fine."""
        self._call("DELETE", f"/servers/{server_id}", missing_ok=True)

    def _call(self, method: str, path: str, body: Any = None, missing_ok: bool = False) -> Any:
        for attempt in (1, 2):
            token, compute = self._login()
            status, data, _ = self._http(method, compute + path, body,
                                         {"X-Auth-Token": token, "OpenStack-API-Version": NOVA_MICROVERSION})
            if status != 401 or attempt == 2:
                break
            with self._lock:
                self._session = None  # the token expired: log in again once
        if status == 404 and missing_ok:
            return None
        if status >= 400:
            raise NovaError(f"Nova refused the request (HTTP {status}): {_openstack_message(data)}")
        return data

    def _login(self) -> tuple[str, str]:
        with self._lock:
            if self._session is not None:
                return self._session
        state = self._site.state
        domain = {"name": "Default"}
        body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": state.username, "password": state.password, "domain": domain}}},
            "scope": {"project": {"name": state.project_name, "domain": domain}}}}
        status, data, headers = self._http("POST", f"{self._site.auth_url}/auth/tokens", body, {})
        token = headers.get("X-Subject-Token")
        if status != 201 or not token:
            raise NovaError(f"the site refused the portal's credentials (HTTP {status})")
        try:
            compute = next(e["url"] for s in data["token"]["catalog"] if s["type"] == "compute"
                           for e in s["endpoints"] if e["interface"] == "public")
        except (KeyError, TypeError, StopIteration):
            raise NovaError("the site's service catalog has no compute endpoint") from None
        with self._lock:
            self._session = (token, compute.rstrip("/"))
            return self._session

    def _http(self, method: str, url: str, body: Any, headers: dict[str, str]) -> tuple[int, Any, Mapping[str, str]]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method, headers={
            **headers, "Content-Type": "application/json", "Accept": "application/json"})
        try:
            with _NO_PROXY.open(request, timeout=NOVA_TIMEOUT) as response:
                status, raw, reply_headers = response.status, response.read(), response.headers
        except urllib.error.HTTPError as exc:
            status, raw, reply_headers = exc.code, exc.read(), exc.headers
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            what = "no answer" if isinstance(reason, TimeoutError) else f"cannot connect ({reason})"
            raise NovaError(f"the OpenStack API of {self._site.state.site_id} is unreachable: {what}") from None
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            raise NovaError(f"the site answered HTTP {status} with something that is not JSON") from None
        return status, parsed, reply_headers


def _openstack_message(data: Any) -> str:
    """The message inside a Nova or Keystone error body."""
    if isinstance(data, dict):
        for value in data.values():
            if isinstance(value, dict) and isinstance(message := value.get("message"), str):
                return message
    return "no details"


# -- JSON shapes of the contract --------------------------------------------------------


def _quota(q: Quota) -> dict[str, int]:
    return {"vcpu": q.vcpu, "ram_gb": q.ram_gb, "storage_gb": q.storage_gb}


def _group(g: Group) -> dict[str, Any]:
    return {"id": g.id, "name": g.name, "full_name": g.full_name, "kind": g.kind.value, "role": g.role.value,
            "quota": _quota(g.quota), "start_date": g.start_date.isoformat(), "end_date": g.end_date.isoformat(),
            "funding": g.funding, **({"used": _quota(g.used)} if g.used is not None else {})}


def _member(m: Member) -> dict[str, Any]:
    return {"username": m.username, "name": m.name, "email": m.email, "role": m.role.value,
            "joined": m.joined.isoformat(), "account_end": m.account_end.isoformat()}


def _request(r: MembershipRequest) -> dict[str, Any]:
    return {"id": r.id, "group_id": r.group_id, "username": r.username, "name": r.name, "email": r.email,
            "message": r.message, "created": iso(r.created), "state": r.state.value, "reason": r.reason}


def _appliance(a: Appliance) -> dict[str, Any]:
    return {"id": a.id, "name": a.name, "category": a.category, "os": a.os, "os_version": a.os_version,
            "summary": a.summary, "description": a.description, "version": a.version, "licence": a.licence,
            "contact": a.contact, "tools": [{"name": t.name, "version": t.version, "url": t.url} for t in a.tools],
            "topics": list(a.topics), "access": list(a.access),
            "developers": [{"name": d.name, "platform": d.platform} for d in a.developers],
            "min_resources": {"vcpu": a.min_vcpu, "ram_gb": a.min_ram_gb, "disk_gb": a.min_disk_gb},
            "docker": a.docker, "remote_desktop": a.remote_desktop, "multi_vm": a.multi_vm}


def _deployment(d: Deployment) -> dict[str, Any]:
    return {"id": d.id, "name": d.name, "appliance": {"id": d.appliance_id, "name": d.appliance_name},
            "group": d.group_id, "owner": d.owner, "site": d.site, "flavor": d.flavor, "state": d.state.value,
            "created": iso(d.created), "updated": iso(d.updated),
            "resources": {"vcpu": d.vcpu, "ram_gb": d.ram_gb, "disk_gb": d.disk_gb, "gpu": d.gpu},
            "server_id": d.server_id, "ip": d.ip, "access": [{"kind": a.kind, "url": a.url} for a in d.access],
            "parameters": [{"name": p.name, "value": p.value, "secret": p.secret} for p in d.parameters],
            "reason": d.reason, "last_activity": iso(d.last_activity) if d.last_activity else None}


def _usage(u: UsageDay) -> dict[str, Any]:
    return {"day": u.day.isoformat(), "group_id": u.group_id, "member": u.member, "site": u.site,
            "vm_hours": u.vm_hours, "vcpu_hours": u.vcpu_hours, "ram_gb_hours": u.ram_gb_hours,
            "disk_gb_hours": u.disk_gb_hours, "gpu_hours": u.gpu_hours}


# -- request parsing ------------------------------------------------------------------
#
# The contract's input rules, checked exactly as docs/portal-api.yaml states them: a value
# the document accepts is never refused for its shape here, and one it refuses is a 422
# ``invalid`` naming the field (a body that is not a JSON object is a 400 ``bad_request``).


def _body(req: Request) -> dict[str, Any]:
    """The JSON object of the body ({} when empty); BadRequest (400) for anything else."""
    if not req.body.strip():
        return {}
    body = req.json()
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    return body


def _string(body: dict[str, Any], name: str, rule: re.Pattern[str] | None = None, what: str = "a string") -> str:
    """Required string *name* of *body*, matching *rule* when given (``search`` semantics, as JSON Schema)."""
    value = body.get(name)
    if not isinstance(value, str) or (rule is not None and rule.search(value) is None):
        raise WorldError("invalid", f"{name} must be {what}.", name)
    return value


def _count(body: dict[str, Any], name: str, maximum: int) -> int:
    """Required integer from 1 to *maximum* (JSON Schema integers include 8.0)."""
    value = body.get(name)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= maximum:
        raise WorldError("invalid", f"{name} must be an integer from 1 to {maximum}.", name)
    return value


def _date(text: str, name: str) -> date:
    """A ``YYYY-MM-DD`` date (RFC 3339 full-date); invalid otherwise."""
    try:
        if DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise WorldError("invalid", f"{name} must be a date (YYYY-MM-DD).", name)


def _query(req: Request, name: str, choices: Sequence[str] | None = None) -> str | None:
    """Query parameter *name* (None when absent), one of *choices* when given."""
    value = req.arg(name)
    if value is not None and choices is not None and value not in choices:
        raise WorldError("invalid", f"{name} must be one of {', '.join(choices)}.", name)
    return value


def _query_date(req: Request, name: str) -> date | None:
    value = req.arg(name)
    return None if value is None else _date(value, name)


def _query_time(req: Request, name: str) -> datetime | None:
    """A date-time query parameter, in UTC with a ``Z`` (the contract's form); invalid otherwise."""
    value = req.arg(name)
    if value is None:
        return None
    try:
        if DATE_TIME.fullmatch(value):
            return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)
    except ValueError:
        pass
    raise WorldError("invalid", f"{name} must be a date and time in UTC (YYYY-MM-DDTHH:MM:SSZ).", name)


def _number(req: Request, name: str, default: int, maximum: int) -> int:
    """An integer query parameter (decimal digits) between 1 and *maximum*; absent means *default*."""
    raw = req.arg(name)
    if raw is None:
        return default
    digits = raw.lstrip("0") if INTEGER.fullmatch(raw) else ""
    value = int(digits) if digits and len(digits) <= len(str(maximum)) else 0
    if not 1 <= value <= maximum:
        raise WorldError("invalid", f"{name} must be an integer from 1 to {maximum}.", name)
    return value


def _paging(req: Request) -> tuple[int, int]:
    """The page and per_page of a paged list (checked before anything is looked up)."""
    return _number(req, "page", 1, MAX_PAGE), _number(req, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)


def _paged(paging: tuple[int, int], items: Sequence[T], encode: Callable[[T], dict[str, Any]], etag: str,
           next_since: datetime | None = None) -> Reply:
    """One page of *items*, in the contract's envelope. The first page carries the list's ``etag``
    (`Portal._etag`, taken before *items*): a validator of the whole list (every page). A list that
    takes ``since`` gives ``next_since``: the time of the last change before it was read."""
    page, per_page = paging
    start = (page - 1) * per_page
    chunk = items[start:start + per_page]
    reply = Reply(200, {"items": [encode(item) for item in chunk], "page": page, "per_page": per_page,
                        "total": len(items), "next_page": page + 1 if start + per_page < len(items) else None,
                        **({"next_since": iso(next_since)} if next_since is not None else {})})
    if page == 1:
        reply.headers["ETag"] = etag
    return reply


def _tag(data: bytes) -> str:
    """A strong entity tag for *data*."""
    return f'"{hashlib.blake2b(data, digest_size=12).hexdigest()}"'


def _tagged(reply: Reply) -> Reply:
    """*reply* with the ``ETag`` of its body."""
    reply.headers["ETag"] = _tag(reply.encode())
    return reply


def _matches(asked: str, tag: str) -> bool:
    """Whether an ``If-None-Match`` value names *tag* (weak comparison, as RFC 9110 wants for it)."""
    return any(t.strip() in ("*", tag, f"W/{tag}") for t in asked.split(","))


def _error(exc: WorldError) -> Reply:
    reply = error_reply(STATUS[exc.code], exc.code, exc.message)
    if exc.field is not None:
        reply.body["error"]["field"] = exc.field
    return reply


# -- the portal -----------------------------------------------------------------------


class Portal:
    """The portal's router over a world, served by one `DemoHTTPService`.

    Checks come in one order on every endpoint: 401 (token), 400/422 for the request's own
    shape (body, query, headers), 404 for what the path names, 403 for the user's role,
    then the world's own refusals (409, 422 ``quota_exceeded``...).
    """

    def __init__(self, world: World, token: str, sites: Mapping[str, OpenStackSite], port: int = 0,
                 etag_salt: str | None = None) -> None:
        """``etag_salt``: what the ETags of lists are salted with; None (a random one): a restarted demo,
        whose counters start again, never validates an earlier run's ETags. Demos that all start from the
        same seeded state may share one (the tests' pristine demos do: a cache filled from one is valid
        for the next)."""
        self.world = world
        self.token = token
        self.service = DemoHTTPService("portal", self.route, port=port)
        self._nova = {site_id: NovaClient(site) for site_id, site in sites.items()}
        # (username, Idempotency-Key) -> (the request's fields, the deployment id it created)
        self._keys: dict[tuple[str, str], tuple[dict[str, str], str]] = {}
        self._keys_lock = threading.Lock()
        # a GET's path and query (paging aside) -> (the world's version and time, the ETag then)
        self._tags: dict[str, tuple[object, str]] = {}
        self.etag_salt = etag_salt or secrets.token_hex(8)
        groups = r"/cloudweb_account/groups"
        gid = r"/cloudweb_account/groups/([^/]+)"
        self._routes = Routes([
            ("GET", r"/me", self._me),
            ("GET", groups, self._groups),
            ("POST", groups, self._request_group),
            ("GET", rf"{groups}/directory", self._directory),
            ("POST", rf"{gid}/join", self._join),
            ("GET", rf"{gid}/members", self._members),
            ("GET", rf"{gid}/requests", self._requests),
            ("POST", rf"{gid}/requests/([^/]+)/(approve|reject)", self._decide),
            ("GET", rf"{gid}/consumption", self._consumption),
            ("GET", r"/catalogue", self._catalogue),
            ("GET", r"/catalogue/([^/]+)", self._appliance),
            ("GET", r"/cloud/system_status", self._system_status),
            ("GET", r"/monitor/deployments", self._deployments),
            ("POST", r"/monitor/deployments", self._create),
            ("GET", r"/monitor/deployments/([^/]+)", self._deployment),
            ("DELETE", r"/monitor/deployments/([^/]+)", self._delete),
        ])

    @property
    def url(self) -> str:
        return f"{self.service.url}{API}"

    @property
    def username(self) -> str:
        return self.world.user.username

    def route(self, req: Request) -> Reply:
        if not req.path.startswith(f"{API}/"):
            return error_reply(404, "not_found", f"No such path: {req.path}")
        if not self._authorised(req):
            return error_reply(401, "unauthorized", "Missing, unknown or expired token.")
        self.world.tick()
        found = self._routes.find(req.method, req.path[len(API):].rstrip("/"), req.path)
        if isinstance(found, Reply):
            return found
        handler, args = found
        try:
            if req.method != "GET":
                return handler(req, *args)
            return self._validated(req, handler, args)
        except WorldError as exc:
            return _error(exc)

    def _validated(self, req: Request, handler: Callable[..., Reply], args: tuple[str, ...]) -> Reply:
        """A GET, answered 304 (no body) when its ``If-None-Match`` names the current ``ETag``.

        The ETag of a reply is remembered with the world's version and time: while neither moved,
        a request naming it is answered at once, without computing the reply again."""
        asked = req.headers.get("If-None-Match")
        key = req.path + "?" + "&".join(f"{k}={v}" for k, v in sorted(req.query.items()) if k not in ("page", "per_page"))
        state = (self.world.version, self.world.clock.now())
        known = self._tags.get(key)
        if asked and known and known[0] == state and _matches(asked, known[1]) and _paging(req)[0] == 1:
            return Reply(304, headers={"ETag": known[1]})
        reply = handler(req, *args)
        tag = reply.headers.get("ETag") if reply.status == 200 else None
        if tag is None:
            return reply
        if len(self._tags) >= MAX_TAGS:
            self._tags.clear()
        self._tags[key] = (state, tag)
        return Reply(304, headers={"ETag": tag}) if asked and _matches(asked, tag) else reply

    def _etag(self, *kinds: str, timed: bool = False) -> str:
        """The ETag of a list made of the world's records of *kinds* (`World.version_of`), and of the
        clock's time when ``timed`` (what it shows moves with the clock): constant time per page, as a
        portal's from its tables' last change. Taken before the list: a change in between is seen."""
        state = (self.world.version_of(*kinds), self.world.clock.now().isoformat() if timed else "")
        return _tag(f"{self.etag_salt}{state}".encode())

    def _authorised(self, req: Request) -> bool:
        if self.service.fault in ("expired_token", "revoked_token"):
            return False
        given = req.headers.get("Authorization") or ""
        return hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode())

    # -- account and groups -----------------------------------------------------------

    def _me(self, req: Request) -> Reply:
        user = self.world.user
        return _tagged(Reply(200, {"username": user.username, "name": user.name, "email": user.email}))

    def _groups(self, req: Request) -> Reply:
        paging, etag = _paging(req), self._etag("people", "deployments")  # roles, and the quota use
        return _paged(paging, self.world.groups_of(self.username), _group, etag)

    def _directory(self, req: Request) -> Reply:
        paging, etag = _paging(req), self._etag("people")
        mine = {g.id for g in self.world.groups_of(self.username)}
        return _paged(paging, list(self.world.groups.values()), lambda g: {
            "id": g.id, "name": g.name, "full_name": g.full_name, "kind": g.kind.value, "is_member": g.id in mine},
            etag)

    def _request_group(self, req: Request) -> Reply:
        body = _body(req)
        short_name = _string(body, "short_name", GROUP_NAME,
                             "3-30 characters a-z, 0-9 and '-', starting with a letter")
        full_name = _string(body, "full_name", NOT_BLANK, "a non-blank string")
        summary = _string(body, "summary", NOT_BLANK, "a non-blank string")
        start = _date(_string(body, "start_date"), "start_date")
        end = _date(_string(body, "end_date"), "end_date")
        funding = _string(body, "funding")
        if funding not in FUNDINGS:
            raise WorldError("invalid", f"funding must be one of {', '.join(FUNDINGS)}.", "funding")
        counts = {name: _count(body, name, maximum) for name, maximum in GROUP_REQUEST_MAXIMUM.items()}
        if end <= start:
            raise WorldError("invalid", "end_date must come after start_date.", "end_date")
        fields: dict[str, object] = {
            "short_name": short_name, "full_name": full_name.strip(), "summary": summary.strip(),
            "start_date": start.isoformat(), "end_date": end.isoformat(), "funding": funding, **counts}
        return Reply(202, {"id": self.world.request_group(self.username, fields), "state": "pending"})

    def _join(self, req: Request, gid: str) -> Reply:
        message = _string(_body(req), "message")
        return Reply(202, _request(self.world.join(gid, self.username, message.strip())))

    def _members(self, req: Request, gid: str) -> Reply:
        paging, etag = _paging(req), self._etag("people")
        return _paged(paging, self.world.member_list(gid, self.username), _member, etag)

    def _requests(self, req: Request, gid: str) -> Reply:
        state = _query(req, "state", REQUEST_STATES)
        since = _query_time(req, "since")
        paging, etag, next_since = _paging(req), self._etag("requests"), self.world.changed_requests.latest
        found = self.world.request_list(gid, self.username, RequestState(state) if state else None, since)
        return _paged(paging, found, _request, etag, next_since)

    def _decide(self, req: Request, gid: str, rid: str, verb: str) -> Reply:
        reason = _string(_body(req), "reason").strip() if verb == "reject" else ""
        return Reply(200, _request(self.world.decide(gid, rid, self.username, approve=verb == "approve",
                                                     reason=reason)))

    def _consumption(self, req: Request, gid: str) -> Reply:
        """Rows from `from` to `to` (inclusive); a range that ends before it starts holds no row."""
        start, end = _query_date(req, "from") or date.min, _query_date(req, "to") or date.max
        paging, etag = _paging(req), self._etag("usage", "deployments", timed=True)  # today's hours grow
        return _paged(paging, self.world.consumption(gid, self.username, start, end), _usage, etag)

    # -- catalogue and sites ----------------------------------------------------------

    def _catalogue(self, req: Request) -> Reply:
        filters = [_query(req, name) or "" for name in ("q", "tool", "topic")]
        category = _query(req, "category", CATEGORIES) or ""
        paging, etag = _paging(req), self._etag()
        return _paged(paging, self.world.catalogue(*filters, category), _appliance, etag)

    def _appliance(self, req: Request, appliance_id: str) -> Reply:
        app = self.world.appliances.get(appliance_id)
        if app is None:
            raise WorldError("not_found", f"No appliance {appliance_id!r} in the catalogue.")
        return _tagged(Reply(200, _appliance(app)))

    def _system_status(self, req: Request) -> Reply:
        now = iso(self.world.clock.now())
        return _tagged(Reply(200, {"updated": now, "sites": [self._site(site, now) for site in self.world.sites.values()]}))

    def _site(self, site: DemoSite, now: str) -> dict[str, Any]:
        capacity = self.world.capacity(site.id)
        return {"id": site.id, "platform": site.spec.platform, "city": site.spec.city,
                "state": site.availability.value, "message": site.message, "features": list(site.spec.features),
                "capacity": {k: {"total": c.total, "used": c.used} for k, c in capacity.items()},
                "flavors": list(site.spec.flavors), "updated": now}

    # -- deployments ------------------------------------------------------------------

    def _deployments(self, req: Request) -> Reply:
        """``mine``: the user's own; ``group``: those of `group`, or of every group the user administers."""
        scope = _query(req, "scope", SCOPES) or "mine"
        gid = _query(req, "group") if scope == "group" else None
        since = _query_time(req, "since")
        # a VM's last activity moves with its server's status and with the clock
        paging, etag = _paging(req), self._etag("deployments", "servers", timed=True)
        world, deployments = self.world, self.world.deployments
        with world.lock:
            next_since = world.changed_deployments.latest  # before the list: a later change is at or after it
            if gid:
                world.require(gid, self.username, admin=True)
            groups = [] if scope == "mine" else [gid] if gid else \
                [g.id for g in world.groups_of(self.username) if g.role is Role.ADMIN]
            if since is not None:  # the changed ones only, from the change index
                ids = [d for d in world.changed_since(since) if
                       (deployments[d].owner == self.username if scope == "mine" else deployments[d].group_id in groups)]
            elif scope == "mine":
                ids = world.deployments_of(owner=self.username)
            elif gid:
                ids = world.deployments_of(group=gid)
            else:
                ids = sorted((dep_id for g in groups for dep_id in world.deployments_of(group=g)),
                             key=lambda dep_id: deployments[dep_id].created)
        return _paged(paging, ids, lambda dep_id: _deployment(world.monitored(deployments[dep_id])), etag, next_since)

    def _deployment(self, req: Request, dep_id: str) -> Reply:
        return _tagged(Reply(200, _deployment(self.world.monitored(self.world.deployment_for(dep_id, self.username)))))

    def _create(self, req: Request) -> Reply:
        body = _body(req)
        fields = {"name": _string(body, "name", DEPLOYMENT_NAME,
                                  "3-40 characters a-z, 0-9 and '-', starting with a letter")}
        fields |= {name: _string(body, name, NOT_EMPTY, "a non-empty string")
                   for name in ("appliance", "group", "site", "flavor")}
        key = req.headers.get(IDEMPOTENCY_KEY)
        if key is None or not UUID.fullmatch(key):
            raise WorldError("invalid", f"The {IDEMPOTENCY_KEY} header must be a UUID.", IDEMPOTENCY_KEY)
        key = key.lower()
        with self._keys_lock:
            if known := self._keys.get((self.username, key)):
                if known[0] != fields:
                    raise WorldError("conflict", f"{IDEMPOTENCY_KEY} {key} was already used for another "
                                                 "deployment request; send a new key for a new deployment.")
                return Reply(200, _deployment(self.world.deployments[known[1]]))
            launch = self.world.reserve(self.username, fields["name"], fields["appliance"], fields["group"],
                                        fields["site"], fields["flavor"])
            self._keys[(self.username, key)] = (fields, launch.deployment.id)
        dep = launch.deployment
        try:
            server_id = self._nova[dep.site].create_server(dep.name, launch.flavor_id, launch.image_id,
                                                           launch.metadata)
        except NovaError as exc:
            return Reply(201, _deployment(self.world.abort(dep.id, f"Could not create the VM: {exc}.")))
        return Reply(201, _deployment(self.world.attach(dep.id, server_id)))

    def _delete(self, req: Request, dep_id: str) -> Reply:
        dep = self.world.deletable(dep_id, self.username)
        if dep.server_id is not None and dep.state is not DeploymentState.FINALIZING:
            try:
                self._nova[dep.site].delete_server(dep.server_id)
            except NovaError as exc:
                raise WorldError("site_unavailable", f"Could not delete the VM: {exc}. Try again later.") from None
        return Reply(202, _deployment(self.world.finalize(dep.id)))
