"""The VM table: one keyed row per deployment, its state coloured."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from biosphere_tui.cache.reader import VmRow
from biosphere_tui.widgets.freshness import age
from biosphere_tui.widgets.keyed_table import KeyedTable

STATE_STYLES = {
    "Ready": "green", "Initializing": "cyan", "Provisioning": "cyan", "Executing": "cyan",
    "SendingReports": "cyan", "Finalizing": "yellow", "Done": "dim", "Aborted": "bold red", "Cancelled": "dim",
}


def state_text(state: str) -> Text:
    return Text(state, style=STATE_STYLES.get(state, ""))


class VmTable(KeyedTable):
    COLUMNS = (("name", "name"), ("appliance", "appliance"), ("site", "site"), ("state", "state"),
               ("server", "server"), ("flavor", "flavor"), ("vcpu", "vCPU"), ("ram", "RAM"), ("ip", "IP"),
               ("owner", "owner"), ("age", "age"))

    def show_vms(self, vms: list[VmRow], now: datetime) -> None:
        self.show([
            (vm.id, (vm.name, vm.appliance, vm.site, state_text(vm.state), vm.server_status or "—", vm.flavor,
                     vm.vcpu, f"{vm.ram_gb} GB", vm.ip or "—", vm.owner, age(vm.created, now)))
            for vm in vms
        ])
