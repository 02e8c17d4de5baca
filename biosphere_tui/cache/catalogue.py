"""Reads for the catalogue and the launch form: appliances, flavours per site, room on each site."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime

from biosphere_tui.cache import reader
from biosphere_tui.cache.db import Reader, Row
from biosphere_tui.models.catalogue import Appliance, Developer, Room, Tool
from biosphere_tui.models.deployments import AccessLink, Deployment, Parameter
from biosphere_tui.models.nova import Flavor
from biosphere_tui.models.states import DeploymentState

_APPLIANCE_COLUMNS = (
    "id, name, category, os, os_version, summary, description, version, licence, contact, tools, topics, access, "
    "developers, min_vcpu, min_ram_gb, min_disk_gb, docker, remote_desktop, multi_vm"
)
_TOOL_NAMES = "SELECT json_extract(t.value, '$.name') FROM json_each(appliances.tools) t"
_HAYSTACK = ("name || ' ' || summary || ' ' || description || ' ' || topics || ' ' || COALESCE("
             "(SELECT group_concat(json_extract(t.value, '$.name'), ' ') FROM json_each(appliances.tools) t), '')")


def _appliance(r: Row) -> Appliance:
    return Appliance(  # type: ignore[misc]
        *r[:10], tools=tuple(Tool(**t) for t in json.loads(r[10])), topics=tuple(json.loads(r[11])),
        access=tuple(json.loads(r[12])), developers=tuple(Developer(**d) for d in json.loads(r[13])),
        min_vcpu=r[14], min_ram_gb=r[15], min_disk_gb=r[16], docker=bool(r[17]), remote_desktop=bool(r[18]),
        multi_vm=bool(r[19]),
    )


def appliances(db: Reader, *, text: str = "", category: str = "", tool: str = "", topic: str = "",
               only: Collection[str] | None = None) -> list[Appliance]:
    """Appliances by name whose name, summary, description, tools or EDAM topics contain ``text``,
    in ``category``, with ``tool``, on EDAM ``topic``, among the ids ``only`` (when given)."""
    where, params = ["1"], []
    if text:
        where.append(f"({_HAYSTACK}) LIKE ?")
        params.append(f"%{text}%")
    if category:
        where.append("category = ?")
        params.append(category)
    if tool:
        where.append(f"? IN ({_TOOL_NAMES})")
        params.append(tool)
    if topic:
        where.append("? IN (SELECT value FROM json_each(appliances.topics))")
        params.append(topic)
    if only is not None:
        where.append(f"id IN ({', '.join('?' * len(only))})")
        params.extend(only)
    cur = db.execute(f"SELECT {_APPLIANCE_COLUMNS} FROM appliances WHERE {' AND '.join(where)} "
                     "ORDER BY name COLLATE NOCASE, id", params)
    return [_appliance(r) for r in cur.fetchall()]


def appliance(db: Reader, appliance_id: str) -> Appliance | None:
    row = db.execute(f"SELECT {_APPLIANCE_COLUMNS} FROM appliances WHERE id = ?", [appliance_id]).fetchone()
    return _appliance(row) if row else None


def categories(db: Reader) -> list[str]:
    return [r[0] for r in db.execute("SELECT DISTINCT category FROM appliances ORDER BY category COLLATE NOCASE")]


def tools(db: Reader) -> list[str]:
    cur = db.execute("SELECT DISTINCT json_extract(t.value, '$.name') AS tool "
                     "FROM appliances, json_each(appliances.tools) t ORDER BY tool COLLATE NOCASE")
    return [r[0] for r in cur.fetchall()]


def topics(db: Reader) -> list[str]:
    return [r[0] for r in db.execute("SELECT DISTINCT t.value FROM appliances, json_each(appliances.topics) t "
                                     "ORDER BY t.value COLLATE NOCASE")]


def flavors(db: Reader) -> list[Flavor]:
    """Every flavour of every site (names ``ifb.*``), as the sites' clouds list them."""
    cur = db.execute("SELECT site, id, name, vcpus, ram_mb, disk_gb, gpus FROM flavors "
                     "WHERE name LIKE 'ifb.%' ORDER BY site, vcpus, ram_mb, name")
    return [Flavor(*r) for r in cur.fetchall()]


def _down_since(db: Reader) -> dict[str, datetime]:
    """Sites whose cloud failed its latest refreshes: the first failure since it last answered."""
    cur = db.execute(
        "SELECT h.site, MIN(h.at) FROM site_history h "
        "WHERE h.at > COALESCE((SELECT MAX(u.at) FROM site_history u WHERE u.site = h.site AND u.state = 'up'), '') "
        "GROUP BY h.site"
    )
    return {site: datetime.fromisoformat(at) for site, at in cur.fetchall()}


def rooms(db: Reader) -> list[Room]:
    """Each site's state (the portal's status page, and whether its cloud answers us) and free room."""
    failing = {f.source.removeprefix("site."): f for f in reader.freshness(db)
               if f.source.startswith("site.") and f.last_error is not None}
    since = _down_since(db)
    return [
        Room(s.id, s.state, s.message, answers=s.id not in failing, since=since.get(s.id),
             vcpu=s.vcpu.free, ram_gb=s.ram_gb.free, storage_gb=s.storage_gb.free, gpu=s.gpu.free, name=s.platform)
        for s in reader.sites(db)
    ]


def deployment(db: Reader, deployment_id: str) -> Deployment | None:
    """One deployment as last synced, with its access links and parameters."""
    row = db.execute(
        "SELECT id, name, appliance_id, appliance_name, group_id, owner, site, flavor, state, created, updated, "
        "vcpu, ram_gb, disk_gb, gpu, server_id, ip, access, parameters, reason FROM deployments WHERE id = ?",
        [deployment_id],
    ).fetchone()
    if row is None:
        return None
    return Deployment(  # type: ignore[misc]
        *row[:8], state=DeploymentState(row[8]), created=datetime.fromisoformat(row[9]),
        updated=datetime.fromisoformat(row[10]), vcpu=row[11], ram_gb=row[12], disk_gb=row[13], gpu=row[14] or 0,
        server_id=row[15], ip=row[16], access=tuple(AccessLink(**a) for a in json.loads(row[17] or "[]")),
        parameters=tuple(Parameter(**p) for p in json.loads(row[18] or "[]")), reason=row[19] or "",
    )
