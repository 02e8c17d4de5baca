"""Launch a Nova server (OpenStack-only mode): name, site, image, flavour, optional key pair and
network; then the server is followed live until ACTIVE (with its SSH command) or ERROR (with
Nova's fault message)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from biosphere_tui.cache import servers
from biosphere_tui.cache.servers import ImageEntry, ServerDetail
from biosphere_tui.i18n import Phrase, _, t
from biosphere_tui.models.nova import Flavor, ServerRequest, SiteLimits
from biosphere_tui.models.states import exceeds
from biosphere_tui.rules import units
from biosphere_tui.rules.access import server_ssh
from biosphere_tui.rules.naming import name_problem, slug_name
from biosphere_tui.screens.base import LaunchForm
from biosphere_tui.widgets.palette import style
from biosphere_tui.widgets.server_views import status_text

if TYPE_CHECKING:
    from biosphere_tui.actions import Actions
    from biosphere_tui.errors import SourceError


def flavour_problem(flavor: Flavor, image: ImageEntry, limits: SiteLimits | None) -> str:
    """Why this flavour cannot take the image or does not fit the project's limits ("" when it can)."""
    if flavor.ram_mb < image.min_ram_mb or (flavor.disk_gb and flavor.disk_gb < image.min_disk_gb):
        return t("too small for {image} (needs {ram} MB RAM, {disk} GB disk)", image=image.name, ram=image.min_ram_mb,
                 disk=image.min_disk_gb)
    if limits is not None:
        for used, need, most, what in ((limits.used_vcpu, flavor.vcpus, limits.max_vcpu, "vCPU"),
                                       (limits.used_ram_mb, flavor.ram_mb, limits.max_ram_mb, _("MB RAM")),
                                       (limits.used_instances, 1, limits.max_instances, _("instances"))):
            if exceeds(used, need, most):
                return t("over your project's quota: {used}/{most} {what} used, it needs {need}", used=used, most=most,
                         what=what, need=need)
    return ""


async def _send(actions: Actions, spec: ServerRequest) -> str | SourceError:
    """The launch, with Nova's refusal as a value: the form shows it."""
    from biosphere_tui.errors import SourceError

    try:
        return await actions.launch_server(spec)
    except SourceError as exc:
        return exc


