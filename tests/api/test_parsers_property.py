"""Generated and mutated replies: every parser either returns domain objects or raises
``ShapeError`` (which the clients turn into ``BadReply``) — never anything else."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from biosphere_tui.api import openstack_parse as osp
from biosphere_tui.api import portal_parse as pp
from biosphere_tui.api.fields import ShapeError

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
    "usage": (pp.usage_day, {"day": "2026-11-25", "group_id": "g", "member": "demo", "site": "s", "vm_hours": 1.0,
                             "vcpu_hours": 2.0, "ram_gb_hours": 8.0, "disk_gb_hours": 20.0, "gpu_hours": 0.0}),
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


def test_every_good_sample_parses() -> None:
    for parse, good in GOOD.values():
        parse(good)


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(name=st.sampled_from(sorted(GOOD)), data=st.data())
def test_mutated_replies_give_domain_errors_only(name: str, data: st.DataObject) -> None:
    parse, good = GOOD[name]
    path = data.draw(st.sampled_from(_paths(good)))
    action = data.draw(st.sampled_from(["replace", "delete"]))
    mutated = _mutate(good, path, action, data.draw(JSON))
    try:
        parse(mutated)
    except ShapeError:
        pass


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(sorted(GOOD)), raw=JSON)
def test_random_json_gives_domain_errors_only(name: str, raw: Any) -> None:
    parse, _ = GOOD[name]
    try:
        parse(raw)
    except ShapeError:
        pass


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
