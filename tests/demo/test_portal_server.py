"""The demo portal over HTTP (raw httpx, frozen clock): shapes, paging, auth, roles, orchestration.

The `demo` fixture (tests/conftest.py) is a started DemoCloud, seed 42, scale 1, whose clock
moves only when a test advances it; the autouse fixture there sets NO_PROXY for loopback.
"""

from __future__ import annotations

import os
import stat
import tomllib
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from biosphere_tui.demo.clock import DemoClock
from biosphere_tui.demo.cloud import DemoCloud
from biosphere_tui.demo.contract import Availability

ADMIN_GROUP, MEMBER_GROUP = "marine-meta", "ebame-2026"
GROUP_KEYS = {"id", "name", "full_name", "kind", "role", "quota", "used", "start_date", "end_date", "funding"}
MEMBER_KEYS = {"username", "name", "email", "role", "joined", "account_end"}
REQUEST_KEYS = {"id", "group_id", "username", "name", "email", "message", "created", "state", "reason"}
APPLIANCE_KEYS = {"id", "name", "category", "os", "os_version", "summary", "description", "version", "licence",
                  "contact", "tools", "topics", "access", "developers", "min_resources", "docker", "remote_desktop",
                  "multi_vm"}
SITE_KEYS = {"id", "platform", "city", "state", "message", "features", "capacity", "flavors", "updated"}
DEPLOYMENT_KEYS = {"id", "name", "appliance", "group", "owner", "site", "flavor", "state", "created", "updated",
                   "resources", "server_id", "ip", "access", "parameters", "reason", "last_activity"}
USAGE_KEYS = {"day", "group_id", "member", "site", "vm_hours", "vcpu_hours", "ram_gb_hours", "disk_gb_hours",
              "gpu_hours"}
LAUNCH = {"name": "tara-binning", "appliance": "160", "group": ADMIN_GROUP, "site": "ifb-core-cloud",
          "flavor": "ifb.m4.large"}


@pytest.fixture
def api(demo: DemoCloud) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=demo.portal_url, headers={"Authorization": f"Bearer {demo.token}"},
                      timeout=10) as client:
        yield client


def ok(reply: httpx.Response, status: int = 200) -> Any:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == "application/json"
    return reply.json()


def error(reply: httpx.Response, status: int, code: str) -> Any:
    assert reply.status_code == status, reply.text
    err = reply.json()["error"]
    assert err["code"] == code and err["message"]
    return err


def items(api: httpx.Client, path: str, **params: Any) -> Any:
    return ok(api.get(path, params={"per_page": 500, **params}))["items"]


def create(api: httpx.Client, key: str | None = None, **changes: str) -> httpx.Response:
    """POST a deployment (LAUNCH with *changes*); a fresh Idempotency-Key unless *key* is given."""
    return api.post("/monitor/deployments", json={**LAUNCH, **changes},
                    headers={"Idempotency-Key": key or str(uuid.uuid4())})


def other_member_deployment(demo: DemoCloud) -> str:
    return next(d.id for d in demo.world.deployments.values() if d.group_id == MEMBER_GROUP and d.owner != "demo")


