"""Launch an appliance: name, group, then a site × flavour matrix that says what fits and why not;
once sent, the deployment is followed live until it is Ready, with its access."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Button, DataTable, Input, Label, Select, Static
from textual.widgets.data_table import CellDoesNotExist, ColumnDoesNotExist, RowDoesNotExist

from biosphere_tui import titles
from biosphere_tui.advisor import Advice, recommend
from biosphere_tui.cache import catalogue, reader, vms
from biosphere_tui.cache.advice import signals
from biosphere_tui.cache.db import Reader
from biosphere_tui.cache.freshness import age
from biosphere_tui.cache.vms import VmDetail
from biosphere_tui.delays import delay
from biosphere_tui.fit import APPLIANCE, CAPACITY, QUOTA, Fit, Matrix, Minimum, assess
from biosphere_tui.i18n import _, t
from biosphere_tui.models import (
    Appliance,
    Deployment,
    DeploymentRequest,
    DeploymentState,
    Group,
    GroupKind,
    Parameter,
    SiteState,
)
from biosphere_tui.naming import duplicate_problem, free_name, name_problem, numbered, suggested_name
from biosphere_tui.screens.base import BiosphereScreen, Form
from biosphere_tui.privacy import secret_text
from biosphere_tui.site_names import site_detail, site_name, site_names
from biosphere_tui.widgets.appliance_detail import needs
from biosphere_tui.widgets.confirm import ConfirmDialog
from biosphere_tui.widgets.keyed_table import KeyedTable
from biosphere_tui.widgets.palette import style

if TYPE_CHECKING:
    from biosphere_tui.actions import Actions, Outcome
    from biosphere_tui.api.errors import SourceError

S = DeploymentState
STEPS = (S.INITIALIZING, S.PROVISIONING, S.EXECUTING, S.SENDING_REPORTS, S.READY)
POLL_SECONDS = 2.0
AGE_SECONDS = 1.0  # the deployment's age is repainted this often


def _cells() -> dict[str, tuple[str, str]]:
    return {APPLIANCE: (_("✗ small"), style("error", "dim")), QUOTA: (_("✗ quota"), style("error")), CAPACITY: (_("✗ full"), style("error"))}


def cell(fit: Fit | None, state: SiteState, best: bool = False) -> Text:
    if fit is None:
        return Text("—", style="dim")
    if fit.ok and best:
        return Text(_("★ best"), style=style("strong-ok", "reverse"))
    if fit.ok:
        return Text(_("✓ fits"), style=style("warning") if fit.warning else style("strong-ok"))
    if fit.kind in (cells := _cells()):
        return Text(*cells[fit.kind])
    return Text(_("✗ maint.") if state is SiteState.MAINTENANCE else _("✗ down"), style=style("strong-error"))


class FitMatrix(KeyedTable):
    """Rows: flavours (labelled), columns: sites; the cell cursor picks the site and the flavour.
    Only whole sites are shown, as many as fit the width: ◀/▶ on the edge headers say more are
    there, and the cursor brings them in (never a site cut in the middle)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cursor_type = "cell"
        self.header_height = 2
        self.COLUMNS: tuple[tuple[str, Text], ...] = ()
        self._sites: tuple[tuple[str, Text], ...] = ()  # every site, in order
        self._rows: list[tuple[str, Sequence[Any]]] = []  # each flavour's cell for every site
        self._first = 0  # the first site shown

    def add_row(self, *cells: Any, height: int | None = 1, key: str | None = None, label: Any = None) -> Any:
        return super().add_row(*cells, height=height, key=key, label=label or (key and Text(key)))

    def set_matrix(self, sites: Sequence[tuple[str, Text]], rows: Sequence[tuple[str, Sequence[Any]]]) -> bool:
        """The sites (key, header) and each flavour's cells for every site; the columns are rebuilt
        when the sites or their states changed; returns whether they were."""
        self._rows = list(rows)
        if tuple(sites) == self._sites:
            self._show_window()
            return False
        self._sites = tuple(sites)
        self._first = min(self._first, max(len(self._sites) - 1, 0))
        self._window()
        return True

    def _show_window(self) -> None:
        end = self._first + len(self.COLUMNS)
        self.show([(key, list(cells)[self._first:end]) for key, cells in self._rows])

    def _site_widths(self) -> list[int]:
        pad = 2 * self.cell_padding
        return [max([*(cell_len(line) for line in label.plain.split("\n")), 7]) + pad for _, label in self._sites]

    def _window(self, keep: str | None = None) -> None:
        """Show the sites from ``_first`` that fit (``keep``, a site, among them), cursor kept."""
        widths = self._site_widths()
        labels = max((cell_len(key) for key, _ in self._rows), default=0) + 2 * self.cell_padding
        room = self.scrollable_content_region.width - labels - 4  # and the ◀ ▶ marks
        if keep is not None and keep in (keys := [k for k, _ in self._sites]):
            self._first = min(self._first, keys.index(keep))
            while self._first < keys.index(keep) and sum(widths[self._first:keys.index(keep) + 1]) > room:
                self._first += 1
        end = self._first + 1
        while end < len(widths) and sum(widths[self._first:end + 1]) <= room:
            end += 1
        while self._first > 0 and sum(widths[self._first - 1:end]) <= room:  # room to the left: use it
            self._first -= 1
        if room <= 0:  # not laid out yet: every site
            self._first, end = 0, len(self._sites)
        chosen = self.chosen
        self.clear(columns=True)
        self.COLUMNS = tuple(self._edges(i, end) for i in range(self._first, min(end, len(self._sites))))
        for key, label in self.COLUMNS:
            self.add_column(label, key=key)
        self._show_window()
        if chosen is not None and chosen[0] in self.columns and chosen[1] in self.rows:
            self.move_cursor(row=self.get_row_index(chosen[1]), column=self.get_column_index(chosen[0]))

    def _edges(self, i: int, end: int) -> tuple[str, Text]:
        """The site's header, with ◀ or ▶ when sites are hidden on that side."""
        key, label = self._sites[i]
        name, state = label.split("\n", allow_blank=True)
        first = Text.assemble(("◀ ", "bold") if i == self._first and i > 0 else "", name,
                              (" ▶", "bold") if i == end - 1 and end < len(self._sites) else "")
        return key, Text.assemble(first, "\n", state)

    def on_resize(self, event: events.Resize) -> None:
        if self._sites:
            self._window(self.chosen[0] if self.chosen else None)

    def action_cursor_right(self) -> None:
        shift = self.cursor_column == len(self.COLUMNS) - 1 and self._first + len(self.COLUMNS) < len(self._sites)
        if not shift:
            super().action_cursor_right()
            return
        self._first += 1
        next_site = self._sites[self._first + len(self.COLUMNS) - 1][0]
        self._window(keep=next_site)
        self.choose(next_site, self.chosen[1] if self.chosen else "")

    def action_cursor_left(self) -> None:
        if self.cursor_column > 0 or self._first == 0:
            super().action_cursor_left()
            return
        self._first -= 1
        site = self._sites[self._first][0]
        chosen = self.chosen
        self._window(keep=site)
        if chosen is not None:
            self.choose(site, chosen[1])

    @property
    def chosen(self) -> tuple[str, str] | None:
        """(site, flavour) under the cursor."""
        if not self.row_count or not self.columns:
            return None
        try:
            keys = self.coordinate_to_cell_key(self.cursor_coordinate)
        except CellDoesNotExist:
            return None
        return str(keys.column_key.value), str(keys.row_key.value)

    def choose(self, site: str, flavor: str) -> None:
        if site not in self.columns and any(key == site for key, _ in self._sites):
            self._window(keep=site)  # bring the site into view
        try:
            self.move_cursor(row=self.get_row_index(flavor), column=self.get_column_index(site))
        except (RowDoesNotExist, ColumnDoesNotExist):  # a site or flavour not (or no longer) listed
            return


