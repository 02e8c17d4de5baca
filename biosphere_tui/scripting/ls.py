"""``ls vms|idle|apps|sites|requests|usage``: the cache's lists, read like the app's screens read them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from biosphere_tui.cache import catalogue, people, reader, servers, usage, vms
from biosphere_tui.cache.activity import ready_vms
from biosphere_tui.models.states import UNLIMITED, Role
from biosphere_tui.rules import units
from biosphere_tui.rules.forecast import WINDOW_DAYS, of_group
from biosphere_tui.rules.idle import find_idle, given_back, resources
from biosphere_tui.scripting import Exit, ScriptError
from biosphere_tui.scripting.output import Column, Row, field, render
from biosphere_tui.scripting.session import ACCOUNT, Session

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Listing:
    noun: str  # "VMs"
    needs: frozenset[str]  # sources without which there is nothing to list
    shows: frozenset[str]  # sources whose failure makes the list incomplete
    fields: tuple[str, ...]  # JSON and CSV keys, in order
    columns: Callable[[argparse.Namespace], tuple[Column, ...]]  # the table's, for these options
    read: Callable[[Session, argparse.Namespace], Rows]


def _whose(session: Session, args: argparse.Namespace) -> tuple[str | None, str | None]:
    """(owner, group id): with ``--all`` the group's (which the user must lead), else the user's own
    (in the group named, if one is)."""
    if args.all:
        return None, session.group(args.group, admin=True).id
    return session.me().username, session.group(args.group).id if args.group else None


def _vms(session: Session, args: argparse.Namespace) -> Rows:
    owner, group_id = _whose(session, args)
    query = vms.VmQuery(owner=owner, group_id=group_id, finished=args.finished)
    platforms = {s.id: s.platform for s in reader.sites(session.db)}
    return [{"id": v.id, "name": v.name, "appliance": v.appliance, "group": v.group_id, "owner": v.owner,
             "site": v.site, "platform": platforms.get(v.site, v.site), "flavor": v.flavor, "state": v.state,
             "server_status": v.server_status, "vcpu": v.vcpu, "ram_gb": v.ram_gb, "ip": v.ip, "created": v.created}
            for v in vms.vms(session.db, query)]


def _idle(session: Session, args: argparse.Namespace) -> Rows:
    owner, group_id = _whose(session, args)
    return [{"id": d.id, "name": d.name, "group": d.group_id, "owner": d.owner, "site": d.site, "flavor": d.flavor,
             "kind": vm.kind.value, "why": vm.why, "since": vm.since, "vcpu": d.vcpu, "ram_gb": d.ram_gb,
             "disk_gb": d.disk_gb, "idle": vm}  # "idle": for the total given back, not a field
            for vm in find_idle(ready_vms(session.db, owner=owner, group_id=group_id), session.config.idle, session.now())
            for d in [vm.deployment]]


def _apps(session: Session, args: argparse.Namespace) -> Rows:
    return [{"id": a.id, "name": a.name, "category": a.category, "os": f"{a.os} {a.os_version}".strip(),
             "version": a.version, "min_vcpu": a.min_vcpu, "min_ram_gb": a.min_ram_gb, "min_disk_gb": a.min_disk_gb,
             "access": a.access, "tools": tuple(t.name for t in a.tools), "topics": a.topics, "multi_vm": a.multi_vm}
            for a in catalogue.appliances(session.db, text=args.search or "")]


def _sites(session: Session, args: argparse.Namespace) -> Rows:
    rooms = {r.site: r for r in catalogue.rooms(session.db)}
    return [{"id": s.id, "platform": s.platform, "city": s.city, "state": s.state,
             "answers": rooms[s.id].answers if s.id in rooms else None,
             "vcpu_free": s.vcpu.free, "vcpu_total": s.vcpu.total, "ram_gb_free": s.ram_gb.free,
             "ram_gb_total": s.ram_gb.total, "storage_gb_free": s.storage_gb.free,
             "storage_gb_total": s.storage_gb.total, "gpu_free": s.gpu.free, "gpu_total": s.gpu.total,
             "features": s.features, "message": s.message, "updated": s.updated}
            for s in reader.sites(session.db)]


def _requests(session: Session, args: argparse.Namespace) -> Rows:
    return [{"id": r.id, "group": r.group_id, "username": r.username, "name": r.name, "email": r.email,
             "message": r.message, "created": r.created}
            for g in session.admin_groups(args.group) for r in people.requests(session.db, g.id)]


def _usage(session: Session, args: argparse.Namespace) -> Rows:
    group = session.group(args.group)
    today = session.now().date()
    use = reader.quota_use(session.db, group.id)
    daily = usage.daily(session.db, group.id, usage.Period.last(WINDOW_DAYS + 1, today))
    if group.role is Role.MEMBER:
        mine = "its use and record are" if reader.counts_own_vms_only(group) else "its usage record is"
        print(f"biosphere-tui: note: you are a member of {group.id}: {mine} your own only", file=sys.stderr)
    return [{"group": group.id, "resource": f.label, "unit": f.unit, "quota": f.quota, "used": f.current,
             "used_pct": round(f.current / f.quota * 100, 1) if f.quota else None,
             "rate_per_day": round(f.rate, 3) if f.rate is not None else None, "outlook": f.outlook,
             "reached_on": f.reached_on, "days_left": f.days_left, "group_end": group.end_date,
             "forecast": f.verdict()}
            for f in of_group(group, use, daily, today)]


def _nova_vms(session: Session, args: argparse.Namespace) -> Rows:
    return [{"id": v.id, "name": v.name, "image": v.appliance, "site": v.site, "flavor": v.flavor, "status": v.state,
             "vcpu": v.vcpu, "ram_gb": units.gb(v.ram_gb * 1024), "ram_mb": round(v.ram_gb * 1024), "ip": v.ip,
             "created": v.created}
            for v in vms.vms(session.db, vms.VmQuery(), nova=True)]


def _nova_sites(session: Session, args: argparse.Namespace) -> Rows:
    rows = []
    for s in servers.sites(session.db, session.config.openstack.sites):
        lim = s.limits
        used = (None,) * 6 if lim is None else (lim.used_vcpu, _most(lim.max_vcpu), lim.used_ram_mb // 1024,
                                                 _most(lim.max_ram_mb, 1024), lim.used_instances,
                                                 _most(lim.max_instances))
        rows.append({"id": s.id, "answers": None if s.api is None else s.api.ok,
                     "error": s.api.last_error if s.failing else None,
                     **dict(zip(("vcpu_used", "vcpu_max", "ram_gb_used", "ram_gb_max", "instances_used",
                                 "instances_max"), used, strict=True)),
                     "servers": s.servers, "images": s.images, "flavors": s.flavors,
                     "updated": s.api.last_success if s.api else None})
    return rows


def _most(limit: int, scale: int = 1) -> int | None:
    """A Nova maximum for scripts: None when unlimited (Nova's -1)."""
    return None if limit == UNLIMITED else limit // scale


def _used(used: str, most: str) -> Callable[[Row], str]:
    return lambda row: "" if row[used] is None else \
        f"{row[used]:,}/{row[most]:,}" if row[most] is not None else f"{row[used]:,}/unlimited"


def _pair(free: str, total: str) -> Callable[[Row], str]:
    return lambda row: f"{row[free]:,}/{row[total]:,}"


LISTINGS = {
    "vms": Listing(
        "VMs", frozenset({"portal.deployments", ACCOUNT}), frozenset({"site"}),
        ("id", "name", "appliance", "group", "owner", "site", "flavor", "state", "server_status", "vcpu", "ram_gb",
         "ip", "created"),
        lambda args: (field("name", least=16), field("state", cut=False), field("platform", "SITE"),
                      field("flavor", "FLAVOUR", cut=False), field("ip", "IP", cut=False),
                      *([field("owner")] if args.all else []),
                      Column("CREATED", lambda r: r["created"].date(), cut=False)),
        _vms),
    "idle": Listing(
        "idle VMs", frozenset({"portal.deployments", ACCOUNT}), frozenset({"site"}),
        ("id", "name", "group", "owner", "site", "flavor", "kind", "why", "since", "vcpu", "ram_gb", "disk_gb"),
        lambda args: (field("name", least=16), *([field("owner")] if args.all else []), field("why", "WHY IDLE"),
                      Column("SINCE", lambda r: r["since"].date(), cut=False),
                      field("vcpu", "VCPU", right=True, cut=False), field("ram_gb", "RAM GB", right=True, cut=False),
                      Column("DISK GB", lambda r: f"{r['disk_gb']:,}", right=True, cut=False)),
        _idle),
    "apps": Listing(
        "appliances", frozenset({"portal.catalogue"}), frozenset(),
        ("id", "name", "category", "os", "version", "min_vcpu", "min_ram_gb", "min_disk_gb", "access", "tools",
         "topics", "multi_vm"),
        lambda args: (field("id", cut=False), field("name"), field("category"),
                      Column("NEEDS", lambda r: f"{r['min_vcpu']} vCPU {r['min_ram_gb']} GB", cut=False),
                      field("access")),
        _apps),
    "sites": Listing(
        "sites", frozenset({"portal.status"}), frozenset({"site"}),
        ("id", "platform", "city", "state", "answers", "vcpu_free", "vcpu_total", "ram_gb_free", "ram_gb_total",
         "storage_gb_free", "storage_gb_total", "gpu_free", "gpu_total", "features", "message", "updated"),
        lambda args: (field("platform", "SITE"),
                      Column("STATE", lambda r: r["state"] if r["answers"] is not False else "no answer"),
                      Column("VCPU FREE", _pair("vcpu_free", "vcpu_total"), right=True, cut=False),
                      Column("RAM GB FREE", _pair("ram_gb_free", "ram_gb_total"), right=True, cut=False),
                      Column("GPU", _pair("gpu_free", "gpu_total"), right=True, cut=False), field("features"),
                      field("city")),
        _sites),
    "requests": Listing(
        "pending membership requests", frozenset({"portal.members", ACCOUNT}), frozenset(),
        ("id", "group", "username", "name", "email", "message", "created"),
        lambda args: (field("id", cut=False), field("group"), field("username", "USER"), field("name"),
                      Column("ASKED", lambda r: r["created"].date(), cut=False), field("message")),
        _requests),
    "usage": Listing(
        "resources", frozenset({"portal.usage", ACCOUNT}), frozenset({"portal.deployments"}),
        ("group", "resource", "unit", "quota", "used", "used_pct", "rate_per_day", "outlook", "reached_on",
         "days_left", "group_end", "forecast"),
        lambda args: (Column("RESOURCE", lambda r: f"{r['resource']} {r['unit']}".rstrip(), cut=False),
                      Column("USED/QUOTA", lambda r: f"{r['used']:,.0f}/{r['quota']:,.0f}", right=True, cut=False),
                      Column("USE", lambda r: "" if r["used_pct"] is None else f"{r['used_pct']:.0f} %", right=True,
                             cut=False),
                      Column("TREND/DAY", lambda r: "" if r["rate_per_day"] is None else f"{r['rate_per_day']:+,.1f}",
                             right=True, cut=False),
                      field("forecast")),
        _usage),
}


NOVA_LISTINGS = {  # OpenStack-only mode: the Nova servers and the sites' limits
    "vms": Listing(
        "servers", frozenset({"site"}), frozenset(),
        ("id", "name", "image", "site", "flavor", "status", "vcpu", "ram_gb", "ram_mb", "ip", "created"),
        lambda args: (field("name", least=16), field("status", cut=False), field("site", least=14),
                      field("flavor", "FLAVOUR", cut=False), field("ip", "IP", cut=False),
                      Column("CREATED", lambda r: r["created"].date(), cut=False)),
        _nova_vms),
    "sites": Listing(
        "sites", frozenset({"site"}), frozenset(),
        ("id", "answers", "error", "vcpu_used", "vcpu_max", "ram_gb_used", "ram_gb_max", "instances_used",
         "instances_max", "servers", "images", "flavors", "updated"),
        lambda args: (field("id", "SITE"),
                      Column("API", lambda r: {True: "ok", False: "failed", None: "—"}[r["answers"]], cut=False),
                      Column("VCPU USED/MAX", _used("vcpu_used", "vcpu_max"), right=True, cut=False),
                      Column("RAM GB USED/MAX", _used("ram_gb_used", "ram_gb_max"), right=True, cut=False),
                      Column("VMS USED/MAX", _used("instances_used", "instances_max"), right=True, cut=False),
                      field("servers", right=True, cut=False)),
        _nova_sites),
}


def ls(session: Session, args: argparse.Namespace) -> int:
    listings = NOVA_LISTINGS if session.nova else LISTINGS
    if args.what not in listings:
        session.needs_portal(f"ls {args.what}")
    if session.nova and args.group:
        session.needs_portal("--group")
    listing = listings[args.what]
    if args.all and args.what not in ("vms", "idle"):
        raise ScriptError(Exit.USAGE, "--all only applies to ls vms and ls idle")
    session.ensure(set(listing.needs), set(listing.shows), refresh=args.refresh)
    rows = listing.read(session, args)
    if not rows and args.format == "table":
        print(f"biosphere-tui: no {listing.noun}", file=sys.stderr)
        return Exit.OK
    if args.what == "usage" and args.format == "table":
        print(f"{rows[0]['group']}: quota, use now, trend of the last {WINDOW_DAYS} days; "
              f"group ends {rows[0]['group_end']}")
    print(render(args.format, rows, listing.fields, listing.columns(args)))
    if args.what == "idle" and args.format == "table":
        back = resources(given_back(r["idle"] for r in rows))
        print(f"Deleting {'it' if len(rows) == 1 else f'all {len(rows)}'} would give back {back}.")
    return Exit.OK

