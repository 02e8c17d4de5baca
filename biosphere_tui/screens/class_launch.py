"""Class launch for trainers: N identical VMs named by a pattern, checked against the group's quota and the
sites' room before anything is sent, followed together in one table, exported to CSV for the participants."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from biosphere_tui.cache import catalogue, reader, vms
from biosphere_tui.cache.reader import site_names
from biosphere_tui.i18n import _, plural, t
from biosphere_tui.models.catalogue import Appliance
from biosphere_tui.models.deployments import DeploymentRequest
from biosphere_tui.rules import classroom, titles
from biosphere_tui.rules.advisor import ClassPlan, class_why, plan_class
from biosphere_tui.rules.classroom import Seat
from biosphere_tui.rules.naming import suggested_name
from biosphere_tui.rules.privacy import SECRET_MASK
from biosphere_tui.rules.site_names import site_name
from biosphere_tui.screens.base import LaunchForm
from biosphere_tui.views.advice import assessment, launch_groups
from biosphere_tui.widgets.appliance_detail import needs
from biosphere_tui.widgets.confirm import ConfirmDialog, ask_export
from biosphere_tui.widgets.line_table import LineTable
from biosphere_tui.widgets.palette import style
from biosphere_tui.widgets.vm_delete import vm_count

if TYPE_CHECKING:
    from biosphere_tui.actions import Actions, Outcome
    from biosphere_tui.errors import SourceError

BEST = ""  # the advisor's choice, in the site and flavour lists
STATE_ROLES = {"Ready": "strong-ok", "refused": "strong-error", "Aborted": "strong-error", "Cancelled": "warning"}


class SeatTable(LineTable):
    COLUMNS = (("name", "name"), ("site", "site"), ("state", "state"), ("ip", "IP"), ("ssh", "SSH", 1),
               ("secret", "password", 2))
    MAX_COLUMN_WIDTH = 100  # a refusal's reason, in the state column, is read whole


def seat_row(seat: Seat, names: Mapping[str, str]) -> tuple[str, Sequence[object]]:
    """A VM of the class; ``names``: each site's display name (``site_names``)."""
    dep = seat.deployment
    state = Text(_(seat.state) if not seat.failed else f"{_(seat.state)}: {seat.failed}",
                 style=style(STATE_ROLES.get(seat.state, "info")))
    secret = SECRET_MASK if seat.has_secret else ""
    return seat.name, (seat.name, site_name(names, seat.site), state, dep.ip if dep and dep.ip else "", seat.ssh, secret)


async def _send(actions: Actions, requests: list[tuple[DeploymentRequest, str]]) -> list[Outcome] | SourceError:
    """Every launch of the class; a refusal of the whole batch (no portal, bad token) as a value: the form shows it."""
    from biosphere_tui.errors import SourceError

    try:
        return await actions.launch_many(requests)
    except SourceError as exc:
        return exc


