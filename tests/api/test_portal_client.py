"""The portal client against the demo portal, over real HTTP on loopback."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from demo_time import DEMO_START
from hostile.servers_support import Hostile, json_reply

from biosphere_tui import errors
from biosphere_tui.api import limits
from biosphere_tui.api.portal import DeploymentRequest, PortalClient
from biosphere_tui.models.states import DeploymentState, RequestState, Role


def client(demo, token: str | None = None, **kw: Any) -> PortalClient:  # noqa: ANN001
    return PortalClient(demo.portal_url, token or demo.token, timeout=kw.pop("timeout", 2.0), backoff=0.05, **kw)


async def test_reads_match_the_demo_world(demo) -> None:  # noqa: ANN001
    async with client(demo) as portal:
        me = await portal.me()
        groups = {g.id: g for g in await portal.groups()}
        apps = await portal.catalogue()
        sites = await portal.system_status()
        mine = await portal.deployments("mine")
        everyone = await portal.deployments("group", "marine-meta")
        members = await portal.members("marine-meta")
        pending = await portal.requests("marine-meta", state="pending")
        usage = await portal.consumption("marine-meta", DEMO_START.date() - timedelta(days=89), DEMO_START.date())
    assert me.username == "demo"
    assert groups["marine-meta"].role is Role.ADMIN and groups["ebame-2026"].role is Role.MEMBER
    assert groups["marine-meta"].quota.vcpu > 0
    assert len(apps) >= 25 and any(a.tools for a in apps) and any(a.topics for a in apps)
    assert len(sites) == 8 and {s.id for s in sites} >= {"ifb-core-cloud", "ifb-bird-stack"}
    assert mine and all(d.owner == "demo" for d in mine)
    assert len(everyone) > len([d for d in mine if d.group_id == "marine-meta"])
    assert all(d.group_id == "marine-meta" for d in everyone)
    assert len(members) >= 10
    assert pending and all(r.state is RequestState.PENDING for r in pending)
    assert usage and {u.day for u in usage} <= {DEMO_START.date() - timedelta(days=n) for n in range(90)}


async def test_paging_returns_every_item_once(demo) -> None:  # noqa: ANN001
    from biosphere_tui.api import portal as portal_module

    async with client(demo) as portal:
        whole = await portal.deployments("group", "marine-meta")
    original = portal_module.PER_PAGE
    portal_module.PER_PAGE = 7
    try:
        async with client(demo) as portal:
            paged = await portal.deployments("group", "marine-meta")
    finally:
        portal_module.PER_PAGE = original
    assert len(whole) > 7 * 3
    assert sorted(d.id for d in paged) == sorted(d.id for d in whole)


async def test_catalogue_search_and_detail(demo) -> None:  # noqa: ANN001
    async with client(demo) as portal:
        nextflow = await portal.catalogue(q="nextflow")
        detail = await portal.appliance(nextflow[0].id)
        with pytest.raises(errors.NotFound):
            await portal.appliance("no-such-appliance")
    assert nextflow and all(
        "nextflow" in (a.name + a.summary + a.description + " ".join(t.name for t in a.tools)).lower() for a in nextflow
    )
    assert detail == nextflow[0]


async def test_approve_then_again_is_a_conflict_and_reject_keeps_reason(demo) -> None:  # noqa: ANN001
    async with client(demo) as portal:
        first, second = (await portal.requests("marine-meta", state="pending"))[:2]
        approved = await portal.approve("marine-meta", first.id)
        with pytest.raises(errors.Conflict):
            await portal.approve("marine-meta", first.id)
        rejected = await portal.reject("marine-meta", second.id, "not part of the project")
        members = {m.username for m in await portal.members("marine-meta")}
    assert approved.state is RequestState.APPROVED and first.username in members
    assert rejected.state is RequestState.REJECTED and rejected.reason == "not part of the project"


async def test_member_is_refused_admin_views(demo) -> None:  # noqa: ANN001
    async with client(demo) as portal:
        with pytest.raises(errors.Forbidden):
            await portal.members("ebame-2026")
        with pytest.raises(errors.Forbidden):
            await portal.deployments("group", "ebame-2026")


async def test_launch_boots_to_ready_and_delete_removes_the_server(demo) -> None:  # noqa: ANN001
    spec = DeploymentRequest("rnaseq-test", "ubuntu-22-04", "marine-meta", "ifb-bird-stack", "ifb.m4.large")
    apps = {a.id for a in await _catalogue(demo)}
    if spec.appliance not in apps:
        spec = DeploymentRequest(spec.name, sorted(apps)[0], spec.group, spec.site, spec.flavor)
    key = str(uuid.uuid4())
    async with client(demo) as portal:
        created = await portal.create_deployment(spec, key)
        again = await portal.create_deployment(spec, key)
        assert again.id == created.id
        demo.clock.advance(600)
        ready = await portal.deployment(created.id)
        assert ready.state is DeploymentState.READY and ready.server_id and ready.ip
        assert ready.server_id in demo.sites["ifb-bird-stack"].state.servers
        gone = await portal.delete_deployment(created.id)
        assert gone.state in (DeploymentState.FINALIZING, DeploymentState.DONE)
        demo.clock.advance(600)
        assert ready.server_id not in _live_servers(demo, "ifb-bird-stack")


async def test_quota_refusal_is_an_invalid_with_its_reason(demo) -> None:  # noqa: ANN001
    async with client(demo) as portal:
        with pytest.raises(errors.Invalid) as err:
            await portal.create_deployment(
                DeploymentRequest("too-big", (await portal.catalogue())[0].id, "ebame-2026", "ifb-core-cloud",
                                  "ifb.bm.4tb"),
                str(uuid.uuid4()),
            )
    assert err.value.code in ("quota_exceeded", "no_capacity", "invalid")


async def test_wrong_token_is_an_auth_error_without_the_token(demo) -> None:  # noqa: ANN001
    token = "wrong-" + uuid.uuid4().hex
    async with client(demo, token) as portal:
        with pytest.raises(errors.AuthFailed) as err:
            await portal.me()
    assert token not in str(err.value) and demo.token not in str(err.value)


FAULTS = {
    "down": errors.Unreachable,
    "hang": errors.Timeout,
    "http500": errors.ServerFailed,
    "http503": errors.Busy,
    "http429": errors.Busy,
    "html": errors.ServerFailed,
    "garbage": errors.BadReply,
    "wrong_shape": errors.BadReply,
    "expired_token": errors.AuthFailed,
    "revoked_token": errors.AuthFailed,
    "forbidden": errors.Forbidden,
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
async def test_each_fault_becomes_its_domain_error(demo, fault: str, portal_waits: list[float]) -> None:  # noqa: ANN001
    demo.set_fault("portal", fault)
    async with client(demo, timeout=0.5, attempts=2) as portal:
        with pytest.raises(FAULTS[fault]) as err:
            await portal.groups()
    assert demo.token not in str(err.value) and "Traceback" not in str(err.value)
    assert portal_waits == ([1.0] if FAULTS[fault] is errors.Busy else [])  # the demo's Retry-After: 1
    demo.set_fault("portal", "none")
    async with client(demo) as portal:
        assert (await portal.me()).username == "demo"


async def test_busy_reads_are_retried_until_the_fault_lifts(demo, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    demo.set_fault("portal", "http503")
    waits: list[float] = []

    async def wait(seconds: float) -> None:  # the fault lifts during the second wait
        waits.append(seconds)
        if len(waits) == 2:
            demo.set_fault("portal", "none")

    monkeypatch.setattr("biosphere_tui.api.portal.pause", wait)
    async with client(demo, attempts=4) as portal:
        me = await portal.me()
    assert me.username == "demo"
    assert waits == [1.0, 1.0] and demo.portal.service.hits["GET /api/v1/me"] == 3


async def test_busy_reads_back_off_and_stop_after_the_last_attempt(portal_waits: list[float]) -> None:
    """Without ``Retry-After`` the wait doubles from ``backoff``; a day's ``Retry-After`` is capped."""
    with Hostile() as server:
        server.routes["/api/me"] = json_reply({"error": "busy"}, 503)
        server.routes["/api/catalogue/x"] = json_reply({"error": "busy"}, 429, {"Retry-After": "86400"})
        async with PortalClient(f"{server.url}/api", "token", timeout=2, attempts=4, backoff=0.5) as portal:
            with pytest.raises(errors.Busy):
                await portal.me()
            assert portal_waits == [0.5, 1.0, 2.0] and len(server.asked("/api/me")) == 4
            portal_waits.clear()
            with pytest.raises(errors.Busy):
                await portal.appliance("x")
            assert portal_waits == [limits.MAX_RETRY_WAIT] * 3 and len(server.asked("/api/catalogue/x")) == 4


