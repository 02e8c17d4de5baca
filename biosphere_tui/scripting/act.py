"""``launch``, ``delete``, ``approve``, ``reject``: the app's actions (``actions.py``), with its
checks and confirmations, from a shell. Names are resolved against the cache first: an unknown
or ambiguous one stops everything before anything is sent."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from biosphere_tui.cache import catalogue, people, reader, vms
from biosphere_tui.cache.servers import split_key
from biosphere_tui.errors import SourceError
from biosphere_tui.i18n import Phrase
from biosphere_tui.local import journal
from biosphere_tui.local.folders import journal_file
from biosphere_tui.models.deployments import Deployment, DeploymentRequest
from biosphere_tui.models.membership import MembershipRequest
from biosphere_tui.models.states import DeploymentState, Role
from biosphere_tui.rules import titles
from biosphere_tui.rules.access import deployment_ssh
from biosphere_tui.rules.fit import Minimum, assess
from biosphere_tui.rules.naming import duplicate_problem, free_name, name_problem, numbered, suggested_name
from biosphere_tui.rules.permissions import delete_refusal
from biosphere_tui.rules.privacy import secret_text
from biosphere_tui.scripting import Exit, ScriptError
from biosphere_tui.scripting.session import ACCOUNT, Session, confirm, one, warn

if TYPE_CHECKING:
    from biosphere_tui.actions import Actions, Outcome

T = TypeVar("T")
POLL_SECONDS = 5.0
DEPLOYMENTS = {"portal.deployments", "portal.status", "site"}
PEOPLE = {"portal.members", ACCOUNT}


def pause(seconds: float) -> None:
    """Wait between two looks at a deployment being followed (tests move the demo clock instead)."""
    time.sleep(seconds)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def perform(session: Session, title: Phrase, call: Callable[[Actions], Awaitable[T]], resync: set[str]) -> T:
    """Run the action through the action runner (read-only gate, journal, refresh of ``resync``);
    a failure or a refusal ends the command."""
    from biosphere_tui import action_runner

    started = action_runner.Started.now(session.db, session.now(), title)
    try:
        return action_runner.run(session.config, started, call, resync=resync,
                                 refresh=lambda sources, _answered: session.sync(sources),
                                 journal_to=journal.Journal(journal_file()),
                                 warn=lambda message: warn(f"warning: {message}"))
    except SourceError as exc:
        raise ScriptError(Exit.FAILED, f"{title.english()} failed: {exc.message}") from None


def _report(outcomes: Sequence[Outcome], names: dict[str, str], verb: str) -> int:
    """A line per item: done on stdout, not done (and why) on stderr; exit 1 if any failed."""
    for o in outcomes:
        if o.ok:
            print(f"{verb} {names[o.item]}")
        else:
            warn(f"not {verb} {names[o.item]}: {o.message}")
    return Exit.FAILED if any(not o.ok for o in outcomes) else Exit.OK


# -- delete ---------------------------------------------------------------------------------


def _vm(rows: list[vms.VmRow], wanted: str) -> vms.VmRow:
    by_id = [v for v in rows if wanted in (v.id, v.id.rpartition("/")[2])]  # a Nova server's: site/id or id
    named = by_id or [v for v in rows if v.name == wanted]
    live = [v for v in named if not v.gone]
    if named and not live:
        raise ScriptError(Exit.NOT_FOUND, f"{wanted} is {named[0].state}: there is nothing left to delete; "
                                          "nothing was done")
    return one("VM", wanted, live, lambda v: f"{v.id} on {v.site}, {v.owner}")


def delete(session: Session, args: argparse.Namespace) -> int:
    """The portal's deployments, or in OpenStack-only mode the Nova servers."""
    if session.nova:
        session.ensure({"site"})
    else:
        session.ensure({"portal.deployments", ACCOUNT}, {"site"})
    rows = vms.vms(session.db, vms.VmQuery(), nova=session.nova)
    targets = list({v.id: v for v in (_vm(rows, w) for w in args.targets)}.values())
    if session.nova:  # no owners without the portal: Nova decides
        return _delete_servers(session, targets, args.yes)
    me = reader.me(session.db)
    admin_of = {g.id for g in reader.groups(session.db) if g.role is Role.ADMIN}
    refused = [why.english() for v in targets if (why := delete_refusal(
        v.name, v.owner, v.group_id, me=me.username if me else None, admin_of=admin_of))]
    if refused:
        raise ScriptError(Exit.FAILED, " ".join(refused) + " Nothing was done.")
    print(f"Delete {_plural(len(targets), 'VM')}? " + ("Its server and disk are destroyed." if len(targets) == 1
                                                       else "Their servers and disks are destroyed."))
    for v in targets:
        print(f"  {v.name} — {v.site} — {v.owner} ({v.id})")
    confirm("Delete?", args.yes)
    ids, names = [v.id for v in targets], {v.id: v.name for v in targets}
    outcomes = perform(session, titles.deleting_vms(len(ids)), lambda a: a.delete(ids),
                       DEPLOYMENTS)
    return _report(outcomes, names, "deleted")


