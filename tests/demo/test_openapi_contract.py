"""The portal API contract (docs/portal-api.yaml) and the demo portal that serves it.

Two parts:

* the OpenAPI 3.1 document itself: structurally valid, every ``$ref`` resolves, every
  endpoint of the team's contract table is there, every schema example is valid;
* the demo portal (``biosphere_tui.demo.cloud.DemoCloud``) on a frozen clock: every GET
  endpoint, the mutating endpoints on a separate world, and the error cases are called
  with raw httpx, and each reply body is validated against the schema the document
  declares for that path, method and status (JSON Schema 2020-12, ``$ref`` resolved
  through a ``referencing`` registry built from the YAML).

A failure here means either the document or the demo drifted from the contract; the
contract (and so the document) wins.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parents[2] / "docs" / "portal-api.yaml"
SPEC_URI = "urn:biosphere-tui:portal-api"

# The endpoint table of the team's contract, (method, path template) as written there.
CONTRACT_ENDPOINTS = [
    ("get", "/me"),
    ("get", "/cloudweb_account/groups"),
    ("get", "/cloudweb_account/groups/directory"),
    ("post", "/cloudweb_account/groups"),
    ("post", "/cloudweb_account/groups/{gid}/join"),
    ("get", "/cloudweb_account/groups/{gid}/members"),
    ("get", "/cloudweb_account/groups/{gid}/requests"),
    ("post", "/cloudweb_account/groups/{gid}/requests/{rid}/approve"),
    ("post", "/cloudweb_account/groups/{gid}/requests/{rid}/reject"),
    ("get", "/cloudweb_account/groups/{gid}/consumption"),
    ("get", "/catalogue"),
    ("get", "/catalogue/{id}"),
    ("get", "/cloud/system_status"),
    ("get", "/monitor/deployments"),
    ("post", "/monitor/deployments"),
    ("get", "/monitor/deployments/{id}"),
    ("delete", "/monitor/deployments/{id}"),
]

REQUIRED_SCHEMAS = [
    "User", "Group", "Quota", "GroupSummary", "GroupCreate", "Member", "MembershipRequest",
    "Appliance", "Tool", "Developer", "SiteStatus", "Capacity", "Deployment",
    "DeploymentCreate", "AccessLink", "Parameter", "UsageDay", "Error", "Page",
]

ERROR_RESPONSES = {
    "400": "bad_request", "401": "unauthorized", "403": "forbidden", "404": "not_found", "409": "conflict",
    "422": "invalid", "429": "rate_limited", "500": "internal", "503": "site_unavailable",
}

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# The demo world's frozen instant and its user's groups (see the brief of the demo).
NOW = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
ADMIN_GROUP = "marine-meta"     # the demo user is an admin here
MEMBER_GROUP = "ebame-2026"     # ... and a plain member here
UNKNOWN = "no-such-thing-0000"


# --------------------------------------------------------------------------------------
# The document
# --------------------------------------------------------------------------------------


def _load_spec() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


SPEC: dict[str, Any] = _load_spec()

# Formats the contract relies on, checked strictly (jsonschema's own date-time check is a
# no-op without an optional package, and the contract wants UTC written with a "Z").
FORMATS = jsonschema.FormatChecker(formats=())
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z")


@FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_RE.fullmatch(value):
        return False
    date.fromisoformat(value)
    return True


@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATETIME_RE.fullmatch(value):
        return False
    datetime.fromisoformat(value[:-1] + "+00:00")
    return True


@FORMATS.checks("email")
def _is_email(value: object) -> bool:
    return not isinstance(value, str) or re.fullmatch(r"[^@\s]+@[^@\s]+", value) is not None


@FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


@FORMATS.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    if isinstance(value, str):
        uuid.UUID(value)
    return True


def _pointer(*segments: str) -> str:
    """A URI-fragment JSON pointer to ``segments`` (escaped, then percent-encoded)."""
    escaped = (s.replace("~", "~0").replace("/", "~1") for s in segments)
    return "".join("/" + quote(s, safe="~") for s in escaped)


def _walk_refs(node: Any, where: str = "#") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield where, value
            else:
                yield from _walk_refs(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk_refs(value, f"{where}/{i}")


def _resolve_local(ref: str) -> Any:
    assert ref.startswith("#/"), f"only local refs are used in this document: {ref}"
    node: Any = SPEC
    for raw in ref[2:].split("/"):
        key = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(key)]
        else:
            node = node[key]
    return node


class Contract:
    """Looks up what the document declares and validates bodies against it."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        resource = Resource.from_contents(spec, default_specification=DRAFT202012)
        self.registry: Registry = Registry().with_resource(SPEC_URI, resource)
        self._validators: dict[str, jsonschema.Draft202012Validator] = {}

    def validator(self, pointer: str) -> jsonschema.Draft202012Validator:
        if pointer not in self._validators:
            self._validators[pointer] = jsonschema.Draft202012Validator(
                {"$ref": f"{SPEC_URI}#{pointer}"},
                registry=self.registry,
                format_checker=FORMATS,
            )
        return self._validators[pointer]

    def responses(self, template: str, method: str) -> dict[str, Any]:
        return self.spec["paths"][template][method]["responses"]

    def response(self, template: str, method: str, status: int) -> tuple[dict[str, Any], str]:
        """The declared response object and the pointer to its JSON body schema."""
        responses = self.responses(template, method)
        response = responses[str(status)]
        if "$ref" in response:
            ref = response["$ref"]
            base = _pointer(*(s.replace("~1", "/").replace("~0", "~") for s in ref[2:].split("/")))
            response = _resolve_local(ref)
        else:
            base = _pointer("paths", template, method, "responses", str(status))
        return response, base + _pointer("content", "application/json", "schema")

    def errors(self, pointer: str, instance: Any) -> list[str]:
        found = sorted(self.validator(pointer).iter_errors(instance), key=lambda e: list(e.path))
        out = []
        for err in found:
            leaves = _leaf_errors(err)
            for leaf in leaves:
                message = leaf.message
                if len(message) > 300:
                    message = message[:300] + "…"
                out.append(f"{leaf.json_path}: {message}")
        return out


