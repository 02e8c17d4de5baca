"""Sites: the federation's capacity and, per site, whether its own OpenStack API answers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Label, Sparkline, Static

from biosphere_tui.cache import capacity, reader, servers
from biosphere_tui.cache.capacity import HistoryPoint, SiteRow
from biosphere_tui.cache.servers import NovaSite
from biosphere_tui.i18n import _, plural, t
from biosphere_tui.models.sites import Capacity
from biosphere_tui.models.sources import Freshness
from biosphere_tui.models.states import SiteState
from biosphere_tui.rules import units
from biosphere_tui.rules.freshness import age, clock
from biosphere_tui.screens.base import BiosphereScreen
from biosphere_tui.widgets.filter_bar import Filterable, filter_key
from biosphere_tui.widgets.line_table import LineTable
from biosphere_tui.widgets.palette import style

STATE_ROLES = {SiteState.UP: "ok", SiteState.DEGRADED: "warning", SiteState.MAINTENANCE: "info",
               SiteState.DOWN: "strong-error"}
FAILING = "error"  # the role of a failing site's data


def api_status(row: SiteRow, now: datetime) -> str:
    """The site's OpenStack API in plain words."""
    api = row.api
    if api is None:
        return _("OpenStack API not configured for this site")
    if api.ok:
        return t("OpenStack API answered in {latency}, {age} ago", latency=_latency(api), age=age(api.last_success, now))
    if api.last_success is None:
        return t("OpenStack API unreachable ({error}) — no data from it yet", error=api.last_error)
    return t("API unreachable since {clock} — showing data from {age} ago ({error})", clock=clock(api.last_success, now),
             age=age(api.last_success, now), error=api.last_error)


def _latency(api: Freshness) -> str:
    return f"{(api.duration or 0) * 1000:.0f} ms"


def _free(c: Capacity, scale: int = 1) -> str:
    return f"{c.free // scale}/{c.total // scale}"


class SiteTable(LineTable):
    COLUMNS = (("site", "site"), ("state", "state"), ("api", "API", 1), ("latency", "latency", 2),
               ("vcpu", "vCPU free", 1), ("ram", "RAM GB free", 1), ("disk", "disk TB free", 2), ("gpu", "GPU free", 3),
               ("features", "features", 3), ("updated", "updated", 2))

    def show_sites(self, rows: list[SiteRow], now: datetime) -> None:
        self.show([(row.status.id, self._cells(row, now)) for row in rows])

    @staticmethod
    def _cells(row: SiteRow, now: datetime) -> list[Text]:
        s, api = row.status, row.api
        if api is None:
            answer, latency = Text("—", style="dim"), "—"
        elif api.ok:
            answer, latency = Text("ok", style=style("ok")), _latency(api)
        else:
            since = t("since {clock}", clock=f"{api.last_success:%H:%M}") if api.last_success else _("never ok")
            answer, latency = Text(f"✗ {since}"), "—"
        cells = [Text(s.platform), Text(_(s.state.value), style=style(STATE_ROLES[s.state])), answer, Text(latency),
                 Text(_free(s.vcpu)), Text(_free(s.ram_gb)), Text(_free(s.storage_gb, 1000)), Text(_free(s.gpu)),
                 Text(", ".join(s.features)), Text(age(s.updated, now))]
        if row.failing:
            for cell in cells:
                cell.stylize(style(FAILING))
        return cells


