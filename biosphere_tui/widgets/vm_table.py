"""The VM table: rows keyed by deployment id and updated in place, so the cursor survives."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widgets import DataTable

from biosphere_tui.cache.reader import VmRow
from biosphere_tui.widgets.freshness import age

STATE_STYLES = {
    "Ready": "green", "Initializing": "cyan", "Provisioning": "cyan", "Executing": "cyan",
    "SendingReports": "cyan", "Finalizing": "yellow", "Done": "dim", "Aborted": "bold red", "Cancelled": "dim",
}
COLUMNS = ("name", "appliance", "site", "state", "server", "flavor", "vCPU", "RAM", "IP", "owner", "age")


def state_text(state: str) -> Text:
    return Text(state, style=STATE_STYLES.get(state, ""))


class VmTable(DataTable):
    """A keyed table of ``VmRow``; ``show`` diffs against what is displayed."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        for name in COLUMNS:
            self.add_column(name, key=name)

    def _cells(self, vm: VmRow, now: datetime) -> tuple[object, ...]:
        return (vm.name, vm.appliance, vm.site, state_text(vm.state), vm.server_status or "—", vm.flavor,
                vm.vcpu, f"{vm.ram_gb} GB", vm.ip or "—", vm.owner, age(vm.created, now))

    def show(self, vms: list[VmRow], now: datetime) -> None:
        wanted = {vm.id: vm for vm in vms}
        for key in [k for k in self.rows if k.value not in wanted]:
            self.remove_row(key)
        for vm in vms:
            cells = self._cells(vm, now)
            if vm.id in self.rows:
                for column, value in zip(COLUMNS, cells):
                    if self.get_cell(vm.id, column) != value:
                        self.update_cell(vm.id, column, value)
            else:
                self.add_row(*cells, key=vm.id)
