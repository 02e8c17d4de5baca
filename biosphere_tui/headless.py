"""What the headless launch commands (``advise``, ``class``) share: a cache refreshed for what they read,
the appliance and the group named on the command line."""

from __future__ import annotations

import sys

from sqlite_utils import Database

from biosphere_tui.cache import catalogue
from biosphere_tui.cache.advice import launch_groups
from biosphere_tui.cache.db import CacheUnavailable, connect, open_cache
from biosphere_tui.config import Config
from biosphere_tui.models import Appliance, Group, Role

EXIT_NOTHING_FITS, EXIT_USAGE, EXIT_UNKNOWN = 1, 2, 3
NEEDED = {"portal.account", "portal.catalogue", "portal.status", "portal.deployments", "site"}


class Refused(Exception):
    """Bad input on the command line: a one-line message and an exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message, self.code = message, code


def fresh_cache(config: Config) -> Database:
    """Refresh what launching reads (account, catalogue, status, deployments, sites), then open the cache.
    A source that fails is said on stderr; its last known data is used."""
    from biosphere_tui.sync import Sync

    try:
        open_cache(config.cache_path).db.close()
    except CacheUnavailable as exc:
        raise Refused(str(exc), 1) from None
    runner = Sync(config, config.cache_path)
    try:
        results = runner.refresh_blocking(NEEDED, force=True)
    finally:
        runner.close()
    for r in results:
        if not r.ok:
            print(f"note: {r.source}: {r.error}; using its last known data", file=sys.stderr)
    return connect(config.cache_path)


def find_appliance(db: Database, wanted: str) -> Appliance:
    """By id, else by exact name, else by a word of its name found in one appliance only."""
    if (found := catalogue.appliance(db, wanted)) is not None:
        return found
    every = catalogue.appliances(db)
    exact = [a for a in every if a.name.lower() == wanted.lower()]
    near = exact or [a for a in every if wanted.lower() in a.name.lower()]
    if len(near) == 1:
        return near[0]
    if near:
        names = ", ".join(f"{a.name} (#{a.id})" for a in near[:5])
        raise Refused(f"appliance {wanted!r} is ambiguous: {names}{' …' if len(near) > 5 else ''}", EXIT_UNKNOWN)
    raise Refused(f"no appliance {wanted!r} in the catalogue (give its id or name)", EXIT_UNKNOWN)


def find_group(db: Database, wanted: str, fallback: str = "") -> Group:
    groups = launch_groups(db)
    if not groups:
        raise Refused("you have no project or training group to launch in", 1)
    name = wanted or fallback
    found = next((g for g in groups if g.id == name or g.name == name), None)
    if found is not None:
        return found
    if wanted:
        raise Refused(f"no group {wanted!r} to launch in (yours: {', '.join(g.id for g in groups)})")
    return next((g for g in groups if g.role is Role.ADMIN), groups[0])  # as the app's current group