class ServerLaunchScreen(LaunchForm):
    CSS_PATH = [Path(__file__).with_name("launch.tcss"), Path(__file__).with_suffix(".tcss")]  # read when first shown
    SOURCES = ("site.",)
    HELP = ("Launch a Nova server from a Glance image: name it, choose the site (those that have the image) and "
            "a flavour (each says whether it fits your project's limits there); a key pair and a network only if "
            "your site needs them. ctrl+s launches; the screen follows the server until ACTIVE or ERROR.")
    BINDINGS = [
        Binding("ctrl+s", "launch", "Launch", priority=True),
        Binding("c", "copy_ssh", "Copy SSH command"),
    ]

    def __init__(self, image_name: str) -> None:
        super().__init__()
        self.image_name = image_name
        self.image: ImageEntry | None = None
        self.in_flight = False
        self.refused_by = ""  # that site
        self.launched: tuple[str, str] | None = None  # (site, server id)
        self.launched_name = ""

    def compose_body(self) -> ComposeResult:
        self.image = next((e for e in servers.images(self.app.cache) if e.name == self.image_name), None)
        sites = self.image.sites if self.image else []
        with Vertical(id="form"):
            yield Static(self._about(), markup=False, id="about")
            with Horizontal(id="fields"):
                yield Label(_("Name") + " ", classes="label")
                yield Input(slug_name(self.image_name), id="name", compact=True)
                yield Label(" " + _("Site") + " ", classes="label")
                yield Select([(Text(s), s) for s in sites], value=sites[0] if sites else Select.NULL,
                             allow_blank=not sites, id="site", compact=True)
            yield Static(markup=False, id="name-hint")
            with Horizontal(id="flavour-row", classes="field-row"):
                yield Label(_("Flavour") + " ", classes="label")
                yield Select([], id="flavor", compact=True)
            with Horizontal(id="extra-row", classes="field-row"):
                yield Label(_("Key pair") + " ", classes="label")
                yield Input(placeholder=_("optional: a key pair of your project"), id="key", compact=True)
                yield Label(" " + _("Network") + " ", classes="label")
                yield Input(placeholder=_("optional: a network id (when there are several)"), id="network",
                            compact=True)
            yield Static(markup=False, id="verdict")
            with Horizontal(id="buttons"):
                yield Button(_("Launch (ctrl+s)"), id="launch", variant="primary", compact=True)
                yield Static("  " + _("esc back · ? help"), markup=False, id="keys")
        with Vertical(id="progress"):
            yield Static(markup=False, id="steps")

    def _about(self) -> Text:
        if self.image is None:
            return Text(t("Image {image} is not listed by any site (any more).", image=self.image_name),
                        style=style("strong-error"))
        i = self.image
        needs = t("needs {ram} MB RAM, {disk} GB disk · on {sites}", ram=i.min_ram_mb, disk=i.min_disk_gb,
                  sites=", ".join(i.sites))
        return Text.assemble(_("Launch a server from") + " ", (i.name, "bold"),
                             f" · {i.os_distro or _('unknown OS')} · {needs}")

    def on_mount(self) -> None:
        super().on_mount()
        self._check()

    # -- the form ------------------------------------------------------------------------------

    @property
    def site(self) -> str:
        value = self.query_one("#site", Select).value
        return value if isinstance(value, str) else ""

    def _value(self, selector: str) -> str:
        return self.query_one(selector, Input).value.strip()

    def reload_body(self) -> None:
        if self.launched is not None:
            self._follow()
            return
        self._flavours()

    def _flavours(self) -> None:
        select = self.query_one("#flavor", Select)
        if self.image is None or not self.site:
            select.set_options([])
            return
        limits = self._limits()
        options, fitting = [], []
        for f in servers.flavors(self.app.cache, self.site):
            problem = flavour_problem(f, self.image, limits)
            label = t("{name} · {vcpu} vCPU · {ram} · {disk} GB disk", name=f.name, vcpu=f.vcpus,
                      ram=units.ram(f.ram_mb), disk=f.disk_gb)
            options.append((Text(f"{label}  ✗ {problem}" if problem else f"{label}  ✓"), f.id))
            fitting += [] if problem else [f.id]
        chosen = select.value
        select.set_options(options)
        if any(value == chosen for _, value in options):
            select.value = chosen
        elif fitting:  # the smallest flavour that fits
            select.value = fitting[0]
        self._check()

    def _limits(self) -> SiteLimits | None:
        """The project's limits on the chosen site, as last read."""
        return servers.sites(self.app.cache, (self.site,))[0].limits

    def _problem(self) -> str:
        if self.image is None:
            return _("this image is not listed by any site")
        if problem := name_problem(self._value("#name")):
            return t("name: {problem}", problem=problem)
        if not self.site:
            return _("choose a site")
        flavor_id = self.query_one("#flavor", Select).value
        flavor = next((f for f in servers.flavors(self.app.cache, self.site) if f.id == flavor_id), None)
        if flavor is None:
            return _("choose a flavour")
        if problem := flavour_problem(flavor, self.image, self._limits()):
            return f"{flavor.name}: {problem}"
        return ""

    def _check(self) -> None:
        problem = name_problem(self._value("#name"))
        self.query_one("#name", Input).set_class(bool(problem), "-invalid")
        self.query_one("#name-hint", Static).update(
            Text(t("Name: {problem}", problem=problem), style=style("error")) if problem
            else Text(_("✓ name"), style=style("ok")))
        whole = self._problem()
        if whole:
            text = Text(t("Not yet: {problem}.", problem=whole), style=style("warning"))
        elif self.refusal:
            text = Text(_("Nothing was created; ctrl+s tries again."), style=style("warning"))
        else:
            text = Text(_("Ready to launch."), style=style("ok"))
        if self.refusal:  # the last try: said until the next one, whatever the refreshes do to the form
            text = Text.assemble(("✗ " + t("Not launched: {site} refused it: {reason}", site=self.refused_by,
                                           reason=self.refusal) + "\n", style("strong-error")), text)
        self.query_one("#verdict", Static).update(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._check()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "site":
            self._flavours()
        else:
            self._check()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "launch":
            return self.launched is None
        if action == "copy_ssh":
            return self.launched is not None
        return True

    # -- sending and following ---------------------------------------------------------------------

    def action_launch(self) -> None:
        if self.in_flight or self.launched is not None:
            return
        if problem := self._problem():
            self.notify(t("Cannot launch: {problem}.", problem=problem), severity="warning", timeout=8)
            return
        assert self.image is not None
        flavor_id = self.query_one("#flavor", Select).value
        spec = ServerRequest(self._value("#name"), self.site, self.image.by_site[self.site].id, str(flavor_id),
                             self._value("#key"), self._value("#network"))
        self.in_flight, self.refusal = True, ""
        button = self.query_one("#launch", Button)
        button.disabled, button.label = True, _("Launching…")
        self.app.act(Phrase.of("Launching {name} on {site}", name=spec.name, site=spec.site),
                     lambda actions: _send(actions, spec),
                     resync={f"site.{spec.site}"}, done=lambda result: self._sent(spec, result))

    def _sent(self, spec: ServerRequest, result: str | SourceError) -> None:
        self.in_flight = False
        if isinstance(result, str):
            self.app.notify(t("{name}: {site} is building it.", name=spec.name, site=spec.site), timeout=5)
            if self.is_attached:
                self.launched, self.launched_name = (spec.site, result), spec.name
                self.query_one("#form").display = False
                self.query_one("#progress").display = True
                self.follow({f"site.{spec.site}"})
                self._follow()
            return
        self.refused_by = spec.site
        self.refused(result.message, self._check)

    @property
    def detail(self) -> ServerDetail | None:
        return servers.detail(self.app.cache, servers.server_key(*self.launched)) if self.launched else None

    def _follow(self) -> None:
        assert self.launched is not None
        site, server_id = self.launched
        detail = self.detail
        text = Text.assemble((self.launched_name, "bold"), " " + t("on {site}", site=site),
                             ("  " + t("(server {id})", id=server_id) + "\n\n", "dim"))
        if detail is None:
            text.append(_("Requested: waiting for the site to list it…"), style="italic")
        else:
            s, ssh = detail.server, server_ssh(detail.server, detail.os_distro)
            text.append(_("Status") + "  ")
            text.append_text(status_text(s.status))
            text.append(f" · {s.flavor} · {detail.image or s.image_id}\n")
            if s.status == "ERROR":
                fault = s.fault or _("no reason given")
                text.append("\n✗ " + t("Nova could not build it: {fault}", fault=fault) + "\n", style=style("strong-error"))
            elif ssh.command:
                text.append(Text.assemble("\nSSH  ", (ssh.command, style("strong-ok")),
                                          ("   " + _("c copies it"), "dim")))
            else:
                text.append(f"\n{ssh.problem} " + _("Esc goes back; it keeps building."), style="italic dim")
            if s.status == "ERROR" or ssh.command:  # nothing more to follow
                self.stop_following()
        self.query_one("#steps", Static).update(text)
        self.refresh_bindings()

    def action_copy_ssh(self) -> None:
        ssh = server_ssh(self.detail.server, self.detail.os_distro) if self.detail else None
        if ssh is None or ssh.command is None:
            reason = ssh.problem if ssh else _("the server is not listed yet.")
            self.notify(t("No SSH command yet: {reason}", reason=reason), severity="warning")
            return
        self.app.copy_to_clipboard(ssh.command)
        self.notify(t("Copied: {text}", text=ssh.command), timeout=3)

