"""Everything the catalogue knows of one appliance: its recipe, tools, topics, needs and access."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from biosphere_tui.i18n import _, t
from biosphere_tui.models.catalogue import Appliance
from biosphere_tui.widgets.palette import style

ACCESS = {"ssh": "SSH", "https": "web (HTTPS)", "x2go": "remote desktop (X2Go)"}


def needs(appliance: Appliance) -> str:
    return t("{vcpu} vCPU, {ram} GB RAM, {disk} GB disk", vcpu=appliance.min_vcpu, ram=appliance.min_ram_gb,
             disk=appliance.min_disk_gb)


class ApplianceDetail(Static):
    def show(self, appliance: Appliance | None, favourite: bool = False) -> None:
        if appliance is None:
            self.update(Text(_("No appliance matches."), style="italic"))
            return
        a = appliance
        text = Text.assemble(("★ " if favourite else "", style("warning")), (a.name, "bold"),
                             (f"  #{a.id} · v{a.version}", "dim"),
                             "\n", (a.summary, "italic"), "\n\n", a.description, "\n")
        facts = Table.grid(padding=(0, 1))
        facts.add_column(style="bold")
        facts.add_column()
        flags = [name for name, on in (("Docker", a.docker), ("remote desktop", a.remote_desktop),
                                       ("multi-VM", a.multi_vm)) if on]
        for label, value in (
            ("Category", a.category),
            ("OS", f"{a.os} {a.os_version}"),
            ("Access", ", ".join(_(ACCESS.get(x, x)) for x in a.access)),
            ("Needs", needs(a)),
            ("Topics", ", ".join(a.topics) or "—"),
            ("Developers", ", ".join(f"{d.name} ({d.platform})" for d in a.developers) or "—"),
            ("Licence", a.licence),
            ("Contact", a.contact),
            ("Flags", ", ".join(_(flag) for flag in flags) or "—"),
        ):
            facts.add_row(_(label), Text(value))
        tools = Table(_("tool"), _("version"), "URL", box=None, padding=(0, 1), header_style="bold", expand=False)
        for tool in a.tools:
            tools.add_row(Text(tool.name), Text(tool.version), Text(tool.url, style="dim"))
        grid = Table.grid()
        grid.add_row(text)
        grid.add_row(facts)
        grid.add_row(Text(""))
        grid.add_row(tools)
        self.update(grid)
