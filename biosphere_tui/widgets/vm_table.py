"""The VM table: one keyed row per deployment, its state coloured."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text

from biosphere_tui.cache.vms import VmRow
from biosphere_tui.widgets.freshness import age
from biosphere_tui.widgets.keyed_table import KeyedTable

STATE_STYLES = {
    "Ready": "green", "Initializing": "cyan", "Provisioning": "cyan", "Executing": "cyan",
    "SendingReports": "cyan", "Finalizing": "yellow", "Done": "dim", "Aborted": "bold red", "Cancelled": "dim",
}


def state_text(state: str) -> Text:
    return Text(state, style=STATE_STYLES.get(state, ""))


class VmTable(KeyedTable):
    """``markable`` (set by a screen) returns why a VM may not be marked, or None."""

    COLUMNS = (("name", "name"), ("appliance", "appliance"), ("site", "site"), ("state", "state"),
               ("server", "server"), ("flavor", "flavor"), ("vcpu", "vCPU"), ("ram", "RAM"), ("ip", "IP"),
               ("owner", "owner"), ("age", "age"))

    markable: Callable[[str], str | None] | None = None

    def show_vms(self, vms: list[VmRow], now: datetime, *, rebuild: bool = False) -> None:
        """``rebuild`` when most rows change (a new filter or sort): clearing and adding is
        cheaper than removing rows one by one (each removal re-indexes the whole table)."""
        rows = [  # Text cells: the table would parse a str as markup, cell by cell
            (vm.id, (Text(vm.name), Text(vm.appliance), Text(vm.site), state_text(vm.state),
                     Text(vm.server_status or "—"), Text(vm.flavor), vm.vcpu, Text(f"{vm.ram_gb} GB"),
                     Text(vm.ip or "—"), Text(vm.owner), Text(age(vm.created, now))))
            for vm in vms
        ]
        if rebuild:
            current = self.current_key
            self.clear()
            self.show(rows)
            if current in self.rows:
                self.move_cursor(row=self.get_row_index(current), animate=False)
        else:
            self.show(rows)

    def show_sort(self, column: str, descending: bool) -> None:
        """Put ▲/▼ on the sorted column's header."""
        for key, label in self.COLUMNS:
            arrow = (" ▼" if descending else " ▲") if key == column else ""
            header = self.columns[key]  # type: ignore[index]  # a str finds its ColumnKey
            header.label = Text(label + arrow)
            header.content_width = max(header.content_width, header.label.cell_len)
        self._update_count += 1  # the header render cache is keyed on it
        self.refresh()

    def action_toggle_mark(self) -> None:
        key = self.current_key
        refusal = self.markable(key) if key is not None and self.markable is not None else None
        if refusal:
            self.notify(refusal, severity="warning")
            return
        super().action_toggle_mark()
