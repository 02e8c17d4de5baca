"""Sites in OpenStack-only mode: each cloud of the clouds.yaml, whether its API answers, and the
project's limits there (Nova ``/limits``: used/max vCPU, RAM and instances)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from biosphere_tui.rules import units
from biosphere_tui.cache import capacity, servers
from biosphere_tui.rules.freshness import age, clock
from biosphere_tui.cache.servers import NovaSite
from biosphere_tui.i18n import _, t
from biosphere_tui.screens.sites import FAILING, SitesScreen, SiteTable
from biosphere_tui.widgets.palette import style


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