def test_every_read_endpoint_has_the_contract_shape(api: httpx.Client) -> None:
    assert ok(api.get("/me")) == {"username": "demo", "name": "Camille Martin", "email": "camille.martin@example.org"}
    groups = items(api, "/cloudweb_account/groups")
    assert {g["id"]: g["role"] for g in groups} == {ADMIN_GROUP: "admin", MEMBER_GROUP: "member",
                                                   "univ-rennes": "member"}
    assert all(set(g) == GROUP_KEYS and set(g["quota"]) == set(g["used"]) == {"vcpu", "ram_gb", "storage_gb"}
               for g in groups)
    directory = items(api, "/cloudweb_account/groups/directory")
    assert all(set(g) == {"id", "name", "full_name", "kind", "is_member"} for g in directory)
    assert sum(g["is_member"] for g in directory) == 3 < len(directory)
    members = items(api, f"/cloudweb_account/groups/{ADMIN_GROUP}/members")
    assert all(set(m) == MEMBER_KEYS for m in members) and 15 <= len(members) <= 26
    requests = items(api, f"/cloudweb_account/groups/{ADMIN_GROUP}/requests", state="pending")
    assert all(set(r) == REQUEST_KEYS and r["state"] == "pending" for r in requests) and 3 <= len(requests) <= 6
    assert all(r["created"].endswith("Z") for r in requests)
    catalogue = items(api, "/catalogue")
    assert len(catalogue) >= 30 and all(set(a) == APPLIANCE_KEYS for a in catalogue)
    assert ok(api.get("/catalogue/125"))["name"] == "Marine Microbiome"
    status = ok(api.get("/cloud/system_status"))
    assert len(status["sites"]) == 8 and all(set(s) == SITE_KEYS for s in status["sites"])
    assert set(status["sites"][0]["capacity"]) == {"vcpu", "ram_gb", "storage_gb", "gpu"}
    mine = items(api, "/monitor/deployments", scope="mine")
    assert mine and all(set(d) == DEPLOYMENT_KEYS and d["owner"] == "demo" for d in mine)
    group = items(api, "/monitor/deployments", scope="group", group=ADMIN_GROUP)
    assert {d["owner"] for d in group} > {"demo"}
    ready = next(d for d in group if d["state"] == "Ready" and len(d["access"]) > 1)
    assert ok(api.get(f"/monitor/deployments/{ready['id']}")) == ready
    assert {p["name"]: p["secret"] for p in ready["parameters"]}.get("username") is False
    usage = items(api, f"/cloudweb_account/groups/{ADMIN_GROUP}/consumption")
    assert usage and all(set(u) == USAGE_KEYS for u in usage)


def test_pagination_walks_every_page(api: httpx.Client, demo: DemoCloud) -> None:
    path, params = "/monitor/deployments", {"scope": "group", "group": ADMIN_GROUP}
    total = sum(d.group_id == ADMIN_GROUP for d in demo.world.deployments.values())
    seen, page = [], 1
    while page is not None:
        body = ok(api.get(path, params={**params, "page": page, "per_page": 7}))
        assert (body["page"], body["per_page"], body["total"]) == (page, 7, total)
        seen += [d["id"] for d in body["items"]]
        page = body["next_page"]
    assert len(seen) == len(set(seen)) == total
    assert ok(api.get(path, params={**params, "per_page": 500}))["per_page"] == 500
    beyond = ok(api.get(path, params={**params, "page": 99}))
    assert beyond["items"] == [] and beyond["next_page"] is None
    for bad in ({"page": 0}, {"per_page": "x"}, {"per_page": 501}, {"per_page": 10_000}, {"page": ""}):
        assert error(api.get(path, params={**params, **bad}), 422, "invalid")["field"] in bad


@pytest.mark.parametrize("how", ["missing", "wrong", "expired_token", "revoked_token"])
def test_the_portal_wants_its_token(demo: DemoCloud, api: httpx.Client, how: str) -> None:
    if how == "missing":
        reply = httpx.get(f"{demo.portal_url}/me")
    elif how == "wrong":
        reply = httpx.get(f"{demo.portal_url}/me", headers={"Authorization": "Bearer nope"})
    else:
        demo.set_fault("portal", how)
        reply = api.get("/me")
    error(reply, 401, "unauthorized")


def test_a_plain_member_gets_403_on_admin_endpoints_and_others_deployments(api: httpx.Client,
                                                                           demo: DemoCloud) -> None:
    base = f"/cloudweb_account/groups/{MEMBER_GROUP}"
    for reply in (api.get(f"{base}/members"), api.get(f"{base}/requests"),
                  api.get("/monitor/deployments", params={"scope": "group", "group": MEMBER_GROUP})):
        error(reply, 403, "forbidden")
    own = ok(api.post("/cloudweb_account/groups/plant-pangenomes/join", json={"message": "Me again."}), 202)
    error(api.post(f"/cloudweb_account/groups/plant-pangenomes/requests/{own['id']}/approve"), 403, "forbidden")
    dep_id = other_member_deployment(demo)
    error(api.get(f"/monitor/deployments/{dep_id}"), 403, "forbidden")
    error(api.delete(f"/monitor/deployments/{dep_id}"), 403, "forbidden")
    error(create(api, group="plant-pangenomes"), 403, "forbidden")