def _leaf_errors(err: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    if not err.context:
        return [err]
    leaves: list[jsonschema.ValidationError] = []
    for sub in err.context:
        leaves.extend(_leaf_errors(sub))
    return leaves


CONTRACT = Contract(SPEC)


def _operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for template, item in SPEC["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield template, method, item[method]


class TestDocument:
    def test_is_openapi_31_with_the_agreed_header(self) -> None:
        assert SPEC["openapi"] == "3.1.0"
        info = SPEC["info"]
        assert info["title"] == "Biosphère portal API (biosphere-tui contract)"
        assert info["version"] == "1.0.0"
        assert "no" in info["description"].lower() and "API" in info["description"]
        urls = [s["url"] for s in SPEC["servers"]]
        assert "http://127.0.0.1:{port}/api/v1" in urls
        assert "port" in SPEC["servers"][urls.index("http://127.0.0.1:{port}/api/v1")]["variables"]
        assert any(s.get("variables") and s["url"] != urls[0] for s in SPEC["servers"])
        assert SPEC["security"] == [{"bearerAuth": []}]
        scheme = SPEC["components"]["securitySchemes"]["bearerAuth"]
        assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")

    def test_passes_openapi_spec_validator(self) -> None:
        validator = pytest.importorskip("openapi_spec_validator")
        validator.OpenAPIV31SpecValidator(SPEC).validate()

    def test_every_ref_resolves(self) -> None:
        broken = []
        for where, ref in _walk_refs(SPEC):
            try:
                _resolve_local(ref)
            except (KeyError, IndexError, ValueError, AssertionError) as exc:
                broken.append(f"{where}: {ref} ({exc!r})")
        assert not broken, "unresolved $ref:\n" + "\n".join(broken)

    def test_every_contract_endpoint_is_described(self) -> None:
        described = {(m, t) for t, m, _ in _operations()}
        missing = [f"{m.upper()} {t}" for m, t in CONTRACT_ENDPOINTS if (m, t) not in described]
        extra = [f"{m.upper()} {t}" for m, t in described if (m, t) not in CONTRACT_ENDPOINTS]
        assert not missing, f"endpoints of the contract missing from the document: {missing}"
        assert not extra, f"endpoints not in the contract: {extra}"

    def test_every_component_schema_the_brief_names_exists(self) -> None:
        schemas = SPEC["components"]["schemas"]
        assert not [n for n in REQUIRED_SCHEMAS if n not in schemas]
        # A paged envelope per paged list.
        for name in ("GroupPage", "GroupSummaryPage", "MemberPage", "MembershipRequestPage",
                     "UsageDayPage", "AppliancePage", "DeploymentPage"):
            assert {"$ref": "#/components/schemas/Page"} in schemas[name]["allOf"]

    def test_operations_are_well_formed(self) -> None:
        problems = []
        seen_ids: set[str] = set()
        params = SPEC["components"]["parameters"]
        for template, method, op in _operations():
            where = f"{method.upper()} {template}"
            op_id = op.get("operationId")
            if not op_id or op_id in seen_ids:
                problems.append(f"{where}: missing or duplicate operationId {op_id!r}")
            seen_ids.add(op_id)
            declared = [
                (_resolve_local(p["$ref"]) if "$ref" in p else p)
                for p in SPEC["paths"][template].get("parameters", []) + op.get("parameters", [])
            ]
            in_path = {p["name"] for p in declared if p["in"] == "path"}
            wanted = set(re.findall(r"{(\w+)}", template))
            if in_path != wanted:
                problems.append(f"{where}: path parameters {sorted(in_path)} != {sorted(wanted)}")
            responses = op["responses"]
            if "401" not in responses:
                problems.append(f"{where}: no 401")
            for code in ("429", "500", "503"):
                if code not in responses:
                    problems.append(f"{where}: no {code}")
            if not any(code.startswith("2") for code in responses):
                problems.append(f"{where}: no 2xx")
            for code, response in responses.items():
                if code in ERROR_RESPONSES:
                    if response.get("$ref") != f"#/components/responses/{_ERROR_COMPONENT[code]}":
                        problems.append(f"{where}: {code} does not use the shared error response")
                elif code == "304":  # no body: the shared response, on reads only
                    if method != "get" or response.get("$ref") != "#/components/responses/NotModified":
                        problems.append(f"{where}: 304 is not the shared NotModified of a GET")
                else:
                    try:
                        CONTRACT.response(template, method, int(code))
                        response["content"]["application/json"]["schema"]
                    except KeyError:
                        problems.append(f"{where}: {code} has no application/json schema")
        assert not problems, "\n".join(problems)
        # The shared paging parameters are the ones used by every paged list.
        assert params["page"]["schema"]["default"] == 1
        assert params["per_page"]["schema"]["default"] == 100
        assert params["per_page"]["schema"]["maximum"] == 500

    def test_idempotency_key_header_on_deployment_creation(self) -> None:
        op = SPEC["paths"]["/monitor/deployments"]["post"]
        headers = [_resolve_local(p["$ref"]) if "$ref" in p else p for p in op["parameters"]]
        assert any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in headers)
        assert {"200", "201"} <= set(op["responses"])

    def test_every_read_states_its_validators(self) -> None:
        """Every GET takes ``If-None-Match``, may answer 304, and says its 200 carries an ``ETag``."""
        problems = []
        for template, method, op in _operations():
            if method != "get":
                continue
            where = f"GET {template}"
            if {"$ref": "#/components/parameters/IfNoneMatch"} not in op.get("parameters", []):
                problems.append(f"{where}: no If-None-Match")
            if "304" not in op["responses"]:
                problems.append(f"{where}: no 304")
            if op["responses"]["200"].get("headers", {}).get("ETag") != {"$ref": "#/components/headers/ETag"}:
                problems.append(f"{where}: its 200 has no ETag")
        assert not problems, "\n".join(problems)
        header = SPEC["components"]["parameters"]["IfNoneMatch"]
        assert (header["in"], header["name"], header["required"]) == ("header", "If-None-Match", False)
        assert SPEC["components"]["responses"]["NotModified"]["headers"]["ETag"]

    def test_shared_error_responses(self) -> None:
        responses = SPEC["components"]["responses"]
        for code, component in _ERROR_COMPONENT.items():
            assert component in responses, f"no shared response for {code}"
        assert responses["RateLimited"]["headers"]["Retry-After"]
        assert responses["Unavailable"]["headers"]["Retry-After"]
        # The error envelope of every declared error response accepts its own code only.
        for code, component in _ERROR_COMPONENT.items():
            pointer = _pointer("components", "responses", component, "content",
                               "application/json", "schema")
            good = {"error": {"code": ERROR_RESPONSES[code], "message": "x"}}
            if code == "422":
                good["error"]["field"] = "name"
            assert CONTRACT.errors(pointer, good) == [], component
            wrong = {"error": {"code": "unauthorized" if code != "401" else "forbidden",
                               "message": "x"}}
            assert CONTRACT.errors(pointer, wrong), component
        invalid_without_field = {"error": {"code": "invalid", "message": "x"}}
        assert CONTRACT.errors(_pointer("components", "schemas", "Error"), invalid_without_field)

    def test_examples_are_valid(self) -> None:
        problems = []
        for name, schema in SPEC["components"]["schemas"].items():
            for i, example in enumerate(schema.get("examples", [])):
                for err in CONTRACT.errors(_pointer("components", "schemas", name), example):
                    problems.append(f"{name} example {i}: {err}")
        for name, response in SPEC["components"]["responses"].items():
            if name == "NotModified":
                assert "content" not in response, "a 304 has no body"
                continue
            media = response["content"]["application/json"]
            pointer = _pointer("components", "responses", name, "content", "application/json",
                               "schema")
            examples = [media["example"]] if "example" in media else []
            examples += [e["value"] for e in media.get("examples", {}).values()]
            assert examples, f"response {name} has no example"
            for example in examples:
                for err in CONTRACT.errors(pointer, example):
                    problems.append(f"response {name}: {err}")
        assert not problems, "\n".join(problems)

    def test_schemas_leave_additional_properties_open(self) -> None:
        closed = [
            where for where, node in _walk_nodes(SPEC["components"]["schemas"], "#/components/schemas")
            if node.get("additionalProperties") is False or node.get("unevaluatedProperties") is False
        ]
        assert not closed, f"clients must tolerate extra fields; closed at {closed}"


_ERROR_COMPONENT = {
    "400": "BadRequest", "401": "Unauthorized", "403": "Forbidden", "404": "NotFound", "409": "Conflict",
    "422": "Invalid", "429": "RateLimited", "500": "Internal", "503": "Unavailable",
}


def _walk_nodes(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from _walk_nodes(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk_nodes(value, f"{where}/{i}")


# --------------------------------------------------------------------------------------
# The demo portal against the document
# --------------------------------------------------------------------------------------


def _start_cloud() -> Any:
    from biosphere_tui.demo.cloud import DemoCloud

    try:
        from biosphere_tui.demo.clock import DemoClock
    except ImportError:  # pragma: no cover - the interface note also allows world.py
        from biosphere_tui.demo.world import DemoClock  # type: ignore[no-redef]
    cloud = DemoCloud(seed=42, clock=DemoClock(NOW, speed=0))
    cloud.start()
    return cloud


@pytest.fixture(scope="module")
def no_proxy() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NO_PROXY", "127.0.0.1,localhost")
        mp.setenv("no_proxy", "127.0.0.1,localhost")
        yield


@pytest.fixture(scope="module")
def cloud(no_proxy: None) -> Iterator[Any]:
    """A read-only demo world: tests using it must not change anything."""
    c = _start_cloud()
    try:
        yield c
    finally:
        c.stop()


@pytest.fixture(scope="module")
def mutable_cloud(no_proxy: None) -> Iterator[Any]:
    """A second world for the endpoints that change things (and the fault switch)."""
    c = _start_cloud()
    try:
        yield c
    finally:
        c.stop()


class Portal:
    """Raw httpx calls to the portal, each reply checked against the document."""

    def __init__(self, base_url: str, token: str | None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        self.client = httpx.Client(base_url=base_url, headers=headers, timeout=15.0)

    def close(self) -> None:
        self.client.close()

    def call(
        self,
        method: str,
        template: str,
        *,
        status: int | None = None,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        **path: str,
    ) -> httpx.Response:
        url = template.format(**{k: quote(v, safe="") for k, v in path.items()})
        reply = self.client.request(method.upper(), url, params=params, json=json, headers=headers)
        where = f"{method.upper()} {url}{'?' + str(reply.request.url.query, 'ascii') if reply.request.url.query else ''}"
        declared = CONTRACT.responses(template, method)
        assert str(reply.status_code) in declared, (
            f"{where} answered {reply.status_code}, which the contract does not declare "
            f"({sorted(declared)}): {reply.text[:500]}"
        )
        if status is not None:
            assert reply.status_code == status, (
                f"{where} answered {reply.status_code}, expected {status}: {reply.text[:500]}"
            )
        ctype = reply.headers.get("content-type", "")
        assert ctype.split(";")[0].strip() == "application/json", f"{where}: content-type {ctype!r}"
        try:
            body = reply.json()
        except ValueError as exc:  # pragma: no cover - reported as a failure
            raise AssertionError(f"{where}: body is not JSON: {reply.content[:200]!r}") from exc
        response, pointer = CONTRACT.response(template, method, reply.status_code)
        errors = CONTRACT.errors(pointer, body)
        assert not errors, (
            f"{where} -> {reply.status_code}: body breaks the contract:\n  " + "\n  ".join(errors)
        )
        for name, header in response.get("headers", {}).items():
            header = _resolve_local(header["$ref"]) if "$ref" in header else header
            value = reply.headers.get(name)
            if header.get("required"):
                assert value is not None, f"{where} -> {reply.status_code}: no {name} header"
            if value is not None and header["schema"].get("type") == "integer":
                assert value.strip().isdigit(), f"{where}: {name}: {value!r} is not whole seconds"
        return reply

    def all_items(self, template: str, params: dict[str, Any] | None = None, **path: str) -> list[Any]:
        """Every item of a paged list, walking ``next_page``; checks the envelope too."""
        items: list[Any] = []
        page, per_page = 1, 500
        total = None
        for _ in range(1000):
            body = self.call("get", template, status=200,
                             params={**(params or {}), "page": page, "per_page": per_page},
                             **path).json()
            assert body["page"] == page and body["per_page"] == per_page, (template, body["page"], body["per_page"])
            assert len(body["items"]) <= per_page
            if total is None:
                total = body["total"]
            assert body["total"] == total, f"{template}: total changed while paging"
            items.extend(body["items"])
            has_more = page * per_page < total
            assert body["next_page"] == (page + 1 if has_more else None), (
                f"{template}: page {page}/{per_page} of {total}: next_page {body['next_page']!r}"
            )
            if body["next_page"] is None:
                break
            page = body["next_page"]
        assert len(items) == total, f"{template}: {len(items)} items over the pages, total {total}"
        return items


@pytest.fixture(scope="module")
def portal(cloud: Any) -> Iterator[Portal]:
    p = Portal(cloud.portal_url, cloud.token)
    try:
        yield p
    finally:
        p.close()


@pytest.fixture(scope="module")
def me(portal: Portal) -> dict[str, Any]:
    return portal.call("get", "/me", status=200).json()


class TestDemoReadOnly:
    def test_me(self, me: dict[str, Any]) -> None:
        assert me["username"]

    def test_my_groups(self, portal: Portal) -> None:
        groups = {g["id"]: g for g in portal.all_items("/cloudweb_account/groups")}
        assert groups[ADMIN_GROUP]["role"] == "admin"
        assert groups[MEMBER_GROUP]["role"] == "member"
        for g in groups.values():
            assert g["start_date"] <= g["end_date"], g["id"]

    def test_group_directory(self, portal: Portal) -> None:
        directory = {g["id"]: g for g in portal.all_items("/cloudweb_account/groups/directory")}
        mine = {g["id"] for g in portal.all_items("/cloudweb_account/groups")}
        for gid in (ADMIN_GROUP, MEMBER_GROUP):
            assert directory[gid]["is_member"] is True
        for gid, entry in directory.items():
            assert entry["is_member"] == (gid in mine), f"{gid}: is_member {entry['is_member']}"

    def test_members_as_admin(self, portal: Portal, me: dict[str, Any]) -> None:
        members = portal.all_items("/cloudweb_account/groups/{gid}/members", gid=ADMIN_GROUP)
        by_name = {m["username"]: m for m in members}
        assert by_name[me["username"]]["role"] == "admin"

    def test_members_as_plain_member_is_forbidden(self, portal: Portal) -> None:
        portal.call("get", "/cloudweb_account/groups/{gid}/members", status=403, gid=MEMBER_GROUP)

    def test_membership_requests_as_admin(self, portal: Portal) -> None:
        everything = portal.all_items("/cloudweb_account/groups/{gid}/requests", gid=ADMIN_GROUP)
        assert {r["state"] for r in everything} == {"pending", "approved", "rejected"}  # each filter has some
        for request in everything:
            assert request["group_id"] == ADMIN_GROUP
        for state in ("pending", "approved", "rejected"):
            some = portal.all_items("/cloudweb_account/groups/{gid}/requests",
                                    params={"state": state}, gid=ADMIN_GROUP)
            assert all(r["state"] == state for r in some), state
            assert len(some) == sum(r["state"] == state for r in everything), state

    def test_membership_requests_as_plain_member_is_forbidden(self, portal: Portal) -> None:
        portal.call("get", "/cloudweb_account/groups/{gid}/requests", status=403,
                    params={"state": "pending"}, gid=MEMBER_GROUP)

    def test_consumption_as_admin(self, portal: Portal) -> None:
        start, end = (NOW - timedelta(days=30)).date(), (NOW - timedelta(days=1)).date()
        rows = portal.all_items("/cloudweb_account/groups/{gid}/consumption",
                                params={"from": start.isoformat(), "to": end.isoformat()},
                                gid=ADMIN_GROUP)
        assert rows, "no consumption to check"
        for row in rows:
            assert row["group_id"] == ADMIN_GROUP
            assert start.isoformat() <= row["day"] <= end.isoformat(), row["day"]

    def test_consumption_as_member_shows_only_own_rows(self, portal: Portal, me: dict[str, Any]) -> None:
        start, end = (NOW - timedelta(days=30)).date(), (NOW - timedelta(days=1)).date()
        rows = portal.all_items("/cloudweb_account/groups/{gid}/consumption",
                                params={"from": start.isoformat(), "to": end.isoformat()},
                                gid=MEMBER_GROUP)
        assert rows, "no consumption of one's own to check"
        others = {r["member"] for r in rows} - {me["username"]}
        assert not others, f"a plain member sees other members' rows: {sorted(others)}"

    def test_consumption_without_range(self, portal: Portal) -> None:
        # The contract shows from/to but does not say whether they may be omitted: any
        # declared reply (200 or 422 invalid) with a valid body is accepted here.
        portal.call("get", "/cloudweb_account/groups/{gid}/consumption", gid=ADMIN_GROUP)

    def test_catalogue_and_each_appliance(self, portal: Portal) -> None:
        appliances = portal.all_items("/catalogue")
        assert appliances, "empty catalogue"
        ids = [a["id"] for a in appliances]
        assert len(ids) == len(set(ids)), "duplicate appliance ids"
        for appliance in appliances:
            one = portal.call("get", "/catalogue/{id}", status=200, id=appliance["id"]).json()
            assert one["id"] == appliance["id"]

    def test_catalogue_filters(self, portal: Portal) -> None:
        appliances = portal.all_items("/catalogue")
        with_tools = next(a for a in appliances if a["tools"])
        with_topics = next(a for a in appliances if a["topics"])
        tool = with_tools["tools"][0]["name"]
        topic = with_topics["topics"][0]
        category = appliances[0]["category"]

        hits = portal.all_items("/catalogue", params={"tool": tool.upper()})
        assert with_tools["id"] in {a["id"] for a in hits}
        assert all(any(t["name"].lower() == tool.lower() for t in a["tools"]) for a in hits)

        hits = portal.all_items("/catalogue", params={"topic": topic.lower()})
        assert with_topics["id"] in {a["id"] for a in hits}
        assert all(topic.lower() in (t.lower() for t in a["topics"]) for a in hits)

        hits = portal.all_items("/catalogue", params={"category": category})
        assert hits and all(a["category"] == category for a in hits)

        word = tool.lower()
        hits = portal.all_items("/catalogue", params={"q": word.upper()})
        assert with_tools["id"] in {a["id"] for a in hits}
        for a in hits:
            haystack = " ".join([a["name"], a["summary"], a["description"],
                                 *(t["name"] for t in a["tools"]), *a["topics"]]).lower()
            assert word in haystack, f"q={word!r} matched {a['id']} without a reason"

        assert portal.all_items("/catalogue", params={"q": "zz-no-such-word-zz"}) == []

    def test_catalogue_paging(self, portal: Portal) -> None:
        total = portal.call("get", "/catalogue", status=200).json()["total"]
        assert total >= 3, "need a few appliances to test paging"
        first = portal.call("get", "/catalogue", status=200, params={"per_page": 2}).json()
        assert (first["page"], first["per_page"], first["next_page"]) == (1, 2, 2)
        second = portal.call("get", "/catalogue", status=200,
                             params={"page": 2, "per_page": 2}).json()
        assert {a["id"] for a in first["items"]}.isdisjoint(a["id"] for a in second["items"])
        last_page = (total + 1) // 2
        last = portal.call("get", "/catalogue", status=200,
                           params={"page": last_page, "per_page": 2}).json()
        assert last["next_page"] is None and last["items"]
        default = portal.call("get", "/catalogue", status=200).json()
        assert (default["page"], default["per_page"]) == (1, 100)

    def test_paging_limits(self, portal: Portal) -> None:
        assert portal.call("get", "/catalogue", status=200, params={"per_page": 500}).json()["per_page"] == 500
        past = portal.call("get", "/catalogue", status=200, params={"page": 9999}).json()
        assert (past["items"], past["next_page"], past["page"]) == ([], None, 9999)
        for name, bad in (("page", 0), ("per_page", 0), ("per_page", 501), ("page", ""), ("page", "1.5"),
                          ("per_page", "-3"), ("page", "x")):
            error = portal.call("get", "/catalogue", status=422, params={name: bad}).json()["error"]
            assert (error["code"], error["field"]) == ("invalid", name), (name, bad)

    def test_unknown_appliance(self, portal: Portal) -> None:
        portal.call("get", "/catalogue/{id}", status=404, id=UNKNOWN)

    def test_system_status(self, portal: Portal, cloud: Any) -> None:
        body = portal.call("get", "/cloud/system_status", status=200).json()
        assert {s["id"] for s in body["sites"]} == set(cloud.sites)
        for site in body["sites"]:
            for name, cap in site["capacity"].items():
                assert cap["used"] <= cap["total"] or site["state"] != "up", (site["id"], name, cap)

    def test_my_deployments(self, portal: Portal, me: dict[str, Any]) -> None:
        mine = portal.all_items("/monitor/deployments", params={"scope": "mine"})
        assert mine, "the demo user has no deployment"
        assert all(d["owner"] == me["username"] for d in mine)
        default = portal.all_items("/monitor/deployments")
        assert [d["id"] for d in default] == [d["id"] for d in mine], "scope defaults to mine"
        for d in mine:
            one = portal.call("get", "/monitor/deployments/{id}", status=200, id=d["id"]).json()
            assert one["id"] == d["id"]

    def test_group_deployments_as_admin(self, portal: Portal) -> None:
        deployments = portal.all_items("/monitor/deployments",
                                       params={"scope": "group", "group": ADMIN_GROUP})
        assert all(d["group"] == ADMIN_GROUP for d in deployments)
        for d in deployments:  # an admin may open every deployment of the group
            portal.call("get", "/monitor/deployments/{id}", status=200, id=d["id"])

    def test_group_deployments_as_plain_member_is_forbidden(self, portal: Portal) -> None:
        portal.call("get", "/monitor/deployments", status=403,
                    params={"scope": "group", "group": MEMBER_GROUP})

    def test_group_scope_without_group_covers_every_administered_group(self, portal: Portal) -> None:
        every = portal.all_items("/monitor/deployments", params={"scope": "group"})
        admin = portal.all_items("/monitor/deployments", params={"scope": "group", "group": ADMIN_GROUP})
        # The demo user administers one group only.
        assert sorted(d["id"] for d in every) == sorted(d["id"] for d in admin)
        error = portal.call("get", "/monitor/deployments", status=422,
                            params={"scope": "everything"}).json()["error"]
        assert (error["code"], error["field"]) == ("invalid", "scope")

    @pytest.mark.parametrize(("template", "params"), [
        ("/monitor/deployments", {"scope": "mine"}), ("/monitor/deployments", {"scope": "group"}),
        ("/cloudweb_account/groups/{gid}/requests", {}), ("/cloudweb_account/groups/{gid}/requests", {"state": "pending"})])
    def test_a_since_read_lists_only_what_changed(self, portal: Portal, template: str, params: dict[str, str]) -> None:
        """On a frozen world nothing changes after the list's ``next_since``; from before the world
        began, every item changed: the whole list, in its order."""
        path = {"gid": ADMIN_GROUP} if "{gid}" in template else {}
        first = portal.call("get", template, status=200, params=params, **path).json()
        whole = portal.all_items(template, params, **path)
        assert whole and first["next_since"] <= NOW.isoformat().replace("+00:00", "Z")
        assert portal.all_items(template, {**params, "since": first["next_since"]}, **path) == []
        assert portal.all_items(template, {**params, "since": "2000-01-01T00:00:00Z"}, **path) == whole

    def test_unknown_ids_are_404(self, portal: Portal) -> None:
        portal.call("get", "/monitor/deployments/{id}", status=404, id=UNKNOWN)
        for template in ("/cloudweb_account/groups/{gid}/members",
                         "/cloudweb_account/groups/{gid}/requests",
                         "/cloudweb_account/groups/{gid}/consumption"):
            portal.call("get", template, status=404, gid=UNKNOWN)

    @pytest.mark.parametrize("token", [None, "not-the-demo-token"], ids=["no-token", "bad-token"])
    def test_every_endpoint_needs_a_token(self, cloud: Any, token: str | None) -> None:
        anonymous = Portal(cloud.portal_url, token)
        try:
            for method, template in CONTRACT_ENDPOINTS:
                path = {name: ADMIN_GROUP if name == "gid" else UNKNOWN
                        for name in re.findall(r"{(\w+)}", template)}
                anonymous.call(method, template, status=401, **path)
        finally:
            anonymous.close()


# --------------------------------------------------------------------------------------
# Endpoints that change the world (on a world of their own)
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rw(mutable_cloud: Any) -> Iterator[Portal]:
    p = Portal(mutable_cloud.portal_url, mutable_cloud.token)
    try:
        yield p
    finally:
        p.close()


def _deployable(portal: Portal) -> Iterator[dict[str, str]]:
    """Candidate DeploymentCreate bodies, smallest appliances on up sites first."""
    appliances = sorted(
        (a for a in portal.all_items("/catalogue") if not a["multi_vm"]),
        key=lambda a: (a["min_resources"]["vcpu"], a["min_resources"]["ram_gb"]),
    )
    sites = [s for s in portal.call("get", "/cloud/system_status", status=200).json()["sites"]
             if s["state"] == "up"]
    sites.sort(key=lambda s: s["capacity"]["vcpu"]["used"] - s["capacity"]["vcpu"]["total"])
    for appliance in appliances[:3]:
        for site in sites:
            flavors = sorted(site["flavors"], key=lambda f: ("m4" not in f, "large" not in f, f))
            for flavor in flavors[:3]:
                for group in (ADMIN_GROUP, MEMBER_GROUP):
                    yield {"name": "contract-check", "appliance": appliance["id"],
                           "group": group, "site": site["id"], "flavor": flavor}


class TestDemoWrites:
    def test_deploy_is_idempotent_and_delete_finalizes(self, rw: Portal, mutable_cloud: Any) -> None:
        created = None
        tried = []
        for body in _deployable(rw):
            key = str(uuid.uuid4())
            reply = rw.call("post", "/monitor/deployments", json=body,
                            headers={"Idempotency-Key": key})
            tried.append((body, reply.status_code, reply.text[:200]))
            if reply.status_code == 201:
                created = reply.json()
                break
            if len(tried) >= 40:
                break
        assert created is not None, f"no deployment could be created: {tried[-5:]}"
        assert created["state"] == "Initializing"
        for field in ("appliance", "group", "site", "flavor"):
            got = created[field]["id"] if field == "appliance" else created[field]
            assert got == body[field], field
        assert created["name"] == body["name"]

        again = rw.call("post", "/monitor/deployments", status=200, json=body,
                        headers={"Idempotency-Key": key}).json()
        assert again["id"] == created["id"]

        rw.call("post", "/monitor/deployments", status=409, json={**body, "name": "contract-other"},
                headers={"Idempotency-Key": key})
        for headers in ({}, {"Idempotency-Key": "not-a-uuid"}):
            error = rw.call("post", "/monitor/deployments", status=422, json=body,
                            headers=headers).json()["error"]
            assert error["field"] == "Idempotency-Key"

        rw.call("get", "/monitor/deployments/{id}", status=200, id=created["id"])
        gone = rw.call("delete", "/monitor/deployments/{id}", status=202, id=created["id"]).json()
        assert gone["id"] == created["id"] and gone["state"] == "Finalizing"
        # The teardown is asynchronous: the deployment stays readable, and finishes.
        assert rw.call("get", "/monitor/deployments/{id}", status=200,
                       id=created["id"]).json()["state"] == "Finalizing"
        mutable_cloud.clock.advance(60)
        done = rw.call("get", "/monitor/deployments/{id}", status=200, id=created["id"]).json()
        assert done["state"] in ("Done", "Cancelled")
        rw.call("delete", "/monitor/deployments/{id}", status=409, id=created["id"])

    def test_a_since_read_lists_a_new_deployment_and_not_the_others(self, rw: Portal, mutable_cloud: Any) -> None:
        mutable_cloud.clock.advance(1)  # the changes the other tests made are before this second
        mutable_cloud.world.tick()
        params = {"scope": "group", "group": ADMIN_GROUP}
        cursor = rw.call("get", "/monitor/deployments", status=200, params=params).json()["next_since"]
        mutable_cloud.clock.advance(1)
        created = next(r.json() for b in _deployable(rw) if b["group"] == ADMIN_GROUP
                       if (r := rw.client.post("/monitor/deployments", json={**b, "name": "contract-since"},
                                               headers={"Idempotency-Key": str(uuid.uuid4())})).status_code == 201)
        changed = rw.all_items("/monitor/deployments", {**params, "since": cursor})
        whole = [d["id"] for d in rw.all_items("/monitor/deployments", params)]
        assert created["id"] in [d["id"] for d in changed] and len(changed) < len(whole) / 10
        assert [d["id"] for d in changed] == [i for i in whole if i in {d["id"] for d in changed}]  # the list's order

    def test_deployment_name_rules(self, rw: Portal) -> None:
        body = next(_deployable(rw))
        for bad in ("ab", "9lives", "Upper-case", "x" * 41, "under_score"):
            reply = rw.call("post", "/monitor/deployments", status=422,
                            json={**body, "name": bad},
                            headers={"Idempotency-Key": str(uuid.uuid4())}).json()
            assert reply["error"]["code"] == "invalid" and reply["error"]["field"] == "name", bad

    def test_unknown_deployment_delete_is_404(self, rw: Portal) -> None:
        rw.call("delete", "/monitor/deployments/{id}", status=404, id=UNKNOWN)

    def test_request_a_project_group(self, rw: Portal) -> None:
        body = {
            "short_name": "contract-check", "full_name": "Contract check project",
            "start_date": "2027-01-01", "end_date": "2027-12-31",
            "summary": "Checks the portal contract.", "vcpu": 16, "ram_gb": 64,
            "storage_gb": 500, "funding": "platform",
        }
        reply = rw.call("post", "/cloudweb_account/groups", status=202, json=body).json()
        assert reply["state"] == "pending" and reply["id"].startswith("greq-")

    def test_join_a_group(self, rw: Portal, me_rw: dict[str, Any]) -> None:
        directory = rw.all_items("/cloudweb_account/groups/directory")
        target = next((g for g in directory if not g["is_member"]), None)
        assert target is not None, "the demo user belongs to every group of the directory: nothing to join"
        request = rw.call("post", "/cloudweb_account/groups/{gid}/join", status=202,
                          json={"message": "Contract check."}, gid=target["id"]).json()
        assert request["state"] == "pending"
        assert request["group_id"] == target["id"]
        assert request["username"] == me_rw["username"]
        assert request["message"] == "Contract check."
        rw.call("post", "/cloudweb_account/groups/{gid}/join",
                json={"message": "again"}, gid=target["id"])  # any declared reply

    def test_join_unknown_group_is_404(self, rw: Portal) -> None:
        rw.call("post", "/cloudweb_account/groups/{gid}/join", status=404,
                json={"message": "hello"}, gid=UNKNOWN)

    def test_approve_and_reject(self, rw: Portal) -> None:
        pending = rw.all_items("/cloudweb_account/groups/{gid}/requests",
                               params={"state": "pending"}, gid=ADMIN_GROUP)
        assert len(pending) >= 2, f"need two pending requests in {ADMIN_GROUP}, the demo has {len(pending)}"
        first, second = pending[0], pending[1]
        approved = rw.call("post", "/cloudweb_account/groups/{gid}/requests/{rid}/approve",
                           status=200, gid=ADMIN_GROUP, rid=first["id"]).json()
        assert approved["id"] == first["id"] and approved["state"] == "approved"
        rw.call("post", "/cloudweb_account/groups/{gid}/requests/{rid}/approve",
                status=409, gid=ADMIN_GROUP, rid=first["id"])

        rejected = rw.call("post", "/cloudweb_account/groups/{gid}/requests/{rid}/reject",
                           status=200, json={"reason": "Contract check."},
                           gid=ADMIN_GROUP, rid=second["id"]).json()
        assert rejected["state"] == "rejected" and rejected["reason"] == "Contract check."
        rw.call("post", "/cloudweb_account/groups/{gid}/requests/{rid}/reject",
                status=409, json={"reason": "again"}, gid=ADMIN_GROUP, rid=second["id"])
        rw.call("post", "/cloudweb_account/groups/{gid}/requests/{rid}/approve",
                status=404, gid=ADMIN_GROUP, rid=UNKNOWN)

    def test_approve_refusals_come_in_order(self, rw: Portal) -> None:
        """401 (token) > 404 (group, then request) > 403 (not an admin) > 409 (already decided)."""
        pending = rw.all_items("/cloudweb_account/groups/{gid}/requests",
                               params={"state": "pending"}, gid=ADMIN_GROUP)
        template = "/cloudweb_account/groups/{gid}/requests/{rid}/approve"
        anonymous = Portal(str(rw.client.base_url), None)
        try:
            anonymous.call("post", template, status=401, gid=UNKNOWN, rid=UNKNOWN)
        finally:
            anonymous.close()
        rw.call("post", template, status=404, gid=UNKNOWN, rid=pending[0]["id"])
        # A request of another group is not found in this one, whatever the user's role there.
        rw.call("post", template, status=404, gid=MEMBER_GROUP, rid=pending[0]["id"])
        # The user's own request to join a group they are not in: it exists, they are no admin.
        directory = rw.all_items("/cloudweb_account/groups/directory")
        outsider = [g["id"] for g in directory if not g["is_member"]][-1]  # test_join_a_group took the first
        mine = rw.call("post", "/cloudweb_account/groups/{gid}/join", status=202,
                       json={"message": "Order check."}, gid=outsider).json()
        rw.call("post", template, status=403, gid=outsider, rid=mine["id"])

    @pytest.mark.parametrize(
        ("fault", "status"),
        [("http429", 429), ("http500", 500), ("http503", 503), ("forbidden", 403)],
    )
    def test_portal_faults_keep_the_error_contract(
        self, rw: Portal, mutable_cloud: Any, fault: str, status: int
    ) -> None:
        mutable_cloud.set_fault("portal", fault)
        try:
            rw.call("get", "/monitor/deployments", status=status)
        finally:
            mutable_cloud.set_fault("portal", "none")
        rw.call("get", "/me", status=200)


@pytest.fixture(scope="module")
def me_rw(rw: Portal) -> dict[str, Any]:
    return rw.call("get", "/me", status=200).json()
