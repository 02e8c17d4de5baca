"""The home screen's numbers: VMs by state, sites up and down, requests, quota use."""

from __future__ import annotations

from collections.abc import Iterator

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.console import Group as Lines
from rich.measure import Measurement
from rich.segment import Segment
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from biosphere_tui.i18n import _, t
from biosphere_tui.models.groups import Group, Quota
from biosphere_tui.models.sites import SiteStatus
from biosphere_tui.models.states import SiteState
from biosphere_tui.widgets.palette import style
from biosphere_tui.widgets.shown import RepaintedWhenShown
from biosphere_tui.widgets.vm_table import state_text


def _share(used: int, total: int) -> tuple[Text, Text]:
    """``used/total`` and ``(pct %)``, coloured by how full."""
    pct = used / total * 100 if total else 0.0
    shade = style("error") if pct > 90 else style("warning") if pct > 75 else style("ok")
    return Text(f"{used}/{total}", style=shade), Text(f"({pct:.0f} %)", style=shade)


def _quotas(quotas: list[tuple[Group, Quota]]) -> Lines:
    """Each group's name, then a small table of its resources: a figure is never wrapped."""
    labels = ("  vCPU", "  " + _("RAM GB"))
    rows = [(group, [(label, *_share(used_, total)) for label, used_, total in
                     zip(labels, (used.vcpu, used.ram_gb), (group.quota.vcpu, group.quota.ram_gb), strict=True)])
            for group, used in quotas]
    widths = [max((cell_len(str(row[i])) for _, lines in rows for row in lines), default=0) for i in range(3)]
    parts: list[Text | Table] = [Text(_("Quota use"), style="bold")]
    for group, lines in rows:
        parts.append(Text(f"{group.name} ({_(group.role.value)})", style="bold", overflow="ellipsis", no_wrap=True))
        table = Table.grid(padding=(0, 1))
        for width, justify in zip(widths, ("left", "right", "right"), strict=True):
            table.add_column(no_wrap=True, justify=justify, min_width=width)  # type: ignore[arg-type]
        for line in lines:
            table.add_row(*line)
        parts.append(table)
    return Lines(*parts)


class DrawnOnce:
    """A Rich table drawn once per width: Textual draws a widget's content to measure its height,
    then again to show it, and Home's summary (nested tables) is shown twice as the app starts (see
    ``RepaintedWhenShown``): four draws of the same lines before its first frame. A table's lines
    depend on the width and the text options, not on the height asked (it draws its cells with none)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self._drawn: dict[tuple[object, ...], list[Segment]] = {}

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.table)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        key = (options.size, options.min_width, options.max_width, options.justify, options.overflow,
               options.no_wrap, options.markup)
        if (drawn := self._drawn.get(key)) is None:
            drawn = self._drawn[key] = list(console.render(self.table, options))
        yield from drawn


class Summary(RepaintedWhenShown, Static):
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
            site_text.append(f"{s.platform}: {_(s.state.value)}\n",
                             style=style("error") if s.state is SiteState.DOWN else style("warning"))
        site_text.append(Text.assemble(("\n" + _("Requests") + " ", "bold"), (str(pending), style("warning") if pending else "")))
        grid.add_row(vms, site_text, _quotas(quotas))
        self.update(DrawnOnce(grid))