def test_unknown_things_are_404(api: httpx.Client, demo: DemoCloud) -> None:
    for path in ("/catalogue/9999", "/monitor/deployments/nope", "/cloudweb_account/groups/nope/members",
                 "/no/such/endpoint"):
        error(api.get(path), 404, "not_found")
    error(api.post(f"/cloudweb_account/groups/{ADMIN_GROUP}/requests/mreq-99999/approve"), 404, "not_found")
    # 404 comes before 403: a request of marine-meta is unknown in a group the user does not administer.
    rid = next(iter(demo.world.requests))
    error(api.post(f"/cloudweb_account/groups/{MEMBER_GROUP}/requests/{rid}/approve"), 404, "not_found")


def test_approve_and_reject_once_each(api: httpx.Client) -> None:
    base = f"/cloudweb_account/groups/{ADMIN_GROUP}"
    first, second = items(api, f"{base}/requests", state="pending")[:2]
    approved = ok(api.post(f"{base}/requests/{first['id']}/approve"))
    assert approved["state"] == "approved"
    assert first["username"] in {m["username"] for m in items(api, f"{base}/members")}
    rejected = ok(api.post(f"{base}/requests/{second['id']}/reject", json={"reason": "Not in the project."}))
    assert (rejected["state"], rejected["reason"]) == ("rejected", "Not in the project.")
    error(api.post(f"{base}/requests/{first['id']}/reject", json={"reason": "late"}), 409, "conflict")
    error(api.post(f"{base}/requests/{second['id']}/approve"), 409, "conflict")
    assert {r["id"] for r in items(api, f"{base}/requests", state="approved")} >= {first["id"]}


def test_join_and_ask_for_a_new_group(api: httpx.Client) -> None:
    joined = ok(api.post("/cloudweb_account/groups/plant-pangenomes/join", json={"message": "Hi!"}), 202)
    assert (joined["state"], joined["username"], joined["message"]) == ("pending", "demo", "Hi!")
    error(api.post("/cloudweb_account/groups/plant-pangenomes/join", json={"message": "again"}), 409, "conflict")
    error(api.post(f"/cloudweb_account/groups/{ADMIN_GROUP}/join", json={"message": ""}), 409, "conflict")
    assert error(api.post(f"/cloudweb_account/groups/{ADMIN_GROUP}/join", json={}), 422, "invalid")["field"] == "message"
    spec = {"short_name": "kelp-holobiont", "full_name": "Kelp holobiont metagenomics", "start_date": "2027-01-01",
            "end_date": "2028-12-31", "summary": "Kelp forests.", "vcpu": 64, "ram_gb": 256, "storage_gb": 4000,
            "funding": "collaboration"}
    reply = ok(api.post("/cloudweb_account/groups", json=spec), 202)
    assert reply["id"].startswith("greq-") and reply["state"] == "pending"
    for field, value in (("short_name", "Bad Name"), ("vcpu", 0), ("funding", "lottery"),
                         ("end_date", "2026-01-01"), ("short_name", ADMIN_GROUP)):
        reply = api.post("/cloudweb_account/groups", json={**spec, field: value})
        assert error(reply, 422, "invalid")["field"] == field


