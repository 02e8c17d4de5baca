"""The demo world: a seeded, deterministic Biosphère federation, as its portal keeps it.

Sites (each with a fake OpenStack `SiteState`), the RAINBio catalogue, people, groups,
membership requests, deployments and 90 days of consumption, drawn by `seeding` from
``random.Random(seed)`` relative to the clock's time at build: the same seed and start
give the same world. `World.tick` applies what fell due since the last call (deployment
states, new membership requests); the portal calls it on each request.

Domain rules live here (roles, quota, capacity, request states) and fail with
`WorldError`; the HTTP side is `portal_server`, the reference tables `seed_data`.
"""

from __future__ import annotations

import heapq
import itertools
import random
import threading
import zlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from . import seeding
from .changes import ChangeLog
from .clock import DemoClock
from .contract import Availability, GroupKind, RequestState, Role
from .contract import DeploymentState as S
from .ledger import USAGE_DAYS, Ledger
from .lifecycle import FINALIZE_SECONDS, fits, metadata, new_uuid, plan, resources
from .records import (
    AccessLink,
    Appliance,
    Capacity,
    DemoSite,
    Deployment,
    Group,
    GroupInfo,
    Launch,
    Member,
    MembershipRequest,
    Parameter,
    Quota,
    UsageDay,
    User,
    WorldError,
)
from .seed_data import AFFILIATIONS, APPLIANCES, DEMO_USERNAME, FIRST_NAMES, FLAVORS, LAST_NAMES, join_message, slug

REQUEST_EVERY = (480.0, 720.0)  # a new membership request every 8-12 demo minutes
ACTIVE_EVERY = (300, 5400)  # the portal's monitor sees a VM in use busy every 5-90 demo minutes
ANY = "*"  # `touch` without a kind: a change any list may show


