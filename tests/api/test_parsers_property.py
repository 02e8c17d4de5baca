"""Generated and mutated replies: every parser either returns domain objects of the declared
types or raises ``ShapeError`` (which the clients turn into ``BadReply``) — never anything else,
never a wrong-typed value that would fail later on a screen or in the cache."""

from __future__ import annotations

import copy
import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from biosphere_tui.api import openstack_parse as osp
from biosphere_tui.api import portal_parse as pp
from biosphere_tui.api.fields import ShapeError
from biosphere_tui.models.catalogue import Appliance
from biosphere_tui.models.deployments import Deployment, UsageDay
from biosphere_tui.models.groups import Group, User
from biosphere_tui.models.membership import Member, MembershipRequest
from biosphere_tui.models.nova import Flavor, Image, Server, SiteLimits
from biosphere_tui.models.sites import SiteStatus

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)

GOOD: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "user": (pp.user, {"username": "demo", "name": "Camille", "email": "c@example.org"}),
    "group": (pp.group, {"id": "g", "name": "g", "full_name": "G", "kind": "project", "role": "admin",
                         "quota": {"vcpu": 8, "ram_gb": 32, "storage_gb": 100}, "start_date": "2026-01-01",
                         "end_date": "2026-12-31", "funding": "platform"}),
    "member": (lambda raw: pp.member(raw, "g"), {"username": "u", "name": "U", "email": "u@x", "role": "member",
                                                  "joined": "2026-01-02", "account_end": "2026-12-31"}),
    "request": (pp.membership_request, {"id": "r1", "group_id": "g", "username": "u", "name": "U", "email": "u@x",
                                        "message": "hi", "created": "2026-11-25T12:00:00Z", "state": "pending",
                                        "reason": ""}),
    "appliance": (pp.appliance, {"id": "119", "name": "BioPipes", "category": "Workflow", "os": "Ubuntu",
                                 "os_version": "22.04", "summary": "s", "description": "d", "version": "1",
                                 "licence": "MIT", "contact": "x", "tools": [{"name": "nextflow", "version": "24",
                                 "url": "https://nextflow.io"}], "topics": ["Workflows"], "access": ["ssh"],
                                 "developers": [{"name": "A", "platform": "IFB"}],
                                 "min_resources": {"vcpu": 2, "ram_gb": 8, "disk_gb": 20}, "docker": True,
                                 "remote_desktop": False, "multi_vm": False}),
    "status": (pp.system_status, {"updated": "2026-11-25T12:00:00Z", "sites": [
        {"id": "s", "platform": "P", "city": "C", "state": "up", "message": "", "features": ["GPU"],
         "capacity": {k: {"total": 10, "used": 2} for k in ("vcpu", "ram_gb", "storage_gb", "gpu")},
         "updated": "2026-11-25T12:00:00Z"}]}),
    "deployment": (pp.deployment, {"id": "d", "name": "n", "appliance": {"id": "1", "name": "A"}, "group": "g",
                                   "owner": "demo", "site": "s", "flavor": "f", "state": "Ready",
                                   "created": "2026-11-25T12:00:00Z", "updated": "2026-11-25T12:00:00Z",
                                   "resources": {"vcpu": 2, "ram_gb": 8, "disk_gb": 20, "gpu": 0},
                                   "server_id": "x", "ip": "10.0.0.1",
                                   "access": [{"kind": "ssh", "url": "ssh://ubuntu@10.0.0.1"}],
                                   "parameters": [{"name": "password", "value": "p", "secret": True}], "reason": ""}),
    # vm_hours: a JSON number without a fraction, which must still parse into a float
    "usage": (pp.usage_day, {"day": "2026-11-25", "group_id": "g", "member": "demo", "site": "s",
                             "vm_hours": 1, "vcpu_hours": 2.0, "ram_gb_hours": 8.0, "disk_gb_hours": 20.0, "gpu_hours": 0.0}),
    "server": (lambda raw: osp.server(raw, "s"), {
        "id": "x", "name": "vm", "status": "ACTIVE", "created": "2026-11-25T12:00:00Z",
        "updated": "2026-11-25T12:00:00Z", "metadata": {"biosphere_deployment": "d"}, "image": {"id": "i"},
        "flavor": {"original_name": "ifb.m4.large", "vcpus": 2, "ram": 8192, "disk": 20},
        "addresses": {"net": [{"addr": "10.0.0.1", "version": 4, "OS-EXT-IPS:type": "fixed"}]}}),
    "flavor": (lambda raw: osp.flavor(raw, "s"), {"id": "f", "name": "ifb.gpu", "vcpus": 16, "ram": 65536,
                                                   "disk": 100, "extra_specs": {"pci_passthrough:alias": "a100:1"}}),
    "image": (lambda raw: osp.image(raw, "s"), {"id": "i", "name": "Ubuntu", "status": "active", "min_disk": 10,
                                                 "min_ram": 0, "os_distro": "ubuntu"}),
    "limits": (lambda raw: osp.limits(raw, "s"), {"limits": {"absolute": {
        "maxTotalCores": 100, "totalCoresUsed": 2, "maxTotalRAMSize": 409600, "totalRAMUsed": 8192,
        "maxTotalInstances": 50, "totalInstancesUsed": 1}}}),
}

