"""``biosphere-tui class APPLIANCE --count N --pattern P --group G``: launch N identical VMs for a training.

Checked before anything is sent: the names, the group's quota for all N, the sites' room (spread over
several sites when no site holds them all, unless ``--site`` pins one). With ``--wait`` the VMs are
followed until each is Ready or failed; ``--csv`` writes names, addresses and credentials (mode 0600).
Exit 0 when every VM was launched (and, with ``--wait``, is Ready), 1 when the class was refused or a VM
failed, 2 for bad input, 3 for an unknown appliance.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from biosphere_tui import classroom
from biosphere_tui.advisor import class_why, plan_class
from biosphere_tui.api.errors import SourceError
from biosphere_tui.cache.advice import assessment
from biosphere_tui.classroom import Seat
from biosphere_tui.config import Config
from biosphere_tui.headless import EXIT_USAGE, Refused, find_appliance, find_group, fresh_cache
from biosphere_tui.models import DeploymentRequest

POLL_SECONDS = 10.0
_sleep = time.sleep  # the tests advance the demo clock instead


def add_parser(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("class", parents=parents,
                                   help="launch N identical VMs for a training, follow them, export them to CSV")
    parser.add_argument("appliance", metavar="APPLIANCE", help="appliance id or name (as in the catalogue)")
    parser.add_argument("--count", "-n", type=int, required=True, metavar="N", help="how many VMs")
    parser.add_argument("--pattern", "-p", required=True, metavar="P", help="their names, e.g. 'rnaseq-{n:02}'")
    parser.add_argument("--group", "-g", required=True, metavar="G", help="the (training) group whose quota they use")
    parser.add_argument("--site", "-s", default="", metavar="S", help="only this site (default: the advisor's choice)")
    parser.add_argument("--flavour", "--flavor", dest="flavor", default="", metavar="F",
                        help="flavour (default: the least wasteful that fits them all)")
    parser.add_argument("--csv", type=Path, metavar="FILE", help="write names, addresses and credentials here (0600)")
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    parser.add_argument("--wait", action="store_true", help="follow the VMs until each is Ready or failed")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="MIN", help="with --wait: give up after (default 30)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, config: Config) -> int:
    try:
        return _run(args, config)
    except Refused as exc:
        print(f"biosphere-tui: {exc.message}", file=sys.stderr)
        return exc.code


def _run(args: argparse.Namespace, config: Config) -> int:
    try:
        made = classroom.names(args.pattern, args.count)
    except ValueError as exc:
        raise Refused(str(exc)) from None
    db = fresh_cache(config)
    try:
        found = assessment(db, find_appliance(db, args.appliance), find_group(db, args.group),
                           now=datetime.now(timezone.utc), stale_after=config.refresh_interval * 3)
    finally:
        db.close()
    plan = plan_class(found.matrix, found.signals, found.minimum, found.left, len(made), flavor=args.flavor,
                      site=args.site)
    if not plan.ok:
        raise Refused(f"cannot launch the class: {plan.problem}. Nothing was launched.", 1)
    app = found.appliance
    print(f"{app.name} #{app.id} for {found.group.id}: {classroom.preview(made)}")
    print(f"Plan: {class_why(found.matrix, found.signals, plan)}")
    if not args.yes and not _confirmed(len(made)):
        return EXIT_USAGE
    seats = [Seat(name, site, plan.flavor) for name, site in zip(made, plan.sites, strict=True)]
    seats = _launch(config, app.id, found.group.id, seats)
    for seat in seats:
        print(f"{'FAIL' if seat.failed else 'ok  '} {seat.name:<{max(map(len, made))}}  {seat.site}  "
              f"{seat.failed or seat.state}")
    if args.wait:
        seats = _follow(config, seats, args.timeout * 60)
    else:
        print(classroom.progress(seats))
    if args.csv is not None:
        try:
            count = classroom.write_csv(seats, args.csv)
        except OSError as exc:
            print(f"biosphere-tui: the CSV could not be written to {args.csv} ({exc.strerror})", file=sys.stderr)
            return 1
        print(f"{count} VMs written to {args.csv.resolve()} (mode 0600: it holds their passwords)")
    failed = any(s.failed for s in seats) or (args.wait and not all(s.ready for s in seats))
    return 1 if failed else 0


def _confirmed(count: int) -> bool:
    if not sys.stdin.isatty():
        print("biosphere-tui: add --yes to launch without a terminal to confirm in", file=sys.stderr)
        return False
    return input(f"Launch these {count} VMs? [y/N] ").strip().lower() in ("y", "yes")


def _launch(config: Config, appliance: str, group: str, seats: list[Seat]) -> list[Seat]:
    """Send every launch at once; each VM's refusal is its own."""
    from biosphere_tui.actions import Actions

    requests = [(DeploymentRequest(s.name, appliance, group, s.site, s.flavor), str(uuid.uuid4())) for s in seats]
    try:
        outcomes = asyncio.run(Actions(config).launch_many(requests))
    except SourceError as exc:
        raise Refused(f"the class could not be launched: {exc.message}", 1) from None
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
        _sleep(POLL_SECONDS)
        waited += POLL_SECONDS
        seats = asyncio.run(all_of())
        if (line := classroom.progress(seats)) != said:
            print(line, flush=True)
            said = line
    if not classroom.done(seats):
        print(f"Stopped waiting after {timeout / 60:g} min; the VMs keep going.")
    return seats