def _site_label(platform: str, state: SiteState, answers: bool) -> Text:
    role = {SiteState.UP: "ok", SiteState.DEGRADED: "warning"}.get(state, "strong-error") if answers else "strong-error"
    word = _(state.value) if answers else _("no answer")
    return Text.assemble((platform, "bold"), "\n", (f"● {word}", style(role)))


def _elapsed(dep: Deployment, now: datetime) -> str:
    end = dep.updated if dep.state is S.READY or dep.state.is_final else now
    seconds = max(int((end - dep.created).total_seconds()), 0)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


async def _send(actions: Actions, spec: DeploymentRequest, key: str) -> Deployment | SourceError:
    """The launch, with the portal's refusal as a value: the form shows it."""
    from biosphere_tui.api.errors import SourceError

    try:
        return await actions.launch(spec, key)
    except SourceError as exc:
        return exc


def unused_name(db: Reader, base: str) -> str:
    """``base``, or ``base-2``… when a live VM already bears it."""
    return free_name(base, {vm.name for vm in vms.live_named(db, numbered(base))})


def refused(screen: Screen[Any], message: str, recheck: Callable[[], None]) -> None:
    """A launch the cloud refused: say why, keep the form (its ``refusal`` shown) for another try."""
    screen.app.notify(t("Launch refused: {reason}", reason=message), severity="error", timeout=10)
    if screen.is_attached:
        screen.refusal = message  # type: ignore[attr-defined]
        button = screen.query_one("#launch", Button)
        button.disabled, button.label = False, _("Launch (ctrl+s)")
        recheck()


