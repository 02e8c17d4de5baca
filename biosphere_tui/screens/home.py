"""Home: the numbers that matter and every VM, straight from the cache.

The numbers are SQL aggregates and the table a window of the VMs (``PAGE`` rows, newest first,
more as the cursor nears its end), read again only when a source they come from changed its
rows: a refresh that found nothing new, or a return to Home, redraws the ages alone.
"""

from __future__ import annotations

from textual.app import ComposeResult

from biosphere_tui.cache import reader, vms
from biosphere_tui.cache.reader import site_names
from biosphere_tui.cache.vms import VmRow
from biosphere_tui.screens.base import BiosphereScreen, WindowedRows
from biosphere_tui.widgets.summary import Summary
from biosphere_tui.widgets.vm_table import VmTable

PAGE = WindowedRows.PAGE


class HomeScreen(WindowedRows, BiosphereScreen):
    HELP = "Home: your VMs by state, the sites, pending requests and quota use; every VM you can see below."
    READS = ("portal.account", "portal.deployments", "portal.members", "portal.status", "site.")  # what it shows

    def __init__(self) -> None:
        super().__init__()
        self._vms: list[VmRow] = []
        self._names: dict[str, str] = {}

    def compose_body(self) -> ComposeResult:
        yield Summary(id="summary")
        yield VmTable(id="vms")

    def reload_body(self) -> None:
        db = self.app.cache
        if self.changed():
            states = reader.vm_state_counts(db)
            quotas = [(g, reader.quota_use(db, g.id)) for g in reader.groups(db) if g.kind.value != "affiliation"]
            self.query_one(Summary).show(states, reader.sites(db), reader.pending_requests(db), quotas)
            self.total = sum(states.values())
            self._vms = vms.vms(db, limit=self._limit)
            self._names = site_names(db)
        self.query_one(VmTable).show_vms(self._vms, self.app.now(), names=self._names)  # the ages go on
