"""What every scripted command shares: the cache, a sync when the data is missing or asked
for, the report of failed and stale sources on stderr, the user's groups, the appliance named,
the confirmation asked."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from biosphere_tui.cache import catalogue, reader
from biosphere_tui.cache.db import CacheUnavailable, connect, open_cache
from biosphere_tui.config import Config
from biosphere_tui.local.folders import state_file
from biosphere_tui.local.state import load_state
from biosphere_tui.models.catalogue import Appliance
from biosphere_tui.models.groups import Group, User
from biosphere_tui.models.sources import Freshness
from biosphere_tui.models.states import GroupKind, Role
from biosphere_tui.rules.freshness import State, age, failing, stale_after, state
from biosphere_tui.scripting import Exit, ScriptError

ACCOUNT = "portal.account"  # the user and their groups: every other portal source relies on it
T = TypeVar("T")


def warn(message: str) -> None:
    print(f"biosphere-tui: {message}", file=sys.stderr)


def confirm(question: str, yes: bool) -> None:
    """Go on only with ``--yes`` or a ``y`` typed on a terminal."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise ScriptError(Exit.NOT_CONFIRMED, "not confirmed: no terminal to ask on (add --yes); nothing was done")
    print(f"{question} [y/N] ", end="", file=sys.stderr, flush=True)
    if sys.stdin.readline().strip().lower() not in ("y", "yes"):
        raise ScriptError(Exit.NOT_CONFIRMED, "not confirmed: nothing was done")


def one(what: str, wanted: str, found: Sequence[T], describe: Callable[[T], str], *, missing: str = "") -> T:
    """The only match, else a clear refusal (``missing`` when there is none) naming the candidates."""
    if len(found) == 1:
        return found[0]
    if not found:
        raise ScriptError(Exit.NOT_FOUND, missing or f"no {what} {wanted!r}; nothing was done")
    shown = "; ".join(describe(f) for f in found[:5]) + (f"; and {len(found) - 5} more" if len(found) > 5 else "")
    raise ScriptError(Exit.NOT_FOUND, f"{wanted!r} matches {len(found)} {what}s ({shown}): give its id; "
                                      "nothing was done")


def covers(source: str, wanted: Iterable[str]) -> bool:
    """``wanted`` names sources (``portal.usage``) or families (``site``)."""
    return any(source == w or source.split(".", 1)[0] == w for w in wanted)


