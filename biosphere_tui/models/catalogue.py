"""The appliance catalogue."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    version: str
    url: str


@dataclass(frozen=True, slots=True)
class Developer:
    name: str
    platform: str


@dataclass(frozen=True, slots=True)
class Appliance:
    id: str
    name: str
    category: str
    os: str
    os_version: str
    summary: str
    description: str
    version: str
    licence: str
    contact: str
    tools: tuple[Tool, ...]
    topics: tuple[str, ...]  # EDAM topics
    access: tuple[str, ...]  # "ssh", "https", "x2go"
    developers: tuple[Developer, ...]
    min_vcpu: int
    min_ram_gb: int
    min_disk_gb: int
    docker: bool = False
    remote_desktop: bool = False
    multi_vm: bool = False
