"""Home: the numbers that matter and every VM, straight from the cache."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header

from biosphere_tui.cache import reader
from biosphere_tui.widgets.freshness import FreshnessBar
from biosphere_tui.widgets.summary import Summary
from biosphere_tui.widgets.vm_table import VmTable


class HomeScreen(Screen):
    BINDINGS = [("r", "app.refresh_now", "Refresh"), ("q", "app.quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Summary(id="summary")
        yield VmTable(id="vms")
        yield FreshnessBar(id="freshness")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Re-read everything this screen shows from the cache."""
        db, now = self.app.cache, self.app.now()
        quotas = [(g, reader.quota_use(db, g.id)) for g in reader.groups(db) if g.kind.value != "affiliation"]
        self.query_one(Summary).show(reader.vm_state_counts(db), reader.sites(db), reader.pending_requests(db), quotas)
        self.query_one(VmTable).show(reader.vms(db), now)
        self.query_one(FreshnessBar).show(reader.freshness(db), now, self.app.stale_after)
