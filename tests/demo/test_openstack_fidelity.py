"""The fake sites answer as real Keystone and Nova do, byte for byte where clients look.

Each expectation comes from the real services: Nova's api_version_request.py and wsgi.py
(microversions, fault bodies), its API samples (doc/api_samples/), servers.py and keypairs.py
(validation and messages); Keystone's version documents and token validation.
"""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from test_openstack_site import PASSWORD, PROJECT_ID, Clock, make_state

from biosphere_tui.demo import openstack_site
from biosphere_tui.demo.openstack_site import OpenStackSite

NOVA = "/compute/v2.1"
PUBLIC_KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGdQvQhcmiZ3Hk5ZQ7ef4q0nRr3cJjKQ0q3m1p2p7b3c demo@example")
IMAGE = "img-01"


@pytest.fixture
def site() -> Iterator[OpenStackSite]:
    site = OpenStackSite(make_state(Clock(), servers=3, images=3), max_microversion="2.95")
    site.start()
    yield site
    site.stop()


class Api:
    """Raw HTTP to one site, signed in once."""

    def __init__(self, site: OpenStackSite) -> None:
        self.site = site
        auth = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "biosphere-portal", "password": PASSWORD, "domain": {"name": "Default"}}}},
            "scope": {"project": {"name": "biosphere", "domain": {"name": "Default"}}}}}
        status, headers, body = self.call("POST", "/v3/auth/tokens", auth, token=False)
        assert status == 201
        self.token = headers["X-Subject-Token"]
        self.login = body

    def call(self, method: str, path: str, body: Any = None, *, version: str | None = None,
             headers: dict[str, str] | None = None, token: bool = True) -> tuple[int, http.client.HTTPMessage, Any]:
        sent = dict(headers or {})
        if token:
            sent["X-Auth-Token"] = self.token
        if version is not None:
            sent["OpenStack-API-Version"] = f"compute {version}"
        if body is not None:
            sent["Content-Type"] = "application/json"
        connection = http.client.HTTPConnection("127.0.0.1", self.site.service.port, timeout=5)
        connection.request(method, path, body=None if body is None else json.dumps(body), headers=sent)
        response = connection.getresponse()
        raw = response.read()
        return response.status, response.headers, json.loads(raw) if raw else None

    def create(self, version: str = "2.95", **server: Any) -> tuple[int, Any]:
        spec = {"name": "vm", "flavorRef": "m4-medium", "imageRef": IMAGE} | server
        status, _, body = self.call("POST", f"{NOVA}/servers", {"server": spec}, version=version)
        return status, body


@pytest.fixture
def api(site: OpenStackSite) -> Api:
    return Api(site)


# -- Keystone ------------------------------------------------------------------------------


def test_keystone_version_documents_catalog_and_token_validation(api: Api) -> None:
    status, headers, body = api.call("GET", "/", token=False)
    assert status == 300 and [v["id"] for v in body["versions"]["values"]] == ["v3.14"]
    assert headers["x-openstack-request-id"].startswith("req-")
    status, _, body = api.call("GET", "/v3", token=False)
    assert status == 200 and body["version"]["status"] == "stable"
    identity = next(e for e in api.login["token"]["catalog"] if e["type"] == "identity")
    assert sorted(e["interface"] for e in identity["endpoints"]) == ["admin", "internal", "public"]
    assert {e["type"] for e in api.login["token"]["catalog"]} == {"identity", "compute", "image", "network"}
    status, headers, body = api.call("GET", "/v3/auth/tokens", headers={"X-Subject-Token": api.token})
    assert status == 200 and headers["X-Subject-Token"] == api.token
    assert body["token"]["project"]["id"] == PROJECT_ID
    status, _, body = api.call("GET", "/v3/auth/tokens", headers={"X-Subject-Token": "forged"})
    assert status == 404 and body["error"]["message"] == "Could not find token: forged."
    assert api.call("GET", "/v3/auth/tokens", token=False)[0] == 401


# -- Nova microversions ---------------------------------------------------------------------


def test_nova_version_documents(api: Api) -> None:
    status, headers, body = api.call("GET", "/compute", token=False)
    assert status == 200 and [(v["id"], v["version"]) for v in body["versions"]] == [("v2.0", ""), ("v2.1", "2.95")]
    status, headers, body = api.call("GET", f"{NOVA}/", token=False)
    assert status == 200 and body["version"] | {"links": None} == {
        "id": "v2.1", "status": "CURRENT", "version": "2.95", "min_version": "2.1",
        "updated": "2013-07-23T11:33:21Z", "links": None,
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}]}
    assert headers["OpenStack-API-Version"] == "compute 2.1"


