"""Turn the portal's JSON (docs/portal-api.yaml) into domain objects, strictly."""

from __future__ import annotations

from typing import Any

from biosphere_tui.api import fields as f
from biosphere_tui.models.catalogue import Appliance, Developer, Tool
from biosphere_tui.models.deployments import AccessLink, Deployment, Parameter, UsageDay
from biosphere_tui.models.groups import Group, Quota, User
from biosphere_tui.models.membership import GroupSummary, Member, MembershipRequest
from biosphere_tui.models.sites import Capacity, SiteStatus
from biosphere_tui.models.states import DeploymentState, GroupKind, RequestState, Role, SiteState


def user(raw: Any) -> User:
    d = f.obj(raw, "user")
    return User(f.text(d, "username", "user"), f.text(d, "name", "user"), f.text(d, "email", "user"))


def _quota(raw: Any, where: str) -> Quota:
    q = f.obj(raw, where)
    return Quota(f.integer(q, "vcpu", where), float(f.integer(q, "ram_gb", where)), f.integer(q, "storage_gb", where))


def group(raw: Any) -> Group:
    d = f.obj(raw, "group")
    return Group(
        id=f.text(d, "id", "group"),
        name=f.text(d, "name", "group"),
        full_name=f.text(d, "full_name", "group"),
        kind=f.choice(d, "kind", "group", GroupKind),
        role=f.choice(d, "role", "group", Role),
        quota=_quota(d.get("quota"), "group.quota"),
        start_date=f.day(d, "start_date", "group"),
        end_date=f.day(d, "end_date", "group"),
        funding=f.text(d, "funding", "group", optional=True),
        used=None if d.get("used") is None else _quota(d["used"], "group.used"),
    )


def member(raw: Any, group_id: str) -> Member:
    d = f.obj(raw, "member")
    return Member(
        group_id=group_id,
        username=f.text(d, "username", "member"),
        name=f.text(d, "name", "member"),
        email=f.text(d, "email", "member"),
        role=f.choice(d, "role", "member", Role),
        joined=f.day(d, "joined", "member"),
        account_end=f.day(d, "account_end", "member"),
    )


def membership_request(raw: Any) -> MembershipRequest:
    d = f.obj(raw, "request")
    return MembershipRequest(
        id=f.text(d, "id", "request"),
        group_id=f.text(d, "group_id", "request"),
        username=f.text(d, "username", "request"),
        name=f.text(d, "name", "request"),
        email=f.text(d, "email", "request"),
        message=f.text(d, "message", "request", optional=True, multiline=True),
        created=f.timestamp(d, "created", "request"),
        state=f.choice(d, "state", "request", RequestState),
        reason=f.text(d, "reason", "request", optional=True),
    )


def appliance(raw: Any) -> Appliance:
    d = f.obj(raw, "appliance")
    res = f.obj(d.get("min_resources"), "appliance.min_resources")
    tools = tuple(
        Tool(f.text(t, "name", "tool"), f.text(t, "version", "tool", optional=True), f.text(t, "url", "tool", optional=True))
        for t in (f.obj(x, "appliance.tools[]") for x in f.lst(d.get("tools", []), "appliance.tools"))
    )
    developers = tuple(
        Developer(f.text(x, "name", "developer"), f.text(x, "platform", "developer", optional=True))
        for x in (f.obj(y, "appliance.developers[]") for y in f.lst(d.get("developers", []), "appliance.developers"))
    )
    return Appliance(
        id=f.text(d, "id", "appliance"),
        name=f.text(d, "name", "appliance"),
        category=f.text(d, "category", "appliance"),
        os=f.text(d, "os", "appliance", optional=True),
        os_version=f.text(d, "os_version", "appliance", optional=True),
        summary=f.text(d, "summary", "appliance", optional=True),
        description=f.text(d, "description", "appliance", optional=True, multiline=True),
        version=f.text(d, "version", "appliance", optional=True),
        licence=f.text(d, "licence", "appliance", optional=True),
        contact=f.text(d, "contact", "appliance", optional=True),
        tools=tools,
        topics=f.texts(d, "topics", "appliance"),
        access=f.texts(d, "access", "appliance"),
        developers=developers,
        min_vcpu=f.integer(res, "vcpu", "appliance.min_resources"),
        min_ram_gb=f.integer(res, "ram_gb", "appliance.min_resources"),
        min_disk_gb=f.integer(res, "disk_gb", "appliance.min_resources"),
        docker=f.flag(d, "docker", "appliance"),
        remote_desktop=f.flag(d, "remote_desktop", "appliance"),
        multi_vm=f.flag(d, "multi_vm", "appliance"),
    )


