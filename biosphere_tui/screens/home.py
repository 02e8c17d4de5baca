"""Home: the numbers that matter and every VM, straight from the cache."""

from __future__ import annotations

from textual.app import ComposeResult

from biosphere_tui.cache import reader, vms
from biosphere_tui.cache.reader import site_names
from biosphere_tui.screens.base import BiosphereScreen
from biosphere_tui.widgets.summary import Summary
from biosphere_tui.widgets.vm_table import VmTable


class HomeScreen(BiosphereScreen):
    HELP = "Home: your VMs by state, the sites, pending requests and quota use; every VM you can see below."

    def compose_body(self) -> ComposeResult:
        yield Summary(id="summary")
        yield VmTable(id="vms")

    def reload_body(self) -> None:
        db = self.app.cache
        quotas = [(g, reader.quota_use(db, g.id)) for g in reader.groups(db) if g.kind.value != "affiliation"]
        self.query_one(Summary).show(reader.vm_state_counts(db), reader.sites(db), reader.pending_requests(db), quotas)
        self.query_one(VmTable).show_vms(vms.vms(db), self.app.now(), names=site_names(db))