class SitesScreen(Filterable, BiosphereScreen):
    CSS_PATH = Path(__file__).with_suffix(".tcss")  # read when the screen is first shown
    SOURCES = ("portal.status", "site.")
    AUTO_FOCUS = "#sites"  # not the hidden filter bar
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (120, "-wide")]
    HELP = ("Sites: each site of the federation, its state on the portal, whether its OpenStack API answered on "
            "the last refresh, and the resources free there. A site whose API fails is shown in red with its "
            "last known data.")
    BINDINGS = [
        filter_key(),
        Binding("d", "toggle_detail", "Detail"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, SiteRow] = {}

    FILTER_HINT = "filter by name, city or feature…  (esc clears)"

    def make_table(self) -> Widget:
        return SiteTable(id="sites")

    def compose_body(self) -> ComposeResult:
        yield self.filter_bar()
        yield self.make_table()
        with Horizontal(id="site-detail"):
            yield Static(markup=False, id="site-info")
            with Vertical(id="site-trends"):
                yield Label(markup=False, id="vcpu-caption", classes="caption")
                yield Sparkline([], id="vcpu-history")
                yield Label(markup=False, id="latency-caption", classes="caption")
                yield Sparkline([], id="latency-history")

    def reload_body(self) -> None:
        rows = capacity.site_rows(self.app.cache, self.filter_text)
        self.rows = {row.status.id: row for row in rows}
        self.query_one(SiteTable).show_sites(rows, self.app.now())
        self.show_detail()

    def show_detail(self) -> None:
        key = self.query_one(SiteTable).current_key
        row = self.rows.get(key) if key else None
        info = self.query_one("#site-info", Static)
        if row is None:
            info.update(t("No site matches “{text}”.", text=self.filter_text) if self.filter_text
                        else self._no_status_yet())
            self._show_history([])
            return
        now = self.app.now()
        info.update(self._describe(row, now))
        info.set_class(row.failing, "-failing")
        self._show_history(capacity.history(self.app.cache, row.status.id))

    def _no_status_yet(self) -> Text:
        """Why the table is empty: the first refresh is still running, or the portal failed."""
        row = next((r for r in reader.freshness(self.app.cache) if r.source == "portal.status"), None)
        if row is None or row.last_error is None:
            return Text(_("No site status yet: the first refresh is running…"))
        return Text(t("No site status yet: the portal failed ({error}). r tries again now.", error=_(row.last_error)),
                    style=style(FAILING))

    @staticmethod
    def _describe(row: SiteRow, now: datetime) -> Text:
        s, limits = row.status, row.limits
        text = Text.assemble((f"{s.platform} · {s.city}", "bold"), (f"  {s.id}\n", "dim"))
        text.append(_(s.state.value), style=style(STATE_ROLES[s.state]))
        text.append(" · " + (", ".join(s.features) or _("no special features")) + " · "
                    + t("updated {age} ago", age=age(s.updated, now)) + "\n")
        text.append(api_status(row, now) + (" · " + t("compute API {version}", version=row.microversion)
                                            if row.microversion else "") + "\n", style=style(FAILING) if row.failing else "")
        if s.message:
            text.append(s.message + "\n", style="italic")
        text.append(Text.assemble((_("Free") + "  ", "bold"), t(
            "vCPU {vcpu} · RAM {ram} GB · disk {disk} TB · GPU {gpu}", vcpu=_free(s.vcpu), ram=_free(s.ram_gb),
            disk=_free(s.storage_gb, 1000), gpu=_free(s.gpu)) + "\n"))
        if limits is None:
            text.append(_("No project limits read from this site yet.") + "\n", style="dim")
        else:
            text.append(Text.assemble(
                (_("Your project") + "  ", "bold"),
                t("vCPU {vcpu} · RAM {ram} GB · VMs {vms}", vcpu=units.used(limits.used_vcpu, limits.max_vcpu),
                  ram=units.used(limits.used_ram_mb, limits.max_ram_mb, 1024),
                  vms=units.used(limits.used_instances, limits.max_instances)) + "\n"))
        return text

    def _show_history(self, points: list[HistoryPoint]) -> None:
        vcpu = [p.vcpu_used for p in points if p.vcpu_used is not None]
        latency = [p.latency_ms for p in points if p.latency_ms is not None]
        failed = len(points) - len(vcpu)
        span = plural(len(points), "last {n} refresh", "last {n} refreshes")
        span += t(", {n} failed", n=failed) if failed else ""
        self._trend("vcpu", vcpu, t("Project vCPU in use ({span})", span=span), "")
        self._trend("latency", latency, _("API latency"), " ms")

    def _trend(self, name: str, values: Sequence[float], title: str, unit: str) -> None:
        caption = t("{title}: {now}{unit} now, {low}–{high}{unit}", title=title, now=f"{values[-1]:.0f}", unit=unit,
                    low=f"{min(values):.0f}", high=f"{max(values):.0f}") if values \
            else t("{title}: no data yet", title=title)
        self.query_one(f"#{name}-caption", Label).update(caption)
        self.query_one(f"#{name}-history", Sparkline).data = values if len(values) > 1 else []  # one point: no trend

    def on_line_table_row_highlighted(self, event: SiteTable.RowHighlighted) -> None:
        self.show_detail()

    def action_toggle_detail(self) -> None:
        detail = self.query_one("#site-detail")
        detail.display = not detail.display

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(_("Filter sites"), _("Filter the sites by name, city or feature (/)"), self.action_filter)
        yield SystemCommand(_("Show or hide the site detail"), _("The highlighted site's history and limits (d)"),
                            self.action_toggle_detail)
        yield SystemCommand(_("Refresh the sites"), _("Ask the portal's status and every site's OpenStack API now"),
                            lambda: self.app.request_refresh({"portal.status", "site"}, force=True))


# -- OpenStack-only mode: each cloud of the clouds.yaml and the project's Nova limits there ---------


def _used(used: int, most: int, scale: int = 1) -> Text:
    """"used/max", amber past 75 %, red when full; an unlimited one (-1) is never full."""
    role = "" if most <= 0 else "strong-error" if used >= most else "warning" if used > 0.75 * most else ""
    return Text(units.used(used, most, scale), style=style(role) if role else "")


def api_words(site: NovaSite, now: datetime) -> str:
    api = site.api
    if api is None:
        return _("not asked yet: the first refresh is running")
    if api.ok:
        return t("OpenStack API answered in {latency}, {age} ago", latency=f"{(api.duration or 0) * 1000:.0f} ms",
                 age=age(api.last_success, now))
    if api.last_success is None:
        return t("failed: {error} — no data from it yet", error=api.last_error)
    return t("failed since {clock}: {error} — showing data from {age} ago", clock=clock(api.last_success, now),
             error=api.last_error, age=age(api.last_success, now))


class QuotaTable(SiteTable):
    COLUMNS = (("site", "site"), ("api", "API"), ("vcpu", "vCPU used/max"), ("ram", "RAM GB used/max", 1),
               ("vms", "VMs used/max", 1), ("servers", "servers", 2), ("images", "images", 3), ("flavors", "flavours", 3))

    def show_nova(self, sites: list[NovaSite]) -> None:
        rows = []
        for s in sites:
            api = Text("—", style="dim") if s.api is None else Text(_("ok"), style=style("ok")) if s.api.ok \
                else Text(_("failed"), style=style(FAILING))
            lim = s.limits
            quota = [Text("—", style="dim")] * 3 if lim is None else [
                _used(lim.used_vcpu, lim.max_vcpu), _used(lim.used_ram_mb, lim.max_ram_mb, 1024),
                _used(lim.used_instances, lim.max_instances)]
            cells = [Text(s.id), api, *quota, Text(str(s.servers)), Text(str(s.images)), Text(str(s.flavors))]
            if s.failing:
                for cell in cells:
                    cell.stylize(style(FAILING))
            rows.append((s.id, cells))
        self.show(rows)


class NovaSitesScreen(SitesScreen):
    SOURCES = ("site.",)
    HELP = ("Sites (OpenStack-only mode): each cloud of your clouds.yaml, whether its API answered on the last "
            "refresh, and your project's limits there (used/max vCPU, RAM and instances, from Nova). A site that "
            "fails is shown in red with its last known data.")

    def __init__(self) -> None:
        super().__init__()
        self.nova: dict[str, NovaSite] = {}

    FILTER_HINT = "filter by site name…  (esc clears)"

    def make_table(self) -> Widget:
        return QuotaTable(id="sites")

    def reload_body(self) -> None:
        found = servers.sites(self.app.cache, self.app.config.openstack.sites, self.filter_text)
        self.nova = {s.id: s for s in found}
        self.query_one(QuotaTable).show_nova(found)
        self.show_detail()

    def show_detail(self) -> None:
        key = self.query_one(QuotaTable).current_key
        site = self.nova.get(key) if key else None
        info = self.query_one("#site-info", Static)
        if site is None:
            info.update(t("No site matches “{text}”.", text=self.filter_text) if self.filter_text
                        else _("No site configured."))
            self._show_history([])
            return
        now = self.app.now()
        text = Text.assemble((site.id, "bold"), "\n")
        text.append(api_words(site, now) + (" · " + t("compute API {version}", version=site.microversion)
                                            if site.microversion else "") + "\n", style=style(FAILING) if site.failing else "")
        lim = site.limits
        if lim is None:
            text.append(_("No project limits read from this site yet.") + "\n", style="dim")
        else:
            text.append(Text.assemble((_("Your project") + "  ", "bold"), "vCPU ", _used(lim.used_vcpu, lim.max_vcpu),
                                      " · RAM ", _used(lim.used_ram_mb, lim.max_ram_mb, 1024),
                                      f" {_('GB')} · {_('VMs')} ", _used(lim.used_instances, lim.max_instances), "\n"))
        text.append(t("{servers} servers · {images} images · {flavors} flavours", servers=site.servers,
                      images=site.images, flavors=site.flavors) + "\n")
        info.update(text)
        info.set_class(site.failing, "-failing")
        self._show_history(capacity.history(self.app.cache, site.id))
