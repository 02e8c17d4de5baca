"""A class launch for trainers: N identical VMs named by a pattern, their progress in one line, and the CSV
handed to the participants (names, addresses, SSH commands, URLs and credentials; written 0600).

Pure logic on plain values and one file write: the class screen and the ``class`` command share it.
"""

from __future__ import annotations

import csv
import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from biosphere_tui.i18n import plural, t
from biosphere_tui.local.private_files import write_private
from biosphere_tui.models.deployments import Deployment
from biosphere_tui.models.states import DeploymentState
from biosphere_tui.rules.naming import name_problem
from biosphere_tui.rules.ssh import ssh_command

MAX_VMS = 200
_SPEC = re.compile(r"0?\d{0,2}d?")
FIELDS = ("name", "site", "flavor", "state", "ip", "ssh", "url", "username", "password", "deployment", "problem")


def names(pattern: str, count: int) -> list[str]:
    """The names ``pattern`` gives for n = 1…count, e.g. ``rnaseq-{n:02}`` → rnaseq-01, rnaseq-02, …

    Raises ValueError with a one-line reason when the pattern or the count is not usable.
    """
    if not 1 <= count <= MAX_VMS:
        raise ValueError(t("the class needs between 1 and {most} VMs (not {n})", most=MAX_VMS, n=count))
    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(pattern) if name is not None]
    except ValueError:
        raise ValueError(t("pattern {pattern}: unbalanced {{ or }}", pattern=repr(pattern))) from None
    if len(fields) != 1 or fields[0][0] != "n" or fields[0][2] or not _SPEC.fullmatch(fields[0][1] or ""):
        raise ValueError(t("pattern {pattern} must hold the number once, as {{n}} or {{n:02}}", pattern=repr(pattern)))
    made = [pattern.format(n=n) for n in range(1, count + 1)]
    for name in (made[0], made[-1]):
        if problem := name_problem(name):
            raise ValueError(t("name {name}: {problem}", name=repr(name), problem=problem))
    if len(set(made)) != len(made):
        raise ValueError(t("pattern {pattern} gives the same name twice", pattern=repr(pattern)))
    return made


def preview(made: Sequence[str]) -> str:
    """First and last names: "rnaseq-01, rnaseq-02 … rnaseq-20 (20 VMs)"."""
    shown = ", ".join(made[:2]) + (f" … {made[-1]}" if len(made) > 2 else "")
    return f"{shown} ({plural(len(made), '{n} VM', '{n} VMs')})"


@dataclass(frozen=True)
class Seat:
    """One participant's VM as the class follows it: launched (``deployment``) or refused (``problem``)."""

    name: str
    site: str
    flavor: str
    deployment: Deployment | None = None
    problem: str = ""

    @property
    def state(self) -> str:
        return self.deployment.state.value if self.deployment else "refused"

    @property
    def failed(self) -> str:
        """Why this VM will not be Ready ("" while it may still be)."""
        if self.problem:
            return self.problem
        dep = self.deployment
        if dep is not None and dep.state.is_final:
            return dep.reason or dep.state.value
        return ""

    @property
    def ready(self) -> bool:
        return self.deployment is not None and self.deployment.state is DeploymentState.READY

    def link(self, kind: str) -> str:
        return next((a.url for a in self.deployment.access if a.kind == kind), "") if self.deployment else ""

    @property
    def ssh(self) -> str:
        """The SSH command, or why the portal's link gives none ("" without SSH access)."""
        ssh = ssh_command(self.link("ssh") or None)
        return ssh.command or ssh.problem or ""

    def parameter(self, secret: bool) -> str:
        """The username (``secret=False``) or the password or token (``secret=True``; "" unless the
        deployment came from the portal: the cache keeps no secret)."""
        if self.deployment is None:
            return ""
        wanted = [p.value for p in self.deployment.parameters if p.secret == secret
                  and (secret or p.name == "username")]
        return wanted[0] or "" if wanted else ""

    @property
    def has_secret(self) -> bool:
        """Whether the VM has a password or token (on the portal)."""
        return self.deployment is not None and any(p.secret for p in self.deployment.parameters)


def progress(seats: Sequence[Seat]) -> str:
    """ "12/20 ready, 1 failed (reason)", the reasons of the failures told once each."""
    ready = sum(s.ready for s in seats)
    failures = [s.failed for s in seats if s.failed]
    text = t("{ready}/{total} ready", ready=ready, total=len(seats))
    if failures:
        reasons = list(dict.fromkeys(failures))
        text += t(", {n} failed ({reasons})", n=len(failures),
                  reasons="; ".join(reasons[:2]) + (" …" if len(reasons) > 2 else ""))
    return text


def done(seats: Sequence[Seat]) -> bool:
    """Nothing more to wait for: every VM Ready or failed."""
    return all(s.ready or s.failed for s in seats)


def write_csv(seats: Iterable[Seat], path: Path) -> int:
    """Write the class to ``path`` (replacing it), readable by its owner only: it holds passwords."""
    count = 0
    with write_private(path, newline="") as handle:
        out = csv.writer(handle)
        out.writerow(FIELDS)
        for s in seats:
            dep = s.deployment
            out.writerow([s.name, s.site, s.flavor, s.state, dep.ip if dep and dep.ip else "", s.ssh,
                          s.link("https"), s.parameter(secret=False), s.parameter(secret=True),
                          dep.id if dep else "", s.failed])
            count += 1
    return count