def test_a_new_deployment_boots_a_real_server_to_ready(api: httpx.Client, demo: DemoCloud) -> None:
    dep = ok(create(api), 201)
    assert (dep["state"], dep["owner"], dep["ip"], dep["access"]) == ("Initializing", "demo", None, [])
    core = demo.sites["ifb-core-cloud"]
    assert core.service.hits["POST /compute/v2.1/servers"] == 1 and core.service.hits["POST /v3/auth/tokens"] == 1
    server = core.state.servers[dep["server_id"]]
    assert server.metadata == {"biosphere_deployment": dep["id"], "biosphere_group": ADMIN_GROUP, "owner": "demo"}
    assert core.state.flavors[server.flavor_id].name == "ifb.m4.large"
    demo.clock.advance(30)
    assert ok(api.get(f"/monitor/deployments/{dep['id']}"))["state"] == "Provisioning"
    demo.clock.advance(150)
    ready = ok(api.get(f"/monitor/deployments/{dep['id']}"))
    assert ready["state"] == "Ready" and ready["ip"] == server.ip
    assert {a["kind"]: a["url"] for a in ready["access"]} == {
        "ssh": f"ssh://ubuntu@{server.ip}", "https": "https://tara-binning.ifb-core-cloud.biosphere.example/"}
    assert {p["name"]: p["secret"] for p in ready["parameters"]} == {"username": False, "token": True}
    assert dep["id"] in {d["id"] for d in items(api, "/monitor/deployments")}


def test_an_idempotency_key_creates_once(api: httpx.Client, demo: DemoCloud) -> None:
    first = ok(create(api, key="3f1c0c4e-0000-4000-8000-000000000001"), 201)
    again = ok(create(api, key="3f1c0c4e-0000-4000-8000-000000000001"), 200)
    assert again["id"] == first["id"]
    assert demo.sites["ifb-core-cloud"].service.hits["POST /compute/v2.1/servers"] == 1
    assert ok(create(api, key="3f1c0c4e-0000-4000-8000-000000000002"), 201)["id"] != first["id"]


@pytest.mark.parametrize(("field", "value"), [
    ("name", "Bad_Name"), ("name", "ab"), ("name", "9lives"), ("appliance", "nope"), ("group", "nope"),
    ("group", "univ-rennes"), ("site", "nope"), ("flavor", "ifb.gpu.a100.xlarge"), ("flavor", "ifb.m4.medium")])
def test_a_bad_deployment_is_422_with_its_field(api: httpx.Client, field: str, value: str) -> None:
    site = "ifb-prabi-girofle"  # no GPU there; and Jupyter needs more than ifb.m4.medium
    assert error(create(api, **{"site": site, field: value}), 422, "invalid")["field"] == field


def test_quota_and_capacity_refusals(api: httpx.Client, demo: DemoCloud) -> None:
    used, quota = demo.world.committed(ADMIN_GROUP), demo.world.groups[ADMIN_GROUP].quota
    assert used.ram_gb + 1024 > quota.ram_gb
    error(create(api, appliance="201", flavor="ifb.bm.1tb"), 422, "quota_exceeded")
    aubi = demo.world.sites["ifb-aubi-cloud"]
    aubi.others = aubi.totals
    demo.world.touch()
    error(create(api, site="ifb-aubi-cloud"), 422, "no_capacity")
    assert demo.sites["ifb-aubi-cloud"].service.hits["POST /compute/v2.1/servers"] == 0


def test_an_unavailable_site_is_503_and_an_unreachable_one_aborts(api: httpx.Client, demo: DemoCloud) -> None:
    demo.world.set_availability("ifb-bird-stack", Availability.MAINTENANCE, "Hypervisor upgrade.")
    assert "Hypervisor upgrade" in error(create(api, site="ifb-bird-stack"), 503, "site_unavailable")["message"]
    demo.set_fault("ifb-core-cloud", "down")
    aborted = ok(create(api), 201)
    assert aborted["state"] == "Aborted" and aborted["server_id"] is None
    assert "ifb-core-cloud" in aborted["reason"] and "unreachable" in aborted["reason"]
    before = demo.world.committed(ADMIN_GROUP)
    demo.set_fault("ifb-core-cloud", "none")
    assert ok(create(api, name="second-try"), 201)["state"] == "Initializing"
    assert demo.world.committed(ADMIN_GROUP).vcpu == before.vcpu + 2


