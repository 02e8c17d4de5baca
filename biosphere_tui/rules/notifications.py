"""Notifications: what changed between two refreshes that the user wants to hear of, whatever
screen is shown — one of their VMs in error or Ready, the current group past 90 % of a quota,
a membership request in a group they administer.

``Snapshot.of`` takes what matters from what the cache holds (read by the caller: the rules
never read the cache); ``diff`` compares two snapshots
into typed events; ``toasts`` words them, one per event, several of a kind in one. ``Watcher``
keeps the previous snapshot: the first one after start only sets the baseline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from biosphere_tui.models.groups import Group, Quota
from biosphere_tui.models.states import DeploymentState

if TYPE_CHECKING:
    from biosphere_tui.cache.watch import RequestSeen, VmSeen

QUOTA_ALERT = 0.9  # a share of the quota above this is worth a toast (the quota bars turn red there too)
LISTED = 5  # names in a grouped toast
ERROR_STATUS = "ERROR"


class EventKind(StrEnum):
    VM_ERROR = "vm_error"
    VM_READY = "vm_ready"
    QUOTA = "quota"
    REQUEST = "request"


@dataclass(frozen=True)
class Event:
    """``subject``: the VM, the resource or the requester; ``text``: the sentence to show alone."""

    kind: EventKind
    subject: str
    text: str


@dataclass(frozen=True)
class Snapshot:
    """What one refresh left in the cache, as far as notifications go. ``shares``: the current
    group's use of each quota (vCPU, RAM, storage) as a fraction, with ``used``/``total`` words."""

    vms: dict[str, VmSeen] = field(default_factory=dict)
    group: str | None = None
    shares: dict[str, tuple[float, str]] = field(default_factory=dict)
    requests: dict[str, RequestSeen] = field(default_factory=dict)

    @classmethod
    def of(cls, group: Group | None, used: Quota | None, vms: dict[str, VmSeen],
           requests: dict[str, RequestSeen]) -> Snapshot:
        """The snapshot of the current ``group`` using ``used`` of its quota, the user's ``vms`` and
        the pending ``requests``."""
        shares = {}
        if group is not None and used is not None:
            for name, n, total, unit in (("vCPU", used.vcpu, group.quota.vcpu, ""),
                                         ("RAM", used.ram_gb, group.quota.ram_gb, " GB"),
                                         ("storage", used.storage_gb, group.quota.storage_gb, " GB")):
                if total > 0:
                    shares[name] = (n / total, f"{n}{unit} of {total}{unit}")
        return cls(vms, group.name if group else None, shares, requests)


def diff(before: Snapshot, after: Snapshot) -> list[Event]:
    """What happened between two snapshots."""
    events = []
    for vm_id, vm in after.vms.items():
        old = before.vms.get(vm_id)
        if vm.server_status == ERROR_STATUS and (old is None or old.server_status != ERROR_STATUS):
            events.append(Event(EventKind.VM_ERROR, vm.name, f"{vm.name} went to ERROR on {vm.site}."))
        elif vm.state == DeploymentState.ABORTED and (old is None or old.state != DeploymentState.ABORTED):
            events.append(Event(EventKind.VM_ERROR, vm.name,
                                f"{vm.name} was aborted" + (f": {vm.reason}" if vm.reason else ".")))
        elif vm.state == DeploymentState.READY and (old is None or old.state != DeploymentState.READY):
            events.append(Event(EventKind.VM_READY, vm.name, f"{vm.name} is Ready on {vm.site}."))
    if after.group is not None and after.group == before.group:
        for resource, (share, words) in after.shares.items():
            if share > QUOTA_ALERT >= before.shares.get(resource, (0.0, ""))[0]:
                text = f"{after.group} uses {share * 100:.0f} % of its {resource} quota ({words})."
                events.append(Event(EventKind.QUOTA, resource, text))
    for request_id, request in after.requests.items():
        if request_id not in before.requests:
            events.append(Event(EventKind.REQUEST, request.name, f"{request.name} asks to join {request.group}."))
    return events


@dataclass(frozen=True)
class Toast:
    title: str
    message: str
    severity: str  # "information" | "warning" | "error" (Textual's)


_TITLES = {EventKind.VM_ERROR: "VM in error", EventKind.VM_READY: "VM Ready", EventKind.QUOTA: "Quota above 90 %",
           EventKind.REQUEST: "Membership request"}
_GROUPED = {EventKind.VM_ERROR: "{n} VMs went to error", EventKind.VM_READY: "{n} VMs became Ready",
            EventKind.QUOTA: "{n} quotas above 90 %", EventKind.REQUEST: "{n} new membership requests"}
_SEVERITY = {EventKind.VM_ERROR: "error", EventKind.QUOTA: "warning"}


def toasts(events: Sequence[Event]) -> list[Toast]:
    """One toast per event; several events of a kind in one toast naming them."""
    found = []
    for kind in EventKind:
        of_kind = [e for e in events if e.kind is kind]
        severity = _SEVERITY.get(kind, "information")
        if len(of_kind) == 1:
            found.append(Toast(_TITLES[kind], of_kind[0].text, severity))
        elif of_kind:
            names = ", ".join(e.subject for e in of_kind[:LISTED])
            more = f" and {len(of_kind) - LISTED} more" if len(of_kind) > LISTED else ""
            found.append(Toast(_TITLES[kind], f"{_GROUPED[kind].format(n=len(of_kind))}: {names}{more}.", severity))
    return found


class Watcher:
    """Remembers the previous snapshot; the first one only sets the baseline (no flood at startup)."""

    def __init__(self) -> None:
        self.baseline: Snapshot | None = None

    def observe(self, snapshot: Snapshot) -> list[Event]:
        before, self.baseline = self.baseline, snapshot
        return [] if before is None else diff(before, snapshot)