def _delete_servers(session: Session, targets: list[vms.VmRow], yes: bool) -> int:
    print(f"Delete {_plural(len(targets), 'server')}? They and their disks are destroyed.")
    for v in targets:
        print(f"  {v.name} — {v.site} ({v.id})")
    confirm("Delete?", yes)
    servers = [split_key(v.id) for v in targets]
    outcomes = perform(session, titles.deleting_servers(len(servers)),
                       lambda a: a.delete_servers(servers),
                       {"site"})
    return _report(outcomes, {v.id: v.name for v in targets}, "deleted")


# -- approve, reject ---------------------------------------------------------------------------


def _request(pending: list[MembershipRequest], wanted: str) -> MembershipRequest:
    key = wanted.lower()
    found = [r for r in pending if r.id == wanted] or [
        r for r in pending if key in (r.username.lower(), r.email.lower(), r.name.lower())]
    return one("pending request", wanted, found, lambda r: f"{r.id} to join {r.group_id}")


def _decide(session: Session, args: argparse.Namespace, *, approve: bool) -> int:
    reason = (args.reason or "").strip() if not approve else ""
    if not approve and not reason:
        raise ScriptError(Exit.USAGE, "a rejection needs a reason (--reason), sent to the person")
    session.ensure({"portal.members", ACCOUNT})
    groups = {g.id: g for g in session.admin_groups(args.group)}
    pending = [r for gid in groups for r in people.requests(session.db, gid)]
    picked = list({r.id: r for r in (_request(pending, w) for w in args.requests)}.values())
    verb = "Approve" if approve else "Reject"
    what = _plural(len(picked), "request")
    if approve:
        ends = sorted({f"{groups[r.group_id].id} on {groups[r.group_id].end_date}" for r in picked})
        print(f"Approve {what}? Their accounts are deactivated when the group ends ({', '.join(ends)}).")
    else:
        print(f"Reject {what} with this reason, sent to {'them' if len(picked) > 1 else 'the person'}: “{reason}”?")
    for r in picked:
        print(f"  {r.name} ({r.username}, {r.email}) → {r.group_id} ({r.id})")
    confirm(f"{verb}?", args.yes)
    by_group: dict[str, list[str]] = {}
    for r in picked:
        by_group.setdefault(r.group_id, []).append(r.id)

    async def call(actions: Actions) -> list[Outcome]:
        done: list[Outcome] = []
        for gid, ids in by_group.items():
            done += await (actions.approve(gid, ids) if approve else actions.reject(gid, ids, reason))
        return done

    title = titles.approving(len(picked)) if approve else titles.rejecting(len(picked))
    outcomes = perform(session, title, call, PEOPLE)
    names = {r.id: f"{r.name} ({r.username}) for {r.group_id}" for r in picked}
    return _report(outcomes, names, "approved" if approve else "rejected")


def approve(session: Session, args: argparse.Namespace) -> int:
    return _decide(session, args, approve=True)


def reject(session: Session, args: argparse.Namespace) -> int:
    return _decide(session, args, approve=False)


# -- launch ---------------------------------------------------------------------------------


