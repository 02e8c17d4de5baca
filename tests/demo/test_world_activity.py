"""The demo portal's monitor: most Ready VMs used lately, some idle or shut off for weeks, and
activity that moves with the clock; the control switches for a server's status and a new request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from biosphere_tui.demo.clock import DemoClock
from biosphere_tui.demo.contract import DeploymentState, RequestState
from biosphere_tui.demo.seed_data import DEMO_USERNAME
from biosphere_tui.demo.world import World

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
WEEKS = timedelta(days=14)


def ready(world: World) -> list:
    return [world.monitored(d) for d in world.deployments.values() if d.state is DeploymentState.READY]


def status(world: World, dep) -> str:  # noqa: ANN001
    return world.sites[dep.site].cloud.servers[dep.server_id].status


def test_most_ready_vms_were_used_lately_some_idle_or_shut_off_for_weeks() -> None:
    world = World(seed=42, scale=1, clock=DemoClock(START, speed=0))
    deps = ready(world)
    assert all(d.last_activity is not None and d.updated <= d.last_activity <= START for d in deps)
    recent = [d for d in deps if START - d.last_activity < timedelta(hours=2)]
    idle = [d for d in deps if START - d.last_activity >= WEEKS and status(world, d) == "ACTIVE"]
    off = [d for d in deps if status(world, d) == "SHUTOFF"]
    assert len(recent) > len(deps) * 0.6
    assert idle and off and len(idle) + len(off) < len(deps) * 0.3
    assert any(START - world.sites[d.site].cloud.servers[d.server_id].updated >= WEEKS for d in off)
    mine = {d.group_id for d in idle if d.owner == DEMO_USERNAME}
    assert mine == {"marine-meta", "ebame-2026"}  # the demo user forgot a VM in each of their groups
    assert all(d.last_activity is None for d in map(world.monitored, world.deployments.values())
               if d.state is not DeploymentState.READY)


def test_activity_moves_with_the_clock_but_not_on_an_idle_or_stopped_vm() -> None:
    world = World(seed=42, scale=1, clock=DemoClock(START, speed=0))
    deps = ready(world)
    busy = next(d for d in deps if START - d.last_activity < timedelta(hours=1) and status(world, d) == "ACTIVE")
    idle = next(d for d in deps if START - d.last_activity >= WEEKS)
    world.clock.advance(3 * 3600)
    world.tick()
    assert world.monitored(world.deployments[busy.id]).last_activity > START
    assert world.monitored(world.deployments[idle.id]).last_activity == idle.last_activity
    world.set_server_status(busy.id, "SHUTOFF")
    stopped = world.monitored(world.deployments[busy.id]).last_activity
    world.clock.advance(3 * 3600)
    assert world.monitored(world.deployments[busy.id]).last_activity == stopped


def test_the_control_service_sets_a_servers_status_and_brings_a_request(demo) -> None:  # noqa: ANN001
    dep = next(d for d in demo.world.deployments.values() if d.owner == DEMO_USERNAME and d.state is DeploymentState.READY)
    control = httpx.Client(base_url=demo.control_url, trust_env=False)
    assert control.post("/server", json={"deployment": dep.id, "status": "ERROR"}).status_code == 200
    assert status(demo.world, dep) == "ERROR"
    assert control.post("/server", json={"deployment": dep.id, "status": "MELTED"}).status_code == 422
    assert control.post("/server", json={"deployment": "nope", "status": "ERROR"}).status_code == 404
    before = len(demo.world.request_list("marine-meta", DEMO_USERNAME, RequestState.PENDING))
    reply = control.post("/membership-request", json={"group": "marine-meta"})
    assert reply.status_code == 200 and reply.json()["id"] in demo.world.requests
    assert len(demo.world.request_list("marine-meta", DEMO_USERNAME, RequestState.PENDING)) == before + 1
    assert control.post("/membership-request", json={"group": "nope"}).status_code == 404
