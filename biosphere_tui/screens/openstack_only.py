"""OpenStack-only mode (no portal configured): its home screen, and the screen that stands for a
portal-only one (members, consumption, groups) and says why it is not available.
``registry.openstack_only_modes`` maps every mode to its screen in this mode."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from biosphere_tui.cache import servers, vms
from biosphere_tui.cache.vms import VmRow
from biosphere_tui.i18n import _, t
from biosphere_tui.screens.base import BiosphereScreen, WindowedRows
from biosphere_tui.widgets.palette import style
from biosphere_tui.widgets.server_views import ServerTable
from biosphere_tui.widgets.vm_delete import server_count

MODE_LABEL = "OpenStack-only mode"


class PortalOnlyScreen(BiosphereScreen):
    """A screen whose data only the Biosphère portal has: it says so, and how to get it."""

    SOURCES = ("site.",)

    def __init__(self, title: str, what: str) -> None:
        super().__init__()
        self.screen_title = title
        self.what = what
        self.HELP = t("{title}: not available in OpenStack-only mode (it needs the Biosphère portal).", title=_(title))

    def compose_body(self) -> ComposeResult:
        yield Static(markup=False, id="portal-only")

    def reload_body(self) -> None:
        title = _(self.screen_title)
        self.title = t("{title} · not available without a portal", title=title)
        source = self.app.config.source
        where = t("to {source}", source=source) if source else _("to the configuration file")
        self.query_one("#portal-only", Static).update(Text.assemble(
            (t("{title} is not available in OpenStack-only mode.", title=title) + "\n\n", "bold"),
            t("{what} come from the Biosphère portal, and no portal is configured: this app works on the "
              "OpenStack clouds of your clouds.yaml alone.", what=_(self.what)) + "\n\n",
            t("To see them, add a [portal] section {where} (see the README). myVM (3), Sites (5), "
              "Catalogue (2), Journal (8) and Idle VMs (9) work without it.", where=where),
        ))


class NovaHomeScreen(WindowedRows, BiosphereScreen):
    """The Nova servers by status and the sites (SQL aggregates), then a window of the servers."""

    SOURCES = READS = ("site.",)
    HELP = f"Home ({MODE_LABEL}): your Nova servers by status and your sites; every server below."

    def __init__(self) -> None:
        super().__init__()
        self._vms: list[VmRow] = []

    def compose_body(self) -> ComposeResult:
        yield Static(markup=False, id="summary")
        yield ServerTable(id="vms")

    def reload_body(self) -> None:
        db = self.app.cache
        if self.changed():
            by_status = servers.status_counts(db)
            self.total = sum(by_status.values())
            self._vms = vms.vms(db, nova=True, limit=self._limit)
            sites = servers.sites(db, self.app.config.openstack.sites)
            failing = [s.id for s in sites if s.failing]
            nova_only = _("no portal configured: the VMs are the Nova servers of your clouds.yaml.")
            text = Text.assemble((_(MODE_LABEL), style("strong-warning")), f" — {nova_only}\n",
                                 (server_count(self.total), "bold"), ": ",
                                 ", ".join(f"{n} {status}" for status, n in sorted(by_status.items())) or _("none"),
                                 " · ", (t("{up}/{total} sites answer", up=len(sites) - len(failing), total=len(sites)),
                                         "bold"))
            if failing:
                text.append(" · " + t("failing: {sites}", sites=", ".join(failing)), style=style("error"))
            self.query_one("#summary", Static).update(text)
        self.query_one(ServerTable).show_vms(self._vms, self.app.now())  # the ages go on
