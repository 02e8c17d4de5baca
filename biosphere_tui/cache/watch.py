"""What notifications compare between two refreshes: the user's VMs, pending membership requests."""

from __future__ import annotations

from dataclasses import dataclass

from biosphere_tui.cache import reader
from biosphere_tui.cache.db import Reader
from biosphere_tui.models.groups import Quota


@dataclass(frozen=True)
class VmSeen:
    """One of the user's deployments as a refresh left it."""

    name: str
    site: str
    state: str
    server_status: str | None
    reason: str


@dataclass(frozen=True)
class RequestSeen:
    """A pending membership request in a group the user administers."""

    name: str
    group: str


def vms_of(db: Reader, owner: str) -> dict[str, VmSeen]:
    cur = db.execute("SELECT id, name, site, state, server_status, reason FROM vms WHERE owner = ?", [owner])
    return {r[0]: VmSeen(r[1], r[2], r[3], r[4], r[5] or "") for r in cur.fetchall()}


def pending_requests(db: Reader) -> dict[str, RequestSeen]:
    cur = db.execute(
        "SELECT r.id, r.name, g.name FROM requests r JOIN groups g ON g.id = r.group_id "
        "WHERE r.state = 'pending' AND g.role = 'admin'"
    )
    return {r[0]: RequestSeen(r[1], r[2]) for r in cur.fetchall()}


def observed(db: Reader, group_id: str | None) -> tuple[Quota | None, dict[str, VmSeen], dict[str, RequestSeen]]:
    """What notifications compare, as the last refresh left it: the current group's use of its quota
    (None without a group), the user's VMs (none in OpenStack-only mode) and the pending requests."""
    me = reader.me(db)
    used = reader.quota_use(db, group_id) if group_id is not None else None
    return used, vms_of(db, me.username) if me else {}, pending_requests(db)
