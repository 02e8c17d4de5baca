"""The fake OpenStack site against the real openstacksdk/keystoneauth clients, over 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import openstack
import pytest
from keystoneauth1 import exceptions as ks_exc
from openstack import exceptions as os_exc
from openstack.connection import Connection

from biosphere_tui.demo.httpserver import FAULTS, DemoHTTPService, Reply, Request
from biosphere_tui.demo.openstack_site import FakeFlavor, FakeImage, OpenStackSite, SiteState

# openstacksdk's own deprecation notices, not ours
pytestmark = [pytest.mark.filterwarnings("ignore::openstack.warnings.OpenStackDeprecationWarning"),
              pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")]

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PROJECT_ID = "0a1b2c3d4e5f40718293a4b5c6d7e8f9"
USERNAME, PASSWORD, REGION = "biosphere-portal", "s3cret", "orsay"
MICROVERSION = "2.96"
FLAVORS = [FakeFlavor("m4-medium", "ifb.m4.medium", 1, 4096, 20),
           FakeFlavor("m4-2xlarge", "ifb.m4.2xlarge", 8, 32768, 470),
           FakeFlavor("m4-16xlarge", "ifb.m4.16xlarge", 64, 262144, 1000),
           FakeFlavor("gpu-a100", "ifb.gpu.a100.xlarge", 16, 65536, 200, gpus=1)]


class Clock:
    """A frozen clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def make_state(clock: Clock, servers: int = 120, images: int = 30) -> SiteState:
    """A site with `servers` ACTIVE 1-vCPU servers, srv-000 the newest (created 1 h before T0)."""
    state = SiteState("ifb-core-cloud", clock, region=REGION, project_id=PROJECT_ID, password=PASSWORD,
                      quota_cores=160, quota_ram_mb=1_000_000, quota_instances=200)
    for flavor in FLAVORS:
        state.add_flavor(flavor)
    for n in range(images):
        state.add_image(FakeImage(f"img-{n:02d}", f"Ubuntu 22.04 #{n}", "ubuntu"))
    for n in range(servers):
        state.add_server(name=f"vm-{n:03d}", flavor_id="m4-medium", image_id="img-00", status="ACTIVE",
                         created=T0 - timedelta(hours=n + 1), server_id=f"srv-{n:03d}")
    return state


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def site(clock: Clock) -> Iterator[OpenStackSite]:
    site = OpenStackSite(make_state(clock))
    site.start()
    yield site
    site.stop()


def connect(site: OpenStackSite, *, timeout: float = 5, password: str = PASSWORD) -> Connection:
    return openstack.connect(auth_type="v3password", auth_url=site.auth_url, username=USERNAME,
                             password=password, project_name="biosphere", user_domain_name="Default",
                             project_domain_name="Default", region_name=REGION, api_timeout=timeout,
                             load_yaml_config=False, load_envvars=False)


def raw_server_pages(conn: Connection, **params: Any) -> list[list[dict[str, Any]]]:
    """Every page of GET /servers/detail through the raw adapter, following next links."""
    pages: list[list[dict[str, Any]]] = []
    url: str | None = "/servers/detail"
    query: dict[str, Any] | None = params
    while url:
        response = conn.compute.get(url, params=query, microversion=MICROVERSION)
        os_exc.raise_from_response(response)
        body = response.json()
        pages.append(body["servers"])
        url = next((link["href"] for link in body.get("servers_links", []) if link["rel"] == "next"), None)
        query = None  # the next link carries the query
    return pages


def requests_made(site: OpenStackSite, since: int = 0) -> list[tuple[str, str]]:
    return site.service.log[since:]


# -- listing -----------------------------------------------------------------------------


