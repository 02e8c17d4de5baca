"""The user and the groups they belong to, with their quotas: what the first frame shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from biosphere_tui.models.states import GroupKind, Role


@dataclass(frozen=True, slots=True)
class User:
    username: str
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Quota:
    vcpu: int
    ram_gb: float  # whole for the portal; Nova VMs given back may hold 512 MB (0.5)
    storage_gb: int


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    name: str
    full_name: str
    kind: GroupKind
    role: Role  # the current user's role in this group
    quota: Quota
    start_date: date
    end_date: date
    funding: str
    used: Quota | None = None  # the whole group's current use, when the portal tells (newer portals)
