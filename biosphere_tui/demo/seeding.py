"""Drawing the demo world's first state from its seed: sites with their fake OpenStack, groups
and people, membership requests, 150 deployments (most Ready, some on their way, some gone),
orphan servers and idle or shut-off VMs. The same seed and start give the same world; each part
draws from its own generator in a fixed order, so adding a draw at the end changes nothing before.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Sequence
from dataclasses import astuple, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from .contract import Availability, GroupKind, RequestState, Role
from .contract import DeploymentState as S
from .ledger import midnight
from .lifecycle import FINALIZE_SECONDS, fits, metadata, new_uuid, plan, resources
from .records import Appliance, DemoSite, Deployment, GroupInfo, Member, Quota, User
from .seed_data import (
    ABORT_REASONS,
    AFFILIATIONS,
    APPLIANCES,
    DEGRADED_SITE,
    DEMO_USERNAME,
    FLAVOR_WEIGHTS,
    FLAVORS,
    GROUPS,
    IMAGES,
    NAME_WORDS,
    REJECT_REASONS,
    SITES,
    TR,
    FlavorSpec,
    GroupSpec,
    join_message,
    slug,
)
from .site_state import FakeFlavor, FakeImage, SiteState

if TYPE_CHECKING:
    from .world import World

BOOKED_SHARE = 0.85  # seeded live deployments fill a group's quota up to this share
IDLE_SHARE = 0.15  # seeded Ready VMs nobody has used for days or weeks
SHUTOFF_SHARE = 0.05  # seeded Ready VMs whose server was shut off days or weeks ago


def seed(world: World, seed: int) -> None:
    """Fill the empty *world* with what *seed* draws, relative to ``world.built``."""
    rng = random.Random(seed)
    _build_sites(world, rng)
    _build_groups(world, rng)
    _build_deployments(world, rng)
    _seed_activity(world, random.Random(f"{seed}-activity"))


def _count(world: World, n: float) -> int:
    return max(1, round(n * world.scale))


def _build_sites(world: World, rng: random.Random) -> None:
    grow = max(1.0, world.scale)  # a bigger world gets bigger sites, so that it still fits
    for spec in SITES:
        vcpu, ram, storage, gpu = (round(v * grow) for v in (spec.vcpu, spec.ram_gb, spec.storage_gb, spec.gpu))
        totals = (vcpu, ram, storage, gpu)
        o_vcpu, o_ram, o_storage, o_gpu = (round(t * rng.uniform(0.25, 0.5)) for t in totals)
        cloud = SiteState(spec.id, world.clock.now, project_id=uuid.UUID(int=rng.getrandbits(128)).hex,
                          password=f"{rng.getrandbits(96):024x}", quota_cores=totals[0],
                          quota_ram_mb=totals[1] * 1024, quota_instances=round(2000 * grow))
        flavor_ids = {}
        for name in spec.flavors:
            f = FLAVORS[name]
            flavor_ids[name] = new_uuid(rng)
            cloud.add_flavor(FakeFlavor(flavor_ids[name], name, f.vcpu, f.ram_gb * 1024, f.disk_gb, f.gpu))
        image_ids = {}
        for name, distro in IMAGES:
            image_ids[name] = new_uuid(rng)
            cloud.add_image(FakeImage(image_ids[name], name, distro))
        availability, message = Availability.UP, ""
        if spec.id == DEGRADED_SITE:
            availability = Availability.DEGRADED
            end = (world.built + timedelta(hours=5)).strftime("%H:00")
            message = f"Storage backend maintenance until {end} UTC: new deployments may be slow to boot."
        world.sites[spec.id] = DemoSite(spec, cloud, availability, message, totals,
                                       (o_vcpu, o_ram, o_storage, o_gpu), flavor_ids, image_ids)


def _build_groups(world: World, rng: random.Random) -> None:
    today = world.built.date()
    grow = max(1.0, world.scale)
    for spec in GROUPS:
        world.groups[spec.id] = GroupInfo(
            spec.id, spec.id, spec.full_name, spec.kind, Quota(*(round(q * grow) for q in spec.quota)),
            today + timedelta(days=spec.days[0]), today + timedelta(days=spec.days[1]), spec.funding,
            spec.summary)
        world.members[spec.id] = {}
    world.members["univ-rennes"][DEMO_USERNAME] = Member(
        "univ-rennes", DEMO_USERNAME, world.user.name, world.user.email, Role.MEMBER,
        today - timedelta(days=900), world.groups["univ-rennes"].end_date)
    pool = [world.new_person(rng, rng.choice(AFFILIATIONS)) for _ in range(_count(world, 40) - 1)]
    for spec in GROUPS:
        if spec.members:
            size = _count(world, rng.randint(15, 25) if spec.id == "marine-meta" else spec.members)
            _seed_members(world, rng, spec, rng.sample(pool, min(size - 1, len(pool))))
    _seed_requests(world, rng, pool)


def _seed_members(world: World, rng: random.Random, spec: GroupSpec, people: list[User]) -> None:
    group = world.groups[spec.id]
    today = world.built.date()
    span = max((today - group.start_date).days, 1)
    leads = rng.randint(1, 2)
    for i, person in enumerate(people):
        role = Role.ADMIN if i < leads else Role.MEMBER
        joined = group.start_date + timedelta(days=round(span * rng.random() ** 2))
        end = group.end_date
        if rng.random() < 0.15:  # a fixed-term contract ending sooner
            end = min(end, today + timedelta(days=rng.randint(1, 30)))
        world.members[spec.id][person.username] = Member(spec.id, person.username, person.name, person.email,
                                                       role, joined, end)
    if spec.demo_role is not None:
        world.members[spec.id][DEMO_USERNAME] = Member(spec.id, DEMO_USERNAME, world.user.name, world.user.email,
                                                     spec.demo_role, group.start_date, group.end_date)


def _seed_requests(world: World, rng: random.Random, pool: list[User]) -> None:
    gid = "marine-meta"
    members = world.members[gid]
    outsiders = [p for p in pool if p.username not in members]
    for member in rng.sample(sorted(members.values(), key=lambda m: m.username), min(6, len(members) - 1)):
        if member.username != DEMO_USERNAME:
            world.add_request(gid, world.people[member.username], midnight(member.joined)
                              - timedelta(hours=rng.randint(2, 60)), join_message(rng, gid), RequestState.APPROVED)
    for state in [RequestState.REJECTED] * 2 + [RequestState.PENDING] * rng.randint(3, 6):
        person = outsiders.pop() if outsiders else world.new_person(rng, rng.choice(AFFILIATIONS))
        age = rng.uniform(0.1, 5 if state is RequestState.PENDING else 120)
        reason = rng.choice(REJECT_REASONS) if state is RequestState.REJECTED else ""
        world.add_request(gid, person, world.built - timedelta(days=age), join_message(rng, gid), state, reason)


def _build_deployments(world: World, rng: random.Random) -> None:
    specs = [g for g in GROUPS if g.share]
    cum_share = list(itertools.accumulate(g.share for g in specs))
    owners = {}
    for spec in specs:
        people = sorted(world.members[spec.id])
        owners[spec.id] = (people, list(itertools.accumulate(1 / (1 + k) ** 0.8 for k in range(len(people)))))
    site_used = {sid: [0, 0, 0, 0] for sid in world.sites}
    fates = ("ready", "booting", "finalizing", "done", "aborted", "cancelled")
    fate_weights = list(itertools.accumulate((0.72, 0.05, 0.02, 0.13, 0.05, 0.03)))
    created: list[Deployment] = []
    for _ in range(_count(world, 150)):
        spec = rng.choices(specs, cum_weights=cum_share)[0]
        group = world.groups[spec.id]
        people, weights = owners[spec.id]
        owner = (DEMO_USERNAME if spec.demo_role and rng.random() < 0.12
                 else rng.choices(people, cum_weights=weights)[0])
        app, site, flavor = _pick_launch(world, rng, spec)
        fate = rng.choices(fates, cum_weights=fate_weights)[0]
        needs = resources(flavor)
        live = fate in ("ready", "booting")
        if live and not _room_for(world, group, site, site_used[site.id], needs):
            fate, live = "done", False
        created.append(_seed_deployment(world, rng, fate, spec.id, owner, app, site, flavor))
        if live:
            site_used[site.id] = [u + n for u, n in zip(site_used[site.id], needs, strict=True)]
    _seed_orphans(world, rng)
    for dep in sorted(created, key=lambda d: (d.created, d.id)):
        world.index(dep)


def _room_for(world: World, group: GroupInfo, site: DemoSite, site_used: Sequence[int],
              needs: tuple[int, int, int, int]) -> bool:
    """Whether a seeded live deployment still fits its group's booked share and its site."""
    quota = group.quota
    booked = [q * BOOKED_SHARE for q in (quota.vcpu, quota.ram_gb, quota.storage_gb)]
    free = [total - other for total, other in zip(site.totals, site.others, strict=True)]
    return fits(astuple(world.committed(group.id)), needs[:3], booked) and fits(site_used, needs, free)