def test_raw_pages_follow_next_links(site: OpenStackSite) -> None:
    pages = raw_server_pages(connect(site), limit=50)
    assert [len(page) for page in pages] == [50, 50, 20]
    ids = [server["id"] for page in pages for server in page]
    assert ids == [f"srv-{n:03d}" for n in range(120)]  # newest first
    server = pages[0][0]
    assert server["status"] == "ACTIVE" and server["created"] == "2026-11-25T11:00:00Z"
    assert server["flavor"] == {"original_name": "ifb.m4.medium", "vcpus": 1, "ram": 4096, "disk": 20,
                                "ephemeral": 0, "swap": 0, "extra_specs": {}}
    assert server["addresses"]["biosphere-net"][0]["OS-EXT-IPS:type"] == "fixed"
    assert server["tenant_id"] == PROJECT_ID and server["OS-EXT-STS:vm_state"] == "active"


def test_resource_layer_lists_everything(site: OpenStackSite) -> None:
    conn = connect(site)
    assert len(list(conn.compute.servers())) == 120
    flavors = {flavor.name: flavor for flavor in conn.compute.flavors()}
    assert set(flavors) == {flavor.name for flavor in FLAVORS}
    assert flavors["ifb.gpu.a100.xlarge"].extra_specs == {"pci_passthrough:alias": "gpu:1"}
    assert conn.compute.get_flavor("m4-2xlarge").ram == 32768
    images = list(conn.image.images())  # 30 images: two Glance pages of 25
    assert len(images) == 30 and images[0].name == "Ubuntu 22.04 #0"
    assert conn.image.get_image("img-03").os_distro == "ubuntu"


def test_changes_since_reports_new_and_deleted_servers(site: OpenStackSite, clock: Clock) -> None:
    conn = connect(site)
    clock.advance(60)
    since = clock.now.isoformat()
    site.state.delete_server("srv-005")
    created = site.state.add_server(name="fresh", flavor_id="m4-medium", image_id="img-00")
    changed = raw_server_pages(conn, **{"changes-since": since})[0]
    assert {(s["id"], s["status"]) for s in changed} == {(created.id, "BUILD"), ("srv-005", "DELETED")}
    assert all(s["id"] != "srv-005" for page in raw_server_pages(conn) for s in page)


def test_limits_quota_and_usage(site: OpenStackSite) -> None:
    conn = connect(site)
    absolute = conn.compute.get_limits().absolute
    assert (absolute.total_cores, absolute.total_cores_used) == (160, 120)
    assert (absolute.total_ram, absolute.total_ram_used) == (1_000_000, 120 * 4096)
    assert (absolute.instances, absolute.instances_used) == (200, 120)
    quota = conn.compute.get_quota_set(PROJECT_ID, usage=True)
    assert (quota.cores, quota.usage["cores"]) == (160, 120)
    usage = conn.compute.get_usage(PROJECT_ID, start=T0 - timedelta(hours=3), end=T0)
    hours = 1 + 2 + 3 * 118  # srv-000 and srv-001 started inside the window
    assert usage.total_hours == pytest.approx(hours)
    assert usage.total_vcpus_usage == pytest.approx(hours)
    assert usage.total_memory_mb_usage == pytest.approx(hours * 4096)


def test_create_boot_and_delete(site: OpenStackSite, clock: Clock) -> None:
    conn = connect(site)
    server = conn.compute.create_server(name="rstudio", flavor_id="m4-2xlarge", image_id="img-01",
                                        networks="auto", metadata={"deployment": "dep-1"})
    assert server.admin_password
    fetched = conn.compute.get_server(server.id)
    assert fetched.status == "BUILD" and fetched.addresses == {}
    clock.advance(91)
    active = conn.compute.get_server(server.id)
    assert active.status == "ACTIVE" and active.metadata == {"deployment": "dep-1"}
    assert active.addresses["biosphere-net"][0]["addr"].startswith("10.")
    assert site.state.usage() == (128, 120 * 4096 + 32768, 121)
    with pytest.raises(os_exc.ForbiddenException, match="Quota exceeded for cores"):
        conn.compute.create_server(name="too-big", flavor_id="m4-16xlarge", image_id="img-01",
                                   networks="auto")
    conn.compute.delete_server(server.id)
    with pytest.raises(os_exc.NotFoundException):
        conn.compute.get_server(server.id)
    with pytest.raises(os_exc.NotFoundException):
        conn.compute.delete_server(server.id, ignore_missing=False)


