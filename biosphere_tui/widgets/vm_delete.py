"""Deleting VMs, as myVM and the idle VM finder do it: who may delete what, one confirmation
naming every VM, then one action through ``app.act`` and a toast with the outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.screen import Screen

from biosphere_tui.cache import reader, servers, vms
from biosphere_tui.cache.vms import VmRow
from biosphere_tui.i18n import _, plural, t
from biosphere_tui.models.states import Role
from biosphere_tui.rules import titles
from biosphere_tui.rules.permissions import delete_refusal
from biosphere_tui.widgets.line_table import LineTable

if TYPE_CHECKING:
    from biosphere_tui.actions import Outcome


def vm_count(n: int) -> str:
    return str(titles.vms(n))


def server_count(n: int) -> str:
    return str(titles.servers(n))


def nothing_left(vm: VmRow) -> str:
    return t("{name} is {state}: there is nothing left to delete.", name=vm.name, state=_(vm.state))


def busy(vm: VmRow) -> str:
    return t("{name} is already being deleted.", name=vm.name)


def refusal(screen: Screen, vm: VmRow) -> str | None:
    """Why this VM may not be deleted (None if it may)."""
    if vm.gone:
        return nothing_left(vm)
    me = reader.me(screen.app.cache)
    why = delete_refusal(vm.name, vm.owner, vm.group_id, me=me.username if me else None,
                         admin_of={g.id for g in screen.app.groups if g.role is Role.ADMIN})
    return str(why) if why else None


Send = Callable[[list[str], dict[str, str]], None]


def delete_marked(screen: Screen, table: LineTable, reload: Callable[[], None], *, nova: bool = False,
                  refuse: Callable[[VmRow], str | None] | None = None, send: Send | None = None) -> None:
    """Delete the VMs marked in ``table`` (or the one under its cursor): say which may not be
    deleted and why, ask to confirm the others, and on ``y`` unmark them, ``reload`` the screen
    and delete them. By default through the portal (``send_to_portal``); ``nova`` rows are Nova
    servers, which OpenStack-only mode deletes with its own ``refuse`` and ``send``."""
    app = screen.app
    refuse = refuse or (lambda vm: refusal(screen, vm))
    send = send or (lambda ids, names: send_to_portal(screen, ids, names))
    keys = sorted(table.selected) or ([table.current_key] if table.current_key else [])
    targets = sorted(vms.rows(app.cache, keys, nova=nova), key=lambda vm: vm.name)
    if not targets:
        app.notify(_("No VM here to delete."), severity="warning")
        return
    verdicts = [(vm, busy(vm) if app.in_flight.verb(vm.id) else refuse(vm)) for vm in targets]
    refused = [reason for _, reason in verdicts if reason]
    targets = [vm for vm, reason in verdicts if not reason]
    if refused:
        app.notify(" ".join(refused[:5]) + (t(" (and {n} more)", n=len(refused) - 5) if len(refused) > 5 else ""),
                   title=_("Not deleted"), severity="warning")
    if not targets:
        return
    ids = [vm.id for vm in targets]
    names = {vm.id: vm.name for vm in targets}

    def answered(yes: bool | None) -> None:
        if not yes:
            return
        table.selected -= set(ids)
        reload()
        send(ids, names)

    from biosphere_tui.widgets.confirm import ConfirmDialog  # loaded when first needed, not at startup

    items = [" — ".join(filter(None, (vm.name, vm.site, vm.owner))) for vm in targets]
    app.push_screen(ConfirmDialog(plural(len(ids), "Delete {n} VM? Its server and disk are destroyed.",
                                         "Delete {n} VMs? Their servers and disks are destroyed."),
                                  items, action="Delete"), answered)


def send_to_portal(screen: Screen, ids: list[str], names: dict[str, str]) -> None:
    screen.app.act(titles.deleting_vms(len(ids)), lambda a: a.delete(ids),
                   resync={"portal.deployments", "site"}, done=lambda outcomes: report_deleted(screen, outcomes, names),
                   busy=dict.fromkeys(ids, "deleted"))


def report_deleted(screen: Screen, outcomes: list[Outcome], names: dict[str, str]) -> None:
    """One toast: all deleted, or which were not and why."""
    failed = [o for o in outcomes if not o.ok]
    if not failed:
        screen.app.notify(t("{vms} deleted: the sites are removing the servers.", vms=vm_count(len(outcomes))),
                          title=_("Deleted"))
        return
    lines = "\n".join(f"• {names.get(o.item, o.item)}: {o.message}" for o in failed)
    screen.app.notify(t("{done} of {vms} deleted. Not deleted:", done=len(outcomes) - len(failed),
                        vms=vm_count(len(outcomes))) + f"\n{lines}",
                      title=_("Delete failed"), severity="error", timeout=12)


def nova_refusal(vm: VmRow) -> str | None:
    """OpenStack-only mode: a server may be deleted unless it is already gone (Nova checks the rest)."""
    return nothing_left(vm) if vm.gone else None


def send_to_nova(screen: Screen, ids: list[str], names: dict[str, str]) -> None:
    """Delete these servers (keys ``site/id``) through Nova, then say how it went."""
    targets = [servers.split_key(key) for key in ids]
    screen.app.act(titles.deleting_servers(len(ids)),
                   lambda a: a.delete_servers(targets),
                   resync={"site"}, done=lambda outcomes: report_deleted(screen, outcomes, names),
                   busy=dict.fromkeys(ids, "deleted"))
