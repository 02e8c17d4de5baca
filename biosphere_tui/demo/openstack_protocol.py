"""What every reply of a real OpenStack service carries, for the demo's fake sites.

Nova's microversions (``OpenStack-API-Version: compute X.Y``, as nova/api/openstack/wsgi.py and
api_version_request.py read and answer them), Nova's fault bodies (``{"itemNotFound": {...}}``),
Keystone's and Neutron's error bodies, and the request ids (``x-openstack-request-id``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple, Protocol, TypeVar
from urllib.parse import urlencode

from .httpserver import BadRequest, Reply, Request

MAX_LIMIT = 1000  # Nova's osapi_max_limit and Glance's api_limit_max
VERSION_HEADER = "OpenStack-API-Version"
LEGACY_VERSION_HEADER = "X-OpenStack-Nova-API-Version"
_VERSION = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")  # api_version_request.APIVersionRequest

# nova/api/openstack/wsgi.py: Fault._fault_names
NOVA_FAULT_NAMES = {400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
                    405: "badMethod", 409: "conflictingRequest", 413: "overLimit", 415: "badMediaType",
                    429: "overLimit", 501: "notImplemented", 503: "serviceUnavailable"}
_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 409: "Conflict"}


class ApiError(Exception):
    """Raised by a handler: answer *status* with *message*, in the service's own error body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class APIVersion(NamedTuple):
    """A compute microversion, ordered as Nova orders them (2.9 < 2.10)."""

    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> APIVersion:
        """``"2.47"`` -> (2, 47); ValueError with Nova's message for anything else."""
        match = _VERSION.match(text)
        if match is None:
            raise ValueError(f"API Version String {text} is of invalid format. Must be of format MajorNum.MinorNum.")
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


MIN_VERSION = APIVersion(2, 1)


def requested_version(headers: Mapping[str, str], service: str = "compute") -> str | None:
    """The version string asked for (``"2.60"``, ``"latest"``), as microversion_parse.get_version
    reads it: the *service*'s entry of ``OpenStack-API-Version``, else the legacy Nova header."""
    for entry in (headers.get(VERSION_HEADER) or "").split(","):
        words = entry.split()
        if words and words[0].lower() == service:
            return " ".join(words[1:])
    legacy = headers.get(LEGACY_VERSION_HEADER)
    return legacy.strip() if legacy else None


def negotiate(headers: Mapping[str, str], maximum: APIVersion) -> APIVersion | Reply:
    """The version a request is served at, or Nova's 400 (malformed) / 406 (out of range) reply."""
    asked = requested_version(headers)
    if asked is None:
        return MIN_VERSION
    if asked == "latest":
        return maximum
    try:
        version = APIVersion.parse(asked)
    except ValueError as exc:
        return nova_fault(400, str(exc))
    if not MIN_VERSION <= version <= maximum:
        reply = nova_fault(406, f"Version {version} is not supported by the API. "
                                f"Minimum is {MIN_VERSION} and maximum is {maximum}.")
        return with_version(reply, version)
    return version


def with_version(reply: Reply, version: APIVersion) -> Reply:
    """The microversion headers Nova adds to every reply of a versioned request."""
    reply.headers |= {VERSION_HEADER: f"compute {version}", LEGACY_VERSION_HEADER: str(version),
                      "Vary": f"{VERSION_HEADER}, {LEGACY_VERSION_HEADER}"}
    return reply


def nova_fault(status: int, message: str, **headers: str) -> Reply:
    """``{"itemNotFound": {"code": 404, "message": ...}}`` and the like; 413/429 add ``retryAfter``
    from the ``Retry-After`` header, as Nova's Fault does."""
    fault: dict[str, Any] = {"code": status, "message": message}
    if status in (413, 429) and "Retry-After" in headers:
        fault["retryAfter"] = headers["Retry-After"]
    return Reply(status, {NOVA_FAULT_NAMES.get(status, "computeFault"): fault}, headers=dict(headers))


def keystone_error(status: int, message: str) -> Reply:
    """``{"error": {"code", "title", "message"}}``, as Keystone (and keystonemiddleware) answers."""
    return Reply(status, {"error": {"code": status, "title": _TITLES.get(status, "Error"), "message": message}})


def neutron_error(status: int, kind: str, message: str) -> Reply:
    """``{"NeutronError": {"type", "message", "detail"}}``, as Neutron answers."""
    return Reply(status, {"NeutronError": {"type": kind, "message": message, "detail": ""}})


def request_ids(reply: Reply, *, compute: bool = False) -> Reply:
    """oslo.middleware's ``x-openstack-request-id`` (and Nova's ``x-compute-request-id`` twin)."""
    rid = f"req-{uuid.uuid4()}"
    reply.headers["x-openstack-request-id"] = rid
    if compute:
        reply.headers["x-compute-request-id"] = rid
    return reply


class _HasId(Protocol):
    id: str


T = TypeVar("T", bound=_HasId)


def paginate(items: Sequence[T], req: Request, default_limit: int) -> tuple[Sequence[T], str | None]:
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


def ref_id(ref: Any) -> str:
    """The id at the end of a flavorRef/imageRef, which may be a URL."""
    return str(ref or "").rstrip("/").rsplit("/", 1)[-1]


def next_query(req: Request, marker: str) -> str:
    """The request's query string with ``marker`` replaced."""
    query = {name: values for name, values in req.query.items() if name != "marker"}
    query["marker"] = [marker]
    return urlencode(query, doseq=True)
