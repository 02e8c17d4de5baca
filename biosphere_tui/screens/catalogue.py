"""Catalogue: the RAINBio appliances, searched by word, category or tool; favourites; launch."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rich.text import Text
from textual import events
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Container, VerticalScroll
from textual.markup import escape
from textual.widgets import Input, Static

from biosphere_tui.cache import catalogue
from biosphere_tui.i18n import _, plural, t
from biosphere_tui.models.catalogue import Appliance
from biosphere_tui.screens import registry
from biosphere_tui.screens.base import BiosphereScreen
from biosphere_tui.widgets.appliance_detail import ApplianceDetail
from biosphere_tui.widgets.filter_bar import Filterable, FilterBar, filter_key, restart_cursors
from biosphere_tui.widgets.jump import JumpDialog
from biosphere_tui.widgets.line_table import LineTable
from biosphere_tui.widgets.palette import style

WIDE = 120  # from this width the detail pane stands beside the table
ANY = "*"


class ApplianceTable(LineTable):
    COLUMNS = (("star", "★"), ("name", "name"), ("category", "category", 1), ("os", "OS", 3), ("summary", "summary", 2))


class Picker(JumpDialog):
    """Type part of a name, Enter to filter the catalogue by it; the first choice is "any"."""

    def __init__(self, what: str, names: list[str]) -> None:
        super().__init__([(ANY, _("(any tool)") if what == "tool" else _("(any topic)")),
                          *((name, name) for name in names)])
        self.what = what

    def on_mount(self) -> None:
        self.query_one(Input).placeholder = (_("tool") if self.what == "tool" else _("topic")) + "…"


class CatalogueScreen(Filterable, BiosphereScreen):
    CSS_PATH = Path(__file__).with_suffix(".tcss")  # read when the screen is first shown
    FILTER_HINT = "search name, description, tool, topic…  (esc clears)"
    SOURCES = ("portal.catalogue",)
    HELP = ("Catalogue: the RAINBio appliances. Search by word (name, description, tools, EDAM topics) with /, "
            "by category with c, by tool with t and by EDAM topic with e; star favourites with f. Enter opens the "
            "launch form; L proposes the recommended site and flavour (★) and launches once you confirm; C launches "
            "a class (N identical VMs for a training).")
    BINDINGS = [
        filter_key("Search"),
        Binding("l", "launch", "Launch"),  # the main keys first: the footer shows those that fit
        Binding("enter", "launch", "Launch", show=False),
        Binding("d", "toggle_detail", "Detail"),
        Binding("C", "class_launch", "Class launch"),
        Binding("L", "quick_launch", "Quick launch"),
        Binding("f", "favourite", "Star"),
        Binding("c", "next_category", "Category"),
        Binding("t", "pick('tool')", "Tool"),
        Binding("e", "pick('topic')", "Topic"),
        Binding("F", "favourites_only", "★ only"),
        Binding("x", "clear_filters", "Clear filters"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.category = ""
        self.tool = ""
        self.topic = ""
        self.favourites_only = False
        self.detail_wanted: bool | None = None  # None: shown when the terminal is wide
        self.shown: dict[str, Appliance] = {}

    def compose_body(self) -> ComposeResult:
        yield self.filter_bar()
        yield Static(id="filters")
        with Container(id="panes"):
            yield ApplianceTable(id="appliances")
            with VerticalScroll(id="detail-pane"):
                yield ApplianceDetail(id="detail")

    def on_mount(self) -> None:
        super().on_mount()
        self._layout()
        self.query_one(ApplianceTable).focus()

    def on_resize(self, event: events.Resize) -> None:
        self._layout()

    def _layout(self) -> None:
        wide = self.app.size.width >= WIDE
        self.query_one("#panes").set_class(wide, "-wide")
        self.query_one("#detail-pane").display = wide if self.detail_wanted is None else self.detail_wanted

    # -- data ------------------------------------------------------------------------------

    @property
    def current(self) -> Appliance | None:
        key = self.query_one(ApplianceTable).current_key
        return self.shown.get(key) if key else None

    def reload_body(self) -> None:
        favourites = self.app.state.favourites
        found = catalogue.appliances(self.app.cache, text=self.filter_text, category=self.category, tool=self.tool,
                                     topic=self.topic, only=favourites if self.favourites_only else None)
        self.shown = {a.id: a for a in found}
        self.query_one(ApplianceTable).show([
            (a.id, (Text("★", style=style("warning")) if a.id in favourites else " ", a.name, a.category,
                    f"{a.os} {a.os_version}", a.summary))
            for a in found
        ])
        self._show_filters(len(found))
        self._show_detail()

    def _show_filters(self, count: int) -> None:
        parts = [plural(count, "{n} appliance", "{n} appliances")]
        for label, value in ((_("search"), self.filter_text), (_("category"), self.category), (_("tool"), self.tool),
                             (_("topic"), self.topic)):
            if value:
                parts.append(f"{label}: [b]{escape(value)}[/b]")  # a category or tool from the portal
        if self.favourites_only:
            parts.append(f"[$warning]{_('★ favourites only')}[/]")
        hint = _("(x clears)") if len(parts) > 1 else _("/ search · c category · t tool · e topic · F ★")
        self.query_one("#filters", Static).update(" · ".join(parts) + f"  [dim]{hint}[/dim]")

    def _show_detail(self) -> None:
        current = self.current
        self.query_one(ApplianceDetail).show(current, current is not None and current.id in self.app.state.favourites)

    def on_line_table_row_highlighted(self, event: LineTable.RowHighlighted) -> None:
        self._show_detail()

    def on_line_table_row_selected(self, event: LineTable.RowSelected) -> None:
        self.action_launch()

    # -- actions ---------------------------------------------------------------------------

    def action_next_category(self) -> None:
        choices = ["", *catalogue.categories(self.app.cache)]
        self.category = choices[(choices.index(self.category) + 1) % len(choices)] if self.category in choices else ""
        self._refilter()

    def action_pick(self, what: str) -> None:
        """Choose the tool or the EDAM topic to filter by."""

        def chosen(name: str | None) -> None:
            if name is None:
                return
            if what == "tool":
                self.tool = "" if name == ANY else name
            else:
                self.topic = "" if name == ANY else name
            self._refilter()

        names = catalogue.tools(self.app.cache) if what == "tool" else catalogue.topics(self.app.cache)
        self.app.push_screen(Picker(what, names), chosen)

    def action_favourite(self) -> None:
        current = self.current
        if current is None:
            return
        starred = self.app.state.toggle_favourite(current.id)
        self.app.save_state()
        self.notify(t("{name} starred.", name=current.name) if starred else t("{name} unstarred.", name=current.name),
                    timeout=2)
        self.reload_body()

    def action_favourites_only(self) -> None:
        self.favourites_only = not self.favourites_only
        self._refilter()

    def action_clear_filters(self) -> None:
        self.filter_text = self.category = self.tool = self.topic = ""
        self.favourites_only = False
        bar = self.query_one(FilterBar)
        if bar.value or bar.display:
            bar.action_close()  # its Changed message reloads
        self._refilter()

    def _refilter(self) -> None:
        """Show what the changed filters select, the cursor on the first match."""
        restart_cursors(self)
        self.reload_body()

    def action_toggle_detail(self) -> None:
        self.detail_wanted = not self.query_one("#detail-pane").display
        self._layout()

    def action_launch(self) -> None:
        if (current := self.current) is not None:
            self.app.push_screen(registry.launch(current.id))

    def action_quick_launch(self) -> None:
        if (current := self.current) is not None:
            self.app.push_screen(registry.launch(current.id, quick=True))

    def action_class_launch(self) -> None:
        if (current := self.current) is not None:
            self.app.push_screen(registry.class_launch(current.id))

    def palette_commands(self) -> Iterable[SystemCommand]:
        current = self.current
        if current is not None:
            name = current.name
            yield SystemCommand(t("Launch {name}", name=name), _("Open the launch form for this appliance"),
                                self.action_launch)
            yield SystemCommand(t("Quick launch {name}", name=name),
                                _("The recommended site and flavour (★), after a confirmation"), self.action_quick_launch)
            yield SystemCommand(t("Class launch {name}", name=name), _("N identical VMs for a training (C)"),
                                self.action_class_launch)
            yield SystemCommand(t("Star or unstar {name}", name=name), _("Toggle the favourite"), self.action_favourite)
        yield SystemCommand(_("Catalogue: favourites only"), _("Show only starred appliances (F)"),
                            self.action_favourites_only)
        yield SystemCommand(_("Catalogue: filter by tool"), _("Pick a tool (t)"), lambda: self.action_pick("tool"))
        yield SystemCommand(_("Catalogue: filter by EDAM topic"), _("Pick a topic (e)"), lambda: self.action_pick("topic"))
        yield SystemCommand(_("Catalogue: next category"), _("Cycle the category filter (c)"), self.action_next_category)
        yield SystemCommand(_("Catalogue: clear filters"), _("Show every appliance (x)"), self.action_clear_filters)