def test_delete_removes_the_server_then_finishes(api: httpx.Client, demo: DemoCloud) -> None:
    dep = next(d for d in demo.world.deployments.values()
               if d.owner != "demo" and d.group_id == ADMIN_GROUP and d.state.value == "Ready")
    cloud = demo.world.sites[dep.site].cloud
    assert not cloud.servers[dep.server_id or ""].deleted
    deleted = ok(api.delete(f"/monitor/deployments/{dep.id}"), 202)
    assert deleted["state"] == "Finalizing" and deleted["access"] == []
    assert cloud.servers[dep.server_id or ""].deleted
    demo.clock.advance(30)
    assert ok(api.get(f"/monitor/deployments/{dep.id}"))["state"] == "Done"
    error(api.delete(f"/monitor/deployments/{dep.id}"), 409, "conflict")


def test_delete_needs_the_site(api: httpx.Client, demo: DemoCloud) -> None:
    dep = next(d for d in demo.world.deployments.values() if d.owner == "demo" and d.state.value == "Ready")
    demo.set_fault(dep.site, "down")
    error(api.delete(f"/monitor/deployments/{dep.id}"), 503, "site_unavailable")
    assert ok(api.get(f"/monitor/deployments/{dep.id}"))["state"] == "Ready"


def test_consumption_rows_by_role_and_day(api: httpx.Client, demo: DemoCloud) -> None:
    today = demo.clock.now().date()
    base = "/cloudweb_account/groups/{}/consumption"
    rows = items(api, base.format(ADMIN_GROUP), **{"from": (today - timedelta(days=6)).isoformat(), "to": today})
    assert {r["day"] for r in rows} == {(today - timedelta(days=n)).isoformat() for n in range(7)}
    assert len({r["member"] for r in rows}) > 1
    assert {r["member"] for r in items(api, base.format(MEMBER_GROUP))} <= {"demo"}

    def today_hours() -> float:
        return float(sum(r["vm_hours"] for r in items(api, base.format(ADMIN_GROUP), **{"from": today, "to": today})))

    before = today_hours()
    demo.clock.advance(1800)
    assert today_hours() > before
    assert error(api.get(base.format(ADMIN_GROUP), params={"from": "yesterday"}), 422, "invalid")["field"] == "from"
    error(api.get(base.format("plant-pangenomes")), 403, "forbidden")


def test_consumption_pages_make_the_whole_ledger_before_and_after_a_change(api: httpx.Client,
                                                                          demo: DemoCloud) -> None:
    today = demo.clock.now().date()

    def paged(gid: str) -> list[dict[str, Any]]:
        rows, page = [], 1
        while page is not None:
            body = ok(api.get(f"/cloudweb_account/groups/{gid}/consumption", params={"page": page, "per_page": 50}))
            rows += body["items"]
            page = body["next_page"]
        return rows

    def whole(gid: str) -> list[dict[str, Any]]:
        return [{**asdict(u), "day": u.day.isoformat()} for u in demo.world.consumption(gid, "demo", date.min, date.max)]

    def hours_today() -> dict[tuple[str, str], float]:
        """VM hours of today in the admin group, from its deployments' lives."""
        start, now = datetime.combine(today, time(), UTC), demo.clock.now()
        hours: dict[tuple[str, str], float] = defaultdict(float)
        for d in demo.world.deployments.values():
            end = d.updated if d.state.is_final else now
            if d.group_id == ADMIN_GROUP and d.server_id and end > start:
                hours[d.owner, d.site] += (end - max(d.created, start)).total_seconds() / 3600
        return hours

    def check() -> None:
        rows = paged(ADMIN_GROUP)
        assert len(rows) > 50 * 5 and rows == whole(ADMIN_GROUP)
        assert {(r["member"], r["site"]): r["vm_hours"] for r in rows if r["day"] == today.isoformat()} == \
            pytest.approx(hours_today(), abs=0.002)
        mine = paged(MEMBER_GROUP)
        assert mine and mine == whole(MEMBER_GROUP) and {r["member"] for r in mine} == {"demo"}

    check()
    dep = next(d for d in demo.world.deployments.values() if d.group_id == ADMIN_GROUP and d.state.value == "Ready")
    ok(api.delete(f"/monitor/deployments/{dep.id}"), 202)
    assert ("demo", "ifb-bird-stack") not in hours_today()
    launched = ok(create(api, site="ifb-bird-stack"), 201)  # the first VM of "demo" there today
    demo.clock.advance(3600)  # the deletion ends: its VM stops counting; the others count an hour more
    check()
    assert demo.world.deployments[dep.id].state.value == "Done"
    assert hours_today()["demo", "ifb-bird-stack"] == pytest.approx(1, abs=0.01)
    assert ok(api.get(f"/monitor/deployments/{launched['id']}"))["state"] == "Ready"