class LaunchScreen(Form, BiosphereScreen):
    CSS_PATH = "launch.tcss"
    SOURCES = ("portal.deployments", "portal.status", "portal.account", "site.")
    HELP = ("Launch: name the VM, choose the group whose quota it spends, then a cell of the matrix: a flavour "
            "(row) on a site (column). Each cell says whether it fits the group's remaining quota and the site's "
            "free room; the line under it says why not, and p takes the proposed way out. ★ marks the recommended cell "
            "(up and fresh site, least waste, most room left, fastest API); a applies it. ctrl+s launches (after a "
            "confirmation if a live VM already has that name); the screen then follows the deployment until it is "
            "Ready. L in the catalogue opens this form on the ★ cell and asks once before launching it.")
    BINDINGS = [
        Binding("ctrl+s", "launch", "Launch", priority=True),
        Binding("p", "take_proposal", "Take proposal"),
        Binding("a", "apply_advice", "Recommended"),
        Binding("v", "reveal", "Reveal secrets"),
        Binding("c", "copy_ssh", "Copy SSH command"),
    ]

    def __init__(self, appliance_id: str, *, quick: bool = False) -> None:
        """``quick``: the ★ recommendation is proposed in a confirmation as the form opens."""
        super().__init__()
        self.appliance_id = appliance_id
        self.quick = quick
        self.appliance: Appliance | None = None
        self.matrix: Matrix | None = None
        self.advice: Advice | None = None
        self.deployment: Deployment | None = None
        self.in_flight = False
        self.revealed: tuple[Parameter, ...] | None = None  # the secrets fetched from the portal (memory only)
        self.refusal = ""
        self._attempt: tuple[DeploymentRequest, str] | None = None  # the request and its idempotency key
        self._poll: Timer | None = None
        self.names: dict[str, str] = {}  # site id -> display name

    # -- layout --------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        db = self.app.cache
        self.appliance = catalogue.appliance(db, self.appliance_id)
        groups = self._groups()
        wanted = self.app.current_group.id if self.app.current_group else ""
        group = wanted if any(g.id == wanted for g in groups) else (groups[0].id if groups else None)
        with Vertical(id="form"):
            yield Static(self._about(), markup=False, id="about")
            with Horizontal(id="fields"):
                yield Label(_("Name") + " ", classes="label")
                yield Input(unused_name(db, suggested_name(self.appliance)) if self.appliance else "", id="name",
                            compact=True)
                yield Label(" " + _("Group") + " ", classes="label")
                yield Select([(Text(f"{g.name} ({_(g.role.value)})"), g.id) for g in groups], value=group or Select.NULL,
                             allow_blank=group is None, id="group", compact=True)
            yield Static(markup=False, id="name-hint")
            yield Static(markup=False, id="quota")
            yield FitMatrix(id="matrix")
            yield Static(markup=False, id="advice")
            yield Static(markup=False, id="verdict")
            with Horizontal(id="buttons"):
                yield Button(_("Launch (ctrl+s)"), id="launch", variant="primary", compact=True)
                yield Static("  " + _("esc back · p takes the proposal · ? help"), markup=False, id="keys")
        with VerticalScroll(id="progress"):
            yield Static(markup=False, id="steps")
            yield Static(markup=False, id="age")
            yield Static(markup=False, id="access")

    def on_mount(self) -> None:
        super().on_mount()
        matrix = self.query_one(FitMatrix)
        defaults = self.app.state.launch
        if self.matrix is not None and (start := self.matrix.choose(defaults.site, defaults.flavor)):
            matrix.choose(*start)
        matrix.focus()
        self._show_verdict()
        if self.quick:
            self._quick()

    def _groups(self) -> list[Group]:
        return [g for g in reader.groups(self.app.cache) if g.kind is not GroupKind.AFFILIATION]

    def _about(self) -> Text:
        if self.appliance is None:
            return Text(t("Appliance {id} is not in the catalogue (any more).", id=self.appliance_id), style=style("strong-error"))
        a = self.appliance
        return Text.assemble(_("Launch") + " ", (a.name, "bold"),
                             f" #{a.id} · {a.os} {a.os_version} · " + t("needs {needs}", needs=needs(a)),
                             (" · multi-VM" if a.multi_vm else "", style("warning")))

    # -- the form ------------------------------------------------------------------------------

    @property
    def group_id(self) -> str:
        value = self.query_one("#group", Select).value
        return value if isinstance(value, str) else ""

    @property
    def vm_name(self) -> str:
        return self.query_one("#name", Input).value.strip()

    def reload_body(self) -> None:
        if self.deployment is not None:
            self._follow()
            return
        self._check_name()  # a VM of that name may have appeared (or gone)
        db = self.app.cache
        self.names = site_names(db)  # before the advice and the verdict name sites
        group = next((g for g in self._groups() if g.id == self.group_id), None)
        if self.appliance is None or group is None:
            self.matrix = self.advice = None
            self._show_advice()
            self.query_one("#quota", Static).update(Text(_("You have no project or training group to launch in."),
                                                         style=style("error")) if group is None else "")
            return
        use = reader.quota_use(db, group.id)
        rooms = catalogue.rooms(db)
        minimum = Minimum.of(self.appliance)
        self.matrix = assess(group.quota, use, rooms, catalogue.flavors(db), minimum)
        self.advice = recommend(self.matrix, signals(db, self.app.now(), self.app.stale_after), minimum)
        self._show_advice()
        q = group.quota
        left = Text.assemble((group.name, "bold"), _(" has "))
        for free, total, unit in ((q.vcpu - use.vcpu, q.vcpu, " vCPU"),
                                  (q.ram_gb - use.ram_gb, q.ram_gb, " " + _("GB RAM")),
                                  (q.storage_gb - use.storage_gb, q.storage_gb, " " + _("GB storage"))):
            left.append(f"{max(free, 0)}", style=style("strong-error") if free <= 0 else "bold")
            left.append(f"/{total}{unit} · ")
        left.right_crop(3)
        left.append(_(" left"))
        if reader.counts_own_vms_only(group):
            left.append(" " + _("(counting your VMs only: the portal checks the whole group)"), style="dim")
        self.query_one("#quota", Static).update(left)
        table = self.query_one(FitMatrix)
        chosen = table.chosen
        states = {r.site: r.state for r in rooms}
        matrix, best = self.matrix, (self.advice.site, self.advice.flavor) if self.advice else None
        rebuilt = table.set_matrix(
            [(r.site, _site_label(site_name(self.names, r.site), r.state, r.answers)) for r in rooms],
            [(name, [cell(matrix.get(site, name), states[site], (site, name) == best) for site in matrix.rooms])
             for name in matrix.flavors])
        if rebuilt and chosen:
            table.choose(*chosen)
        self._show_verdict()

    def _duplicates(self) -> list[vms.VmRow]:
        """The live VMs already bearing the name typed (none while the name is invalid)."""
        return [] if name_problem(self.vm_name) else vms.live_named(self.app.cache, [self.vm_name])

    def _check_name(self) -> None:
        problem = name_problem(self.vm_name)
        taken = duplicate_problem(self.vm_name, self._duplicates())
        self.query_one("#name", Input).set_class(bool(problem), "-invalid")
        if problem:
            hint = Text(t("Name: {problem}", problem=problem), style=style("error"))
        elif taken:
            hint = Text("⚠ " + t("Name: {problem}", problem=taken), style=style("strong-warning"))
        else:
            hint = Text(_("✓ name"), style=style("ok"))
        self.query_one("#name-hint", Static).update(hint)

    def _chosen_fit(self) -> tuple[str, str, Fit | None] | None:
        chosen = self.query_one(FitMatrix).chosen
        if chosen is None or self.matrix is None:
            return None
        return chosen[0], chosen[1], self.matrix.get(*chosen)

    def _show_verdict(self) -> None:
        text = Text()
        picked = self._chosen_fit()
        if picked is None:
            text.append(_("No site or flavour known yet: waiting for the first refresh."), style="italic")
        else:
            site, flavor, fit = picked
            text.append(t("{flavor} on {site}: ", flavor=flavor, site=site_detail(self.names, site)), style="bold")
            if fit is None:
                text.append(t("{site} does not offer {flavor}", site=site_name(self.names, site), flavor=flavor),
                            style=style("error"))
            elif fit.ok:
                text.append(_("fits") + (f" ({fit.warning})" if fit.warning else ""),
                            style=style("warning") if fit.warning else style("ok"))
            else:
                text.append(fit.reason, style=style("error"))
            if self.matrix is not None and (proposal := self.matrix.proposal(site, flavor)):
                text.append("\n" + t("→ {proposal} (p takes it)", proposal=proposal), style=style("warning"))
        if self.refusal:
            text.append("\n" + t("The portal refused: {reason}", reason=self.refusal), style=style("strong-error"))
        self.query_one("#verdict", Static).update(text)

    def _show_advice(self) -> None:
        if self.advice is None:
            text = Text(_("Recommended: nothing fits now.") if self.matrix is not None else "", style=style("warning"))
        else:
            text = Text.assemble(_("Recommended:") + " ", (f"{site_name(self.names, self.advice.site)} / {self.advice.flavor}", style("strong-ok")),
                                 f" — {self.advice.why}", (" " + _("(a applies it)"), "dim"))
        self.query_one("#advice", Static).update(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "name":
            self._check_name()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.refusal = ""
        self.reload_body()

    def on_data_table_cell_highlighted(self, event: DataTable.CellHighlighted) -> None:
        self._show_verdict()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "launch":
            self.action_launch()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        following = self.deployment is not None
        if action in ("launch", "take_proposal", "apply_advice"):
            return not following
        if action in ("reveal", "copy_ssh"):
            return following and self.deployment is not None and self.deployment.state is S.READY
        return True

    def action_take_proposal(self) -> None:
        chosen = self.query_one(FitMatrix).chosen
        if chosen is not None and self.matrix is not None and (out := self.matrix.way_out(*chosen)):
            self.query_one(FitMatrix).choose(*out)

    def action_apply_advice(self) -> None:
        if self.advice is None:
            self.notify(_("Nothing fits now: no recommendation."), severity="warning")
            return
        table = self.query_one(FitMatrix)
        table.choose(self.advice.site, self.advice.flavor)
        table.focus()

    # -- sending -------------------------------------------------------------------------------

    def _problem(self) -> str:
        """Why the form cannot be sent as it is ("" when it can)."""
        if self.appliance is None:
            return _("this appliance is not in the catalogue")
        if problem := name_problem(self.vm_name):
            return t("name: {problem}", problem=problem)
        if not self.group_id:
            return _("choose a group")
        picked = self._chosen_fit()
        if picked is None:
            return _("choose a site and a flavour")
        site, flavor, fit = picked
        name = site_name(self.names, site)
        if fit is None:
            return t("{site} does not offer {flavor}", site=name, flavor=flavor)
        return "" if fit.ok else t("{flavor} on {site}: ", flavor=flavor, site=name) + fit.reason

    def _quick(self) -> None:
        """Move to the ★ cell and ask once, naming everything that will be launched; the form stays
        open (nothing sent) when nothing fits or the answer is no."""
        if self.advice is None:
            self.notify(_("Quick launch: nothing fits now; the form says why."), severity="warning", timeout=8)
            return
        self.action_apply_advice()
        if problem := self._problem():
            self.notify(t("Cannot launch: {problem}.", problem=problem), severity="warning", timeout=8)
            return
        assert self.appliance is not None and self.matrix is not None
        spec = self.matrix.specs[self.advice.flavor]
        group = next((g.name for g in self._groups() if g.id == self.group_id), self.group_id)
        items = [t("site: {site}", site=site_detail(self.names, self.advice.site)),
                 t("flavour: {flavor}, {vcpu} vCPU, {ram} GB RAM, {disk} GB disk", flavor=spec.name, vcpu=spec.vcpus,
                   ram=spec.ram_mb // 1024, disk=spec.disk_gb),
                 t("name: {name}", name=self.vm_name), t("group: {group}", group=group),
                 t("★ recommended: {why}", why=self.advice.why)]
        if taken := duplicate_problem(self.vm_name, self._duplicates()):
            items.append("⚠ " + t("name: {problem}", problem=taken))
        asked = self._spec()
        self.app.push_screen(ConfirmDialog(t("Launch {appliance} now?", appliance=self.appliance.name), items,
                                           action="Launch", danger=False),
                             lambda yes: self._launch_now(asked) if yes else None)

    def action_launch(self) -> None:
        """Send the form; a name a live VM already bears is confirmed first."""
        if self.in_flight or self.deployment is not None:
            return
        again = self._attempt is not None and self._attempt[0] == self._spec()  # its VM may be the live one
        taken = "" if self._problem() or again else duplicate_problem(self.vm_name, self._duplicates())
        if taken:  # (a form that cannot be sent says why in _launch_now)
            asked = self._spec()
            self.app.push_screen(ConfirmDialog(t("Launch a second VM named {name}?", name=self.vm_name),
                                               [taken], action="Launch anyway"),
                                 lambda yes: self._launch_now(asked) if yes else None)
            return
        self._launch_now()

    def _spec(self) -> DeploymentRequest | None:
        """The request the form would send."""
        chosen = self.query_one(FitMatrix).chosen
        if self.appliance is None or chosen is None:
            return None
        return DeploymentRequest(self.vm_name, self.appliance.id, self.group_id, *chosen)

    def _launch_now(self, asked: DeploymentRequest | None = None) -> None:
        """Send the form as it is; ``asked``: only if it is still what was confirmed."""
        if self.in_flight or self.deployment is not None:
            return
        if asked is not None and self._spec() != asked:
            self.notify(_("The form changed while you were asked: nothing was sent; check it."), severity="warning")
            return
        if problem := self._problem():
            self.notify(t("Cannot launch: {problem}.", problem=problem), severity="warning", timeout=8)
            self._show_verdict()
            return
        spec = self._spec()
        assert spec is not None
        site, flavor = spec.site, spec.flavor
        if self._attempt is None or self._attempt[0] != spec:  # the same request again keeps its key
            self._attempt = (spec, str(uuid.uuid4()))
        key = self._attempt[1]
        self.in_flight = True
        self.refusal = ""
        button = self.query_one("#launch", Button)
        button.disabled, button.label = True, _("Launching…")
        defaults = self.app.state.launch
        defaults.group, defaults.site, defaults.flavor = spec.group, site, flavor
        self.app.save_state()
        self.app.act(titles.launching(spec.name), lambda actions: _send(actions, spec, key),
                     resync={"portal.deployments", "portal.status", "site"}, done=self._sent)

    def _sent(self, result: Deployment | SourceError) -> None:
        self.in_flight = False
        if isinstance(result, Deployment):
            self.app.notify(t("{name} is {state} on {site}.", name=result.name, state=_(result.state.value),
                              site=site_name(self.names, result.site)), timeout=5)
            if self.is_attached:
                self.deployment = result
                self._start_following()
            return
        refused(self, result.message, self._show_verdict)

    # -- following the deployment -------------------------------------------------------------

    def _start_following(self) -> None:
        self.query_one("#form").display = False
        self.query_one("#progress").display = True
        self.query_one("#progress").focus()
        self._poll = self.set_interval(POLL_SECONDS, self._ask_refresh)
        self.set_interval(delay(AGE_SECONDS), self._show_age)  # ages count up, after Ready too
        self._follow()

    def _ask_refresh(self) -> None:
        self.app.request_refresh({"portal.deployments", "site"})

    def _follow(self) -> None:
        assert self.deployment is not None
        dep = catalogue.deployment(self.app.cache, self.deployment.id) or self.deployment
        self.deployment = dep
        if (dep.state is S.READY or dep.state.is_final) and self._poll is not None:
            self._poll.stop()
            self._poll = None
        self.query_one("#steps", Static).update(self._steps(dep))
        self._show_age()
        self.query_one("#access", Static).update(self._access(dep))
        self.refresh_bindings()

    def _steps(self, dep: Deployment) -> Text:
        about = t("{appliance} on {site} · {flavor} · group {group}", appliance=dep.appliance_name,
                  site=site_detail(self.names, dep.site),
                  flavor=dep.flavor, group=dep.group_id)
        text = Text.assemble((dep.name, "bold"), f" · {about}\n\n")
        if dep.state in STEPS:
            reached = STEPS.index(dep.state)
        else:  # ended after Ready (all steps done), or stopped we do not know where (none shown done)
            reached = -1 if dep.state in (S.ABORTED, S.CANCELLED) else len(STEPS)
        for i, step in enumerate(STEPS):
            if i < reached or dep.state is S.READY and i == reached:
                text.append(f"  ✓ {_(step.value)}\n", style=style("ok"))
            elif i == reached:
                text.append(f"  ▶ {_(step.value)}\n", style=style("strong-info", "reverse"))
            else:
                text.append(f"  · {_(step.value)}\n", style="dim")
        if dep.state is S.ABORTED:
            reason = dep.reason or _("no reason given")
            text.append("  ✗ " + t("Aborted: {reason}", reason=reason) + "\n", style=style("strong-error"))
        elif dep.state.is_final or dep.state is S.FINALIZING:
            text.append(f"  ■ {_(dep.state.value)}\n", style=style("warning"))
        return text

    def _show_age(self) -> None:
        """How long the deployment took (or is taking) and how old its last change is, at the app's time."""
        dep, now = self.deployment, self.app.now()
        if dep is None:
            return
        took = _("Ready after") if dep.state is S.READY else _("Ended after") if dep.state.is_final else _("Elapsed")
        self.query_one("#age", Static).update(Text(
            f"{took} {_elapsed(dep, now)} · " + t("last change {age} ago", age=age(dep.updated, now)), style="dim"))

    def _access(self, dep: Deployment) -> Table | Text:
        if dep.state is not S.READY:
            return Text(_("Access details appear when the deployment is Ready. Esc goes back; it keeps running."),
                        style="italic dim")
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold")
        grid.add_column()
        ssh = VmDetail(dep, None, None)
        if ssh.ssh_command:
            grid.add_row("SSH", Text.assemble((ssh.ssh_command, style("strong-ok")), ("   " + _("c copies it"), "dim")))
        elif ssh.no_ssh_reason:
            grid.add_row("SSH", Text(ssh.no_ssh_reason, style=style("warning")))
        for link in dep.access:
            if link.kind != "ssh":
                grid.add_row(Text("Web" if link.kind == "https" else link.kind.upper()), Text(link.url))
        hidden = any(p.secret for p in dep.parameters) and self.revealed is None
        for p in dep.parameters if self.revealed is None else self.revealed:
            grid.add_row(Text(p.name), Text(secret_text(p.value, secret=p.secret, reveal=self.revealed is not None)))
        if hidden:
            grid.add_row("", Text(_("v reveals the secrets"), style="dim"))
        return grid

    def action_reveal(self) -> None:
        """Show the passwords and tokens, fetched from the portal (the cache keeps none); again: hide them."""
        dep = self.deployment
        if dep is None:
            return
        if self.revealed is not None:
            self._reveal(None)
            return
        self.app.fetch(t("Fetching the secrets of {name} from the portal", name=dep.name),
                       lambda actions: actions.with_secrets([dep.id]), done=self._fetched)

    def _fetched(self, outcomes: list[Outcome]) -> None:
        from biosphere_tui.actions import why_no_secret

        if not outcomes[0].ok:
            self.notify(why_no_secret(outcomes[0].value), severity="error", timeout=10)
        elif self.is_attached:
            self._reveal(outcomes[0].value.parameters)

    def _reveal(self, secrets: tuple[Parameter, ...] | None) -> None:
        self.revealed = secrets
        if self.deployment is not None:
            self.query_one("#access", Static).update(self._access(self.deployment))

    def action_copy_ssh(self) -> None:
        vm = VmDetail(self.deployment, None, None) if self.deployment else None
        if vm is None or vm.ssh_command is None:
            self.notify(vm and vm.no_ssh_reason or _("This deployment has no SSH access."), severity="warning")
            return
        self.app.copy_to_clipboard(vm.ssh_command)
        self.notify(t("Copied: {text}", text=vm.ssh_command), timeout=3)

    def on_unmount(self) -> None:
        if self._poll is not None:
            self._poll.stop()

    def palette_commands(self) -> Iterable[SystemCommand]:
        if self.deployment is None:
            yield SystemCommand(_("Launch now"), _("Send the launch form (ctrl+s)"), self.action_launch)
            yield SystemCommand(_("Take the proposal"), _("Move to the site or flavour that fits (p)"),
                                self.action_take_proposal)
            yield SystemCommand(_("Apply the recommendation"), _("Move to the recommended site and flavour (a)"),
                                self.action_apply_advice)
        elif self.deployment.state is S.READY:
            yield SystemCommand(_("Copy the SSH command"), _("To the clipboard (c)"), self.action_copy_ssh)
            yield SystemCommand(_("Reveal or hide secrets"), _("Passwords and tokens (v)"), self.action_reveal)