def test_bad_requests_and_unknown_objects(site: OpenStackSite) -> None:
    conn = connect(site)
    with pytest.raises(os_exc.BadRequestException, match="Flavor nope could not be found"):
        conn.compute.create_server(name="x", flavor_id="nope", image_id="img-01", networks="auto")
    with pytest.raises(os_exc.NotFoundException):
        conn.compute.get_flavor("nope")
    with pytest.raises(os_exc.NotFoundException):
        conn.image.get_image("nope")
    response = conn.compute.get("/servers/detail", params={"marker": "nope"}, microversion=MICROVERSION)
    assert response.status_code == 400 and "badRequest" in response.json()


def test_wrong_password_is_unauthorized(site: OpenStackSite) -> None:
    with pytest.raises(ks_exc.Unauthorized):
        connect(site, password="wrong").compute.get_limits()


def test_unknown_token_is_rejected(site: OpenStackSite) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", site.service.port, timeout=5)
    connection.request("GET", "/compute/v2.1/servers/detail", headers={"X-Auth-Token": "forged"})
    response = connection.getresponse()
    assert response.status == 401 and json.loads(response.read())["error"]["code"] == 401


# -- the request sequence the SDK makes ----------------------------------------------------


def test_sdk_request_sequence(site: OpenStackSite) -> None:
    """Fails loudly when an SDK upgrade changes what it asks for."""
    conn = connect(site)
    list(conn.compute.servers())
    list(conn.compute.flavors())
    list(conn.image.images())
    conn.compute.get_limits()
    assert requests_made(site) == [
        ("POST", "/v3/auth/tokens"),
        ("GET", "/compute/v2.1"),
        ("GET", "/compute/v2.1/servers/detail"),
        ("GET", "/compute/v2.1/flavors/detail?is_public=None"),
        ("GET", "/image"),
        ("GET", "/image/v2/images"),
        ("GET", "/image/v2/images?marker=img-24"),
        ("GET", "/compute/v2.1/limits"),
    ]


# -- faults as the client sees them ----------------------------------------------------------

# The exception of the first call of a fresh connection, i.e. the login.
LOGIN_FAULTS: dict[str, type[Exception]] = {
    "down": ks_exc.ConnectFailure, "hang": ks_exc.ConnectTimeout,
    "http500": ks_exc.InternalServerError, "http503": ks_exc.ServiceUnavailable,
    "http429": ks_exc.TooManyRequests, "html": ks_exc.BadGateway, "garbage": ks_exc.InvalidResponse,
    "wrong_shape": ks_exc.InvalidResponse, "revoked_token": ks_exc.Unauthorized,
    "forbidden": ks_exc.Forbidden,
}
# The exception of conn.compute.get_limits() on a connection already logged in.
CALL_FAULTS: dict[str, type[Exception]] = {
    "down": ks_exc.ConnectFailure, "hang": ks_exc.ConnectTimeout, "http500": os_exc.HttpException,
    "http503": os_exc.HttpException, "http429": os_exc.HttpException, "html": os_exc.HttpException,
    "revoked_token": ks_exc.Unauthorized, "forbidden": os_exc.ForbiddenException,
}


def test_fault_tables_cover_every_fault() -> None:
    assert set(LOGIN_FAULTS) | {"none", "expired_token"} == set(FAULTS)
    assert set(CALL_FAULTS) | {"none", "expired_token", "garbage", "wrong_shape"} == set(FAULTS)


@pytest.mark.parametrize("fault", sorted(LOGIN_FAULTS))
def test_fault_at_login(site: OpenStackSite, fault: str) -> None:
    conn = connect(site, timeout=1)
    site.service.set_fault(fault)
    started = time.monotonic()
    with pytest.raises(LOGIN_FAULTS[fault]) as raised:
        conn.compute.get_limits()
    assert type(raised.value) is LOGIN_FAULTS[fault]
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("fault", sorted(CALL_FAULTS))
def test_fault_after_login(site: OpenStackSite, fault: str) -> None:
    conn = connect(site, timeout=2)  # its healthy first call must answer in time on a loaded machine
    conn.compute.get_limits()
    site.service.set_fault(fault)
    with pytest.raises(CALL_FAULTS[fault]) as raised:
        conn.compute.get_limits()
    assert type(raised.value) is CALL_FAULTS[fault]
    site.service.set_fault("none")
    assert conn.compute.get_limits().absolute.total_cores_used == 120  # recovered, same port