def _pick_launch(world: World, rng: random.Random, spec: GroupSpec) -> tuple[Appliance, DemoSite, FlavorSpec]:
    """A plausible (appliance, site, flavour) for a deployment of group *spec*."""
    training = spec.kind is GroupKind.TRAINING
    sites = [s for s in world.sites.values() if not training or "Training" in s.spec.features]
    site_weights = [s.spec.vcpu for s in sites]
    while True:
        ident = rng.choice(spec.appliances) if rng.random() < 0.8 else rng.choice(APPLIANCES).id
        app = world.appliances[ident]
        site = rng.choices(sites, weights=site_weights)[0]
        family = TR if training else tuple(n for n in site.spec.flavors if n not in TR)
        fitting = [FLAVORS[n] for n in family
                   if FLAVORS[n].vcpu >= app.min_vcpu and FLAVORS[n].ram_gb >= app.min_ram_gb]
        if fitting:
            return app, site, rng.choices(fitting, weights=[FLAVOR_WEIGHTS[f.name] for f in fitting])[0]


def _seed_deployment(world: World, rng: random.Random, fate: str, gid: str, owner: str, app: Appliance,
                     site: DemoSite, flavor: FlavorSpec) -> Deployment:
    now = world.built
    day = 86400.0
    name = f"{slug(app.name).split('-')[0][:12]}-{rng.choice(NAME_WORDS)}-{rng.randint(1, 99):02d}"
    dep = Deployment(
        id=new_uuid(rng), name=name, appliance_id=app.id, appliance_name=app.name, group_id=gid, owner=owner,
        site=site.id, flavor=flavor.name, state=S.READY, created=now, updated=now, vcpu=flavor.vcpu,
        ram_gb=flavor.ram_gb, disk_gb=flavor.disk_gb, gpu=flavor.gpu, server_id=new_uuid(rng))
    match fate:
        case "ready" | "booting":
            boot = rng.uniform(45, 90)
            steps = plan(rng, boot, app.multi_vm)
            age = 3600 + 60 * day * rng.random() ** 2 if fate == "ready" else rng.uniform(0, steps[-1][0])
            created = now - timedelta(seconds=age)
            server = site.cloud.add_server(
                name=name, flavor_id=site.flavor_ids[flavor.name], image_id=world.image_for(site, app),
                metadata=metadata(dep), created=created, status="ACTIVE" if age >= boot else "BUILD",
                boot_seconds=boot, server_id=dep.server_id)
            dep = replace(dep, created=created, updated=created, state=S.INITIALIZING)
            for offset, state in steps:
                if offset <= age:
                    dep = world.reached(dep, state, created + timedelta(seconds=offset), server.ip)
                else:
                    world.plan_step(created + timedelta(seconds=offset), dep, state)
            world.commit(dep, +1)
        case "finalizing":
            ended = now - timedelta(seconds=rng.uniform(0, 6))
            created = ended - timedelta(seconds=rng.uniform(day, 30 * day))
            dep = replace(dep, state=S.FINALIZING, created=created, updated=ended)
            world.plan_step(ended + timedelta(seconds=rng.uniform(*FINALIZE_SECONDS)), dep, S.DONE)
            world.commit(dep, +1)
        case "done":
            age = rng.uniform(0.05, 89) * day
            length = min(3600 + 20 * day * rng.random() ** 2, age - 600)
            dep = replace(dep, state=S.DONE, created=now - timedelta(seconds=age),
                          updated=now - timedelta(seconds=age - length))
        case "cancelled":
            created = now - timedelta(seconds=rng.uniform(0.02, 88) * day)
            dep = replace(dep, state=S.CANCELLED, created=created,
                          updated=created + timedelta(seconds=rng.uniform(60, 240)))
        case _:
            created = now - timedelta(seconds=rng.uniform(0.02, 88) * day)
            dep = replace(dep, state=S.ABORTED, created=created, server_id=None, reason=rng.choice(ABORT_REASONS),
                          updated=created + timedelta(seconds=rng.uniform(30, 900)))
    return replace(dep, created=dep.created.replace(microsecond=0), updated=dep.updated.replace(microsecond=0))