def launch(session: Session, args: argparse.Namespace) -> int:
    session.ensure({"portal.catalogue", ACCOUNT})
    session.ensure({"portal.status", "portal.deployments"}, {"site"}, refresh=True)  # room and quota change fast
    db = session.db
    appliance = session.appliance(args.appliance)
    group = session.group(args.group, launch=True)
    sites = reader.sites(db)
    site = one("site", args.site, [s for s in sites if args.site.lower() in (s.id.lower(), s.platform.lower())],
                lambda s: s.id).id
    flavors = catalogue.flavors(db)
    if not any(f.name == args.flavour for f in flavors):
        raise ScriptError(Exit.NOT_FOUND, f"no flavour {args.flavour!r} on any site; nothing was done")
    base = args.name or suggested_name(appliance)
    if problem := name_problem(base):
        raise ScriptError(Exit.USAGE, f"VM name {base!r}: {problem}")
    name = base if args.name else free_name(base, {v.name for v in vms.live_named(db, numbered(base))})
    if (taken := duplicate_problem(name, vms.live_named(db, [name]))) and not args.allow_duplicate:
        raise ScriptError(Exit.FAILED, f"VM name {name!r} is {taken}; nothing was done "
                                       "(--allow-duplicate launches it anyway)")
    matrix = assess(group.quota, reader.quota_use(db, group.id), catalogue.rooms(db), flavors, Minimum.of(appliance))
    fit = matrix.get(site, args.flavour)
    if fit is None or not fit.ok:
        why = f"{matrix.name(site)} does not offer {args.flavour}" if fit is None else fit.reason
        proposal = matrix.proposal(site, args.flavour)
        raise ScriptError(Exit.FAILED, f"cannot launch {args.flavour} on {matrix.name(site)}: {why}"
                                       + (f" ({proposal})" if proposal else ""))
    if fit.warning:
        warn(f"warning: {fit.warning}")
    spec = DeploymentRequest(name, appliance.id, group.id, site, args.flavour)
    key = str(uuid.uuid4())
    dep = perform(session, titles.launching(name), lambda a: a.launch(spec, key), DEPLOYMENTS)
    print(f"launched {dep.name} ({dep.id}): {appliance.name} on {matrix.name(dep.site)}, {dep.flavor}, group {dep.group_id}, "
          f"{dep.state.value}")
    if not args.wait:
        return Exit.OK
    dep = _follow(session, dep, args.timeout * 60)
    session.sync(DEPLOYMENTS)
    if dep.state is not DeploymentState.READY:
        reason = f": {dep.reason}" if dep.reason else ""
        raise ScriptError(Exit.FAILED, f"{dep.name} ended {dep.state.value}{reason}")
    _print_access(dep, args.show_secrets)
    return Exit.OK


def _follow(session: Session, dep: Deployment, timeout: float) -> Deployment:
    """Ask the portal until the deployment is Ready or ended; each new state on stderr."""
    started = time.monotonic()
    seen = dep.state
    while dep.state is not DeploymentState.READY and not dep.state.is_final:
        if time.monotonic() - started > timeout:
            raise ScriptError(Exit.FAILED, f"{dep.name} is still {dep.state.value} after {timeout / 60:g} min; "
                                           "it keeps going (ls vms shows it)")
        pause(POLL_SECONDS)
        dep = _look(session, dep)
        if dep.state is not seen:
            seen = dep.state
            print(f"{dep.name}: {dep.state.value}", file=sys.stderr)
    return dep


def _look(session: Session, dep: Deployment) -> Deployment:
    from biosphere_tui.actions import Actions

    try:
        return asyncio.run(Actions(session.config).deployment(dep.id))
    except SourceError as exc:
        warn(f"warning: could not follow {dep.name}: {exc.message}; trying again")
        return dep


def _print_access(dep: Deployment, show_secrets: bool) -> None:
    """The VM's access: SSH command, web links, parameters (secrets masked unless asked)."""
    ssh = deployment_ssh(dep, dep.ip).command
    if ssh:
        print(f"SSH  {ssh}")
    for link in dep.access:
        if link.kind != "ssh":
            print(f"{'Web' if link.kind == 'https' else link.kind.upper()}  {link.url}")
    for p in dep.parameters:
        print(f"{p.name}  {secret_text(p.value, secret=p.secret, reveal=show_secrets)}")
    if any(p.secret for p in dep.parameters) and not show_secrets:
        print("(secrets masked: --show-secrets shows them)", file=sys.stderr)
