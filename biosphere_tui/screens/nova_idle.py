"""Idle VMs in OpenStack-only mode: the Nova servers shut off for long, deleted through Nova."""

from __future__ import annotations

from biosphere_tui.i18n import t
from biosphere_tui.cache.activity import nova_off_servers
from biosphere_tui.rules.idle import days, find_idle
from biosphere_tui.screens.idle import IdleScreen, IdleTable
from biosphere_tui.screens.vm_delete import delete_marked, nova_refusal, send_to_nova, server_count
from biosphere_tui.cache.reader import site_names


class NovaIdleScreen(IdleScreen):
    SOURCES = ("site.",)
    HELP = ("Idle VMs (OpenStack-only mode): the Nova servers of every site that are shut off, suspended or "
            "shelved since idle.shutoff_days days (by their last change), and the vCPU, RAM and disk that "
            "deleting them gives back. Without the portal's activity monitor a running server is never called "
            "idle. Space marks, A marks all or none, ctrl+d deletes the marked ones through Nova after a "
            "confirmation.")

    def reload_body(self) -> None:
        settings = self.app.config.idle
        rows = find_idle(nova_off_servers(self.app.cache), settings, self.app.now())
        self._rows = {vm.deployment.id: vm for vm in rows}
        self.query_one(IdleTable).show_idle(rows, site_names(self.app.cache))
        self.title = t("Idle VMs · Nova servers of every site · {servers} · shut off for {shut_off}",
                       servers=server_count(len(rows)), shut_off=days(settings.shutoff_days))
        self._show_given_back()

    def _nothing_idle(self) -> str:
        return t("No server has been shut off for {shut_off} (running servers are not judged without the portal's "
                 "activity monitor).", shut_off=days(self.app.config.idle.shutoff_days))

    def action_delete(self) -> None:
        delete_marked(self, self.query_one(IdleTable), self.reload, nova=True, refuse=nova_refusal,
                      send=lambda ids, names: send_to_nova(self, ids, names))
