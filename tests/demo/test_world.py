"""The demo world: deterministic, scaled, consistent with domain.md, and alive with the clock."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest

from biosphere_tui.demo.clock import DemoClock
from biosphere_tui.demo.contract import DeploymentState, GroupKind, RequestState, Role
from biosphere_tui.demo.seed_data import FLAVORS
from biosphere_tui.demo.world import World

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SITE_IDS = ["ifb-core-cloud", "ifb-genouest-genostack", "ifb-prabi-girofle", "ifb-bird-stack",
            "meso-psmn-cirrus", "ifb-bigest-cloud", "ifb-bilille-cloud", "ifb-aubi-cloud"]


def build(seed: int = 42, scale: float = 1.0) -> World:
    return World(seed=seed, scale=scale, clock=DemoClock(START, speed=0))


@pytest.fixture
def world() -> World:
    return build()


def fingerprint(w: World) -> tuple[object, ...]:
    """Everything drawn from the seed, in a comparable form."""
    servers = sorted((s.id, s.name, s.ip, s.status, tuple(sorted(s.metadata.items())))
                     for site in w.sites.values() for s in site.cloud.servers.values())
    return (list(w.deployments.values()), {g: list(m.values()) for g, m in w.members.items()},
            list(w.requests.values()), servers, [(s.totals, s.others) for s in w.sites.values()])


def test_clock_is_frozen_at_speed_zero_and_advances_by_hand() -> None:
    clock = DemoClock(START, speed=0)
    time.sleep(0.01)
    assert clock.now() == START
    clock.advance(90)
    assert clock.now() == START + timedelta(seconds=90)
    with pytest.raises(ValueError):
        DemoClock(datetime(2026, 1, 1))


def test_same_seed_same_world_and_another_seed_another() -> None:
    assert fingerprint(build(7)) == fingerprint(build(7))
    assert fingerprint(build(7)) != fingerprint(build(8))


def test_scale_multiplies_people_and_deployments() -> None:
    w = build(scale=10)
    assert len(w.deployments) == 1500
    assert 380 <= len(w.people) <= 430
    assert 150 <= len(w.members["marine-meta"]) <= 250


def test_sites_features_and_flavours_follow_the_domain(world: World) -> None:
    assert list(world.sites) == SITE_IDS
    core = world.sites["ifb-core-cloud"]
    assert core.totals[0] == max(s.totals[0] for s in world.sites.values()) == 3000
    assert all(300 <= s.totals[0] <= 1500 for s in world.sites.values() if s is not core)
    for site in world.sites.values():
        features, names = set(site.spec.features), set(site.spec.flavors)
        assert {n for n in FLAVORS if ".m4." in n} <= names
        assert any(".gpu." in n for n in names) == ("GPU" in features) == (site.totals[3] > 0)
        assert any(".bm." in n for n in names) == ("BigMem" in features)
        assert any(".hf." in n for n in names) == ("HighFreq" in features)
        assert any(".tr." in n for n in names) == ("Training" in features)
        assert set(site.cloud.flavors) == set(site.flavor_ids.values())
        assert {"Ubuntu 22.04", "Ubuntu 20.04", "Debian 12", "Rocky 9"} <= set(site.image_ids)
        for key, cap in world.capacity(site.id).items():
            assert 0 <= cap.used <= cap.total, (site.id, key)
    assert "ifb.bm.4tb" in world.sites["ifb-bigest-cloud"].spec.flavors
    assert [s.availability.value for s in world.sites.values()].count("degraded") == 1


def test_catalogue_has_the_real_appliances_and_complete_records(world: World) -> None:
    names = {a.name for a in world.appliances.values()}
    assert len(names) >= 30
    assert {"Ubuntu 20.04", "Ubuntu-Desktop MATE", "BioPipes", "Marine Microbiome", "EBAME-Quince", "PlaScope",
            "Jupyter/Python", "AskOmics", "DRomics-shiny", "DRomicsInterpreter-shiny", "RStudio Server",
            "Phenomenal", "Slurm cluster", "virome"} <= names
    assert world.appliances["173"].name == "Ubuntu 20.04"
    for app in world.appliances.values():
        assert app.topics and app.developers and app.access and app.licence
        assert all(t.version and t.url.startswith("http") for t in app.tools)
        assert app.category in {"Base Linux", "Workflow", "Remote desktop", "Web UI", "Training", "Cluster"}
    assert {a.name for a in world.catalogue(topic="metagenomics")} >= {"Marine Microbiome", "EBAME-Quince"}
    assert [a.name for a in world.catalogue(tool="plascope")] == ["PlaScope"]
    assert all(a.multi_vm for a in world.catalogue(q="multi-vm"))


def test_the_demo_user_and_the_groups(world: World) -> None:
    roles = {g.id: g.role for g in world.groups_of("demo")}
    assert roles == {"marine-meta": Role.ADMIN, "ebame-2026": Role.MEMBER, "univ-rennes": Role.MEMBER}
    marine = world.groups["marine-meta"]
    assert (marine.full_name, marine.kind, marine.funding) == ("Marine Microbiome Metagenomics", GroupKind.PROJECT,
                                                               "platform")
    assert (marine.quota.vcpu, marine.quota.ram_gb, marine.quota.storage_gb) == (384, 1536, 20000)
    assert marine.start_date < START.date() < marine.end_date
    assert len(world.groups) > 3  # groups the user is not in
    members = world.members["marine-meta"]
    assert 15 <= len(members) <= 26
    soon = START.date() + timedelta(days=30)
    assert any(m.account_end <= soon for m in members.values())
    assert all(m.account_end <= marine.end_date and m.joined >= marine.start_date for m in members.values())
    states = [r.state for r in world.request_list("marine-meta", "demo")]
    assert 3 <= states.count(RequestState.PENDING) <= 6
    assert RequestState.APPROVED in states and RequestState.REJECTED in states


def test_live_deployments_have_their_server_and_details(world: World) -> None:
    deps = list(world.deployments.values())
    assert sum(d.group_id == "marine-meta" for d in deps) > len(deps) / 2
    assert sum(d.owner == "demo" for d in deps) >= 5
    assert sum(d.state is DeploymentState.READY for d in deps) > len(deps) / 2
    assert all(d.reason for d in deps if d.state is DeploymentState.ABORTED)
    for dep in deps:
        site = world.sites[dep.site]
        assert dep.flavor in site.spec.flavors and FLAVORS[dep.flavor].vcpu == dep.vcpu
        if dep.state.is_final or dep.state is DeploymentState.FINALIZING:
            continue
        server = site.cloud.servers[dep.server_id or ""]
        assert server.metadata == {"biosphere_deployment": dep.id, "biosphere_group": dep.group_id,
                                   "owner": dep.owner}
        assert site.cloud.flavors[server.flavor_id].name == dep.flavor
        if dep.state is DeploymentState.READY:
            assert dep.ip == server.ip and dep.access[0].url == f"ssh://ubuntu@{dep.ip}"
    web = next(d for d in deps if d.state is DeploymentState.READY and any(a.kind == "https" for a in d.access))
    assert any(p.secret and p.name in ("password", "token") for p in web.parameters)
    linked = {d.server_id for d in deps}
    assert any(s.id not in linked for site in world.sites.values() for s in site.cloud.servers.values())
    for gid, group in world.groups.items():
        used = world.committed(gid)
        assert used.vcpu <= group.quota.vcpu and used.storage_gb <= group.quota.storage_gb


def test_deployments_boot_to_ready_as_the_clock_moves(world: World) -> None:
    on_the_way = (DeploymentState.INITIALIZING, DeploymentState.PROVISIONING, DeploymentState.EXECUTING,
                  DeploymentState.SENDING_REPORTS)
    booting = [d.id for d in world.deployments.values() if d.state in on_the_way]
    assert booting
    world.clock.advance(600)
    world.tick()
    for dep_id in booting:
        dep = world.deployments[dep_id]
        assert dep.state is DeploymentState.READY and dep.ip and dep.access


def test_membership_requests_keep_arriving(world: World) -> None:
    before = len(world.request_list("marine-meta", "demo", RequestState.PENDING))
    world.clock.advance(3600)
    world.tick()
    after = len(world.request_list("marine-meta", "demo", RequestState.PENDING))
    assert 4 <= after - before <= 8


def test_consumption_covers_90_days_and_today_accrues(world: World) -> None:
    today = START.date()
    rows = world.consumption("marine-meta", "demo", date(2000, 1, 1), today)
    days = sorted({r.day for r in rows})
    assert days[0] >= today - timedelta(days=89) and days[-1] == today
    assert len(days) >= 80
    assert all(r.vcpu_hours >= r.vm_hours > 0 for r in rows)
    by_day = [r.day for r in rows]
    assert by_day == sorted(by_day)

    def today_hours() -> float:
        return sum(r.vm_hours for r in world.consumption("marine-meta", "demo", today, today))

    before = today_hours()
    world.clock.advance(3600)
    assert today_hours() > before + 10  # dozens of live VMs each add an hour
    member_rows = world.consumption("ebame-2026", "demo", date(2000, 1, 1), today)
    assert {r.member for r in member_rows} <= {"demo"}


def test_the_ledger_rolls_over_midnight(world: World) -> None:
    world.clock.advance(86400)
    world.tick()
    today = START.date() + timedelta(days=1)
    rows = world.consumption("marine-meta", "demo", START.date(), today)
    assert {r.day for r in rows} == {START.date(), today}
    assert sum(r.vm_hours for r in rows if r.day == START.date()) > 0
