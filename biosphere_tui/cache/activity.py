"""What the idle VM finder reads: Ready deployments with their last activity and their server's state;
in OpenStack-only mode, the Nova servers that are shut off (no portal monitor says what runs)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from biosphere_tui.cache.db import Reader
from biosphere_tui.cache.reader import optional_time
from biosphere_tui.models.states import OFF_STATUSES, DeploymentState


@dataclass(frozen=True)
class VmActivity:
    """A Ready deployment, when it became Ready, what the portal's monitor last saw on it, and
    its server's status and last change as its site reports them (None if the site does not list it)."""

    id: str
    name: str
    appliance: str
    group_id: str
    owner: str
    site: str
    flavor: str
    vcpu: int
    ram_gb: float  # whole for the portal's flavours; a Nova flavour may hold 512 MB (0.5)
    disk_gb: int
    ready_since: datetime
    last_activity: datetime | None
    server_status: str | None
    server_updated: datetime | None


def ready_vms(db: Reader, *, owner: str | None = None, group_id: str | None = None) -> list[VmActivity]:
    """The Ready deployments (of one owner and/or one group when given)."""
    clauses, params = ["d.state = ?"], [DeploymentState.READY.value]
    for column, value in (("d.owner", owner), ("d.group_id", group_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    cur = db.execute(
        "SELECT d.id, d.name, d.appliance_name, d.group_id, d.owner, d.site, d.flavor, d.vcpu, d.ram_gb, d.disk_gb, "
        "d.updated, d.last_activity, s.status, s.updated "
        "FROM deployments d LEFT JOIN servers s ON s.site = d.site AND s.id = d.server_id "
        f"WHERE {' AND '.join(clauses)}",
        params,
    )
    return [VmActivity(*r[:10], datetime.fromisoformat(r[10]), optional_time(r[11]), r[12], optional_time(r[13]))  # type: ignore[call-arg]
            for r in cur.fetchall()]


def nova_off_servers(db: Reader) -> list[VmActivity]:
    """OpenStack-only mode: the shut-off (suspended, shelved) Nova servers of every site, keyed
    ``site/id`` like myVM's rows; their last change is when they stopped. Without the portal's
    monitor nothing says whether a running server is used, so only these can be idle."""
    cur = db.execute(
        "SELECT s.site || '/' || s.id, s.name, COALESCE(NULLIF(i.name, ''), s.image_id), '', '', s.site, s.flavor, "
        "s.vcpus, s.ram_mb / 1024.0, s.disk_gb, s.created, NULL, s.status, s.updated "
        "FROM servers s LEFT JOIN images i ON i.site = s.site AND i.id = s.image_id "
        f"WHERE s.status IN ({', '.join('?' * len(OFF_STATUSES))})",
        OFF_STATUSES,
    )
    return [VmActivity(*r[:10], datetime.fromisoformat(r[10]), None, r[12], optional_time(r[13])) for r in cur.fetchall()]  # type: ignore[call-arg]
