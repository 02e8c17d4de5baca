"""A launched deployment followed until it is Ready: the steps it went through (✓ done, ▶ now),
how long it took, and then its access: the SSH command, its links, its parameters with the
secrets masked until revealed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from biosphere_tui.i18n import _, t
from biosphere_tui.models.deployments import Deployment, Parameter
from biosphere_tui.models.states import DeploymentState
from biosphere_tui.rules.access import deployment_ssh
from biosphere_tui.rules.delays import delay
from biosphere_tui.rules.freshness import age
from biosphere_tui.rules.privacy import secret_text
from biosphere_tui.rules.site_names import site_detail
from biosphere_tui.widgets.palette import style

S = DeploymentState
STEPS = (S.INITIALIZING, S.PROVISIONING, S.EXECUTING, S.SENDING_REPORTS, S.READY)
AGE_SECONDS = 1.0  # the deployment's age is repainted this often


def elapsed(dep: Deployment, now: datetime) -> str:
    """How long the deployment took to be Ready (or to end), or has been running so far."""
    end = dep.updated if dep.state is S.READY or dep.state.is_final else now
    seconds = max(int((end - dep.created).total_seconds()), 0)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def steps(dep: Deployment, names: dict[str, str]) -> Text:
    about = t("{appliance} on {site} · {flavor} · group {group}", appliance=dep.appliance_name,
              site=site_detail(names, dep.site), flavor=dep.flavor, group=dep.group_id)
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


def access(dep: Deployment, revealed: tuple[Parameter, ...] | None) -> Table | Text:
    """The access of a Ready deployment; ``revealed``: its secrets fetched from the portal, if they were."""
    if dep.state is not S.READY:
        return Text(_("Access details appear when the deployment is Ready. Esc goes back; it keeps running."),
                    style="italic dim")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    ssh = deployment_ssh(dep, dep.ip)
    if ssh.command:
        grid.add_row("SSH", Text.assemble((ssh.command, style("strong-ok")), ("   " + _("c copies it"), "dim")))
    elif ssh.problem:
        grid.add_row("SSH", Text(ssh.problem, style=style("warning")))
    for link in dep.access:
        if link.kind != "ssh":
            grid.add_row(Text("Web" if link.kind == "https" else link.kind.upper()), Text(link.url))
    hidden = any(p.secret for p in dep.parameters) and revealed is None
    for p in dep.parameters if revealed is None else revealed:
        grid.add_row(Text(p.name), Text(secret_text(p.value, secret=p.secret, reveal=revealed is not None)))
    if hidden:
        grid.add_row("", Text(_("v reveals the secrets"), style="dim"))
    return grid


class DeploymentProgress(VerticalScroll):
    """The steps, the age and the access of one deployment; `show` it again after each refresh."""

    def __init__(self, now: Callable[[], datetime], **kwargs: Any) -> None:
        """``now``: the app's time."""
        super().__init__(**kwargs)
        self.now = now
        self.deployment: Deployment | None = None
        self.names: dict[str, str] = {}  # site id -> display name
        self.revealed: tuple[Parameter, ...] | None = None  # the secrets fetched from the portal (memory only)

    def compose(self) -> ComposeResult:
        yield Static(markup=False, id="steps")
        yield Static(markup=False, id="age")
        yield Static(markup=False, id="access")

    def start(self) -> None:
        """Shown from now on: its age counts up, after Ready too."""
        self.display = True
        self.focus()
        self.set_interval(delay(AGE_SECONDS), self.show_age)

    def show(self, dep: Deployment, names: dict[str, str]) -> None:
        self.deployment, self.names = dep, names
        self.query_one("#steps", Static).update(steps(dep, names))
        self.show_age()
        self.show_access()

    def reveal(self, secrets: tuple[Parameter, ...] | None) -> None:
        self.revealed = secrets
        self.show_access()

    def show_access(self) -> None:
        if self.deployment is not None:
            self.query_one("#access", Static).update(access(self.deployment, self.revealed))

    def show_age(self) -> None:
        """How long the deployment took (or is taking) and how old its last change is, at the app's time."""
        dep, now = self.deployment, self.now()
        if dep is None:
            return
        took = _("Ready after") if dep.state is S.READY else _("Ended after") if dep.state.is_final else _("Elapsed")
        self.query_one("#age", Static).update(Text(
            f"{took} {elapsed(dep, now)} · " + t("last change {age} ago", age=age(dep.updated, now)), style="dim"))
