"""The idle VM finder: running VMs with no activity for long, or shut off for long, and what
deleting them gives back to their group's quota.

``find_idle`` is pure: the idle screen and the command line give it what ``cache.activity``
reads (the Ready deployments, or in OpenStack-only mode the shut-off Nova servers).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from biosphere_tui.i18n import number, plural, t
from biosphere_tui.models.groups import Quota
from biosphere_tui.models.states import OFF_STATUSES
from biosphere_tui.rules import units

if TYPE_CHECKING:
    from biosphere_tui.cache.activity import VmActivity


@dataclass(frozen=True)
class IdleSettings:
    """After how many days a running VM with no activity, or a shut-off one, counts as idle."""

    running_days: float = 14.0
    shutoff_days: float = 14.0

class IdleKind(StrEnum):
    NO_ACTIVITY = "no activity"
    SHUT_OFF = "shut off"


@dataclass(frozen=True)
class IdleVm:
    """An idle deployment (with the vCPU, RAM and disk deleting it gives back): why (``kind``,
    and ``why`` in words) and since when."""

    deployment: VmActivity
    kind: IdleKind
    since: datetime
    why: str


def days(n: float) -> str:
    """``14 days``, ``1 day``, ``3.5 days`` (in the interface language)."""
    return plural(int(n), "{n} day", "{n} days") if n == int(n) else t("{n} days", n=f"{n:g}")


def _whole_days(span: timedelta) -> str:
    return days(max(span // timedelta(days=1), 0))


def _idle(vm: VmActivity, settings: IdleSettings, now: datetime) -> tuple[IdleKind, datetime, str] | None:
    if vm.server_status in OFF_STATUSES:
        since = vm.server_updated or vm.ready_since
        if now - since >= timedelta(days=settings.shutoff_days):
            return IdleKind.SHUT_OFF, since, t("{status} for {days}", status=vm.server_status,
                                               days=_whole_days(now - since))
        return None
    if vm.server_status not in (None, "ACTIVE"):  # building, in error…: not idle, something else
        return None
    since = vm.last_activity or vm.ready_since
    if now - since < timedelta(days=settings.running_days):
        return None
    if vm.last_activity is None:
        return IdleKind.NO_ACTIVITY, since, t("no activity seen since Ready {days} ago", days=_whole_days(now - since))
    return IdleKind.NO_ACTIVITY, since, t("no activity for {days}", days=_whole_days(now - since))


def find_idle(vms: Iterable[VmActivity], settings: IdleSettings, now: datetime) -> list[IdleVm]:
    """The idle ones among these Ready VMs, idle longest first."""
    found = []
    for vm in vms:
        verdict = _idle(vm, settings, now)
        if verdict is not None:
            found.append(IdleVm(vm, *verdict))
    return sorted(found, key=lambda idle: (idle.since, idle.deployment.name, idle.deployment.id))


def given_back(vms: Iterable[IdleVm]) -> Quota:
    """The vCPU, RAM GB and disk GB that deleting these VMs gives back."""
    deps = [vm.deployment for vm in vms]
    return Quota(sum(d.vcpu for d in deps), sum(d.ram_gb for d in deps), sum(d.disk_gb for d in deps))


def resources(q: Quota) -> str:
    """``36 vCPU, 144 GB RAM, 2,070 GB disk``."""
    return t("{vcpu} vCPU, {ram} GB RAM, {disk} GB disk", vcpu=q.vcpu, ram=number(units.gb(q.ram_gb * 1024), 0
             if q.ram_gb == int(q.ram_gb) else 2), disk=number(q.storage_gb))
