"""Notifications: the diff of two snapshots into events, their toasts, and the baseline."""

from __future__ import annotations

from biosphere_tui.cache.watch import RequestSeen, VmSeen
from biosphere_tui.rules.notifications import Event, EventKind, Snapshot, Toast, Watcher, diff, toasts


def vm(name: str, state: str = "Ready", server: str | None = "ACTIVE", reason: str = "") -> VmSeen:
    return VmSeen(name, "ifb-core-cloud", state, server, reason)


def snap(vms: dict[str, VmSeen] | None = None, *, group: str | None = "marine-meta",
         shares: dict[str, float] | None = None, requests: dict[str, RequestSeen] | None = None) -> Snapshot:
    return Snapshot(vms or {}, group, {k: (v, f"{v:.2f}") for k, v in (shares or {}).items()}, requests or {})


def kinds(events: list[Event]) -> list[tuple[EventKind, str]]:
    return [(e.kind, e.subject) for e in events]


def test_nothing_changed_nothing_to_say() -> None:
    same = snap({"1": vm("a")}, shares={"vCPU": 0.95}, requests={"r": RequestSeen("Léa", "marine-meta")})
    assert diff(same, same) == []


def test_a_vm_in_error_or_aborted() -> None:
    before = snap({"1": vm("a"), "2": vm("b", "Executing"), "3": vm("c", server="ERROR")})
    after = snap({"1": vm("a", server="ERROR"), "2": vm("b", "Aborted", None, "No valid host was found."),
                  "3": vm("c", server="ERROR")})
    events = diff(before, after)
    assert kinds(events) == [(EventKind.VM_ERROR, "a"), (EventKind.VM_ERROR, "b")]
    assert events[0].text == "a went to ERROR on ifb-core-cloud."
    assert events[1].text == "b was aborted: No valid host was found."


def test_a_vm_becomes_ready_even_one_launched_between_two_refreshes() -> None:
    before = snap({"1": vm("a", "SendingReports"), "2": vm("b")})
    after = snap({"1": vm("a"), "2": vm("b"), "3": vm("new")})
    assert kinds(diff(before, after)) == [(EventKind.VM_READY, "a"), (EventKind.VM_READY, "new")]


def test_a_quota_passing_ninety_percent_once() -> None:
    before = snap(shares={"vCPU": 0.85, "RAM": 0.95, "storage": 0.5})
    after = snap(shares={"vCPU": 0.92, "RAM": 0.97, "storage": 0.9})
    events = diff(before, after)
    assert kinds(events) == [(EventKind.QUOTA, "vCPU")]  # RAM was already past it, storage is not past it
    assert events[0].text == "marine-meta uses 92 % of its vCPU quota (0.92)."
    assert diff(after, snap(shares={"vCPU": 0.95, "RAM": 0.97, "storage": 0.9})) == []


def test_switching_group_is_not_passing_a_quota() -> None:
    assert diff(snap(group="ebame-2026", shares={"vCPU": 0.1}), snap(shares={"vCPU": 0.99})) == []


def test_a_new_membership_request() -> None:
    before = snap(requests={"r1": RequestSeen("Léa Bernard", "marine-meta")})
    after = snap(requests={"r1": RequestSeen("Léa Bernard", "marine-meta"), "r2": RequestSeen("Hugo Petit", "marine-meta")})
    events = diff(before, after)
    assert kinds(events) == [(EventKind.REQUEST, "Hugo Petit")]
    assert events[0].text == "Hugo Petit asks to join marine-meta."
    assert diff(after, before) == []  # a request decided (gone) says nothing


def test_one_toast_per_event_and_several_of_a_kind_grouped() -> None:
    events = [Event(EventKind.VM_READY, n, f"{n} is Ready on s.") for n in ("a", "b", "c")]
    events += [Event(EventKind.VM_ERROR, "x", "x went to ERROR on s."),
               Event(EventKind.REQUEST, "Léa", "Léa asks to join g.")]
    assert toasts(events) == [
        Toast("VM in error", "x went to ERROR on s.", "error"),
        Toast("VM Ready", "3 VMs became Ready: a, b, c.", "information"),
        Toast("Membership request", "Léa asks to join g.", "information"),
    ]
    many = [Event(EventKind.REQUEST, f"p{i}", "") for i in range(7)]
    assert toasts(many)[0].message == "7 new membership requests: p0, p1, p2, p3, p4 and 2 more."
    assert toasts([]) == []


def test_the_first_snapshot_is_only_the_baseline() -> None:
    watcher = Watcher()
    assert watcher.observe(snap({"1": vm("a", server="ERROR")}, requests={"r": RequestSeen("L", "g")})) == []
    assert kinds(watcher.observe(snap({"1": vm("a", server="ERROR"), "2": vm("b")}))) == [(EventKind.VM_READY, "b")]
    assert watcher.observe(snap({"1": vm("a", server="ERROR"), "2": vm("b")})) == []
