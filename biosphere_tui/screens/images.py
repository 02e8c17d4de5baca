"""Catalogue in OpenStack-only mode: the Glance images of every site, one row per name with the
sites that have it; Enter (or l) opens the Nova launch form."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.widgets import Static

from biosphere_tui.cache import servers
from biosphere_tui.i18n import _, plural, t
from biosphere_tui.safe_text import markup_literal
from biosphere_tui.screens import registry
from biosphere_tui.screens.base import BiosphereScreen
from biosphere_tui.widgets.filter_bar import Filterable, filter_key
from biosphere_tui.widgets.line_table import LineTable


class ImageTable(LineTable):
    COLUMNS = (("name", "image"), ("os", "OS", 1), ("ram", "min RAM", 2), ("disk", "min disk", 2), ("sites", "sites", 1))


class ImagesScreen(Filterable, BiosphereScreen):
    CSS_PATH = Path(__file__).with_suffix(".tcss")  # read when the screen is first shown
    FILTER_HINT = "search image name or OS…  (esc clears)"
    SOURCES = ("site.",)
    AUTO_FOCUS = "#images"
    HELP = ("Catalogue (OpenStack-only mode): the Glance images of every site, one row per image name, with the "
            "sites that have it. / searches; Enter or l opens the launch form (site, flavour, key pair).")
    BINDINGS = [
        filter_key("Search"),
        Binding("l", "launch", "Launch"),
    ]

    def __init__(self) -> None:
        super().__init__()

    def compose_body(self) -> ComposeResult:
        yield self.filter_bar()
        yield Static(id="filters")
        yield ImageTable(id="images")

    def reload_body(self) -> None:
        found = servers.images(self.app.cache, self.filter_text)
        every = len(self.app.config.openstack.sites)
        self.query_one(ImageTable).show([
            (e.name, (e.name, e.os_distro or "—", f"{e.min_ram_mb} {_('MB')}", f"{e.min_disk_gb} {_('GB')}",
                      t("all {n}", n=every) if len(e.sites) == every else f"{len(e.sites)}: {', '.join(e.sites)}"))
            for e in found
        ])
        what = plural(len(found), "{n} image (Glance, every site)", "{n} images (Glance, every site)")
        searched = f" · {_('search')}: [b]{markup_literal(self.filter_text)}[/b]" if self.filter_text else ""
        self.query_one("#filters", Static).update(f"{what}{searched}  [dim]{_('/ search · enter or l launch')}[/dim]")

    def on_line_table_row_selected(self, event: LineTable.RowSelected) -> None:
        self.action_launch()

    def action_launch(self) -> None:
        key = self.query_one(ImageTable).current_key
        if key is None:
            self.notify(_("No image here to launch: the sites list none yet."), severity="warning")
            return
        self.app.push_screen(registry.server_launch(key))

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand(_("Launch a server from this image"), _("Open the launch form (l)"), self.action_launch)
        yield SystemCommand(_("Search the images"), _("By name or OS (/)"), self.action_filter)
