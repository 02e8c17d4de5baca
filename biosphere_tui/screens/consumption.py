"""Consumption of the current group: quota use now, daily usage over 30 or 90 days, who and
where, and a CSV export of the daily record."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Static

from biosphere_tui.cache import reader, usage
from biosphere_tui.cache.usage import METRICS, Period, Totals
from biosphere_tui.i18n import _, day, number, t
from biosphere_tui.models.groups import Group
from biosphere_tui.models.states import Role
from biosphere_tui.rules.export import write_usage_csv
from biosphere_tui.rules.forecast import WINDOW_DAYS, Forecast, Outlook, of_group
from biosphere_tui.screens.base import BiosphereScreen
from biosphere_tui.widgets.chart import DailyChart, compact
from biosphere_tui.widgets.confirm import ask_export
from biosphere_tui.widgets.line_table import LineTable
from biosphere_tui.widgets.palette import style
from biosphere_tui.widgets.quota_bar import QuotaBar

PERIODS = (30, 90)


class TotalsTable(LineTable):
    """One row per member or site: its total of the chosen metric, its share of the group's,
    then every metric in short (off to the right on narrow terminals)."""

    SHORT = {"vm_hours": "VM-h", "vcpu_hours": "vCPU-h", "ram_gb_hours": "RAM GB-h", "disk_gb_hours": "disk GB-h",
             "gpu_hours": "GPU-h"}

    def __init__(self, what: str, *, id: str) -> None:
        self.COLUMNS = (("name", what), ("total", "total"), ("share", "share"),
                        *((key, label, 2) for key, label in self.SHORT.items()))
        super().__init__(id=id)
        self.what = what

    def show_totals(self, totals: list[Totals], metric: str) -> None:
        whole = sum(row.value(metric) for row in totals)
        self.border_title = t("per {what} · {metric}", what=_(self.what), metric=_(METRICS[metric]))
        self.show([
            (row.key, (row.label, Text(number(row.value(metric)), justify="right"),
                       Text(f"{row.value(metric) / whole * 100 if whole else 0:.0f} %", justify="right"),
                       *(Text(compact(row.value(m)), justify="right") for m in self.SHORT)))
            for row in totals
        ])


OUTLOOK_ROLES = {Outlook.OVER: "strong-error", Outlook.REACHED: "warning"}


def _outlook(forecasts: list[Forecast]) -> Text:
    """One line per resource: when its quota is reached at the trend of the last days."""
    text = Text()
    for f in forecasts:
        role = OUTLOOK_ROLES.get(f.outlook, "")
        if f.outlook is Outlook.REACHED and f.days_left is not None and f.days_left <= 30:
            role = "strong-error"
        text.append("\n" if text else "")
        text.append(f.words(), style=style(role) if role else "")
    return text


class ConsumptionScreen(BiosphereScreen):
    CSS_PATH = Path(__file__).with_suffix(".tcss")  # read when the screen is first shown
    SOURCES = ("portal.usage", "portal.deployments", "portal.account")
    AUTO_FOCUS = "#by-member"
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (120, "-wide")]
    HELP = ("Consumption of the current group (choose it on the Groups screen): quota use by live deployments, "
            "when each quota is reached at the trend of the last 30 days, the daily usage record of the last 30 "
            "or 90 days, totals per member and per site, and a CSV export. "
            "A member sees only their own consumption: the portal filters it.")
    BINDINGS = [
        Binding("t", "toggle_period", "30/90 days"),
        Binding("m", "next_metric", "Metric"),
        Binding("e", "export", "Export CSV"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.days = PERIODS[0]
        self.metric = "vcpu_hours"

    def compose_body(self) -> ComposeResult:
        yield Static(markup=False, id="group-line")
        yield Static(_("You are a member of this group: the portal shows your own consumption only."), markup=False,
                     id="member-note")
        with Horizontal(id="quotas"):
            yield QuotaBar("vCPU", id="quota-vcpu")
            yield QuotaBar("RAM", "GB", id="quota-ram")
            yield QuotaBar("storage", "GB", id="quota-storage")
        yield Static(markup=False, id="forecast")
        yield DailyChart(id="chart")
        with Horizontal(id="breakdown"):
            yield TotalsTable("member", id="by-member")
            yield TotalsTable("site", id="by-site")

    @property
    def period(self) -> Period:
        return Period.last(self.days, self.app.now().date())

    def reload_body(self) -> None:
        group = self.app.current_group
        self.query_one("#member-note").display = group is not None and group.role is Role.MEMBER
        if group is None:
            self.query_one("#group-line", Static).update(
                _("No group yet: join or request one on the Groups screen (7)."))
            return
        db, period = self.app.cache, self.period
        used = reader.quota_use(db, group.id)
        self.query_one("#quota-vcpu", QuotaBar).show(used.vcpu, group.quota.vcpu)
        self.query_one("#quota-ram", QuotaBar).show(used.ram_gb, group.quota.ram_gb)
        self.query_one("#quota-storage", QuotaBar).show(used.storage_gb, group.quota.storage_gb)
        self.query_one("#group-line", Static).update(self._headline(group, period))
        today = self.app.now().date()
        trend = usage.daily(db, group.id, Period.last(WINDOW_DAYS + 1, today))
        self.query_one("#forecast", Static).update(_outlook(of_group(group, used, trend, today)))
        daily = usage.daily(db, group.id, period)
        chart = self.query_one(DailyChart)
        chart.show([(d, totals.value(self.metric)) for d, totals in daily])
        label = _(METRICS[self.metric])
        chart.border_title = t("{metric} per day · last {n} days", metric=label, n=self.days)
        chart.border_subtitle = t("total {value} {metric}", metric=label,
                                  value=compact(sum(totals.value(self.metric) for _day, totals in daily)))
        self.query_one("#by-member", TotalsTable).show_totals(usage.by_member(db, group.id, period, self.metric),
                                                              self.metric)
        self.query_one("#by-site", TotalsTable).show_totals(usage.by_site(db, group.id, period, self.metric),
                                                            self.metric)

    def _headline(self, group: Group, period: Period) -> Text:
        last = t("last {n} days", n=self.days)
        text = Text.assemble((group.name, "bold"), f" ({_(group.role.value)}) · {last}, ",
                             (f"{day(period.start)} → {day(period.end, year=True)}", "bold"), f" · {group.full_name}")
        text.no_wrap, text.overflow = True, "ellipsis"
        return text

    def action_toggle_period(self) -> None:
        self.days = PERIODS[(PERIODS.index(self.days) + 1) % len(PERIODS)]
        self.reload_body()

    def action_next_metric(self) -> None:
        names = list(METRICS)
        self.metric = names[(names.index(self.metric) + 1) % len(names)]
        self.reload_body()

    async def action_export(self) -> None:
        group = self.app.current_group
        if group is None:
            self.notify(_("No group to export."), severity="warning")
            return
        period = self.period
        rows = usage.rows(self.app.cache, group.id, period)
        if not rows:
            self.notify(t("No consumption recorded for {group} from {start} to {end}.", group=group.name,
                          start=period.start, end=period.end), severity="warning")
            return
        default = f"consumption-{group.id}-{period.start}-{period.end}.csv"

        def write(target: Path) -> None:
            count = write_usage_csv(rows, target)
            self.notify(t("{n} daily rows written to {path}", n=count, path=target), title=_("Consumption exported"),
                        timeout=10)

        ask_export(self, t("Export {n} daily rows ({start} → {end}) to the CSV file:", n=len(rows),
                           start=day(period.start), end=day(period.end)), default, write)

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(_("Consumption: 30 or 90 days"), _("Switch the period shown (t)"),
                            self.action_toggle_period)
        yield SystemCommand(_("Consumption: next metric"), _("VM-hours, vCPU-hours, RAM, disk or GPU (m)"),
                            self.action_next_metric)
        yield SystemCommand(_("Export consumption to CSV"), _("The period's daily rows, per member and site (e)"),
                            self.action_export)