@pytest.mark.parametrize(("sent", "served"), [
    ({}, "2.1"), ({"OpenStack-API-Version": "compute 2.60"}, "2.60"),
    ({"OpenStack-API-Version": "compute latest"}, "2.95"), ({"X-OpenStack-Nova-API-Version": "2.47"}, "2.47"),
    ({"OpenStack-API-Version": "image 2.5, compute 2.9"}, "2.9"),
])
def test_the_microversion_asked_for_is_served(api: Api, sent: dict[str, str], served: str) -> None:
    status, headers, _ = api.call("GET", f"{NOVA}/servers", headers=sent)
    assert status == 200 and headers["OpenStack-API-Version"] == f"compute {served}"
    assert headers["X-OpenStack-Nova-API-Version"] == served
    assert headers["Vary"] == "OpenStack-API-Version, X-OpenStack-Nova-API-Version"
    assert headers["x-compute-request-id"] == headers["x-openstack-request-id"]
    assert headers["x-openstack-request-id"].startswith("req-")


def test_a_version_out_of_range_is_406_and_a_malformed_one_400(api: Api) -> None:
    for asked in ("2.96", "2.200", "2.0"):
        status, headers, body = api.call("GET", f"{NOVA}/servers", version=asked)
        assert status == 406 and body == {"computeFault": {"code": 406, "message": (
            f"Version {asked} is not supported by the API. Minimum is 2.1 and maximum is 2.95.")}}
        assert headers["OpenStack-API-Version"] == f"compute {asked}"
    status, headers, body = api.call("GET", f"{NOVA}/servers", version="abc")
    assert status == 400 and body == {"badRequest": {"code": 400, "message": (
        "API Version String abc is of invalid format. Must be of format MajorNum.MinorNum.")}}
    assert "OpenStack-API-Version" not in headers


def test_server_shape_follows_the_microversion(api: Api) -> None:
    old = api.call("GET", f"{NOVA}/servers/srv-000", version="2.46")[2]["server"]
    assert set(old["flavor"]) == {"id", "links"} and old["flavor"]["id"] == "m4-medium"
    assert "locked" in old and "tags" in old and "trusted_image_certificates" not in old
    first = api.call("GET", f"{NOVA}/servers/srv-000")[2]["server"]  # 2.1
    assert not {"locked", "description", "tags", "locked_reason", "pinned_availability_zone"} & set(first)
    new = api.call("GET", f"{NOVA}/servers/srv-000", version="2.95")[2]["server"]
    assert new["flavor"] == {"vcpus": 1, "ram": 4096, "disk": 20, "ephemeral": 0, "swap": 0,
                             "original_name": "ifb.m4.medium", "extra_specs": {}}
    assert new["locked_reason"] is None and new["server_groups"] == [] and "pinned_availability_zone" not in new
    detail = api.call("GET", f"{NOVA}/servers/detail", version="2.95")[2]["servers"][0]
    assert "server_groups" not in detail  # shown by GET /servers/{id} only (views/servers.py)
    assert new["OS-SRV-USG:launched_at"].endswith(".000000")


def test_flavor_and_limits_shapes_follow_the_microversion(api: Api) -> None:
    flavor = api.call("GET", f"{NOVA}/flavors/m4-medium")[2]["flavor"]
    assert flavor["swap"] == "" and "extra_specs" not in flavor and "description" not in flavor
    flavor = api.call("GET", f"{NOVA}/flavors/m4-medium", version="2.75")[2]["flavor"]
    assert flavor["swap"] == 0 and flavor["extra_specs"] == {} and flavor["description"] is None
    limits = api.call("GET", f"{NOVA}/limits")[2]["limits"]["absolute"]
    assert limits["maxSecurityGroups"] == -1 and limits["maxImageMeta"] == 128
    limits = api.call("GET", f"{NOVA}/limits", version="2.57")[2]["limits"]["absolute"]
    assert set(limits) == {"maxServerMeta", "maxTotalCores", "maxTotalInstances", "maxTotalKeypairs",
                           "maxTotalRAMSize", "maxServerGroups", "maxServerGroupMembers", "totalCoresUsed",
                           "totalInstancesUsed", "totalRAMUsed", "totalServerGroupsUsed"}


# -- Nova's checks and error bodies -----------------------------------------------------------


def test_create_is_checked_as_nova_checks_it(api: Api, site: OpenStackSite) -> None:
    assert api.create(key_name="nope", networks="auto") == (400, {"badRequest": {
        "code": 400, "message": "Invalid key_name provided."}})
    lost = "6b1a8e2c-8a0e-4d8b-9a5e-2f7d9c0e1a3b"
    assert api.create(networks=[{"uuid": lost}])[1]["badRequest"]["message"] == f"Network {lost} could not be found."
    status, body = api.create()
    assert status == 400 and body["badRequest"]["message"].endswith("'networks' is a required property")
    assert api.create(name=" padded", networks="auto")[1]["badRequest"]["message"] == (
        "An invalid 'name' value was provided. The name must be: printable characters. "
        "Can not start or end with whitespace.")
    assert api.create(flavorRef="nope", networks="auto")[1]["badRequest"]["message"] == "Flavor nope could not be found."
    assert api.create(imageRef="nope", networks="auto")[1]["badRequest"]["message"] == "Can not find requested image"
    assert api.create(version="2.36", networks="auto")[0] == 400  # "auto" exists from 2.37
    second = site.state.add_network("training-net")
    ambiguous = {"conflictingRequest": {"code": 409, "message": (
        "Multiple possible networks found, use a Network ID to be more specific.")}}
    assert api.create(networks="auto") == (409, ambiguous)
    assert api.create(version="2.36") == (409, ambiguous)
    status, body = api.create(networks=[{"uuid": second.id}], name="on-training")
    assert status == 202 and site.state.servers[body["server"]["id"]].network == "training-net"
    status, body = api.create(networks="none", name="no-net")
    assert status == 202 and site.state.servers[body["server"]["id"]].network is None