class World:
    """The whole demo federation; every public method is thread-safe (`lock`)."""

    def __init__(self, *, seed: int = 42, scale: float = 1.0, clock: DemoClock) -> None:
        self.seed = seed
        self.scale = scale
        self.clock = clock
        self.lock = threading.RLock()
        self.built = clock.now().replace(microsecond=0)
        self.user = User(DEMO_USERNAME, "Camille Martin", "camille.martin@example.org")
        self.people: dict[str, User] = {self.user.username: self.user}
        self.sites: dict[str, DemoSite] = {}
        self.appliances: dict[str, Appliance] = {a.id: a for a in APPLIANCES}
        self.groups: dict[str, GroupInfo] = {}
        self.members: dict[str, dict[str, Member]] = {}
        self.requests: dict[str, MembershipRequest] = {}
        self.group_requests: dict[str, dict[str, object]] = {}
        self.deployments: dict[str, Deployment] = {}
        self._requests_by_group: dict[str, list[str]] = defaultdict(list)
        self._by_group: dict[str, list[str]] = defaultdict(list)
        self._by_owner: dict[str, list[str]] = defaultdict(list)
        self._committed: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # vcpu, ram, disk
        self._schedule: list[tuple[datetime, int, str, S, S]] = []
        self._seq = itertools.count()
        self._request_seq = itertools.count(1)
        self._rng = random.Random(f"{seed}-runtime")
        self._visitors = random.Random(f"{seed}-visitors")
        self._haystacks = {a.id: _haystack(a) for a in APPLIANCES}
        self.idle_since: dict[str, datetime] = {}  # deployments nobody uses any more, and since when
        self._ledger = Ledger(self.built.date())
        self._version = 0  # counts the changes made through this class's methods (see `version`)
        self._changes: Counter[str] = Counter()  # the same, by kind of record (see `version_of`)
        self.changed_deployments: ChangeLog[str] = ChangeLog(self.built)  # what a `since` read lists
        self.changed_requests: ChangeLog[str] = ChangeLog(self.built)
        self._beats: list[tuple[datetime, str]] = []  # (when, deployment): the next move of a VM's last activity
        self._next_beat: dict[str, datetime] = {}  # the live entry of each deployment in `_beats`
        seeding.seed(self, seed)
        self._servers_seen = {site_id: len(site.cloud.changed) for site_id, site in self.sites.items()}
        for log in (self.changed_deployments, self.changed_requests):
            log.settle(self.built)
        self._beats.clear()  # armed as they were indexed: before the seeding shut servers off
        for dep in self.deployments.values():
            self._arm(dep, self.built)
        self._next_visit = self.built + timedelta(seconds=self._visitors.uniform(*REQUEST_EVERY))
        self._ledger.record(self.deployments.values(), self.built.date() - timedelta(days=USAGE_DAYS),
                            self.built)

    # -- bookkeeping (the seeding uses it too) ----------------------------------------

    @property
    def version(self) -> tuple[int, ...]:
        """Changes whenever the world or a site's servers change (not with the clock alone): what
        the portal's validators (``ETag``) rest on. Code changing the world's records directly,
        not through its methods, calls `touch` after."""
        return (self._version, *(site.cloud.version for site in self.sites.values()))

    def version_of(self, *kinds: str) -> tuple[int, ...]:
        """Changes whenever a record of one of *kinds* changes, or `touch` is called without a kind:
        what the validator of a list made of such records rests on, in constant time (as a portal's
        on its tables' last change). Kinds: "people" (people, members), "requests", "deployments"
        (and what they hold of quotas), "usage" (the ledger's past days), "servers" (every site's)."""
        servers = tuple(site.cloud.version for site in self.sites.values()) if "servers" in kinds else ()
        return (self._changes[ANY], *(self._changes[k] for k in kinds if k != "servers"), *servers)

    def touch(self, *kinds: str) -> None:
        """Note a change of the world: of records of *kinds* (see `version_of`), or of any kind."""
        with self.lock:
            self._version += 1
            for kind in kinds or (ANY,):
                self._changes[kind] += 1

    def new_person(self, rng: random.Random, affiliation: str) -> User:
        """Someone new, drawn from *rng*, member of the affiliation group *affiliation*."""
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        base = slug(first[0] + last).replace("-", "")
        username = base
        for n in itertools.count(2):
            if username not in self.people:
                break
            username = f"{base}{n}"
        user = User(username, f"{first} {last}", f"{slug(first)}.{slug(last)}@{affiliation}.example.org")
        self.people[username] = user
        self.touch("people")
        self.members[affiliation][username] = Member(affiliation, username, user.name, user.email, Role.MEMBER,
                                                     self.built.date() - timedelta(days=rng.randint(30, 2000)),
                                                     self.groups[affiliation].end_date)
        return user

    def add_request(self, gid: str, person: User, created: datetime, message: str,
                    state: RequestState = RequestState.PENDING, reason: str = "") -> MembershipRequest:
        rid = f"mreq-{next(self._request_seq):05d}"
        request = MembershipRequest(rid, gid, person.username, person.name, person.email, message,
                                    created.replace(microsecond=0), state, reason)
        self.requests[rid] = request
        self._requests_by_group[gid].append(rid)
        self.touch("requests")
        self.changed_requests.note(rid, self.clock.now())
        return request

    def index(self, dep: Deployment) -> None:
        """Record a new deployment."""
        self.deployments[dep.id] = dep
        self._by_group[dep.group_id].append(dep.id)
        self._by_owner[dep.owner].append(dep.id)
        self._ledger.changed(dep)
        self.touch("deployments")
        self._noted(dep)

    def commit(self, dep: Deployment, sign: int) -> None:
        """Book (+1) or release (-1) what *dep* holds of its group's quota."""
        used = self._committed[dep.group_id]
        for i, amount in enumerate((dep.vcpu, dep.ram_gb, dep.disk_gb)):
            used[i] += sign * amount
        self.touch("deployments")

    def plan_step(self, due: datetime, dep: Deployment, target: S) -> None:
        """Schedule *dep* to move to *target* at *due* (if it still is where it is then)."""
        before = {S.PROVISIONING: S.INITIALIZING, S.EXECUTING: S.PROVISIONING, S.SENDING_REPORTS: S.EXECUTING,
                  S.READY: S.SENDING_REPORTS}.get(target, S.FINALIZING)
        heapq.heappush(self._schedule, (due, next(self._seq), dep.id, before, target))

    def reached(self, dep: Deployment, state: S, at: datetime, ip: str | None) -> Deployment:
        """*dep* as it is once in *state* at *at* (access details appear when Ready)."""
        dep = replace(dep, state=state, updated=at.replace(microsecond=0))
        if state in (S.EXECUTING, S.SENDING_REPORTS, S.READY) and ip:
            dep = replace(dep, ip=ip)
        if state is S.READY and dep.ip:
            links, parameters = _access(dep, self.appliances[dep.appliance_id])
            dep = replace(dep, access=links, parameters=parameters)
        if state in (S.FINALIZING, S.DONE, S.CANCELLED):
            dep = replace(dep, ip=None, access=(), parameters=())
        return dep

    def _store(self, dep: Deployment) -> Deployment:
        self.deployments[dep.id] = dep
        self._ledger.changed(dep)
        self.touch("deployments")
        self._noted(dep)
        return dep

    def _noted(self, dep: Deployment, now: datetime | None = None) -> None:
        """*dep* changed now (what it shows): in the change index, with the next move of its last activity."""
        now = now or self.clock.now()
        self.changed_deployments.note(dep.id, now)
        self._arm(dep, now)

    def _arm(self, dep: Deployment, now: datetime) -> None:
        """Schedule the next move of *dep*'s last activity after *now*, if its VM is in use."""
        self._next_beat.pop(dep.id, None)
        if dep.state is S.READY and dep.id not in self.idle_since and self._stopped_at(dep) is None:
            every = _beat_every(dep)
            beats = max(int((now - dep.updated).total_seconds() // every), 0)
            due = dep.updated + timedelta(seconds=(beats + 1) * every)
            self._next_beat[dep.id] = due
            heapq.heappush(self._beats, (due, dep.id))

    def image_for(self, site: DemoSite, app: Appliance) -> str:
        """The Glance image of *site* that *app* boots from."""
        return site.image_ids.get(f"{app.os} {app.os_version}", site.image_ids["Ubuntu 22.04"])

    # -- time -------------------------------------------------------------------------

    def tick(self) -> None:
        """Apply every change due by now: deployment states, new membership requests."""
        now = self.clock.now()
        with self.lock:
            while self._schedule and self._schedule[0][0] <= now:
                due, _, dep_id, before, target = heapq.heappop(self._schedule)
                dep = self.deployments[dep_id]
                if dep.state is before:
                    self._advance(dep, target, due)
            self._moves(now)
            if now.date() > self._ledger.until:  # after the transitions, so that ends are known
                self._ledger.advance(self.deployments.values(), now.date(), now)
                self.touch("usage")
            while self._next_visit <= now:
                self._visit(self._next_visit)
                self._next_visit += timedelta(seconds=self._visitors.uniform(*REQUEST_EVERY))

    def _moves(self, now: datetime) -> None:
        """Note the deployments whose last activity moved by *now*: their VM was seen busy (a beat fell
        due), or their server changed (stopped, started, deleted: read from each site's journal)."""
        while self._beats and self._beats[0][0] <= now:
            due, dep_id = heapq.heappop(self._beats)
            if self._next_beat.get(dep_id) == due:
                self._noted(self.deployments[dep_id], now)
        for site_id, site in self.sites.items():
            journal = site.cloud.changed
            seen, self._servers_seen[site_id] = self._servers_seen[site_id], len(journal)
            for server_id in journal[seen:self._servers_seen[site_id]]:
                server = site.cloud.servers[server_id]
                dep = self.deployments.get(server.metadata.get("biosphere_deployment", ""))
                if dep is not None and dep.server_id == server_id and dep.state is S.READY:
                    self._noted(dep, now)

    def changed_since(self, moment: datetime) -> list[str]:
        """Ids of the deployments changed at or after *moment* (created, any field, last activity moved),
        oldest first, in time proportional to their number."""
        with self.lock:
            return self.changed_deployments.since(moment)

    def _advance(self, dep: Deployment, target: S, at: datetime) -> None:
        ip = None
        if target in (S.EXECUTING, S.READY):
            cloud = self.sites[dep.site].cloud
            server = cloud.servers.get(dep.server_id or "")
            if server is not None and server.status == "BUILD":
                cloud.tick()  # the site's own clock-driven boot may not have run yet
            ip = server.ip if server is not None and not server.deleted else None
        dep = self._store(self.reached(dep, target, at, ip))
        if dep.state.is_final:
            self.commit(dep, -1)

    def _visit(self, at: datetime) -> None:
        """Someone new asks to join marine-meta."""
        person = self.new_person(self._visitors, self._visitors.choice(AFFILIATIONS))
        self.add_request("marine-meta", person, at, join_message(self._visitors, "marine-meta"))

    # -- reads ------------------------------------------------------------------------

    def role(self, gid: str, username: str) -> Role | None:
        """*username*'s role in group *gid* (None if not a member); not_found for an unknown group."""
        if gid not in self.groups:
            raise WorldError("not_found", f"No group {gid!r}.")
        member = self.members[gid].get(username)
        return member.role if member else None

    def require(self, gid: str, username: str, *, admin: bool) -> Role:
        """*username*'s role in *gid*, or forbidden unless a member (an admin if *admin*)."""
        role = self.role(gid, username)
        if role is None or (admin and role is not Role.ADMIN):
            needed = "an admin" if admin else "a member"
            raise WorldError("forbidden", f"You must be {needed} of group {gid!r}.")
        return role

    def groups_of(self, username: str) -> list[Group]:
        with self.lock:
            return [g.as_group(m[username].role, self.committed(gid)) for gid, g in self.groups.items()
                    if username in (m := self.members[gid])]

    def member_list(self, gid: str, actor: str) -> list[Member]:
        with self.lock:
            self.require(gid, actor, admin=True)
            return sorted(self.members[gid].values(), key=lambda m: (m.role is not Role.ADMIN, m.name, m.username))

    def request_list(self, gid: str, actor: str, state: RequestState | None = None,
                     since: datetime | None = None) -> list[MembershipRequest]:
        """The requests to join *gid*, oldest first; with *since*, those made or decided at or after it."""
        with self.lock:
            self.require(gid, actor, admin=True)
            ids = self._requests_by_group[gid] if since is None else self.changed_requests.since(since)
            found = [r for rid in ids if (r := self.requests[rid]).group_id == gid]
        return [r for r in found if state is None or r.state is state]

    def catalogue(self, q: str = "", tool: str = "", topic: str = "", category: str = "") -> list[Appliance]:
        """Appliances matching every given filter (case-insensitive)."""
        q, tool, topic, category = (v.strip().lower() for v in (q, tool, topic, category))
        return [a for a in APPLIANCES
                if (not q or q in self._haystacks[a.id])
                and (not tool or any(t.name.lower() == tool for t in a.tools))
                and (not topic or any(t.lower() == topic for t in a.topics))
                and (not category or a.category.lower() == category)]

    def capacity(self, site_id: str) -> dict[str, Capacity]:
        """Totals and use of a site: other projects plus every live server of the Biosphère project."""
        site = self.sites[site_id]
        used = list(site.others)
        cloud = site.cloud
        with cloud.lock:
            counts: dict[str, int] = defaultdict(int)
            for server in cloud.servers.values():
                if not server.deleted:
                    counts[server.flavor_id] += 1
            for flavor_id, n in counts.items():
                f = cloud.flavors[flavor_id]
                for i, amount in enumerate((f.vcpus, f.ram_mb // 1024, f.disk_gb, f.gpus)):
                    used[i] += n * amount
        return {k: Capacity(total, u) for k, total, u in zip(("vcpu", "ram_gb", "storage_gb", "gpu"),
                                                             site.totals, used, strict=True)}

    def committed(self, gid: str) -> Quota:
        """What the live deployments of *gid* hold of its quota."""
        with self.lock:
            return Quota(*self._committed[gid])

    def monitored(self, dep: Deployment) -> Deployment:
        """*dep* with the last activity the portal's monitor saw on its VM (`last_activity`)."""
        return dep if dep.state is not S.READY else replace(dep, last_activity=self.last_activity(dep))

    def last_activity(self, dep: Deployment) -> datetime | None:
        """The last activity the portal's monitor saw on *dep*'s VM (Ready ones only, else what
        *dep* says): an unused VM's stays where it stopped; a VM in use is seen busy every few
        minutes, until its server stops (shut off, error) or the clock."""
        if dep.state is not S.READY:
            return dep.last_activity
        idle = self.idle_since.get(dep.id)
        if idle is None:
            until = self._stopped_at(dep) or self.clock.now()
            every = _beat_every(dep)
            beats = max(int((until - dep.updated).total_seconds() // every), 0)
            idle = dep.updated + timedelta(seconds=beats * every)
        return idle

    def _stopped_at(self, dep: Deployment) -> datetime | None:
        """When *dep*'s server stopped running (its last change, shut off or in error); None while it runs."""
        server = self.sites[dep.site].cloud.servers.get(dep.server_id or "")
        return None if server is None or server.status == "ACTIVE" else server.updated

    def deployments_of(self, *, owner: str | None = None, group: str | None = None) -> list[str]:
        """Ids of the deployments of an owner or a group, oldest first."""
        with self.lock:
            found = self._by_owner.get(owner) if owner is not None else self._by_group.get(group or "")
            return list(found or ())

    def deployment_for(self, dep_id: str, actor: str) -> Deployment:
        """A deployment its owner or an admin of its group may see."""
        with self.lock:
            dep = self.deployments.get(dep_id)
            if dep is None:
                raise WorldError("not_found", f"No deployment {dep_id!r}.")
            if dep.owner != actor and self.role(dep.group_id, actor) is not Role.ADMIN:
                raise WorldError("forbidden", "Only its owner or an admin of its group can see this deployment.")
            return dep

    def consumption(self, gid: str, actor: str, start: date, end: date) -> Sequence[UsageDay]:
        """Usage rows of *gid* between two days; a member sees only their own rows.

        Reading a page of them costs the page: the portal pages through 150,000 rows at scale 200.
        """
        now = self.clock.now()
        with self.lock:
            role = self.require(gid, actor, admin=False)
            return self._ledger.rows(gid, start, end, now, (self.deployments[d] for d in self._by_group[gid]),
                                     None if role is Role.ADMIN else actor)

    # -- membership -------------------------------------------------------------------

    def join(self, gid: str, actor: str, message: str) -> MembershipRequest:
        with self.lock:
            if self.role(gid, actor) is not None:
                raise WorldError("conflict", f"You already are a member of {gid!r}.")
            if any(self.requests[r].username == actor and self.requests[r].state is RequestState.PENDING
                   for r in self._requests_by_group[gid]):
                raise WorldError("conflict", f"Your request to join {gid!r} is already pending.")
            return self.add_request(gid, self.people[actor], self.clock.now(), message)

    def decide(self, gid: str, rid: str, actor: str, *, approve: bool, reason: str = "") -> MembershipRequest:
        """Approve or reject a pending request; an approved requester becomes a member.

        Refusals in the portal's order: not_found (group, then request), forbidden (not an
        admin of the group), conflict (already decided).
        """
        with self.lock:
            self.role(gid, actor)  # not_found for an unknown group
            request = self.requests.get(rid)
            if request is None or request.group_id != gid:
                raise WorldError("not_found", f"No request {rid!r} in group {gid!r}.")
            self.require(gid, actor, admin=True)
            if request.state is not RequestState.PENDING:
                raise WorldError("conflict", f"Request {rid} was already {request.state.value}.")
            if approve:
                group = self.groups[gid]
                self.members[gid][request.username] = Member(
                    gid, request.username, request.name, request.email, Role.MEMBER, self.clock.now().date(),
                    group.end_date)
                self.touch("people")
            state = RequestState.APPROVED if approve else RequestState.REJECTED
            return self._store_request(replace(request, state=state, reason=reason))

    def _store_request(self, request: MembershipRequest) -> MembershipRequest:
        self.requests[request.id] = request
        self.touch("requests")
        self.changed_requests.note(request.id, self.clock.now())
        return request

    def request_group(self, actor: str, fields: dict[str, object]) -> str:
        """Record a project-group request for the IFB committee; returns its id."""
        with self.lock:
            if fields["short_name"] in self.groups:
                raise WorldError("invalid", f"A group named {fields['short_name']!r} already exists.", "short_name")
            rid = f"greq-{len(self.group_requests) + 1:04d}"
            self.group_requests[rid] = {**fields, "requester": actor, "state": "pending"}
            return rid

    # -- deployments ------------------------------------------------------------------

    def reserve(self, actor: str, name: str, appliance: str, gid: str, site_id: str, flavor: str) -> Launch:
        """Check a new deployment against the rules and book it (Initializing, no server yet)."""
        with self.lock:
            app = self.appliances.get(appliance)
            if app is None:
                raise WorldError("invalid", f"No appliance {appliance!r} in the catalogue.", "appliance")
            if gid not in self.groups:
                raise WorldError("invalid", f"No group {gid!r}.", "group")
            self.require(gid, actor, admin=False)
            group = self.groups[gid]
            if group.kind is GroupKind.AFFILIATION:
                raise WorldError("invalid", "An affiliation group has no resources: choose a project or "
                                            "training group.", "group")
            site = self.sites.get(site_id)
            if site is None:
                raise WorldError("invalid", f"No site {site_id!r}.", "site")
            if flavor not in site.flavor_ids:
                raise WorldError("invalid", f"Flavour {flavor!r} is not offered on {site_id}.", "flavor")
            spec = FLAVORS[flavor]
            if spec.vcpu < app.min_vcpu or spec.ram_gb < app.min_ram_gb:
                raise WorldError("invalid", f"{app.name} needs at least {app.min_vcpu} vCPU and "
                                            f"{app.min_ram_gb} GB RAM.", "flavor")
            if site.availability in (Availability.DOWN, Availability.MAINTENANCE):
                raise WorldError("site_unavailable", f"Site {site_id} is {site.availability.value}: "
                                                     f"{site.message or 'try another site.'}")
            quota = group.quota
            if not fits(self._committed[gid], resources(spec)[:3], (quota.vcpu, quota.ram_gb, quota.storage_gb)):
                used = self._committed[gid]
                raise WorldError("quota_exceeded", f"Group {gid} has {quota.vcpu - used[0]} vCPU, "
                                                   f"{quota.ram_gb - used[1]} GB RAM and "
                                                   f"{quota.storage_gb - used[2]} GB storage left; "
                                                   f"{flavor} needs {spec.vcpu}/{spec.ram_gb}/{spec.disk_gb}.")
            capacity = self.capacity(site_id)
            if not all(c.free >= n for c, n in zip(capacity.values(), resources(spec), strict=True)):
                raise WorldError("no_capacity", f"Site {site_id} has not enough free resources for {flavor}.")
            now = self.clock.now().replace(microsecond=0)
            dep = Deployment(
                id=new_uuid(self._rng), name=name, appliance_id=app.id, appliance_name=app.name, group_id=gid,
                owner=actor, site=site_id, flavor=flavor, state=S.INITIALIZING, created=now, updated=now,
                vcpu=spec.vcpu, ram_gb=spec.ram_gb, disk_gb=spec.disk_gb, gpu=spec.gpu)
            self.index(dep)
            self.commit(dep, +1)
            return Launch(dep, site.flavor_ids[flavor], self.image_for(site, app), metadata(dep))

    def attach(self, dep_id: str, server_id: str) -> Deployment:
        """The server of a reserved deployment exists: plan its way to Ready."""
        with self.lock:
            dep = self._store(replace(self.deployments[dep_id], server_id=server_id))
            server = self.sites[dep.site].cloud.servers.get(server_id)
            start, boot = (server.created, server.boot_seconds) if server else (dep.created, 90.0)
            for offset, state in plan(self._rng, boot, self.appliances[dep.appliance_id].multi_vm):
                self.plan_step(start + timedelta(seconds=offset), dep, state)
            return dep

    def abort(self, dep_id: str, reason: str) -> Deployment:
        with self.lock:
            dep = self.deployments[dep_id]
            if not dep.state.is_final:
                self.commit(dep, -1)
            return self._store(replace(dep, state=S.ABORTED, reason=reason,
                                       updated=self.clock.now().replace(microsecond=0)))

    def deletable(self, dep_id: str, actor: str) -> Deployment:
        """A deployment *actor* may delete; conflict once it is finished (it is still there to read)."""
        dep = self.deployment_for(dep_id, actor)
        if dep.state.is_final:
            raise WorldError("conflict", f"Deployment {dep_id} is already {dep.state.value}: nothing left to delete.")
        return dep

    def finalize(self, dep_id: str) -> Deployment:
        """The server is gone: Finalizing now, Done (Cancelled if it never was Ready) shortly after."""
        with self.lock:
            dep = self.deployments[dep_id]
            if dep.state.is_final or dep.state is S.FINALIZING:
                return dep
            target = S.DONE if dep.state is S.READY else S.CANCELLED
            now = self.clock.now()
            dep = self._store(self.reached(dep, S.FINALIZING, now, None))
            self.plan_step(now + timedelta(seconds=self._rng.uniform(*FINALIZE_SECONDS)), dep, target)
            return dep

    def set_server_status(self, dep_id: str, status: str) -> None:
        """The demo's switch for a deployment's server (e.g. "ERROR", "SHUTOFF"); KeyError if it has none."""
        with self.lock:
            dep = self.deployments[dep_id]
            self.sites[dep.site].cloud.set_status(dep.server_id or "", status)

    def new_request(self, gid: str = "marine-meta") -> MembershipRequest:
        """Someone new asks to join *gid* now (what happens every few demo minutes to marine-meta)."""
        with self.lock:
            person = self.new_person(self._visitors, self._visitors.choice(AFFILIATIONS))
            return self.add_request(gid, person, self.clock.now(), join_message(self._visitors, gid))

    def set_availability(self, site_id: str, availability: Availability, message: str = "") -> None:
        """What the status page says of a site (the demo's outage switch for the portal's view)."""
        with self.lock:
            site = self.sites[site_id]
            site.availability, site.message = availability, message
            self.touch("sites")



def _access(dep: Deployment, app: Appliance) -> tuple[tuple[AccessLink, ...], tuple[Parameter, ...]]:
    """Access links and parameters of a Ready deployment (its secret drawn from its id)."""
    tools = {t.name for t in app.tools}
    links = []
    params = [Parameter("username", "ubuntu")]
    if "ssh" in app.access:
        links.append(AccessLink("ssh", f"ssh://ubuntu@{dep.ip}"))
    if "https" in app.access:
        links.append(AccessLink("https", f"https://{dep.name}.{dep.site}.biosphere.example/"))
        secret = f"{random.Random(dep.id).getrandbits(96):024x}"
        params.append(Parameter("token" if "JupyterLab" in tools else "password", secret, secret=True))
    if "x2go" in app.access:
        links.append(AccessLink("x2go", f"x2go://ubuntu@{dep.ip}"))
        params.append(Parameter("x2go_session", "XFCE" if "XFCE" in tools else "MATE"))
    return tuple(links), tuple(params)


def _beat_every(dep: Deployment) -> int:
    """Seconds between two times the monitor sees *dep*'s VM busy (drawn from its id)."""
    return ACTIVE_EVERY[0] + zlib.crc32(dep.id.encode()) % (ACTIVE_EVERY[1] - ACTIVE_EVERY[0])


def _haystack(app: Appliance) -> str:
    return " ".join([app.name, app.summary, app.description, *(t.name for t in app.tools), *app.topics]).lower()