def _capacity(d: dict[str, Any], key: str) -> Capacity:
    c = f.obj(d.get(key, {"total": 0, "used": 0}), f"site.capacity.{key}")
    return Capacity(f.integer(c, "total", f"site.capacity.{key}"), f.integer(c, "used", f"site.capacity.{key}"))


def site_status(raw: Any) -> SiteStatus:
    d = f.obj(raw, "site")
    cap = f.obj(d.get("capacity"), "site.capacity")
    return SiteStatus(
        id=f.text(d, "id", "site"),
        platform=f.text(d, "platform", "site"),
        city=f.text(d, "city", "site", optional=True),
        state=f.choice(d, "state", "site", SiteState),
        vcpu=_capacity(cap, "vcpu"),
        ram_gb=_capacity(cap, "ram_gb"),
        storage_gb=_capacity(cap, "storage_gb"),
        gpu=_capacity(cap, "gpu"),
        features=f.texts(d, "features", "site"),
        message=f.text(d, "message", "site", optional=True),
        updated=f.timestamp(d, "updated", "site"),
    )


def system_status(raw: Any) -> list[SiteStatus]:
    d = f.obj(raw, "system_status")
    return [site_status(s) for s in f.lst(d.get("sites"), "system_status.sites")]


def deployment(raw: Any) -> Deployment:
    d = f.obj(raw, "deployment")
    app = f.obj(d.get("appliance"), "deployment.appliance")
    res = f.obj(d.get("resources"), "deployment.resources")
    access = tuple(
        AccessLink(f.text(a, "kind", "access"), f.text(a, "url", "access"))
        for a in (f.obj(x, "deployment.access[]") for x in f.lst(d.get("access", []), "deployment.access"))
    )
    params = tuple(
        Parameter(f.text(p, "name", "parameter"), f.text(p, "value", "parameter", optional=True),
                  f.flag(p, "secret", "parameter"))
        for p in (f.obj(x, "deployment.parameters[]") for x in f.lst(d.get("parameters", []), "deployment.parameters"))
    )
    return Deployment(
        id=f.text(d, "id", "deployment"),
        name=f.text(d, "name", "deployment"),
        appliance_id=f.text(app, "id", "deployment.appliance"),
        appliance_name=f.text(app, "name", "deployment.appliance"),
        group_id=f.text(d, "group", "deployment"),
        owner=f.text(d, "owner", "deployment"),
        site=f.text(d, "site", "deployment"),
        flavor=f.text(d, "flavor", "deployment"),
        state=f.choice(d, "state", "deployment", DeploymentState),
        created=f.timestamp(d, "created", "deployment"),
        updated=f.timestamp(d, "updated", "deployment"),
        vcpu=f.integer(res, "vcpu", "deployment.resources"),
        ram_gb=f.integer(res, "ram_gb", "deployment.resources"),
        disk_gb=f.integer(res, "disk_gb", "deployment.resources"),
        gpu=f.integer(res, "gpu", "deployment.resources", default=0),
        server_id=f.maybe_text(d, "server_id", "deployment"),
        ip=f.maybe_text(d, "ip", "deployment"),
        access=access,
        parameters=params,
        reason=f.text(d, "reason", "deployment", optional=True),
        last_activity=f.timestamp(d, "last_activity", "deployment") if d.get("last_activity") is not None else None,
    )


def usage_day(raw: Any) -> UsageDay:
    d = f.obj(raw, "usage")
    return UsageDay(
        group_id=f.text(d, "group_id", "usage"),
        day=f.day(d, "day", "usage"),
        member=f.text(d, "member", "usage"),
        site=f.text(d, "site", "usage"),
        vm_hours=f.number(d, "vm_hours", "usage"),
        vcpu_hours=f.number(d, "vcpu_hours", "usage"),
        ram_gb_hours=f.number(d, "ram_gb_hours", "usage"),
        disk_gb_hours=f.number(d, "disk_gb_hours", "usage"),
        gpu_hours=f.number(d, "gpu_hours", "usage"),
    )


def group_summary(raw: Any) -> GroupSummary:
    d = f.obj(raw, "group_summary")
    return GroupSummary(
        id=f.text(d, "id", "group_summary"),
        name=f.text(d, "name", "group_summary"),
        full_name=f.text(d, "full_name", "group_summary"),
        kind=f.choice(d, "kind", "group_summary", GroupKind),
        is_member=f.flag(d, "is_member", "group_summary"),
    )
