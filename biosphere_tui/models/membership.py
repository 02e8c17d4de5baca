"""A group's members, requests to join a group, and requests for a new one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from biosphere_tui.models.states import GroupKind, RequestState, Role


@dataclass(frozen=True, slots=True)
class Member:
    group_id: str
    username: str
    name: str
    email: str
    role: Role
    joined: date
    account_end: date


@dataclass(frozen=True, slots=True)
class MembershipRequest:
    id: str
    group_id: str
    username: str
    name: str
    email: str
    message: str
    created: datetime
    state: RequestState
    reason: str = ""


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """A group directory entry: a group one may ask to join."""

    id: str
    name: str
    full_name: str
    kind: GroupKind
    is_member: bool


# The most a new project group may ask for (the contract's ``GroupCreate`` maximums; 422 beyond).
GROUP_REQUEST_MAXIMUM = {"vcpu": 4096, "ram_gb": 32768, "storage_gb": 500000}


@dataclass(frozen=True, slots=True)
class GroupRequest:
    """A new project group, with the fields of the IFB support form."""

    short_name: str
    full_name: str
    start_date: str
    end_date: str
    summary: str
    vcpu: int
    ram_gb: int
    storage_gb: int
    funding: str