def test_catalogue_filters(api: httpx.Client) -> None:
    def names(**params: str) -> set[str]:
        return {a["name"] for a in items(api, "/catalogue", **params)}

    assert {"Marine Microbiome", "EBAME-Quince", "virome"} <= names(topic="Metagenomics")
    assert names(tool="plascope") == {"PlaScope"}
    assert "Slurm cluster" in names(category="Cluster")
    assert "DRomics-shiny" in names(q="DOSE-RESPONSE")
    assert names(q="metagenomics", category="Training") == {"EBAME-Quince", "Training Metabarcoding"}
    assert names(q="zzz-nothing") == set()


def test_site_capacity_follows_the_servers(api: httpx.Client) -> None:
    def core_vcpu() -> Any:
        sites = ok(api.get("/cloud/system_status"))["sites"]
        return next(s for s in sites if s["id"] == "ifb-core-cloud")["capacity"]["vcpu"]

    before = core_vcpu()
    assert 0 < before["used"] < before["total"]
    ok(create(api), 201)
    assert core_vcpu()["used"] == before["used"] + 2


def test_control_service_faults_and_clock(demo: DemoCloud) -> None:
    with httpx.Client(base_url=demo.control_url, timeout=5) as control:
        state = ok(control.get("/state"))
        assert set(state["sources"]) == {"portal", *demo.sites}
        assert state["sources"]["ifb-bird-stack"]["fault"] == "none"
        port = state["sources"]["ifb-bird-stack"]["port"]
        state = ok(control.post("/fault", json={"source": "ifb-bird-stack", "fault": "down"}))
        url = f"http://127.0.0.1:{port}/v3"
        assert state["sources"]["ifb-bird-stack"] == {"url": url, "port": port, "fault": "down"}
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=2)
        ok(control.post("/fault", json={"source": "ifb-bird-stack", "fault": "none"}))
        assert httpx.get(url, timeout=2).status_code == 200
        before = demo.clock.now()
        assert ok(control.post("/clock", json={"advance_seconds": 120}))["now"] == (
            (before + timedelta(seconds=120)).isoformat().replace("+00:00", "Z"))
        error(control.post("/fault", json={"source": "mars", "fault": "down"}), 404, "not_found")
        error(control.post("/fault", json={"source": "portal", "fault": "meteor"}), 422, "invalid")
        error(control.post("/clock", json={"advance_seconds": "soon"}), 422, "invalid")


def test_write_config_for_the_app(demo: DemoCloud, tmp_path: Path) -> None:
    from openstack.config.loader import OpenStackConfig

    config_path = demo.write_config(tmp_path / "demo")
    config = tomllib.loads(config_path.read_text())
    assert config["portal"] == {"url": demo.portal_url, "token_file": str(tmp_path / "demo" / "token"), "timeout": 10}
    assert config["openstack"]["sites"] == list(demo.sites) and config["refresh"] == {"interval": 30}
    token = Path(config["portal"]["token_file"])
    assert token.read_text().strip() == demo.token
    assert stat.S_IMODE(os.stat(token).st_mode) == 0o600
    loader = OpenStackConfig(config_files=[config["openstack"]["clouds_yaml"]], vendor_files=[], secure_files=[])
    for site_id, site in demo.sites.items():
        cloud = loader.get_one(cloud=site_id)
        assert cloud.config["auth"]["auth_url"] == site.auth_url
        assert cloud.config["auth"]["password"] == site.state.password
        assert cloud.get_region_name() == site.state.region and cloud.config["api_timeout"] == 10


