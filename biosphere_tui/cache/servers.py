"""OpenStack-only mode reads: one Nova server in full, the Glance images (one entry per name
across the sites) and the flavours a launch may choose from, each project's limits per site."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from biosphere_tui.cache.db import Reader
from biosphere_tui.cache.reader import freshness
from biosphere_tui.models.nova import Flavor, Image, Server, SiteLimits
from biosphere_tui.models.sources import Freshness


def server_key(site: str, server_id: str) -> str:
    """A server's row key in the VM tables (server ids are unique per site only)."""
    return f"{site}/{server_id}"


def split_key(key: str) -> tuple[str, str]:
    site, _, server_id = key.partition("/")
    return site, server_id


@dataclass(frozen=True)
class ServerDetail:
    """One Nova server with its image's name and distribution (its SSH command: ``rules.access``)."""

    server: Server
    image: str | None
    os_distro: str


def detail(db: Reader, key: str) -> ServerDetail | None:
    site, server_id = split_key(key)
    row = db.execute(
        "SELECT s.site, s.id, s.name, s.status, s.flavor, s.vcpus, s.ram_mb, s.disk_gb, s.image_id, s.ip, "
        "s.created, s.updated, s.fault, i.name, i.os_distro, s.addresses FROM servers s "
        "LEFT JOIN images i ON i.site = s.site AND i.id = s.image_id WHERE s.site = ? AND s.id = ?",
        [site, server_id],
    ).fetchone()
    if row is None:
        return None
    server = Server(*row[:10], datetime.fromisoformat(row[10]), datetime.fromisoformat(row[11]), fault=row[12] or "",  # type: ignore[call-arg, misc]
                    addresses=tuple(json.loads(row[15] or "[]")))
    return ServerDetail(server, row[13] or None, row[14] or "")


@dataclass(frozen=True)
class ImageEntry:
    """Every active image of one name, across the sites that have it (``by_site``: site -> image)."""

    name: str
    os_distro: str
    min_disk_gb: int
    min_ram_mb: int
    by_site: dict[str, Image]

    @property
    def sites(self) -> list[str]:
        return sorted(self.by_site)


def images(db: Reader, text: str = "") -> list[ImageEntry]:
    """The active Glance images, one entry per name, whose name or distribution contains ``text``."""
    cur = db.execute(
        "SELECT site, id, name, status, min_disk_gb, min_ram_mb, os_distro FROM images "
        "WHERE status = 'active' AND name != '' AND (name || ' ' || COALESCE(os_distro, '')) LIKE ? "
        "ORDER BY name COLLATE NOCASE, name, site, id",
        [f"%{text}%"],
    )
    grouped: dict[str, list[Image]] = {}
    for r in cur.fetchall():
        grouped.setdefault(r[2], []).append(Image(*r[:6], r[6] or ""))  # type: ignore[call-arg]
    return [ImageEntry(name, next((i.os_distro for i in found if i.os_distro), ""),
                       max(i.min_disk_gb for i in found), max(i.min_ram_mb for i in found),
                       {i.site: i for i in reversed(found)})  # the first image of that name on each site
            for name, found in grouped.items()]


def flavors(db: Reader, site: str) -> list[Flavor]:
    cur = db.execute("SELECT site, id, name, vcpus, ram_mb, disk_gb, gpus FROM flavors WHERE site = ? "
                     "ORDER BY vcpus, ram_mb, name", [site])
    return [Flavor(*r) for r in cur.fetchall()]


@dataclass(frozen=True)
class NovaSite:
    """A configured site: whether its API answered on the last refresh, and the project's limits there."""

    id: str
    api: Freshness | None  # None: never tried yet
    limits: SiteLimits | None
    servers: int
    images: int
    flavors: int
    microversion: str = ""  # the compute microversion of its last good refresh

    @property
    def failing(self) -> bool:
        return self.api is not None and not self.api.ok


def sites(db: Reader, names: tuple[str, ...], text: str = "") -> list[NovaSite]:
    """The configured sites (``names``) whose id contains ``text``, with their limits and counts."""
    fresh = {f.source: f for f in freshness(db)}
    versions = dict(db.execute("SELECT source, microversion FROM freshness WHERE microversion IS NOT NULL").fetchall())
    limits = {r[0]: SiteLimits(*r) for r in db.execute(
        "SELECT site, max_vcpu, used_vcpu, max_ram_mb, used_ram_mb, max_instances, used_instances FROM limits")}
    counts = {table: dict(db.execute(f"SELECT site, COUNT(*) FROM {table} GROUP BY site").fetchall())
              for table in ("servers", "images", "flavors")}
    return [NovaSite(name, fresh.get(f"site.{name}"), limits.get(name), counts["servers"].get(name, 0),
                     counts["images"].get(name, 0), counts["flavors"].get(name, 0), versions.get(f"site.{name}", ""))
            for name in names if text.lower() in name.lower()]


def status_counts(db: Reader) -> dict[str, int]:
    """How many servers of every site are in each Nova status."""
    return dict(db.execute("SELECT status, COUNT(*) FROM servers GROUP BY status").fetchall())
