"""myVM in OpenStack-only mode: the Nova servers of every configured site, deleted through Nova."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult, SystemCommand
from textual.containers import Container

from biosphere_tui.cache import servers
from biosphere_tui.cache.vms import VmRow
from biosphere_tui.i18n import _, t
from biosphere_tui.screens.myvm import MyVMScreen
from biosphere_tui.screens.vm_delete import nova_refusal, send_to_nova, server_count
from biosphere_tui.widgets.server_views import ServerDetailPane, ServerTable
from biosphere_tui.widgets.vm_table import VmTable

NOT_HERE = ("toggle_scope", "toggle_finished", "reveal")


class NovaVMScreen(MyVMScreen):
    NOVA = True
    SOURCES = ("site.",)
    HELP = ("myVM (OpenStack-only mode): the Nova servers of your projects on every site of your clouds.yaml. "
            "Space marks servers, ctrl+d deletes the marked ones (or the one under the cursor) after a "
            "confirmation; d describes, c copies the SSH command.")

    def compose_body(self) -> ComposeResult:
        yield self.filter_bar()
        with Container(id="body"):
            table = ServerTable(id="vms", selectable=True)
            table.markable = self._mark_refusal
            yield table
            yield ServerDetailPane(id="describe")

    def _title(self) -> None:
        count = server_count(self.total)  # every matching server, not only the rows read so far
        self.title = t("myVM · Nova servers of every site · {count} · by {sort}", count=count + self._matching(),
                       sort=self._sort_label())

    def _show_detail(self) -> None:
        pane = self.query_one(ServerDetailPane)
        if pane.display:
            key = self.query_one(VmTable).current_key
            pane.show_server(servers.detail(self.app.cache, key) if key else None, self.app.now())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Without a portal there are no groups, no finished deployments and no secret parameters."""
        return action not in NOT_HERE

    def _refusal(self, vm: VmRow) -> str | None:
        return nova_refusal(vm)

    def _send_delete(self, ids: list[str], names: dict[str, str]) -> None:
        send_to_nova(self, ids, names)

    def palette_commands(self) -> Iterable[SystemCommand]:
        hidden = {getattr(self, f"action_{action}") for action in NOT_HERE}
        return (command for command in super().palette_commands() if command.callback not in hidden)

    def action_copy_ssh(self) -> None:
        key = self.query_one(VmTable).current_key
        detail = servers.detail(self.app.cache, key) if key else None
        self._copy_ssh(detail and (detail.ssh_command, detail.no_ssh_reason),
                       _("No server under the cursor: nothing to copy."))

