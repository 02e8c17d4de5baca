"""OpenStack-only mode: the Nova servers' table and describe pane (rows from ``vms(nova=True)``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from rich.console import Group as Lines
from rich.text import Text

from biosphere_tui.cache.servers import ServerDetail
from biosphere_tui.cache.vms import VmRow
from biosphere_tui.i18n import _, t
from biosphere_tui.rules import nova_status, units
from biosphere_tui.rules.access import server_ssh
from biosphere_tui.rules.freshness import age
from biosphere_tui.widgets.palette import style
from biosphere_tui.widgets.vm_detail import VmDetailPane, _section, _when
from biosphere_tui.widgets.vm_table import VmTable


def status_text(status: str) -> Text:
    return Text(status, style=style(nova_status.role(status)))


class ServerTable(VmTable):
    """The Nova servers of every site; the column keys are ``VmTable``'s (same sorts)."""

    COLUMNS = (("name", "name"), ("appliance", "image", 2), ("site", "site"), ("state", "status"),
               ("flavor", "flavour", 1), ("vcpu", "vCPU", 3), ("ram", "RAM", 3), ("ip", "IP"), ("age", "age", 2))

    def show_vms(self, vms: list[VmRow], now: datetime, *, rebuild: bool = False,
                 names: Mapping[str, str] | None = None) -> None:
        self.show([
            (vm.id, (vm.name, vm.appliance, vm.site, (vm.state, style(nova_status.role(vm.state))), vm.flavor,
                     str(vm.vcpu), units.ram(vm.ram_gb * 1024), vm.ip or "—", age(vm.created, now)))
            for vm in vms
        ])


class ServerDetailPane(VmDetailPane):
    def show_server(self, detail: ServerDetail | None, now: datetime) -> None:
        if detail is None:
            self.update(Text(_("No server under the cursor."), style="italic dim"))
            return
        s = detail.server
        rows: list[tuple[str, str | Text]] = [
            ("status", Text.assemble(status_text(s.status), " " + t("since {age}", age=age(s.updated, now)))),
            ("site", s.site), ("image", detail.image or s.image_id or "—"),
            ("flavour", t("{flavor} · {vcpu} vCPU · {ram} RAM · {disk} GB disk", flavor=s.flavor, vcpu=s.vcpus,
                          ram=units.ram(s.ram_mb), disk=s.disk_gb)),
            ("IP", "  ".join(s.addresses) or s.ip or "—"), ("created", _when(s.created, now)), ("id", s.id),
        ]
        if s.fault:
            rows.append(("fault", Text(s.fault, style=style("error"))))
        ssh = server_ssh(s, detail.os_distro)
        access = Text.assemble(ssh.command, ("  " + _("(c copies)"), "dim")) if ssh.command \
            else Text(ssh.problem or "", style="dim")
        self.update(Lines(Text(s.name, style="bold"), Text(), _section(t("Nova server on {site}", site=s.site), rows),
                          _section("Access", [("ssh", access)])))
