"""Fuzzing the demo portal with its contract: generated requests to every operation of docs/portal-api.yaml.

schemathesis is not a test dependency (it would add about 30 MB: a second, Rust, JSON Schema
validator, a GraphQL stack, werkzeug...), so this is a compact stand-in built on hypothesis and
on the schema helpers of test_openapi_contract. For every operation of the document, requests
whose path parameters, query strings, headers and bodies mix values the schema allows (drawn
from the schema and from the demo world, so that they reach the world's rules) with garbage
are sent to one started DemoCloud. Every reply must be:

* no server error: no 500, a 503 only as the declared ``site_unavailable``; no traceback;
* a status the document declares for the operation, in JSON, valid against the declared schema;
* a refusal (4xx) when the request breaks the schema; and, when it does not, no 400 and no 422
  naming an input whose rules the schema states in full (business rules aside: unknown ids,
  quota, capacity, dates that must follow each other, a name already taken).

Random draws seldom break one input alone, so a deterministic sweep does that for every input of
every operation (query parameter, header, body property, the body as a whole), with values
that break its schema's type, bounds, enum, format, pattern or length: the reply must be the
422 ``invalid`` naming that input (400 ``bad_request`` for a body that is no JSON object).
Methods the document does not declare get 405 with ``Allow``; ``OPTIONS`` and ``HEAD`` are
checked too. The demo's record of router failures stays empty. All of it runs in about 10 s.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

import httpx
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_openapi_contract import CONTRACT, FORMATS, HTTP_METHODS, SPEC, _operations, _resolve_local

from biosphere_tui.demo.clock import DemoClock
from biosphere_tui.demo.cloud import DemoCloud

EXAMPLES = 60  # per operation
# Body properties whose 422 may come from the world's rules, not the schema's.
BUSINESS_FIELDS = {"end_date", "short_name", "appliance", "group", "site", "flavor"}
UNDECLARED = ("GET", "POST", "PUT", "PATCH", "DELETE", "TRACE", "QUERY", "FOO")
# JSON Schema patterns are ECMA-262 regexes and jsonschema checks them with Python's `re`: the two
# disagree on a few whitespace characters, so the generated text stays clear of them.
_TEXT = st.text(st.characters(exclude_categories=("Cs",),
                              exclude_characters="\x1c\x1d\x1e\x1f\x85\ufeff"), max_size=12)
_JSON = st.recursive(st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | _TEXT,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
                     max_leaves=6)
_HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
DATE_TIMES_BROKEN = ["", "yesterday", "2026-11-25", "2026-11-25T12:00:00", "2026-11-25T12:00:00+00:00",
                     "2026-11-25 12:00:00Z", "2026-13-25T12:00:00Z", "2026-11-25T24:00:00Z",
                     "2026-11-25T12:00:00.1234567Z", " 2026-11-25T12:00:00Z"]
OPERATIONS = [(template, method, op) for template, method, op in _operations()]


@pytest.fixture(scope="module")
def cloud() -> Iterator[DemoCloud]:
    with DemoCloud(seed=42, clock=DemoClock(datetime(2026, 11, 25, 12, tzinfo=UTC), speed=0)) as c:
        yield c


@pytest.fixture(scope="module")
def client(cloud: DemoCloud) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=cloud.portal_url, timeout=15, trust_env=False) as c:
        yield c


# -- what to send -------------------------------------------------------------------------


def _deref(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = _resolve_local(schema["$ref"])
    return schema


def _known(cloud: DemoCloud, name: str, template: str) -> list[str]:
    """Values of the demo world for an input called *name*, so that requests reach its rules."""
    world = cloud.world
    if name in ("gid", "group"):
        mine = [g.id for g in world.groups_of(world.user.username)]
        return mine + mine + sorted(world.groups)  # the user's own groups more often
    if name == "rid":
        return sorted(world.requests)[:20]
    if name == "id":
        return sorted(world.appliances) if template.startswith("/catalogue") else sorted(world.deployments)[:40]
    if name == "appliance":
        return sorted(world.appliances)
    if name == "site":
        return sorted(world.sites)
    if name == "flavor":
        return sorted({f for s in world.sites.values() for f in s.flavor_ids})
    return []


def _valid(schema: dict[str, Any], known: list[str], lookup: Any = lambda name: []) -> st.SearchStrategy[Any]:
    """Values *schema* allows (the subset of JSON Schema the document's inputs use).

    *known* are values of the world for this input; *lookup* gives them for an object's properties.
    """
    schema = _deref(schema)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "integer":
        return st.integers(schema.get("minimum", -(2**31)), schema.get("maximum", 2**31))
    if kind == "object":
        props = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries({k: _valid(v, lookup(k)) for k, v in props.items() if k in required},
                                     optional={k: _valid(v, lookup(k)) for k, v in props.items() if k not in required})
    if schema.get("format") == "date":
        return st.dates().map(date.isoformat)
    if schema.get("format") == "date-time":
        return st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31)).map(
            lambda d: d.isoformat(timespec="seconds" if d.microsecond % 2 else "microseconds") + "Z")
    if schema.get("format") == "uuid":
        return st.uuids().map(str)
    pattern = schema.get("pattern")
    if pattern and pattern.startswith("^") and pattern.endswith("$"):
        return st.from_regex(pattern[1:-1], fullmatch=True)
    text = _TEXT.filter(lambda v: len(v) >= schema.get("minLength", 0) and (not pattern or re.search(pattern, v)))
    return st.one_of(st.sampled_from(known), st.sampled_from(known), text) if known else text


def _invalid(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values that break *schema*: its bounds, enum, format, pattern, length, or its type."""
    schema = _deref(schema)
    kind = schema.get("type")
    wrong_type = st.none() | st.booleans() | st.lists(st.integers(), max_size=2) | (
        _TEXT if kind == "integer"
        else st.integers() | st.floats(allow_nan=False, allow_infinity=False).filter(lambda v: not v.is_integer()))
    options = [wrong_type]
    if "enum" in schema:
        options.append(_TEXT.filter(lambda v: v not in schema["enum"]))
    if "minimum" in schema:
        options.append(st.integers(max_value=schema["minimum"] - 1))
    if "maximum" in schema:
        options.append(st.integers(min_value=schema["maximum"] + 1))
    if schema.get("minLength", 0) > 0:
        options.append(st.just(""))
    if "maxLength" in schema:
        options.append(st.text(st.sampled_from("abc-"), min_size=schema["maxLength"],
                               max_size=schema["maxLength"] + 3).map(lambda v: "a" + v))
    if schema.get("format") == "date":
        options.append(st.sampled_from(["", "yesterday", "2026-13-01", "2026-02-30", "20261125", "2026-11-25T00:00:00Z",
                                        "\u0662\u0660\u0662\u0666-11-25", " 2026-11-25"]))
    if schema.get("format") == "date-time":
        options.append(st.sampled_from(DATE_TIMES_BROKEN))
    if schema.get("format") == "uuid":
        options.append(st.sampled_from(["", "not-a-uuid", "0b9f5a361f7c4d7e9a572f0c6f3e8d41",
                                        "{0b9f5a36-1f7c-4d7e-9a57-2f0c6f3e8d41}"]))
    if "pattern" in schema:
        options.append(st.sampled_from(["", " ", "\t\n", "Ab", "9lives", "under_score", " abc", "abc "]).filter(
            lambda v: not re.search(schema["pattern"], v)))
    return st.one_of(*options)


def _as_query(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _invalid_query(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    """Query-string forms that break *schema* (an integer also breaks it as ``1.5``, ``+1``, ``0x10``...)."""
    forms = st.sampled_from(["", "1.5", "+1", "0x10", "1e3", " 7", "\u0663"])
    return _invalid(schema).map(_as_query) | forms if _deref(schema).get("type") == "integer" else \
        _invalid(schema).map(_as_query)


def _parameters(template: str, method: str) -> list[dict[str, Any]]:
    item = SPEC["paths"][template]
    return [_deref(p) for p in item.get("parameters", []) + item[method].get("parameters", [])]


def _query_valid(schema: dict[str, Any], raw: str) -> bool:
    """Whether the query-string form *raw* is a value of *schema* (how the document reads it)."""
    schema = _deref(schema)
    if schema.get("type") == "integer":
        if not re.fullmatch(r"[0-9]+", raw):
            return False
        return schema.get("minimum", 0) <= int(raw) <= schema.get("maximum", int(raw))
    return jsonschema.Draft202012Validator(schema, format_checker=FORMATS).is_valid(raw)


@st.composite
def _requests(draw: st.DrawFn, cloud: DemoCloud, template: str, method: str) -> dict[str, Any]:
    """One request to the operation: path, query, headers, body, and whether the schema allows it.

    A third of the requests keep to the schema (so that they reach the world's rules), half break
    exactly one input of such a request (``broken`` names it), the others are garbage anywhere.
    """
    mode = draw(st.sampled_from(("valid", "valid", "broken", "broken", "broken", "chaos")))
    valid = mode != "chaos"
    path: dict[str, str] = {}
    query: dict[str, str] = {}
    headers: dict[str, str] = {}
    body: Any = None
    inputs: list[tuple[str, str | None, dict[str, Any]]] = []  # what a broken request may break
    required: dict[str, bool] = {}  # header -> whether the document requires it

    def known(name: str) -> list[str]:
        return _known(cloud, name, template)

    segment = _TEXT.filter(lambda v: v.strip(".") != "")  # "." and ".." would be dot segments of the URL
    for param in _parameters(template, method):
        name, where, schema = param["name"], param["in"], param["schema"]
        if where == "path":
            choices = known(name)
            path[name] = draw(st.sampled_from(choices) if valid and choices else
                              st.sampled_from(choices) | segment if choices else segment)
        elif where == "query":
            inputs.append(("query", name, schema))
            chaos = _valid(schema, known(name)) | _JSON | _invalid(schema)
            value = draw(st.none() | (_valid(schema, known(name)) if valid else chaos).map(_as_query))
            if value is not None:
                query[name] = value
        elif where == "header":
            inputs.append(("header", name, schema))
            required[name] = param.get("required", False)
            plain = not {"format", "pattern", "enum"} & set(_deref(schema))  # any text: what a header may carry
            allowed_value = _HEADER_TEXT.map(str.strip) if plain else _valid(schema, [])  # h11 sends no edge blanks
            value = draw(allowed_value if valid else st.one_of(allowed_value, st.none(), _HEADER_TEXT))
            if value is not None:
                headers[name] = value
    if "rid" in path and valid and draw(st.booleans()):
        path["gid"] = cloud.world.requests[path["rid"]].group_id  # a request of that group
    if draw(st.booleans()):
        query[draw(st.sampled_from(["x", "filter", "page_size"]))] = draw(_TEXT)  # undeclared: ignored
    request_body = SPEC["paths"][template][method].get("requestBody")
    body_schema = request_body["content"]["application/json"]["schema"] if request_body else None
    if body_schema is not None:
        props = _deref(body_schema)["properties"]
        inputs += [("body", name, schema) for name, schema in props.items()] + [("body", None, body_schema)]
        shaped = st.fixed_dictionaries({}, optional={k: _valid(v, known(k)) | _invalid(v) | _JSON
                                                     for k, v in props.items()})
        body = draw(_valid(body_schema, [], known) if valid else
                    st.one_of(shaped, shaped, _JSON, st.binary(max_size=20)))
        if isinstance(body, dict) and draw(st.booleans()):
            body = {**body, draw(_TEXT.filter(lambda k: k not in props)): draw(_JSON)}  # extra keys are fine
    broken = None
    if mode == "broken" and inputs:
        where, name, schema = draw(st.sampled_from(inputs))
        broken = name or ""
        if where == "query":
            query[name] = draw(_invalid_query(schema))
        elif where == "header":
            headers.pop(name, None)
            if draw(st.booleans()):
                headers[name] = draw(_invalid(schema).map(_as_query).filter(_HEADER_TEXT_RE.fullmatch))
        elif name is None:  # the body as a whole
            body = draw(st.sampled_from([b"", b"{", b"\x00", b"[]", b"null", b'"text"', b"42", b"{}"]))
        elif draw(st.booleans()) and name in _deref(body_schema).get("required", ()):
            body.pop(name, None)
        else:
            body[name] = draw(_invalid(schema))
    allowed = all(_query_valid(schema, query[name]) for where, name, schema in inputs
                  if where == "query" and name in query)
    allowed &= all(_header_valid(schema, headers[name]) if name in headers else not required.get(name, True)
                   for where, name, schema in inputs if where == "header")
    if body_schema is not None:
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        try:
            allowed &= bool(body.strip()) and _body_valid(body_schema, json.loads(body))
        except ValueError:
            allowed = False
    auth = "good" if valid else draw(st.sampled_from(("good", "good", "none", "wrong")))
    return {"path": path, "query": query, "headers": headers, "body": body, "auth": auth, "allowed": allowed,
            "broken": broken}


_HEADER_TEXT_RE = re.compile(r"[\x20-\x7e]*")


def _header_valid(schema: dict[str, Any], value: str) -> bool:
    return jsonschema.Draft202012Validator(_deref(schema), format_checker=FORMATS).is_valid(value)


def _body_valid(schema: dict[str, Any], value: Any) -> bool:
    """Whether *value* is a body the request schema (a ``$ref`` into the document) allows."""
    validator = CONTRACT.validator(schema["$ref"][1:])
    return validator.is_valid(value)


# -- checks ----------------------------------------------------------------------------------


def _check_reply(reply: httpx.Response, template: str, method: str, request: dict[str, Any], where: str) -> None:
    status = reply.status_code
    assert "Traceback" not in reply.text and 'File "' not in reply.text, f"{where}: a traceback leaked"
    declared = CONTRACT.responses(template, method)
    assert str(status) in declared, f"{where}: {status} is not declared ({sorted(declared)}): {reply.text[:300]}"
    if status == 304:  # only to a request naming the current ETag, which it sends again, with no body
        assert "If-None-Match" in request["headers"] and reply.headers.get("etag"), where
        assert reply.content == b"", where
        return
    assert reply.headers.get("content-type", "").split(";")[0] == "application/json", where
    body = reply.json()
    _, pointer = CONTRACT.response(template, method, status)
    errors = CONTRACT.errors(pointer, body)
    assert not errors, f"{where} -> {status}: the body breaks the contract: {errors}"
    if status >= 500:
        assert (status, body["error"]["code"]) == (503, "site_unavailable"), f"{where}: server error {body}"
    if request["auth"] != "good":
        assert status == 401, f"{where}: answered {status} without a valid token"
        return
    if not request["allowed"]:
        assert status >= 400, f"{where}: a request the schema refuses was accepted ({status})"
        if request["broken"] is not None:  # one input broken: the refusal names it, before anything else
            assert status in (400, 422), f"{where}: {status} for a request with a broken input: {body}"
            if status == 422 and request["broken"]:
                assert (body["error"]["code"], body["error"]["field"]) == ("invalid", request["broken"]), (
                    f"{where}: the refusal does not name the broken input {request['broken']!r}: {body}")
        return
    assert status != 400, f"{where}: a request the schema allows was refused as malformed: {body}"
    if status == 422 and body["error"]["code"] == "invalid":
        field = body["error"]["field"]
        assert field in BUSINESS_FIELDS, f"{where}: a request the schema allows was refused for {field}: {body}"


@pytest.mark.parametrize(("template", "method"), [(t, m) for t, m, _ in OPERATIONS],
                         ids=[f"{m.upper()} {t}" for t, m, _ in OPERATIONS])
def test_generated_requests_get_declared_replies(cloud: DemoCloud, client: httpx.Client, template: str,
                                                 method: str) -> None:
    failures = len(cloud.portal.service.failures)

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
    @given(request=_requests(cloud, template, method))
    def check(request: dict[str, Any]) -> None:
        url = template.format(**{k: quote(v, safe="") for k, v in request["path"].items()})
        headers = dict(request["headers"])
        if request["auth"] != "none":
            headers["Authorization"] = f"Bearer {cloud.token if request['auth'] == 'good' else 'nope'}"
        if request["body"] is not None:
            headers["Content-Type"] = "application/json"
        reply = client.request(method.upper(), url, params=request["query"], headers=headers,
                               content=request["body"])
        shown = {k: v for k, v in request.items() if k != "body"} | {"body": (request["body"] or b"")[:200]}
        _check_reply(reply, template, method, request, f"{method.upper()} {url} {shown}")

    check()
    assert cloud.portal.service.failures[failures:] == []


MISSING = object()
BODIES = [b"", b"{", b"[]", b"null", b'"text"', b"42", b"\x00", b"{}", b"{\"a\": 1,}"]


def _breaking(schema: dict[str, Any], where: str) -> list[Any]:
    """Values that break *schema*, in the form *where* carries them (query and header values are text)."""
    schema = _deref(schema)
    kind, fmt, pattern = schema.get("type"), schema.get("format"), schema.get("pattern")
    values: list[Any] = []
    if where == "body":
        values += [None, True, [1], {}] + (["8", 1.5] if kind == "integer" else [5])
    if kind == "integer":
        values += [schema["minimum"] - 1] if "minimum" in schema else []
        values += [schema["maximum"] + 1] if "maximum" in schema else []
        if where != "body":
            values += ["", "x", "1.5", "+1", "0x10", "1e3", " 7", "\u0663"]
    if "enum" in schema:
        values += ["", "nope", str(schema["enum"][0]).upper()]
    if fmt == "date":
        values += ["", "yesterday", "2026-13-01", "2026-02-30", "20261125", "2026-11-25T00:00:00Z", " 2026-11-25",
                   "\u0662\u0660\u0662\u0666-11-25"]
    if fmt == "date-time":
        values += DATE_TIMES_BROKEN
    if fmt == "uuid":
        values += [MISSING, "", "not-a-uuid", "0b9f5a361f7c4d7e9a572f0c6f3e8d41", "{0b9f5a36-1f7c-4d7e-9a57-2f0c6f3e8d41}"]
    if schema.get("minLength", 0) > 0:
        values.append("")
    if "maxLength" in schema:
        values.append("a" * (schema["maxLength"] + 1))
    if pattern:
        values += [v for v in (" ", "\t\n\u3000", "Ab", "9lives", "under_score", " abc", "abc ", "ab")
                   if not re.search(pattern, v)]
    return [str(v) if where != "body" and v is not MISSING else v for v in values]


def _sweep() -> Iterator[tuple[str, str, str, str, Any]]:
    """(template, method, where, input name, breaking value) for every input of every operation."""
    for template, method, op in OPERATIONS:
        for param in _parameters(template, method):
            if param["in"] in ("query", "header"):
                for value in _breaking(param["schema"], param["in"]):
                    yield template, method, param["in"], param["name"], value
        if "requestBody" in op:
            schema = _deref(op["requestBody"]["content"]["application/json"]["schema"])
            for name, prop in schema["properties"].items():
                for value in ([MISSING] if name in schema["required"] else []) + _breaking(prop, "body"):
                    yield template, method, "body", name, value
            for raw in BODIES:
                yield template, method, "body", "", raw


SWEEP = list(_sweep())


@pytest.mark.parametrize("template", list(SPEC["paths"]))
def test_each_broken_input_is_refused_by_name(cloud: DemoCloud, client: httpx.Client, template: str) -> None:
    """A valid request with one input broken: 422 ``invalid`` naming it (400 for a body that is no object)."""
    failures = len(cloud.portal.service.failures)
    cases = [case for case in SWEEP if case[0] == template]
    path = {"gid": "marine-meta", "rid": "mreq-00001",
            "id": "119" if template.startswith("/catalogue") else next(iter(cloud.world.deployments))}
    url = template.format(**path)
    for _, method, where, name, value in cases:
        op = SPEC["paths"][template][method]
        body = _deref(op["requestBody"]["content"]["application/json"]["schema"])["examples"][0] \
            if "requestBody" in op else None
        query: dict[str, str] = {}
        headers = {"Authorization": f"Bearer {cloud.token}"}
        if any(p["name"] == "Idempotency-Key" for p in _parameters(template, method)):
            headers["Idempotency-Key"] = str(uuid.uuid4())
        if where == "query":
            query[name] = value
        elif where == "header":
            headers.pop(name)
            if value is not MISSING:
                headers[name] = value
        elif name:
            body = {k: v for k, v in body.items() if k != name} | ({} if value is MISSING else {name: value})
        content = value if where == "body" and not name else None if body is None else json.dumps(body).encode()
        reply = client.request(method.upper(), url, params=query, headers=headers, content=content)
        shown = f"{method.upper()} {url} with {where} {name or 'body'} = {value!r}"
        request = {"auth": "good", "allowed": False, "broken": name}
        _check_reply(reply, template, method, request, shown)
        assert reply.status_code in (400, 422), f"{shown}: {reply.status_code} {reply.text}"
        if not (where == "body" and not name):
            assert reply.status_code == 422, f"{shown}: {reply.status_code} {reply.text}"
    assert cloud.portal.service.failures[failures:] == []


@pytest.mark.parametrize("template", list(SPEC["paths"]))
def test_other_methods_get_405_with_allow(cloud: DemoCloud, client: httpx.Client, template: str) -> None:
    failures = len(cloud.portal.service.failures)
    url = re.sub(r"{(\w+)}", "x", template)
    auth = {"Authorization": f"Bearer {cloud.token}"}
    declared = {m.upper() for m in HTTP_METHODS if m in SPEC["paths"][template]}
    allow = declared | {"OPTIONS"} | ({"HEAD"} if "GET" in declared else set())
    for method in sorted(set(UNDECLARED) - declared):
        reply = client.request(method, url, headers=auth)
        assert reply.status_code == 405, (method, url, reply.text)
        assert set(reply.headers["allow"].split(", ")) == allow, (method, url)
        assert reply.json()["error"]["code"] == "method_not_allowed"
    options = client.request("OPTIONS", url, headers=auth)
    assert options.status_code == 204 and set(options.headers["allow"].split(", ")) == allow
    if "GET" in declared:
        get, head = client.get(url, headers=auth), client.head(url, headers=auth)
        assert head.status_code == get.status_code and head.content == b""
        assert head.headers["content-length"] == str(len(get.content))
    assert client.request("TRACE", url).status_code == 401  # the token first, as everywhere
    assert cloud.portal.service.failures[failures:] == []