def test_a_locked_server_cannot_be_deleted(api: Api) -> None:
    assert api.call("POST", f"{NOVA}/servers/srv-001/action", {"lock": {"locked_reason": "exam"}},
                    version="2.95")[0] == 202
    server = api.call("GET", f"{NOVA}/servers/srv-001", version="2.95")[2]["server"]
    assert server["locked"] is True and server["locked_reason"] == "exam"
    status, _, body = api.call("DELETE", f"{NOVA}/servers/srv-001", version="2.95")
    assert status == 409 and body == {"conflictingRequest": {"code": 409, "message": "Instance srv-001 is locked"}}
    assert api.call("POST", f"{NOVA}/servers/srv-001/action", {"unlock": None})[0] == 202
    assert api.call("DELETE", f"{NOVA}/servers/srv-001")[0] == 204
    status, _, body = api.call("GET", f"{NOVA}/servers/srv-001")
    assert status == 404 and body == {"itemNotFound": {"code": 404, "message": "Instance srv-001 could not be found."}}
    status, _, body = api.call("POST", f"{NOVA}/servers/srv-002/action", {"reboot": {"type": "SOFT"}})
    assert status == 400 and body["badRequest"]["message"] == "There is no such action: reboot"


def test_keypairs(api: Api, site: OpenStackSite) -> None:
    status, _, body = api.call("POST", f"{NOVA}/os-keypairs", {"keypair": {"name": "laptop", "public_key": PUBLIC_KEY}},
                               version="2.92")
    assert status == 201 and set(body["keypair"]) == {"name", "public_key", "fingerprint", "user_id", "type"}
    assert body["keypair"]["fingerprint"].count(":") == 15
    status, _, body = api.call("POST", f"{NOVA}/os-keypairs", {"keypair": {"name": "laptop", "public_key": PUBLIC_KEY}},
                               version="2.92")
    assert status == 409 and body["conflictingRequest"]["message"] == "Key pair 'laptop' already exists."
    status, _, body = api.call("POST", f"{NOVA}/os-keypairs", {"keypair": {"name": "gen"}}, version="2.92")
    assert status == 400 and body["badRequest"]["message"].endswith("'public_key' is a required property")
    status, _, body = api.call("POST", f"{NOVA}/os-keypairs", {"keypair": {"name": "gen"}}, version="2.91")
    assert status == 201 and body["keypair"]["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    listed = api.call("GET", f"{NOVA}/os-keypairs", version="2.2")[2]["keypairs"]
    assert [k["keypair"]["name"] for k in listed] == ["gen", "laptop"] and listed[0]["keypair"]["type"] == "ssh"
    shown = api.call("GET", f"{NOVA}/os-keypairs/laptop")[2]["keypair"]
    assert shown["public_key"] == PUBLIC_KEY and shown["deleted"] is False and "type" not in shown
    assert api.create(key_name="laptop", networks="auto")[0] == 202
    assert api.call("DELETE", f"{NOVA}/os-keypairs/laptop", version="2.2")[0] == 204
    status, _, body = api.call("GET", f"{NOVA}/os-keypairs/laptop")
    assert status == 404 and body["itemNotFound"]["message"] == (
        f"Keypair laptop not found for user {site.state.user_id}")


def test_nova_rate_limit_says_when_to_retry(api: Api, site: OpenStackSite, monkeypatch: pytest.MonkeyPatch) -> None:
    site.service.set_fault("http429")
    since = site.service.fault_since
    monkeypatch.setattr(openstack_site.time, "monotonic_ns", lambda: since + 45_500_000_000)
    status, headers, body = api.call("GET", f"{NOVA}/servers")
    assert status == 429 and headers["Retry-After"] == "15"  # the limiter's 60 s window ends in 15 s
    assert body == {"overLimit": {"code": 429, "message": "This request was rate-limited.", "retryAfter": "15"}}
    monkeypatch.setattr(openstack_site.time, "monotonic_ns", time.monotonic_ns)
    status, _, body = api.call("GET", f"{NOVA}/servers/nope")
    assert status == 429


def test_neutron_lists_the_project_networks(api: Api, site: OpenStackSite) -> None:
    status, _, body = api.call("GET", "/network/v2.0/networks?name=biosphere-net")
    assert status == 200 and [n["name"] for n in body["networks"]] == ["biosphere-net"]
    assert body["networks"][0]["subnets"]
    status, _, body = api.call("GET", "/network/v2.0/networks/nope")
    assert status == 404 and body["NeutronError"]["type"] == "NetworkNotFound"