def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            found += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _paths(v, (*prefix, i))
    return found


def _mutate(value: Any, path: tuple, action: str, replacement: Any) -> Any:
    if not path:
        return replacement
    mutated = copy.deepcopy(value)
    parent = mutated
    for step in path[:-1]:
        parent = parent[step]
    if action == "delete" and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return mutated


def _problems(value: Any, hint: Any, where: str = "") -> list[str]:
    """Where ``value`` is not of the type ``hint`` (a models annotation): empty when it is.

    Stricter than ``isinstance`` where the domain needs it: a bool is not a number, a datetime is
    not a date, and every datetime carries its time zone (models: "times are timezone-aware UTC")."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return [] if any(not _problems(value, a, where) for a in args) else [f"{where}: {value!r} is not {hint}"]
    if origin in (tuple, list):
        if not isinstance(value, origin):
            return [f"{where}: {type(value).__name__}, not {origin.__name__}"]
        return [p for i, item in enumerate(value) for p in _problems(item, args[0], f"{where}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__}, not dict"]
        return [p for k, v in value.items()
                for p in _problems(k, args[0], f"{where} key") + _problems(v, args[1], f"{where}[{k!r}]")]
    if dataclasses.is_dataclass(hint):
        if type(value) is not hint:
            return [f"{where}: {type(value).__name__}, not {hint.__name__}"]
        hints = typing.get_type_hints(hint)
        return [p for f in dataclasses.fields(hint) for p in _problems(getattr(value, f.name), hints[f.name],
                                                                       f"{where}.{f.name}")]
    if hint is datetime:
        ok = isinstance(value, datetime) and value.tzinfo is not None
    elif hint is float:
        ok = type(value) is float
    elif hint in (int, bool, date, str, type(None)) or issubclass(hint, Enum):
        ok = type(value) is hint or (hint is str and isinstance(value, str) and not isinstance(value, Enum)) \
            or (issubclass(hint, Enum) and isinstance(value, hint))
    else:
        raise TypeError(f"{where}: no check for {hint}")
    return [] if ok else [f"{where}: {value!r} ({type(value).__name__}) is not {getattr(hint, '__name__', hint)}"]


KIND: dict[str, Any] = {  # what each parser returns, as the models declare it
    "user": User, "group": Group, "member": Member, "request": MembershipRequest,
    "appliance": Appliance, "status": list[SiteStatus], "deployment": Deployment, "usage": UsageDay,
    "server": Server, "flavor": Flavor, "image": Image, "limits": SiteLimits,
}


def _checked(name: str, raw: Any) -> None:
    """Parse ``raw`` with the parser ``name``: a ``ShapeError``, or objects of the declared types."""
    parse, _ = GOOD[name]
    try:
        parsed = parse(raw)
    except ShapeError:
        return
    assert _problems(parsed, KIND[name]) == [], raw


def test_every_good_sample_parses_into_its_model_with_its_values() -> None:
    assert KIND.keys() == GOOD.keys()
    for name, (parse, good) in GOOD.items():
        parsed = parse(good)
        assert _problems(parsed, KIND[name]) == [], name
        first = parsed[0] if isinstance(parsed, list) else parsed
        if "id" in good:  # the parser read the reply, not defaults
            assert first.id == good["id"], name
    assert GOOD["server"][0](GOOD["server"][1]).ip == "10.0.0.1"
    assert GOOD["flavor"][0](GOOD["flavor"][1]).gpus == 1  # from the PCI alias in extra_specs


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(name=st.sampled_from(sorted(GOOD)), data=st.data())
def test_mutated_replies_give_domain_errors_or_well_typed_objects(name: str, data: st.DataObject) -> None:
    _, good = GOOD[name]
    path = data.draw(st.sampled_from(_paths(good)))
    action = data.draw(st.sampled_from(["replace", "delete"]))
    _checked(name, _mutate(good, path, action, data.draw(JSON)))


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(sorted(GOOD)), raw=JSON)
def test_random_json_gives_domain_errors_or_well_typed_objects(name: str, raw: Any) -> None:
    _checked(name, raw)


FREE_FORM = {"metadata", "addresses", "extra_specs"}  # maps whose keys are data, not fields


def _records(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Paths of the objects of a sample that are records with named fields."""
    found = []
    if isinstance(value, dict):
        found.append(prefix)
        for k, v in value.items():
            if k not in FREE_FORM:
                found += _records(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += _records(v, (*prefix, i))
    return found


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(sorted(GOOD)), data=st.data())
def test_extra_fields_are_ignored(name: str, data: st.DataObject) -> None:
    """A server newer than the client adds fields anywhere: the parse is the same."""
    parse, good = GOOD[name]
    path = data.draw(st.sampled_from(_records(good)))
    extra = data.draw(st.dictionaries(st.text(max_size=8).map(lambda k: f"x-{k}"), JSON, min_size=1, max_size=3))
    widened = copy.deepcopy(good)
    record = widened
    for step in path:
        record = record[step]
    record.update(extra)
    assert parse(widened) == parse(good)