class Session:
    """One command's view of the cache; ``now`` is injectable for tests."""

    def __init__(self, config: Config, *, now: Callable[[], datetime] | None = None) -> None:
        from biosphere_tui.sync import utcnow

        self.config = config
        self.nova = config.openstack_only  # no portal: the VMs are the sites' Nova servers
        self.now = now or utcnow
        try:
            opened = open_cache(config.cache_path)
        except CacheUnavailable as exc:
            raise ScriptError(Exit.UNAVAILABLE, str(exc)) from None
        opened.db.close()
        if opened.notice:
            warn(opened.notice)
        self.config = replace(config, cache_path=opened.path)  # beside the file asked for when that one is newer
        self.db = connect(opened.path)

    def close(self) -> None:
        self.db.close()

    # -- data ------------------------------------------------------------------------------

    def ensure(self, needs: set[str], shows: set[str] = frozenset(), *, refresh: bool = False) -> None:
        """Make sure the sources in ``needs`` have data: sync them (and ``shows``) first when asked
        or when one never had any. Then say on stderr which of them failed or are stale."""
        if refresh or self._missing(needs):
            self.sync(needs | shows | (set() if self.nova else {ACCOUNT}))
        self.report(needs | shows)
        if missing := self._missing(needs):
            raise ScriptError(Exit.UNAVAILABLE, "no data: " + "; ".join(
                f"{source}: {row.last_error if row and row.last_error else 'not configured or never refreshed'}"
                for source, row in missing.items()))

    def _missing(self, needs: set[str]) -> dict[str, Freshness | None]:
        """The sources (or families: ``site``) of ``needs`` that never had data, with a freshness row if any."""
        missing = {}
        for wanted in sorted(needs):
            rows = self._rows([wanted])
            if not any(r.last_success is not None for r in rows):
                missing[wanted] = next((r for r in rows if r.last_error), rows[0] if rows else None)
        return missing

    def needs_portal(self, what: str) -> None:
        """Stop here in OpenStack-only mode: ``what`` is the portal's."""
        if self.nova:
            raise ScriptError(Exit.USAGE, f"{what} needs the portal, and this configuration has none "
                                          "(OpenStack-only mode)")

    def _rows(self, wanted: Iterable[str]) -> list[Freshness]:
        return [r for r in reader.freshness(self.db) if covers(r.source, wanted)]

    def sync(self, sources: set[str]) -> None:
        """Refresh these sources now (a person or a script asked: no backoff)."""
        from biosphere_tui.sync import Sync

        runner = Sync(self.config, self.config.cache_path, now=self.now)
        try:
            runner.refresh_blocking(sources, force=True)
        except Exception as exc:  # noqa: BLE001 - the cache keeps its last data; say so and go on
            warn(f"the refresh failed ({type(exc).__name__}); using the cached data")
        finally:
            runner.close()

    def report(self, sources: set[str]) -> None:
        """One line on stderr per failed source (or family with one error) and per stale one."""
        rows, now = self._rows(sources), self.now()
        for f in failing(rows):
            warn(f"warning: {f.words(now)}")
        limit = stale_after(self.config.refresh_interval)
        for r in rows:
            if state(r, now, limit) is State.STALE:
                warn(f"warning: {r.source}: data {age(r.last_success, now)} old (--refresh to update)")

    # -- who and which group ------------------------------------------------------------------

    def me(self) -> User:
        user = reader.me(self.db)
        if user is None:
            raise ScriptError(Exit.UNAVAILABLE, "who you are is unknown: the portal has not answered yet")
        return user

    def appliance(self, wanted: str) -> Appliance:
        """By id, else by name (any case), else by a part of its name found in one appliance only."""
        apps = catalogue.appliances(self.db)
        key = wanted.lower()
        found = ([a for a in apps if a.id == wanted] or [a for a in apps if a.name.lower() == key]
                 or [a for a in apps if key in a.name.lower()])
        return one("appliance", wanted, found, lambda a: f"{a.id} {a.name}",
                   missing=f"no appliance {wanted!r} in the catalogue (give its id or name)")

    def group(self, name: str | None, *, admin: bool = False, launch: bool = False) -> Group:
        """The group named (id or name, any case), else the app's current group; with ``admin``,
        one the user leads; with ``launch``, one with resources to launch in."""
        groups = reader.groups(self.db)
        if name:
            group = next((g for g in groups if name.lower() in (g.id.lower(), g.name.lower())), None)
            if group is None:
                mine = ", ".join(g.id for g in groups) or "none"
                raise ScriptError(Exit.NOT_FOUND, f"no group {name!r} among yours ({mine})")
        else:
            group = reader.current_group(self.db, load_state(state_file())[0].current_group)
            if group is None:
                raise ScriptError(Exit.NOT_FOUND, "you are in no group yet")
        if admin and group.role is not Role.ADMIN:
            raise ScriptError(Exit.FAILED, f"only the admins of {group.id} may do this; you are one of its members")
        if launch and group.kind is GroupKind.AFFILIATION:
            raise ScriptError(Exit.USAGE, f"{group.id} is an affiliation group, with no resources: "
                                          "choose a project or training group (--group)")
        return group

    def admin_groups(self, name: str | None) -> list[Group]:
        """The group named (which the user must lead), else every group the user leads."""
        if name:
            return [self.group(name, admin=True)]
        led = [g for g in reader.groups(self.db) if g.role is Role.ADMIN]
        if not led:
            raise ScriptError(Exit.NOT_FOUND, "you lead no group: there are no membership requests for you")
        return led