def _seed_orphans(world: World, rng: random.Random) -> None:
    """A few servers nobody deployed through the portal (tests, leftovers); no deployment."""
    names = ("test-vm", "old-galaxy-2023", "debug-network", "tmp-copy", "benchmark-io")
    for _ in range(_count(world, 4)):
        site = rng.choice(list(world.sites.values()))
        flavor = rng.choice(("ifb.m4.medium", "ifb.m4.large", "ifb.m4.xlarge"))
        site.cloud.add_server(name=rng.choice(names), flavor_id=site.flavor_ids[flavor],
                              image_id=site.image_ids["Ubuntu 20.04"], status="ACTIVE",
                              created=world.built - timedelta(days=rng.uniform(20, 400)),
                              server_id=new_uuid(rng), metadata={"owner": rng.choice(sorted(world.people))})


def _seed_activity(world: World, rng: random.Random) -> None:
    """Leave some Ready VMs unused since days or weeks, and shut some servers off (with their
    own generator, so that the rest of the world is drawn as before). The demo user forgot
    their oldest Ready VM of each group."""
    day = timedelta(days=1)
    forgotten: dict[str, str] = {}  # group -> the demo user's oldest Ready deployment there
    for dep in world.deployments.values():
        if dep.owner == DEMO_USERNAME and dep.state is S.READY and world.built - dep.updated > 20 * day:
            forgotten.setdefault(dep.group_id, dep.id)
    for dep in world.deployments.values():
        up_for = world.built - dep.updated  # a Ready deployment's `updated` is when it became Ready
        if dep.state is not S.READY or up_for < 2 * day:
            continue
        draw = rng.random()
        if dep.id in forgotten.values():
            world.idle_since[dep.id] = world.built - rng.uniform(15, up_for / day - 1) * day
        elif draw < SHUTOFF_SHARE:
            server = world.sites[dep.site].cloud.servers[dep.server_id or ""]
            server.status = "SHUTOFF"
            server.updated = world.built - rng.uniform(1, min(up_for / day - 0.5, 45)) * day
            world.idle_since[dep.id] = max(dep.updated, server.updated - rng.uniform(0, 3) * day)
        elif draw < SHUTOFF_SHARE + IDLE_SHARE:
            world.idle_since[dep.id] = world.built - rng.uniform(1, min(up_for / day, 60)) * day
    world.idle_since = {k: v.replace(microsecond=0) for k, v in world.idle_since.items()}
