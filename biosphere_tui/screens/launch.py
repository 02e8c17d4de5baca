"""Launch an appliance: name, group, then a site × flavour matrix that says what fits and why not;
once sent, the deployment is followed live until it is Ready, with its access."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from biosphere_tui.cache import catalogue, reader, vms
from biosphere_tui.cache.db import Reader
from biosphere_tui.cache.reader import site_names
from biosphere_tui.i18n import _, t
from biosphere_tui.models.catalogue import Appliance
from biosphere_tui.models.deployments import Deployment, DeploymentRequest
from biosphere_tui.models.groups import Group
from biosphere_tui.models.states import DeploymentState, GroupKind
from biosphere_tui.rules import titles
from biosphere_tui.rules.access import deployment_ssh
from biosphere_tui.rules.advisor import Advice, recommend
from biosphere_tui.rules.fit import Fit, Matrix, Minimum, assess
from biosphere_tui.rules.naming import duplicate_problem, free_name, name_problem, numbered, suggested_name
from biosphere_tui.rules.site_names import site_detail, site_name
from biosphere_tui.screens.base import LaunchForm
from biosphere_tui.views.advice import signals
from biosphere_tui.widgets.appliance_detail import needs
from biosphere_tui.widgets.confirm import ConfirmDialog
from biosphere_tui.widgets.deployment_progress import DeploymentProgress
from biosphere_tui.widgets.fit_matrix import FitMatrix, cell, site_label
from biosphere_tui.widgets.palette import style

if TYPE_CHECKING:
    from biosphere_tui.actions import Actions, Outcome
    from biosphere_tui.errors import SourceError

S = DeploymentState
FOLLOWED = {"portal.deployments", "site"}  # what a followed deployment's refresh reads


async def _send(actions: Actions, spec: DeploymentRequest, key: str) -> Deployment | SourceError:
    """The launch, with the portal's refusal as a value: the form shows it."""
    from biosphere_tui.errors import SourceError

    try:
        return await actions.launch(spec, key)
    except SourceError as exc:
        return exc


def unused_name(db: Reader, base: str) -> str:
    """``base``, or ``base-2``… when a live VM already bears it."""
    return free_name(base, {vm.name for vm in vms.live_named(db, numbered(base))})


class LaunchScreen(LaunchForm):
    CSS_PATH = Path(__file__).with_suffix(".tcss")  # read when the screen is first shown
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
        self._attempt: tuple[DeploymentRequest, str] | None = None  # the request and its idempotency key
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
        yield DeploymentProgress(self.app.now, id="progress")

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
            return Text(t("Appliance {id} is not in the catalogue (any more).", id=self.appliance_id),
                        style=style("strong-error"))
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
            [(r.site, site_label(site_name(self.names, r.site), r.state, r.answers)) for r in rooms],
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
            where = f"{site_name(self.names, self.advice.site)} / {self.advice.flavor}"
            text = Text.assemble(_("Recommended:") + " ", (where, style("strong-ok")),
                                 f" — {self.advice.why}", (" " + _("(a applies it)"), "dim"))
        self.query_one("#advice", Static).update(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "name":
            self._check_name()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.refusal = ""
        self.reload_body()

    def on_line_table_cell_highlighted(self, event: FitMatrix.CellHighlighted) -> None:
        self._show_verdict()

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
        self.refused(result.message, self._show_verdict)

    # -- following the deployment -------------------------------------------------------------

    def _start_following(self) -> None:
        self.query_one("#form").display = False
        self.query_one(DeploymentProgress).start()
        self.follow(FOLLOWED)
        self._follow()

    def _follow(self) -> None:
        assert self.deployment is not None
        dep = catalogue.deployment(self.app.cache, self.deployment.id) or self.deployment
        self.deployment = dep
        if dep.state is S.READY or dep.state.is_final:
            self.stop_following()
        self.query_one(DeploymentProgress).show(dep, self.names)
        self.refresh_bindings()

    def action_reveal(self) -> None:
        """Show the passwords and tokens, fetched from the portal (the cache keeps none); again: hide them."""
        dep = self.deployment
        if dep is None:
            return
        if self.query_one(DeploymentProgress).revealed is not None:
            self.query_one(DeploymentProgress).reveal(None)
            return
        self.app.fetch(t("Fetching the secrets of {name} from the portal", name=dep.name),
                       lambda actions: actions.with_secrets([dep.id]), done=self._fetched)

    def _fetched(self, outcomes: list[Outcome]) -> None:
        from biosphere_tui.actions import why_no_secret

        if not outcomes[0].ok:
            self.notify(why_no_secret(outcomes[0].value), severity="error", timeout=10)
        elif self.is_attached:
            self.query_one(DeploymentProgress).reveal(outcomes[0].value.parameters)

    def action_copy_ssh(self) -> None:
        ssh = deployment_ssh(self.deployment, self.deployment.ip) if self.deployment else None
        if ssh is None or ssh.command is None:
            self.notify(ssh and ssh.problem or _("This deployment has no SSH access."), severity="warning")
            return
        self.app.copy_to_clipboard(ssh.command)
        self.notify(t("Copied: {text}", text=ssh.command), timeout=3)

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
