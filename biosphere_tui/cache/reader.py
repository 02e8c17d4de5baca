"""Reads for the screens and the command line: filtered, sorted and windowed in SQL."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import TYPE_CHECKING

from biosphere_tui.cache.db import Reader
from biosphere_tui.models.groups import Group, Quota, User
from biosphere_tui.models.sites import Capacity, SiteStatus
from biosphere_tui.models.sources import Freshness
from biosphere_tui.models.states import DeploymentState, GroupKind, Role, SiteState

if TYPE_CHECKING:
    from biosphere_tui.models.cursors import ListCursor, ServersCursor

LIVE_STATES = tuple(s.value for s in DeploymentState if not s.is_final)


def optional_time(value: str | None) -> datetime | None:
    """A stored ISO timestamp, or None where none is stored."""
    return datetime.fromisoformat(value) if value else None


def me(db: Reader) -> User | None:
    row = db.execute("SELECT username, name, email FROM me LIMIT 1").fetchone()
    return User(*row) if row else None


def groups(db: Reader) -> list[Group]:
    cur = db.execute(
        "SELECT id, name, full_name, kind, role, quota_vcpu, quota_ram_gb, quota_storage_gb, start_date, end_date, funding, "
        "used_vcpu, used_ram_gb, used_storage_gb FROM groups ORDER BY role = 'admin' DESC, kind, name"
    )
    return [
        Group(r[0], r[1], r[2], GroupKind(r[3]), Role(r[4]), Quota(r[5], r[6], r[7]),
              date.fromisoformat(r[8]), date.fromisoformat(r[9]), r[10] or "",
              None if r[11] is None else Quota(r[11], r[12], r[13]))
        for r in cur.fetchall()
    ]


def current_group(db: Reader, chosen: str) -> Group | None:
    """The group ``chosen`` (on the Groups screen) if it is still the user's, else the first one
    they lead; an affiliation group (no resources) only when they are in no other."""
    found = groups(db)
    usable = [g for g in found if g.kind is not GroupKind.AFFILIATION] or found
    return next((g for g in usable if g.id == chosen), None) or next(
        (g for g in usable if g.role is Role.ADMIN), usable[0] if usable else None)


def freshness(db: Reader) -> list[Freshness]:
    cur = db.execute(
        "SELECT source, last_attempt, last_success, last_error, error_kind, failures, duration, retry_at "
        "FROM freshness ORDER BY source"
    )
    return [Freshness(r[0], optional_time(r[1]), optional_time(r[2]), r[3], r[4], r[5], r[6], optional_time(r[7]))
            for r in cur.fetchall()]


def versions(db: Reader, prefixes: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    """The version of the rows of each source named by ``prefixes`` (all when empty): the same twice,
    nothing these sources hold moved in between (however many refreshes ran)."""
    found = db.execute("SELECT source, version FROM freshness ORDER BY source").fetchall()
    return tuple((source, version) for source, version in found
                 if not prefixes or source.startswith(prefixes))


def sites(db: Reader) -> list[SiteStatus]:
    cur = db.execute(
        "SELECT id, platform, city, state, vcpu_total, vcpu_used, ram_gb_total, ram_gb_used, storage_gb_total, "
        "storage_gb_used, gpu_total, gpu_used, features, message, updated FROM sites ORDER BY id"
    )
    return [
        SiteStatus(r[0], r[1], r[2], SiteState(r[3]), Capacity(r[4], r[5]), Capacity(r[6], r[7]),
                   Capacity(r[8], r[9]), Capacity(r[10], r[11]), tuple(json.loads(r[12])), r[13] or "",
                   datetime.fromisoformat(r[14]))
        for r in cur.fetchall()
    ]


def vm_state_counts(db: Reader) -> dict[str, int]:
    return dict(db.execute("SELECT state, COUNT(*) FROM deployments GROUP BY state").fetchall())


def pending_requests(db: Reader, group_id: str | None = None) -> int:
    """Pending membership requests, of one group or of every group the user leads."""
    where, params = ("AND group_id = ?", [group_id]) if group_id else ("", [])
    return int(db.execute(f"SELECT COUNT(*) FROM requests WHERE state = 'pending' {where}", params).fetchone()[0])


def group_wide_use(db: Reader, group_id: str) -> Quota | None:
    """The whole group's quota use as the portal reported it, or None (an older portal)."""
    row = db.execute("SELECT used_vcpu, used_ram_gb, used_storage_gb FROM groups WHERE id = ?", [group_id]).fetchone()
    return None if row is None or row[0] is None else Quota(*row)


def counts_own_vms_only(group: Group) -> bool:
    """Whether ``quota_use`` of *group* misses other members' VMs: the user is no admin (sees only
    their own deployments) and the portal sent no group-wide figure."""
    return group.role is not Role.ADMIN and group.used is None


def quota_use(db: Reader, group_id: str) -> Quota:
    """What the group's live deployments hold now (vCPU, RAM GB, disk GB): the portal's group-wide
    figure when it sends one, else the sum of the deployments in the cache (a member sees only theirs)."""
    if (wide := group_wide_use(db, group_id)) is not None:
        return wide
    marks = ", ".join("?" * len(LIVE_STATES))
    row = db.execute(
        f"SELECT COALESCE(SUM(vcpu), 0), COALESCE(SUM(ram_gb), 0), COALESCE(SUM(disk_gb), 0) "
        f"FROM deployments WHERE group_id = ? AND state IN ({marks})",
        [group_id, *LIVE_STATES],
    ).fetchone()
    return Quota(*row)


def usage_synced_on(db: Reader) -> dict[str, date]:
    return {g: date.fromisoformat(d) for g, d in db.execute("SELECT group_id, day FROM usage_synced").fetchall()}


def validators(db: Reader, source: str) -> dict[str, str]:
    """The ETags of the portal's replies ``source``'s rows came from, by request."""
    return dict(db.execute("SELECT request, etag FROM validators WHERE source = ?", [source]).fetchall())


def servers_cursor(db: Reader, site: str) -> ServersCursor | None:
    """How far ``site``'s cached servers were read (None: never, or not since the cursor was kept)."""
    from biosphere_tui.models.cursors import ServersCursor  # the refresh's: not loaded before the first frame

    row = db.execute("SELECT newest, deltas, full_pass FROM servers_cursor WHERE site = ?", [site]).fetchone()
    return ServersCursor(datetime.fromisoformat(row[0]), row[1], datetime.fromisoformat(row[2])) if row else None


def portal_cursor(db: Reader, source: str) -> ListCursor | None:
    """How far ``source``'s cached lists were read (None: never, or in full only)."""
    from biosphere_tui.models.cursors import ListCursor

    row = db.execute("SELECT newest, deltas, full_pass, lists FROM portal_cursor WHERE source = ?", [source]).fetchone()
    return ListCursor(datetime.fromisoformat(row[0]), row[1], datetime.fromisoformat(row[2]),
                      tuple(json.loads(row[3]))) if row else None


def site_names(db: Reader) -> dict[str, str]:
    """Site id -> the name to show (its platform's short name), for the sites the portal lists."""
    return {s.id: s.platform for s in sites(db) if s.platform}