def test_a_page_of_500_deployments_is_served_whole() -> None:
    with DemoCloud(scale=10, clock=DemoClock(datetime(2026, 11, 25, 9, tzinfo=UTC), speed=0)) as cloud:
        auth = {"Authorization": f"Bearer {cloud.token}"}
        with httpx.Client(base_url=cloud.portal_url, headers=auth) as client:
            params: dict[str, str | int] = {"scope": "group", "group": ADMIN_GROUP, "per_page": 500}
            items = ok(client.get("/monitor/deployments", params=params))["items"]
    assert len(items) == 500 and len({d["id"] for d in items}) == 500


def test_a_member_gets_the_whole_groups_use_summed_from_its_live_deployments(api: httpx.Client,
                                                                              demo: DemoCloud) -> None:
    served = {g["id"]: g["used"] for g in items(api, "/cloudweb_account/groups")}
    live = [d for d in demo.world.deployments.values() if d.group_id == MEMBER_GROUP and not d.state.is_final]
    assert served[MEMBER_GROUP] == {"vcpu": sum(d.vcpu for d in live), "ram_gb": sum(d.ram_gb for d in live),
                                    "storage_gb": sum(d.disk_gb for d in live)}
    assert any(d.owner != "demo" for d in live)  # the figure counts VMs the member cannot list


def test_a_read_naming_its_etag_is_answered_304_without_a_body(api: httpx.Client, demo: DemoCloud) -> None:
    for path, paged in (("/monitor/deployments", True), ("/cloudweb_account/groups/marine-meta/requests", True),
                        ("/cloudweb_account/groups/marine-meta/consumption", True), ("/cloud/system_status", False),
                        ("/me", False)):
        first = api.get(path, params={"per_page": 5} if paged else {})
        tag = first.headers["etag"]
        assert first.status_code == 200 and tag.startswith('"') and tag.endswith('"')
        if paged:  # a list's ETag comes with its first page only, and stands for every page
            assert "etag" not in api.get(path, params={"per_page": 5, "page": 2}).headers
        demo.portal.service.statuses.clear()
        again = api.get(path, headers={"If-None-Match": f'"other", W/{tag}'})
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", tag), path
        assert demo.portal.service.statuses == {304: 1}
        assert api.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_any_change_of_a_list_changes_its_etag(api: httpx.Client, demo: DemoCloud) -> None:
    requests = "/cloudweb_account/groups/marine-meta/requests"
    deployments = "/monitor/deployments"
    tags = {path: api.get(path, params={"per_page": 1}).headers["etag"] for path in (requests, deployments)}
    demo.world.new_request("marine-meta")  # lands past the first page
    assert api.get(requests, headers={"If-None-Match": tags[requests]}).status_code == 200
    assert api.get(deployments, headers={"If-None-Match": tags[deployments]}).status_code == 304
    ready = next(d for d in demo.world.deployments.values() if d.owner == demo.world.user.username
                 and d.state.value == "Ready" and d.server_id)
    demo.world.set_server_status(ready.id, "SHUTOFF")  # its monitor stops seeing activity
    demo.clock.advance(6 * 3600)  # ... and the clock moves: others' last activity does
    assert api.get(deployments, headers={"If-None-Match": tags[deployments]}).status_code == 200


def test_an_approval_changes_the_etags_of_the_members_and_the_requests(api: httpx.Client) -> None:
    base = "/cloudweb_account/groups/marine-meta"
    tags = {path: api.get(path, params={"per_page": 1}).headers["etag"] for path in (f"{base}/members", f"{base}/requests")}
    pending = next(r for r in api.get(f"{base}/requests", params={"state": "pending"}).json()["items"])
    assert api.post(f"{base}/requests/{pending['id']}/approve").status_code == 200
    assert {path: api.get(path, headers={"If-None-Match": tag}).status_code for path, tag in tags.items()} == \
        {path: 200 for path in tags}
    assert api.get("/catalogue", headers={"If-None-Match": api.get("/catalogue").headers["etag"]}).status_code == 304
