"""One VM in full, as myVM's detail pane shows it: its deployment and its live server."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from biosphere_tui.cache.db import Reader
from biosphere_tui.models.deployments import AccessLink, Deployment, Parameter
from biosphere_tui.models.nova import Server
from biosphere_tui.models.states import DeploymentState


@dataclass(frozen=True)
class VmDetail:
    """One VM in full: the portal's deployment, its live server (None if the site does not
    list it) and the name of the server's image (its SSH command: ``rules.access``)."""

    deployment: Deployment
    server: Server | None
    image: str | None

    @property
    def ip(self) -> str | None:
        return (self.server.ip if self.server else None) or self.deployment.ip

    @property
    def web_links(self) -> list[AccessLink]:
        return [a for a in self.deployment.access if a.kind != "ssh"]


def detail(db: Reader, vm_id: str) -> VmDetail | None:
    row = db.execute(
        "SELECT id, name, appliance_id, appliance_name, group_id, owner, site, flavor, state, created, updated, "
        "vcpu, ram_gb, disk_gb, gpu, server_id, ip, access, parameters, reason FROM deployments WHERE id = ?",
        [vm_id],
    ).fetchone()
    if row is None:
        return None
    dep = Deployment(  # type: ignore[call-arg, misc]
        *row[:8], DeploymentState(row[8]), datetime.fromisoformat(row[9]), datetime.fromisoformat(row[10]),
        *row[11:17],
        access=tuple(AccessLink(**a) for a in json.loads(row[17] or "[]")),
        parameters=tuple(Parameter(**p) for p in json.loads(row[18] or "[]")),
        reason=row[19] or "",
    )
    server, image = None, None
    if dep.server_id:
        found = db.execute(
            "SELECT s.site, s.id, s.name, s.status, s.flavor, s.vcpus, s.ram_mb, s.disk_gb, s.image_id, s.ip, "
            "s.created, s.updated, i.name FROM servers s LEFT JOIN images i ON i.site = s.site AND i.id = s.image_id "
            "WHERE s.site = ? AND s.id = ?",
            [dep.site, dep.server_id],
        ).fetchone()
        if found:
            server = Server(*found[:10], datetime.fromisoformat(found[10]), datetime.fromisoformat(found[11]))  # type: ignore[call-arg]
            image = found[12] or found[8]
    return VmDetail(dep, server, image)
