"""The parser on Nova's and Glance's own API samples (tests/api/fixtures, see its README): every
microversion's server shape, flavours, limits and images, and the partial shapes real Nova sends."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from biosphere_tui.api import openstack_parse as parse
from biosphere_tui.api.openstack import _nova_next
from biosphere_tui.models.states import UNLIMITED, exceeds

FIXTURES = Path(__file__).parent / "fixtures"
SITE = "genuine"


def sample(path: str) -> Any:
    return json.loads((FIXTURES / path).read_text())


def flavours() -> dict[str, Any]:
    return {f.id: f for f in (parse.flavor(x, SITE) for x in sample("nova/flavors/flavors-detail-resp.json")["flavors"])}


@pytest.mark.parametrize("path", ["nova/servers/servers-details-resp.json", "nova/servers/v2.16/servers-details-resp.json"])
def test_below_2_47_the_flavour_is_a_reference_looked_up_in_the_flavour_list(path: str) -> None:
    raw = sample(path)["servers"][0]
    assert set(raw["flavor"]) == {"id", "links"}
    s = parse.server(raw, SITE, flavours())
    assert (s.flavor, s.vcpus, s.ram_mb, s.disk_gb) == ("m1.tiny", 1, 512, 1)
    assert (s.name, s.status, s.ip) == ("new-server-test", "ACTIVE", "192.168.1.30")


@pytest.mark.parametrize("path", ["nova/servers/v2.47/servers-details-resp.json", "nova/servers/v2.96/servers-details-resp.json",
                                  "nova/servers/v2.100/servers-details-resp.json"])
def test_from_2_47_the_flavour_is_embedded(path: str) -> None:
    s = parse.server(sample(path)["servers"][0], SITE)  # no flavour list needed
    assert (s.flavor.partition(".specs")[0], s.vcpus, s.ram_mb, s.disk_gb, s.status) == ("m1.tiny", 1, 512, 1, "ACTIVE")
    assert s.image_id == "70a599e0-31e7-49b7-b260-868f441e862b"


def test_a_flavour_deleted_since_the_server_was_made_is_unknown_not_a_failure() -> None:
    raw = sample("nova/servers/servers-details-resp.json")["servers"][0]
    assert parse.server(raw, SITE, {}).flavor == parse.UNKNOWN_FLAVOR  # below 2.47: the id is no longer listed
    emptied = copy.deepcopy(sample("nova/servers/v2.96/servers-details-resp.json")["servers"][0])
    emptied["flavor"] = {}  # changed from the genuine sample: what a deleted flavour leaves
    s = parse.server(emptied, SITE)
    assert (s.flavor, s.vcpus, s.ram_mb, s.name) == (parse.UNKNOWN_FLAVOR, 0, 0, "new-server-test")


def test_a_server_in_a_down_cell_is_listed_with_what_nova_knows() -> None:
    listed = parse.server(sample("nova/servers/v2.69/servers-details-resp.json")["servers"][0], SITE)
    assert (listed.name, listed.status, listed.flavor, listed.ip) == (parse.UNKNOWN_NAME, "UNKNOWN", parse.UNKNOWN_FLAVOR, None)
    assert listed.id == "b6b0410f-b65f-4473-855e-5d82a71759e0" and listed.updated == listed.created
    shown = parse.server(sample("nova/servers/v2.69/server-get-resp.json")["server"], SITE)
    assert (shown.name, shown.status, shown.flavor, shown.ram_mb) == (parse.UNKNOWN_NAME, "UNKNOWN", "m1.tiny", 512)


def test_the_show_and_create_replies_parse() -> None:
    assert parse.server(sample("nova/servers/server-get-resp.json")["server"], SITE, flavours()).flavor == "m1.tiny"
    created = sample("nova/servers/server-create-resp.json")["server"]
    assert created["id"] == "f5dc173b-6804-445a-a6d8-c705dad5b5eb"  # what create_server returns


def test_addresses_prefer_floating_then_ipv4_then_ipv6_and_keep_them_all() -> None:
    raw = copy.deepcopy(sample("nova/servers/v2.96/servers-details-resp.json")["servers"][0])
    fixed = raw["addresses"]["private"][0]
    # changed from the genuine sample: an IPv6 on the same network, a second network with a floating address
    raw["addresses"]["private"] = [{**fixed, "addr": "fd00::30", "version": 6}, fixed]
    raw["addresses"]["public"] = [{**fixed, "addr": "203.0.113.7", "OS-EXT-IPS:type": "floating"}]
    s = parse.server(raw, SITE)
    assert s.ip == "203.0.113.7" and s.addresses == ("203.0.113.7", "192.168.1.30", "fd00::30")
    raw["addresses"] = {"private": [{**fixed, "addr": "fd00::30", "version": 6}]}  # IPv6 only
    assert parse.server(raw, SITE).ip == "fd00::30"
    ips = sample("nova/server-ips/server-ips-resp.json")  # GET /servers/{id}/ips: the same shape
    assert parse.server({**raw, "addresses": ips["addresses"]}, SITE).ip == "192.168.1.30"


@pytest.mark.parametrize("path", ["nova/flavors/flavors-detail-resp.json", "nova/flavors/v2.61/flavors-detail-resp.json",
                                  "nova/flavors/v2.75/flavors-detail-resp.json"])
def test_flavours_of_every_microversion(path: str) -> None:
    found = [parse.flavor(x, SITE) for x in sample(path)["flavors"]]
    tiny = next(f for f in found if f.name == "m1.tiny")
    assert (tiny.id, tiny.vcpus, tiny.ram_mb, tiny.disk_gb, tiny.gpus) == ("1", 1, 512, 1, 0)
    assert len(found) == 7 if "v2.61" in path or "v2.75" in path else 6


@pytest.mark.parametrize(("specs", "gpus"), [
    ({"pci_passthrough:alias": "a1:2,a2:1"}, 3), ({"pci_passthrough:alias": "a1:2"}, 2),
    ({"pci_passthrough:alias": "a1"}, 1), ({"resources:VGPU": "1"}, 1), ({"resources1:VGPU": "2"}, 2),
    ({"pci_passthrough:alias": "gpu:1", "resources:VGPU": "1"}, 2), ({"hw:cpu_policy": "dedicated"}, 0),
    ({"pci_passthrough:alias": "a1:x"}, 0),
])
def test_gpu_extra_specs_as_nova_documents_them(specs: dict[str, str], gpus: int) -> None:
    raw = copy.deepcopy(sample("nova/flavors/v2.75/flavors-detail-resp.json")["flavors"][0])
    raw["extra_specs"] = specs  # changed: the specs of Nova's pci-passthrough and virtual-gpu guides
    assert parse.flavor(raw, SITE).gpus == gpus


@pytest.mark.parametrize("path", ["nova/limits/limit-get-resp.json", "nova/limits/v2.57/limit-get-resp.json"])
def test_limits(path: str) -> None:
    lim = parse.limits(sample(path), SITE)
    assert (lim.max_vcpu, lim.max_ram_mb, lim.max_instances, lim.used_vcpu) == (20, 51200, 10, 0)


def test_unlimited_is_kept_and_never_exceeded() -> None:
    raw = copy.deepcopy(sample("nova/limits/v2.57/limit-get-resp.json"))
    raw["limits"]["absolute"] |= {"maxTotalCores": -1, "maxTotalRAMSize": -1, "totalCoresUsed": 8}  # changed: no limit
    lim = parse.limits(raw, SITE)
    assert lim.max_vcpu == lim.max_ram_mb == UNLIMITED
    assert not exceeds(lim.used_vcpu, 1000, lim.max_vcpu) and exceeds(10, 1, lim.max_instances)


def test_glance_images() -> None:
    images = [parse.image(x, SITE) for x in sample("glance/images-list-response.json")["images"]]
    assert [(i.name, i.status, i.min_ram_mb) for i in images] == [("cirros-0.3.2-x86_64-disk", "active", 0),
                                                                  ("F17-x86_64-cfntools", "active", 0)]
    assert parse.image(sample("glance/image-show-response.json"), SITE).status == "active"


def test_nova_next_page_markers() -> None:
    assert _nova_next(sample("nova/servers/servers-details-resp.json")) == "f5dc173b-6804-445a-a6d8-c705dad5b5eb"
    assert _nova_next(sample("nova/servers/v2.69/servers-details-resp.json")) is None
    assert _nova_next({"flavors": [], "flavors_links": [{"rel": "next", "href": "http://x/flavors/detail?marker=2"}]}) == "2"
