"""The VM table: one keyed row per deployment, its state coloured."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from rich.style import Style
from rich.text import Text

from biosphere_tui import i18n
from biosphere_tui.cache.vms import VmRow
from biosphere_tui.rules.freshness import age
from biosphere_tui.rules.site_names import site_name
from biosphere_tui.widgets.line_table import LineTable
from biosphere_tui.widgets.palette import style

STATE_ROLES = {
    "Ready": "ok", "Initializing": "info", "Provisioning": "info", "Executing": "info",
    "SendingReports": "info", "Finalizing": "warning", "Done": "muted", "Aborted": "strong-error", "Cancelled": "muted",
}


def state_style(state: str) -> Style | str:
    return style(STATE_ROLES[state]) if state in STATE_ROLES else ""


def state_text(state: str) -> Text:
    return Text(i18n._(state), style=state_style(state))


class VmTable(LineTable):
    """``markable`` (set by a screen) returns why a VM may not be marked, or None."""

    COLUMNS = (("name", "name"), ("appliance", "appliance", 2), ("site", "site"), ("state", "state"),
               ("server", "server", 3), ("flavor", "flavour", 3), ("vcpu", "vCPU", 3), ("ram", "RAM", 3),
               ("ip", "IP"), ("owner", "owner", 1), ("age", "age", 2))

    markable: Callable[[str], str | None] | None = None

    def show_vms(self, vms: list[VmRow], now: datetime, *, rebuild: bool = False,
                 names: Mapping[str, str] | None = None) -> None:
        """``names``: each site's display name (``site_names``). ``rebuild`` is accepted for callers of
        the former DataTable: ``show`` is as cheap whether few or most rows change."""
        names = names or {}
        self.show([
            (vm.id, (vm.name, vm.appliance, site_name(names, vm.site), (i18n._(vm.state), state_style(vm.state)),
                     vm.server_status or "—", vm.flavor, str(vm.vcpu), f"{vm.ram_gb} {i18n._('GB')}", vm.ip or "—",
                     vm.owner, age(vm.created, now)))
            for vm in vms
        ])

    def show_sort(self, column: str, descending: bool) -> None:
        """Put ▲/▼ on the sorted column's header."""
        for key, label, *_ in self.COLUMNS:
            arrow = (" ▼" if descending else " ▲") if key == column else ""
            self.set_header_label(key, i18n._(label) + arrow)

    def action_toggle_mark(self) -> None:
        key = self.current_key
        refusal = self.markable(key) if key is not None and self.markable is not None else None
        if refusal:
            self.notify(refusal, severity="warning")
            return
        super().action_toggle_mark()
