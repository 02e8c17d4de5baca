"""The describe pane of one VM: deployment, live server, access, parameters, abort reason."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group as Lines
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from biosphere_tui.cache.vm_detail import VmDetail
from biosphere_tui.i18n import _, t
from biosphere_tui.rules.access import deployment_ssh
from biosphere_tui.rules.freshness import age
from biosphere_tui.rules.privacy import SECRET_MASK
from biosphere_tui.widgets.palette import style
from biosphere_tui.widgets.vm_table import state_text


def _when(moment: datetime, now: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC (" + t("{age} ago", age=age(moment, now)) + ")"


def _section(title: str, rows: list[tuple[str, str | Text]]) -> Lines:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True, min_width=9)
    grid.add_column(overflow="fold")
    for key, value in rows:  # plain text: a str cell of a Rich table is read as markup
        grid.add_row(Text(_(key)), Text(value) if isinstance(value, str) else value)
    return Lines(Text(_(title), style="bold underline"), grid, Text())


class VmDetailPane(Static):
    """``show(detail, now, reveal)``: secret parameters stay masked unless ``reveal``."""

    def show(self, detail: VmDetail | None, now: datetime, reveal: bool = False) -> None:
        if detail is None:
            self.update(Text(_("No VM under the cursor."), style="italic dim"))
            return
        d, server = detail.deployment, detail.server
        gpu = f" · {d.gpu} GPU" if d.gpu else ""
        parts = [
            Text(d.name, style="bold"),
            Text(),
            _section("Deployment", [
                ("state", Text.assemble(state_text(d.state.value), " " + t("since {age}", age=age(d.updated, now)))),
                ("appliance", f"{d.appliance_name} ({d.appliance_id})"),
                ("group", d.group_id), ("owner", d.owner), ("site", d.site),
                ("flavour", t("{flavor} · {vcpu} vCPU · {ram} GB RAM · {disk} GB disk", flavor=d.flavor, vcpu=d.vcpu,
                              ram=d.ram_gb, disk=d.disk_gb) + gpu),
                ("created", _when(d.created, now)), ("id", d.id),
            ]),
        ]
        if server is not None:
            parts.append(_section(t("Server (live from {site})", site=d.site), [
                ("status", server.status), ("flavour", server.flavor), ("image", detail.image or "—"),
                ("IP", server.ip or "—"), ("created", _when(server.created, now)), ("id", server.id),
            ]))
        elif d.server_id:
            parts.append(_section("Server", [("", Text(t("not listed by {site} (gone, or the site did not answer)", site=d.site),
                                                       style=style("warning")))]))
        access: list[tuple[str, str | Text]] = []
        ssh = deployment_ssh(d, detail.ip).command
        if ssh:
            access.append(("ssh", Text.assemble(ssh, ("  " + _("(c copies)"), "dim"))))
        access += [(link.kind, link.url) for link in detail.web_links]
        if access:
            parts.append(_section("Access", access))
        if d.parameters:
            parts.append(_section("Parameters", [
                (p.name, p.value or "" if reveal or not p.secret else Text.assemble(SECRET_MASK, ("  " + _("(v shows)"), "dim")))
                for p in d.parameters
            ]))
        if d.reason:
            parts.append(_section(t("Why it is {state}", state=_(d.state.value)),
                                  [(_("reason"), Text(d.reason, style=style("error")))]))
        self.update(Lines(*parts))
