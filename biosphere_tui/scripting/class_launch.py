"""``biosphere-tui class APPLIANCE --count N --pattern P --group G``: launch N identical VMs for a training.

Checked before anything is sent: the names, the group's quota for all N, the sites' room (spread over
several sites when no site holds them all, unless ``--site`` pins one). With ``--wait`` the VMs are
followed until each is Ready or failed; ``--csv`` writes names, addresses and credentials (mode 0600).
Exit 0 when every VM was launched (and, with ``--wait``, is Ready), 1 when the class was refused or a VM
failed, 2 for bad input, 3 for an unknown appliance or group, 4 when not confirmed.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid

from biosphere_tui.config import Config
from biosphere_tui.errors import SourceError
from biosphere_tui.models.deployments import DeploymentRequest
from biosphere_tui.rules import classroom, titles
from biosphere_tui.rules.advisor import class_why, plan_class
from biosphere_tui.rules.classroom import Seat
from biosphere_tui.scripting import Exit, ScriptError, act
from biosphere_tui.scripting.advise import launch_assessment
from biosphere_tui.scripting.session import Session, confirm

POLL_SECONDS = 10.0


def launch_class(session: Session, args: argparse.Namespace) -> int:
    try:
        made = classroom.names(args.pattern, args.count)
    except ValueError as exc:
        raise ScriptError(Exit.USAGE, str(exc)) from None
    found = launch_assessment(session, args.appliance, args.group)
    plan = plan_class(found.matrix, found.signals, found.minimum, found.left, len(made), flavor=args.flavor,
                      site=args.site)
    if not plan.ok:
        raise ScriptError(Exit.FAILED, f"cannot launch the class: {plan.problem}. Nothing was launched.")
    app = found.appliance
    print(f"{app.name} #{app.id} for {found.group.id}: {classroom.preview(made)}")
    print(f"Plan: {class_why(found.matrix, found.signals, plan)}")
    confirm(f"Launch these {len(made)} VMs?", args.yes)
    seats = [Seat(name, site, plan.flavor) for name, site in zip(made, plan.sites, strict=True)]
    seats = _launch(session, app.id, found.group.id, seats)
    for seat in seats:
        print(f"{'FAIL' if seat.failed else 'ok  '} {seat.name:<{max(map(len, made))}}  {seat.site}  "
              f"{seat.failed or seat.state}")
    if args.wait:
        seats = _follow(session.config, seats, args.timeout * 60)
    else:
        print(classroom.progress(seats))
    if args.csv is not None:
        try:
            count = classroom.write_csv(seats, args.csv)
        except OSError as exc:
            raise ScriptError(Exit.FAILED, f"the CSV could not be written to {args.csv} ({exc.strerror})") from None
        print(f"{count} VMs written to {args.csv.resolve()} (mode 0600: it holds their passwords)")
    failed = any(s.failed for s in seats) or (args.wait and not all(s.ready for s in seats))
    return Exit.FAILED if failed else Exit.OK


def _launch(session: Session, appliance: str, group: str, seats: list[Seat]) -> list[Seat]:
    """Send every launch at once (noted in the journal); each VM's refusal is its own."""
    requests = [(DeploymentRequest(s.name, appliance, group, s.site, s.flavor), str(uuid.uuid4())) for s in seats]
    outcomes = act.perform(session, titles.launching_class(len(seats)), lambda a: a.launch_many(requests),
                           act.DEPLOYMENTS)
    by_name = {o.item: o for o in outcomes}
    return [Seat(s.name, s.site, s.flavor, by_name[s.name].value if by_name[s.name].ok else None,
                 "" if by_name[s.name].ok else by_name[s.name].message) for s in seats]


def _follow(config: Config, seats: list[Seat], timeout: float) -> list[Seat]:
    """Ask the portal for each VM until all are Ready or failed, saying the progress when it moves."""
    from biosphere_tui.actions import Actions

    async def ask(seat: Seat) -> Seat:
        if seat.deployment is None or seat.ready or seat.failed:
            return seat
        try:
            return Seat(seat.name, seat.site, seat.flavor, await Actions(config).deployment(seat.deployment.id))
        except SourceError:
            return seat  # asked again at the next turn

    async def all_of() -> list[Seat]:
        return list(await asyncio.gather(*(ask(s) for s in seats)))

    said, waited = "", 0.0
    while not classroom.done(seats) and waited < timeout:
        act.pause(POLL_SECONDS)
        waited += POLL_SECONDS
        seats = asyncio.run(all_of())
        if (line := classroom.progress(seats)) != said:
            print(line, flush=True)
            said = line
    if not classroom.done(seats):
        print(f"Stopped waiting after {timeout / 60:g} min; the VMs keep going.")
    return seats