def test_garbage_and_wrong_shape_reach_raw_pages(site: OpenStackSite) -> None:
    """The Resource layer hides these (get_limits() returns empty Limits); raw pages show them."""
    conn = connect(site)
    conn.compute.get_limits()
    site.service.set_fault("garbage")
    with pytest.raises(ValueError):
        raw_server_pages(conn)
    site.service.set_fault("wrong_shape")
    with pytest.raises(KeyError):
        raw_server_pages(conn)


def test_expired_token_triggers_one_relogin(site: OpenStackSite) -> None:
    conn = connect(site)
    conn.compute.get_limits()
    site.service.set_fault("expired_token")
    mark = len(site.service.log)
    assert conn.compute.get_limits().absolute.total_cores_used == 120
    assert requests_made(site, mark) == [("GET", "/compute/v2.1/limits"), ("POST", "/v3/auth/tokens"),
                                         ("GET", "/compute/v2.1/limits")]


# -- the generic HTTP service ------------------------------------------------------------------


def _router(request: Request) -> Reply:
    if request.path == "/boom":
        raise RuntimeError("router bug")
    if request.method == "POST":
        return Reply(201, {"echo": request.json(), "q": request.arg("q")})
    return Reply(200, {"path": request.path})


def _get(service: DemoHTTPService, path: str, body: bytes | None = None) -> tuple[int, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=5)
    connection.request("POST" if body is not None else "GET", path, body=body)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def test_service_restart_errors_and_keep_alive(capfd: pytest.CaptureFixture[str]) -> None:
    service = DemoHTTPService("unit", _router, hang_seconds=0.2)
    service.start()
    try:
        port = service.port
        internal = {"error": {"code": "internal", "message": "Internal server error"}}
        assert _get(service, "/boom") == (500, internal)
        status, body = _get(service, "/echo", b"{not json")
        assert status == 400 and body["error"]["code"] == "bad_request"
        assert _get(service, "/echo?q=1", b'{"a": 1}') == (201, {"echo": {"a": 1}, "q": "1"})
        service.stop()
        service.start()
        assert service.port == port and _get(service, "/x") == (200, {"path": "/x"})
        service.set_fault("down")
        with pytest.raises(ConnectionRefusedError):
            _get(service, "/x")
        service.set_fault("http429")
        assert service.port == port and _get(service, "/x")[0] == 429
        service.set_fault("none")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        for _ in range(2):  # one connection, two requests
            connection.request("GET", "/keep")
            assert connection.getresponse().read() == b'{"path":"/keep"}'
        assert service.hits["GET /keep"] == 2 and service.log[-1] == ("GET", "/keep")
        with pytest.raises(ValueError):
            service.set_fault("meltdown")
    finally:
        service.stop()
    assert capfd.readouterr() == ("", "")


def test_a_list_of_1500_servers_comes_in_two_pages(clock: Clock) -> None:
    site = OpenStackSite(make_state(clock, servers=1500, images=1))
    site.start()
    try:
        pages = raw_server_pages(connect(site))
    finally:
        site.stop()
    assert [len(page) for page in pages] == [1000, 500]
    assert len({server["id"] for page in pages for server in page}) == 1500


def test_stop_releases_hung_requests_quickly() -> None:
    service = DemoHTTPService("unit", _router, hang_seconds=30)
    service.start()
    service.set_fault("hang")
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            _get(service, "/x")
        except (http.client.HTTPException, OSError) as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.2)
    started = time.monotonic()
    service.stop()
    caller.join(2)
    assert time.monotonic() - started < 1 and not caller.is_alive()
    assert isinstance(outcome[0], http.client.RemoteDisconnected)
