"""The home screen's numbers: VMs by state, sites up and down, requests, quota use."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from biosphere_tui.i18n import _, t
from biosphere_tui.models import Group, Quota, SiteState, SiteStatus
from biosphere_tui.widgets.vm_table import state_text


def _share(used: int, total: int) -> Text:
    pct = used / total * 100 if total else 0.0
    style = "red" if pct > 90 else "yellow" if pct > 75 else "green"
    return Text(f"{used}/{total} ({pct:.0f} %)", style=style)


class Summary(Static):
    def show(self, states: dict[str, int], sites: list[SiteStatus], pending: int,
             quotas: list[tuple[Group, Quota]]) -> None:
        grid = Table.grid(padding=(0, 3))
        grid.add_column()
        grid.add_column()
        grid.add_column()
        vms = Text.assemble((_("VMs") + " ", "bold"), str(sum(states.values())), "\n")
        for state, count in sorted(states.items(), key=lambda kv: -kv[1]):
            vms.append_text(state_text(state))
            vms.append(f" {count}\n")
        up = sum(s.state is SiteState.UP for s in sites)
        down = [s for s in sites if s.state is SiteState.DOWN]
        other = [s for s in sites if s.state not in (SiteState.UP, SiteState.DOWN)]
        site_text = Text.assemble((_("Sites") + " ", "bold"), t("{up}/{total} up", up=up, total=len(sites)) + "\n")
        for s in down + other:
            site_text.append(f"{s.platform}: {_(s.state.value)}\n", style="red" if s.state is SiteState.DOWN else "yellow")
        site_text.append(Text.assemble(("\n" + _("Requests") + " ", "bold"), (str(pending), "yellow" if pending else "")))
        quota_text = Text.assemble((_("Quota use"), "bold"), "\n")
        for group, used in quotas:
            quota_text.append(f"{group.name} ({_(group.role.value)})\n", style="bold")
            quota_text.append("  vCPU ")
            quota_text.append_text(_share(used.vcpu, group.quota.vcpu))
            quota_text.append("  " + _("RAM GB") + " ")
            quota_text.append_text(_share(used.ram_gb, group.quota.ram_gb))
            quota_text.append("\n")
        grid.add_row(vms, site_text, quota_text)
        self.update(grid)
