"""Turn raw Nova and Glance JSON into domain objects, strictly, in every shape Nova sends
from microversion 2.1 up (see tests/api/fixtures/nova: Nova's own API samples).

Two shapes are partial on purpose and read as such, never failing the site: a server in a
cell that is down (2.69: only ``id``, ``status`` UNKNOWN, ``created``, ``links``) and a server
whose flavour is gone (``"flavor": {}``, or below 2.47 an id no longer in the flavour list).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from biosphere_tui.api import fields as f
from biosphere_tui.models.nova import Flavor, Image, Server, SiteLimits

UNKNOWN_NAME = "(unknown)"
"""The name of a server Nova cannot tell (its cell is down)."""
UNKNOWN_FLAVOR = "unknown"
"""The flavour of a server whose flavour Nova cannot tell (deleted, or the cell is down)."""


def server(raw: Any, site: str, flavors: Mapping[str, Flavor] | None = None) -> Server:
    """A server of ``GET /servers/detail`` or ``GET /servers/{id}``; ``flavors`` (by id) resolves
    the ``{id, links}`` flavour Nova sends below 2.47."""
    d = f.obj(raw, "server")
    name, vcpus, ram_mb, disk_gb = _flavor_of(d.get("flavor"), flavors or {})
    image = d.get("image")
    created = f.timestamp(d, "created", "server")
    addresses = _addresses(d.get("addresses"))
    return Server(
        site=site,
        id=f.text(d, "id", "server"),
        name=f.text(d, "name", "server", optional=True) or UNKNOWN_NAME,
        status=f.text(d, "status", "server", optional=True) or "UNKNOWN",
        flavor=name,
        vcpus=vcpus,
        ram_mb=ram_mb,
        disk_gb=disk_gb,
        image_id=f.text(image, "id", "server.image") if isinstance(image, dict) else "",
        ip=addresses[0] if addresses else None,
        created=created,
        updated=f.timestamp(d, "updated", "server") if d.get("updated") is not None else created,
        metadata=f.mapping(d, "metadata", "server"),
        fault=f.text(f.obj(d.get("fault") or {}, "server.fault"), "message", "server.fault", optional=True),
        addresses=addresses,
    )


def _flavor_of(raw: Any, flavors: Mapping[str, Flavor]) -> tuple[str, int, int, int]:
    """(name, vCPU, RAM MB, disk GB) of a server's flavour: embedded (2.47+), a reference to the
    flavour list (below 2.47), or unknown (absent, ``{}``, or a flavour since deleted)."""
    flavor = f.obj(raw if raw is not None else {}, "server.flavor")
    if "original_name" in flavor:
        return (f.text(flavor, "original_name", "server.flavor"), f.integer(flavor, "vcpus", "server.flavor"),
                f.integer(flavor, "ram", "server.flavor"), f.integer(flavor, "disk", "server.flavor"))
    known = flavors.get(f.text(flavor, "id", "server.flavor")) if "id" in flavor else None
    if known is None:
        return UNKNOWN_FLAVOR, 0, 0, 0
    return known.name, known.vcpus, known.ram_mb, known.disk_gb


def _addresses(raw: Any) -> tuple[str, ...]:
    """Every address of every network, best first: floating, then IPv4, then IPv6."""
    networks = f.obj(raw or {}, "server.addresses")
    found: list[tuple[bool, bool, str]] = []
    for entries in networks.values():
        for entry in f.lst(entries, "server.addresses[]"):
            e = f.obj(entry, "server.addresses[][]")
            addr = f.text(e, "addr", "server.addresses[][]", optional=True)
            if addr:
                found.append((e.get("OS-EXT-IPS:type") != "floating", e.get("version", 4) != 4, addr))
    return tuple(dict.fromkeys(addr for *_, addr in sorted(found, key=lambda x: x[:2])))


def flavor(raw: Any, site: str) -> Flavor:
    d = f.obj(raw, "flavor")
    specs = d.get("extra_specs")
    return Flavor(
        site=site,
        id=f.text(d, "id", "flavor"),
        name=f.text(d, "name", "flavor"),
        vcpus=f.integer(d, "vcpus", "flavor"),
        ram_mb=f.integer(d, "ram", "flavor"),
        disk_gb=f.integer(d, "disk", "flavor"),
        gpus=gpus(specs) if isinstance(specs, dict) else 0,
    )


def gpus(specs: Mapping[str, Any]) -> int:
    """GPUs a flavour's extra specs ask for: every PCI alias's count (``"a1:2,a2:1"`` is 3; an
    alias without a count is one device) plus the virtual GPUs of ``resources:VGPU`` (also in a
    numbered group, ``resources1:VGPU``)."""
    total = 0
    for alias in str(specs.get("pci_passthrough:alias") or "").split(","):
        name, _, count = alias.strip().partition(":")
        if name:
            total += _count(count.strip()) if count else 1
    for key, value in specs.items():
        if key.startswith("resources") and key.partition(":")[2] == "VGPU":
            total += _count(str(value).strip())
    return total


def _count(value: str) -> int:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 6 else 0


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
    """The project's absolute limits; a maximum of ``UNLIMITED`` (-1) means none."""
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