class ClassLaunchScreen(LaunchForm):
    CSS_PATH = Path(__file__).with_suffix(".tcss")  # read when the screen is first shown
    SOURCES = ("portal.deployments", "portal.status", "portal.account", "site.")
    HELP = ("Class launch: N identical VMs of one appliance for a training. The names come from a pattern "
            "({n} or {n:02} is the number, e.g. rnaseq-{n:02}); the group's quota must hold all N and the sites "
            "their room: with the best site chosen for you they are spread over several sites when one cannot hold "
            "them all. ctrl+s launches after a confirmation; the table follows every VM until it is Ready; "
            "e exports names, addresses, SSH commands, URLs and passwords to a CSV file (readable by you only).")
    BINDINGS = [
        Binding("ctrl+s", "launch", "Launch class", priority=True),
        Binding("e", "export", "Export CSV"),
    ]

    def __init__(self, appliance_id: str) -> None:
        super().__init__()
        self.appliance_id = appliance_id
        self.appliance: Appliance | None = None
        self.plan: ClassPlan | None = None
        self.made: list[str] = []
        self.problem = ""  # why the form cannot be sent as it is
        self.seats: list[Seat] = []
        self.in_flight = False
        self.written: Path | None = None

    # -- layout --------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        db = self.app.cache
        self.appliance = catalogue.appliance(db, self.appliance_id)
        groups = launch_groups(db)
        names = site_names(db)
        sites = sorted({f.site for f in catalogue.flavors(db)}, key=lambda s: site_name(names, s).lower())
        flavors = sorted({f.name for f in catalogue.flavors(db)})
        slug = suggested_name(self.appliance)[:30] if self.appliance else "vm"
        with Vertical(id="form"):
            yield Static(self._about(), markup=False, id="about")
            with Horizontal(classes="fields"):
                yield Label(_("Names") + " ", classes="label")
                yield Input(f"{slug}-{{n:02}}", id="pattern", compact=True)
                yield Label(" " + _("Count") + " ", classes="label")
                yield Input("3", id="count", type="integer", compact=True)
                yield Label(" " + _("Group") + " ", classes="label")
                yield Select([(Text(f"{g.name} ({_(g.kind.value)})"), g.id) for g in groups], id="group", compact=True,
                             value=groups[0].id if groups else Select.NULL, allow_blank=not groups)
            with Horizontal(classes="fields"):
                yield Label(_("Site") + " ", classes="label")
                yield Select([(_("best (spread if needed)"), BEST), *((Text(site_name(names, s)), s) for s in sites)],
                             value=BEST, allow_blank=False, id="site", compact=True)
                yield Label(" " + _("Flavour") + " ", classes="label")
                yield Select([(_("least waste"), BEST), *((Text(f), f) for f in flavors)], value=BEST, allow_blank=False,
                             id="flavor", compact=True)
            yield Static(markup=False, id="names")
            yield Static(markup=False, id="plan")
            with Horizontal(id="buttons"):
                yield Button(_("Launch class (ctrl+s)"), id="launch", variant="primary", compact=True)
                yield Static("  " + _("esc back · ? help"), markup=False, id="keys")
        with Vertical(id="following"):
            yield Static(markup=False, id="progress-line")
            yield SeatTable(id="seats")
            yield Static(markup=False, id="written")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#pattern", Input).focus()

    def _about(self) -> Text:
        if self.appliance is None:
            return Text(t("Appliance {id} is not in the catalogue (any more).", id=self.appliance_id),
                        style=style("strong-error"))
        a = self.appliance
        return Text.assemble(_("Class launch of") + " ", (a.name, "bold"),
                             f" #{a.id} · " + t("needs {needs}", needs=needs(a)))

    def _value(self, widget_id: str) -> str:
        value = self.query_one(f"#{widget_id}", Select).value
        return value if isinstance(value, str) else ""

    # -- the form ------------------------------------------------------------------------------

    def reload_body(self) -> None:
        if self.seats:
            self._follow()
        else:
            self._replan()

    def _replan(self) -> None:
        """Names, quota and room for the form as it is now; says what is wrong, or where they go and why."""
        self.plan, self.made, self.problem = None, [], ""
        names, plan = self.query_one("#names", Static), self.query_one("#plan", Static)
        try:
            self.made = classroom.names(self.query_one("#pattern", Input).value.strip(), self._count())
            names.update(Text.assemble(_("Names:") + " ", (classroom.preview(self.made), "bold"),
                                       ("\n⚠ " + taken if (taken := self._taken()) else "", style("strong-warning"))))
        except ValueError as exc:
            self.problem = str(exc)
            names.update(Text(_("Names:") + f" {exc}", style=style("error")))
        group = next((g for g in launch_groups(self.app.cache) if g.id == self._value("group")), None)
        if self.appliance is None or group is None:
            self.problem = self.problem or (_("choose a group") if self.appliance else _("unknown appliance"))
            plan.update(Text(_("You have no project or training group to launch in.") if group is None else "",
                             style=style("error")))
            return
        found = assessment(self.app.cache, self.appliance, group, now=self.app.now(),
                                        stale_after=self.app.stale_after)
        if not self.made:
            plan.update("")
            return
        self.plan = plan_class(found.matrix, found.signals, found.minimum, found.left, len(self.made),
                               flavor=self._value("flavor"), site=self._value("site"))
        if not self.plan.ok:
            self.problem = self.plan.problem
            plan.update(Text(t("Cannot launch: {problem}", problem=self.plan.problem), style=style("strong-error")))
            return
        left = t("{group} has {vcpu} vCPU, {ram} GB RAM and {storage} GB storage left", group=group.id,
                 vcpu=found.left.vcpu, ram=found.left.ram_gb, storage=found.left.storage_gb)
        plan.update(Text.assemble(_("Plan:") + " ", (class_why(found.matrix, found.signals, self.plan), style("ok")),
                                  f"\n{left}",
                                  (" " + _("(counting your VMs only: the portal checks the whole group)")
                                   if reader.counts_own_vms_only(group) else "", "dim")))

    def _taken(self) -> str:
        """Which of the names live VMs already bear ("" when none): ``delete NAME`` could not choose."""
        taken = sorted({vm.name for vm in vms.live_named(self.app.cache, self.made)})
        shown = ", ".join(taken[:5]) + (" …" if len(taken) > 5 else "")
        return plural(len(taken), "{n} name is already the name of a live VM: {names}",
                      "{n} names are already names of live VMs: {names}", names=shown) if taken else ""

    def _count(self) -> int:
        try:
            return int(self.query_one("#count", Input).value or "0")
        except ValueError:
            return 0

    def on_input_changed(self, event: Input.Changed) -> None:
        if not self.seats:
            self._replan()

    def on_select_changed(self, event: Select.Changed) -> None:
        if not self.seats:
            self._replan()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "launch":
            return not self.seats
        if action == "export":
            return bool(self.seats)
        return True

    # -- sending -------------------------------------------------------------------------------

    def action_launch(self) -> None:
        if self.in_flight or self.seats:
            return
        if self.problem or self.plan is None or not self.plan.ok:
            self.notify(t("Cannot launch the class: {problem}.", problem=self.problem or _("fill in the form")),
                        severity="warning", timeout=8)
            return
        plan, made = self.plan, list(self.made)
        seats = [Seat(name, site, plan.flavor) for name, site in zip(made, plan.sites, strict=True)]
        group = self._value("group")

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._send(seats, group)

        taken, names = self._taken(), site_names(self.app.cache)
        self.app.push_screen(ConfirmDialog(t("Launch {n} × {flavor} for {group}?", n=len(seats), flavor=plan.flavor,
                                             group=group),
                                           [*(["⚠ " + taken] if taken else []),
                                            *(t("{name} on {site}", name=s.name, site=site_name(names, s.site)) for s in seats)],
                                           action="Launch", danger=False),
                             confirmed)

    def _send(self, seats: list[Seat], group: str) -> None:
        assert self.appliance is not None
        requests = [(DeploymentRequest(s.name, self.appliance.id, group, s.site, s.flavor), str(uuid.uuid4()))
                    for s in seats]
        self.in_flight = True
        button = self.query_one("#launch", Button)
        button.disabled, button.label = True, _("Launching…")
        self.app.act(titles.launching_class(len(seats)), lambda actions: _send(actions, requests),
                     resync={"portal.deployments", "portal.status", "site"},
                     done=lambda outcomes: self._launched(seats, outcomes))

    def _launched(self, seats: list[Seat], outcomes: list[Outcome] | SourceError) -> None:
        self.in_flight = False
        if not isinstance(outcomes, list):
            self.app.notify(t("Class launch refused: {reason}", reason=outcomes.message), severity="error", timeout=10)
            if self.is_attached:
                button = self.query_one("#launch", Button)
                button.disabled, button.label = False, _("Launch class (ctrl+s)")
                self.query_one("#plan", Static).update(Text(t("The portal refused: {reason}", reason=outcomes.message),
                                                            style=style("strong-error")))
            return
        by_name = {o.item: o for o in outcomes}
        self.seats = [Seat(s.name, s.site, s.flavor, by_name[s.name].value if by_name[s.name].ok else None,
                           "" if by_name[s.name].ok else by_name[s.name].message) for s in seats]
        refused = sum(bool(s.problem) for s in self.seats)
        refusals = t(", {n} refused", n=refused) if refused else ""
        self.app.notify(t("Class: {n} launched", n=len(seats) - refused) + refusals + ".",
                        severity="warning" if refused else "information", timeout=8)
        if not self.is_attached:
            return
        self.query_one("#form").display = False
        self.query_one("#following").display = True
        self.query_one(SeatTable).focus()
        self.follow({"portal.deployments", "site"})
        self._follow()
        self.refresh_bindings()

    # -- following -----------------------------------------------------------------------------

    def _follow(self) -> None:
        db = self.app.cache
        self.seats = [s if s.deployment is None else
                      Seat(s.name, s.site, s.flavor, catalogue.deployment(db, s.deployment.id) or s.deployment)
                      for s in self.seats]
        if classroom.done(self.seats):
            self.stop_following()
        line = classroom.progress(self.seats)
        shade = style("strong-ok") if all(s.ready for s in self.seats) else "bold"
        self.query_one("#progress-line", Static).update(Text.assemble((line, shade),
                                                                      ("   " + _("e exports the CSV"), "dim")))
        names = site_names(self.app.cache)
        self.query_one(SeatTable).show([seat_row(s, names) for s in self.seats])

    def action_export(self) -> None:
        if not self.seats:
            return
        appliance = suggested_name(self.appliance) if self.appliance else self.appliance_id
        default = f"class-{self.seats[0].name.rsplit('-', 1)[0] or appliance}.csv"

        def write(target: Path) -> None:
            ids = [s.deployment.id for s in self.seats if s.deployment is not None]
            self.app.fetch(_("Fetching the class's passwords from the portal"),
                           lambda actions: actions.with_secrets(ids), done=lambda live: self._export(target, live))

        ready = sum(s.ready for s in self.seats)
        ask_export(self, t("Export the {n} VMs ({ready} ready) with their addresses and passwords to the CSV file:",
                           n=len(self.seats), ready=ready), default, write)

    def _export(self, target: Path, live: list[Outcome]) -> None:
        """Write the CSV from the deployments as the portal has them now (the cache keeps no password);
        nothing is written while the portal is out of reach."""
        from biosphere_tui.actions import OUT_OF_REACH, why_no_secret

        failed = [o for o in live if not o.ok]
        if out := next((o for o in failed if isinstance(o.value, OUT_OF_REACH)), None):
            self.app.notify(t("The CSV was not written: {reason}", reason=why_no_secret(out.value)), severity="error",
                            timeout=10)
            return
        found = {o.item: o.value for o in live if o.ok}
        seats = [replace(s, deployment=found.get(s.deployment.id, s.deployment)) if s.deployment else s
                 for s in self.seats]
        try:
            count = classroom.write_csv(seats, target)
        except OSError as exc:
            self.app.notify(t("The export could not be written to {path} ({error}).", path=target,
                              error=exc.strerror), severity="error")
            return
        self.app.notify(t("{vms} written to {path}", vms=vm_count(count), path=target), title=_("Class exported"),
                        timeout=10)
        if failed:
            self.app.notify(t("{n} passwords could not be fetched: {reason}", n=len(failed),
                              reason=why_no_secret(failed[0].value)), severity="warning", timeout=10)
        if self.is_attached:
            self.written = target
            self.query_one("#written", Static).update(
                Text.assemble(_("CSV written to") + " ", (str(target), "bold"),
                              " " + _("(readable by you only: it holds passwords)")))

    def palette_commands(self) -> Iterable[SystemCommand]:
        if not self.seats:
            yield SystemCommand(_("Launch the class"), _("Send every launch after a confirmation (ctrl+s)"),
                                self.action_launch)
        else:
            yield SystemCommand(_("Export the class to CSV"), _("Names, addresses, SSH, URLs, passwords (e)"),
                                self.action_export)
