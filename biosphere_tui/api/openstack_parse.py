"""Turn raw Nova and Glance JSON into domain objects, strictly."""

from __future__ import annotations

from typing import Any

from biosphere_tui.api import fields as f
from biosphere_tui.models import Flavor, Image, Server, SiteLimits


def server(raw: Any, site: str) -> Server:
    d = f.obj(raw, "server")
    flavor = f.obj(d.get("flavor"), "server.flavor")
    image = d.get("image")
    return Server(
        site=site,
        id=f.text(d, "id", "server"),
        name=f.text(d, "name", "server"),
        status=f.text(d, "status", "server"),
        flavor=f.text(flavor, "original_name", "server.flavor"),
        vcpus=f.integer(flavor, "vcpus", "server.flavor"),
        ram_mb=f.integer(flavor, "ram", "server.flavor"),
        disk_gb=f.integer(flavor, "disk", "server.flavor"),
        image_id=f.text(image, "id", "server.image") if isinstance(image, dict) else "",
        ip=_first_address(d.get("addresses")),
        created=f.timestamp(d, "created", "server"),
        updated=f.timestamp(d, "updated", "server"),
        metadata=f.mapping(d, "metadata", "server"),
        fault=f.text(f.obj(d.get("fault") or {}, "server.fault"), "message", "server.fault", optional=True),
    )


def _first_address(raw: Any) -> str | None:
    """The first IPv4 address, preferring a floating one."""
    networks = f.obj(raw or {}, "server.addresses")
    found: list[tuple[bool, str]] = []
    for entries in networks.values():
        for entry in f.lst(entries, "server.addresses[]"):
            e = f.obj(entry, "server.addresses[][]")
            if e.get("version", 4) == 4 and isinstance(e.get("addr"), str):
                found.append((e.get("OS-EXT-IPS:type") != "floating", f.text(e, "addr", "server.addresses[][]")))
    return min(found)[1] if found else None


def flavor(raw: Any, site: str) -> Flavor:
    d = f.obj(raw, "flavor")
    specs = d.get("extra_specs") or {}
    gpus = 0
    if isinstance(specs, dict):
        alias = str(specs.get("pci_passthrough:alias", ""))
        gpus = int(alias.rsplit(":", 1)[1]) if ":" in alias and alias.rsplit(":", 1)[1].isdigit() else 0
    return Flavor(
        site=site,
        id=f.text(d, "id", "flavor"),
        name=f.text(d, "name", "flavor"),
        vcpus=f.integer(d, "vcpus", "flavor"),
        ram_mb=f.integer(d, "ram", "flavor"),
        disk_gb=f.integer(d, "disk", "flavor"),
        gpus=gpus,
    )


def image(raw: Any, site: str) -> Image:
    d = f.obj(raw, "image")
    return Image(
        site=site,
        id=f.text(d, "id", "image"),
        name=f.text(d, "name", "image", optional=True),
        status=f.text(d, "status", "image"),
        min_disk_gb=f.integer(d, "min_disk", "image", default=0),
        min_ram_mb=f.integer(d, "min_ram", "image", default=0),
        os_distro=f.text(d, "os_distro", "image", optional=True),
    )


def limits(raw: Any, site: str) -> SiteLimits:
    absolute = f.obj(f.obj(f.obj(raw, "reply").get("limits"), "limits").get("absolute"), "limits.absolute")
    return SiteLimits(
        site=site,
        max_vcpu=f.integer(absolute, "maxTotalCores", "limits.absolute"),
        used_vcpu=f.integer(absolute, "totalCoresUsed", "limits.absolute", default=0),
        max_ram_mb=f.integer(absolute, "maxTotalRAMSize", "limits.absolute"),
        used_ram_mb=f.integer(absolute, "totalRAMUsed", "limits.absolute", default=0),
        max_instances=f.integer(absolute, "maxTotalInstances", "limits.absolute"),
        used_instances=f.integer(absolute, "totalInstancesUsed", "limits.absolute", default=0),
    )