async def _catalogue(demo):  # noqa: ANN001, ANN202
    async with client(demo) as portal:
        return await portal.catalogue()


def _live_servers(demo, site: str) -> set[str]:  # noqa: ANN001
    state = demo.sites[site].state
    state.tick()
    return {sid for sid, s in state.servers.items() if not s.deleted}


async def test_join_and_group_request_reach_the_world(demo) -> None:  # noqa: ANN001
    from biosphere_tui.api.portal import GroupRequest

    outsider = next(g for g in demo.world.groups if demo.world.role(g, "demo") is None)
    async with client(demo) as portal:
        asked = await portal.join(outsider, "I work on the same samples")
        with pytest.raises(errors.Conflict):
            await portal.join(outsider, "again")
        request_id = await portal.request_group(GroupRequest(
            "soil-meta", "Soil metagenomics 2027", "2027-01-01", "2027-12-31", "Assembly of soil samples.",
            64, 256, 2000, "collaboration"))
    assert asked.state is RequestState.PENDING and demo.world.requests[asked.id].group_id == outsider
    recorded = demo.world.group_requests[request_id]
    assert (recorded["short_name"], recorded["requester"], recorded["vcpu"]) == ("soil-meta", "demo", 64)


async def test_a_304_is_not_modified_only_for_a_read_that_named_its_etag(demo) -> None:  # noqa: ANN001
    from biosphere_tui.api.portal import NotModified, request_key
    from biosphere_tui.demo.httpserver import Reply

    async with client(demo) as portal:
        fresh = portal.with_validators({})
        assert await fresh.groups() and set(fresh.etags) == {request_key("cloudweb_account/groups", {})}
        known = portal.with_validators(fresh.etags)
        with pytest.raises(NotModified):
            await known.groups()
        assert await known.groups(revalidate=False)  # read in full all the same
        demo.portal.service.router = lambda request: Reply(304, headers={"ETag": '"x"'})  # a portal gone wrong
        with pytest.raises(errors.BadReply, match="304 to a read that named no ETag"):
            await known.me()
