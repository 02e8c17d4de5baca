"""Idle VMs: running with no activity for long, or shut off for long, and what deleting them
gives back. Admins of the current group see all of its idle VMs; members, their own."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.widgets import Static

from biosphere_tui.cache import reader
from biosphere_tui.cache.activity import nova_off_servers, ready_vms
from biosphere_tui.cache.reader import site_names
from biosphere_tui.i18n import _, t
from biosphere_tui.models.states import Role
from biosphere_tui.rules import units
from biosphere_tui.rules.idle import IdleKind, IdleVm, days, find_idle, given_back, resources
from biosphere_tui.rules.site_names import site_name
from biosphere_tui.screens.base import BiosphereScreen
from biosphere_tui.widgets.line_table import LineTable
from biosphere_tui.widgets.palette import style
from biosphere_tui.widgets.vm_delete import delete_marked, nova_refusal, send_to_nova, server_count, vm_count

KIND_ROLES = {IdleKind.NO_ACTIVITY: "warning", IdleKind.SHUT_OFF: "muted"}


class IdleTable(LineTable):
    COLUMNS = (("name", "name"), ("owner", "owner", 1), ("why", "why idle"), ("vcpu", "vCPU", 2), ("ram", "RAM", 2),
               ("disk", "disk", 2), ("since", "idle since", 3), ("site", "site", 1), ("flavor", "flavour", 3))

    def show_idle(self, rows: list[IdleVm], names: Mapping[str, str]) -> None:
        self.show([(vm.deployment.id, self._cells(vm, names)) for vm in rows])

    @staticmethod
    def _cells(vm: IdleVm, names: Mapping[str, str]) -> tuple[object, ...]:
        d = vm.deployment
        gb = _("GB")
        return (d.name, d.owner, (vm.why, style(KIND_ROLES[vm.kind])), str(d.vcpu), units.ram(d.ram_gb * 1024),
                f"{d.disk_gb} {gb}", f"{vm.since:%Y-%m-%d}", site_name(names, d.site), d.flavor)


class IdleScreen(BiosphereScreen):
    CSS_PATH = Path(__file__).with_suffix(".tcss")  # read when the screen is first shown
    AUTO_FOCUS = "#idle"
    SOURCES = ("portal.deployments", "site.")
    HELP = ("Idle VMs: Ready VMs of the current group that ran with no login or CPU activity seen by the portal "
            "for idle.running_days days, or whose server is shut off for idle.shutoff_days days (both in the "
            "configuration file), and the vCPU, RAM and disk that deleting them gives back. Admins see every "
            "member's; members see their own. Space marks, A marks all or none, ctrl+d deletes the marked ones "
            "(or the one under the cursor) after a confirmation.")
    BINDINGS = [
        Binding("A", "mark_all", "Mark all", key_display="A"),
        Binding("ctrl+d", "delete", "Delete"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._rows: dict[str, IdleVm] = {}

    def compose_body(self) -> ComposeResult:
        yield Static(markup=False, id="given-back")
        yield IdleTable(id="idle", selectable=True)

    def reload_body(self) -> None:
        group = self.app.current_group
        me = reader.me(self.app.cache)
        admin = group is not None and group.role is Role.ADMIN
        owner = None if admin else (me.username if me else "")
        settings = self.app.config.idle
        ready = ready_vms(self.app.cache, owner=owner, group_id=group.id if group else None)
        rows = find_idle(ready, settings, self.app.now())
        self._rows = {vm.deployment.id: vm for vm in rows}
        self.query_one(IdleTable).show_idle(rows, site_names(self.app.cache))
        whose = t("{group}, every member's", group=group.name) if admin and group else \
            t("{group}, yours", group=group.name) if group else _("yours")
        self.title = t("Idle VMs · {whose} · {vms} · no activity for {running} or shut off for {shut_off}",
                       whose=whose, vms=vm_count(len(rows)), running=days(settings.running_days),
                       shut_off=days(settings.shutoff_days))
        self._show_given_back()

    def _show_given_back(self) -> None:
        marked = [self._rows[k] for k in self.query_one(IdleTable).selected if k in self._rows]
        if marked:
            text = t("Deleting the {n} selected gives back {resources}.", n=len(marked),
                     resources=resources(given_back(marked)))
        elif self._rows:
            total = resources(given_back(self._rows.values()))
            text = t("Deleting all {vms} would give back {resources}.", vms=vm_count(len(self._rows)),
                     resources=total) + " " + _("space marks, A marks all, ctrl+d deletes.")
        else:
            text = self._nothing_idle()
        self.query_one("#given-back", Static).update(text)

    def _nothing_idle(self) -> str:
        return _("No idle VM: every running VM was used recently and none has been shut off for long.")

    def on_line_table_marks_changed(self, event: LineTable.MarksChanged) -> None:
        self._show_given_back()

    def action_mark_all(self) -> None:
        table = self.query_one(IdleTable)
        table.selected = set() if table.selected >= self._rows.keys() else set(self._rows)
        table.refresh()
        self._show_given_back()

    def action_delete(self) -> None:
        delete_marked(self, self.query_one(IdleTable), self.reload)

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(_("Idle VMs: mark all or none"), _("Mark every idle VM listed (key A)"),
                            self.action_mark_all)
        yield SystemCommand(_("Idle VMs: delete"), _("The marked idle VMs, or the one under the cursor (ctrl+d)"),
                            self.action_delete)


# -- OpenStack-only mode: the Nova servers shut off for long, deleted through Nova ------------------


class NovaIdleScreen(IdleScreen):
    SOURCES = ("site.",)
    HELP = ("Idle VMs (OpenStack-only mode): the Nova servers of every site that are shut off, suspended or "
            "shelved since idle.shutoff_days days (by their last change), and the vCPU, RAM and disk that "
            "deleting them gives back. Without the portal's activity monitor a running server is never called "
            "idle. Space marks, A marks all or none, ctrl+d deletes the marked ones through Nova after a "
            "confirmation.")

    def reload_body(self) -> None:
        settings = self.app.config.idle
        rows = find_idle(nova_off_servers(self.app.cache), settings, self.app.now())
        self._rows = {vm.deployment.id: vm for vm in rows}
        self.query_one(IdleTable).show_idle(rows, site_names(self.app.cache))
        self.title = t("Idle VMs · Nova servers of every site · {servers} · shut off for {shut_off}",
                       servers=server_count(len(rows)), shut_off=days(settings.shutoff_days))
        self._show_given_back()

    def _nothing_idle(self) -> str:
        return t("No server has been shut off for {shut_off} (running servers are not judged without the portal's "
                 "activity monitor).", shut_off=days(self.app.config.idle.shutoff_days))

    def action_delete(self) -> None:
        delete_marked(self, self.query_one(IdleTable), self.reload, nova=True, refuse=nova_refusal,
                      send=lambda ids, names: send_to_nova(self, ids, names))
