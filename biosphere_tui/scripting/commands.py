"""Headless commands: ``sync``, ``doctor`` and ``token set``. They print plain lines, never a secret,
and never a control character from a server (``scripting.streams.printing`` wraps them)."""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from biosphere_tui.api import limits
from biosphere_tui.cache.db import CacheUnavailable, open_cache
from biosphere_tui.config import Config, default_config_file, store_token
from biosphere_tui.errors import ConfigError, SourceError
from biosphere_tui.local.folders import log_file

if TYPE_CHECKING:
    from biosphere_tui.api.openstack import SiteClient

OK, FAIL = "ok  ", "FAIL"


def sync(config: Config) -> int:
    """One refresh of every source; a line each with status, rows and seconds."""
    from biosphere_tui.sync import Sync

    try:
        opened = open_cache(config.cache_path)
    except CacheUnavailable as exc:
        print(f"{FAIL} cache: {exc}")
        return 1
    if opened.notice:
        print(f"note: {opened.notice}")
    opened.db.close()
    config = replace(config, cache_path=opened.path)  # beside the file asked for when that one is newer
    runner = Sync(config, config.cache_path)
    if not runner.sources:
        print("Nothing to refresh: the configuration names no portal and no OpenStack site (see README).")
        return 1
    started = time.perf_counter()
    try:
        results = runner.refresh_blocking(force=True)  # a person asked: no backoff
    finally:
        runner.close()
    width = max(len(r.source) for r in results)
    for r in sorted(results, key=lambda r: r.source):
        detail = f"{r.rows:>6} rows" if r.ok else r.error
        print(f"{OK if r.ok else FAIL} {r.source:<{width}} {r.seconds:6.2f} s  {detail}")
    failed = sum(not r.ok for r in results)
    took = time.perf_counter() - started
    print(f"{len(results) - failed}/{len(results)} sources refreshed in {took:.2f} s; cache {config.cache_path}")
    return 1 if failed else 0


def doctor(config: Config) -> int:
    """What configuration and credentials were found (never their values), and who answers.

    The portal and every site are asked at once, each in a thread of its own; the command
    ends when they have all answered or at the latest deadline of theirs, whichever first.
    """
    problems = 0

    def line(ok: bool, what: str, detail: str) -> None:
        nonlocal problems
        problems += not ok
        print(f"{OK if ok else FAIL} {what}: {detail}")

    clients = _site_clients(config)
    probes = {f"site {name}": _Probe(client.check) for name, client in clients.items()}
    deadlines = [c.deadline for c in clients.values()]
    line(True, "config", str(config.source) if config.source else f"none at {default_config_file()}, using defaults")
    line(True, "cache", str(config.cache_path))
    line(True, "log", str(log_file()))
    if config.portal is None:
        print("     portal: not configured (OpenStack-only)")
    else:
        line(True, "portal url", config.portal.url)
        if not config.portal.verify_tls:
            line(False, "portal TLS", "certificate verification is OFF (portal.verify_tls = false)")
        try:
            config.portal.token.read()  # kept in no variable: a crash report shows frames' locals
            line(True, "portal token", f"found in {config.portal.token.describe()}")
            probes["portal answers"] = _Probe(lambda: _portal_me(config))
            deadlines.append(limits.deadline(config.portal.timeout))
        except ConfigError as exc:
            line(False, "portal token", str(exc))
    ends = time.monotonic() + max(deadlines, default=0.0) + PROBE_MARGIN
    if "portal answers" in probes:
        line(*probes["portal answers"].outcome("portal answers", ends))
    line(bool(config.openstack.sites) or config.portal is not None, "clouds.yaml", _clouds(config))
    for what, probe in probes.items():
        if what.startswith("site "):
            line(*probe.outcome(what, ends))
    for client in clients.values():
        client.close()  # never waits, even for a site that does not answer
    try:
        open_cache(config.cache_path).db.close()
    except CacheUnavailable as exc:
        line(False, "cache", str(exc))
    print("all good" if not problems else f"{problems} problem(s) found")
    return 1 if problems else 0


def _clouds(config: Config) -> str:
    """Which clouds.yaml is read, the sites, and whether they come from the environment (names only)."""
    os_cfg = config.openstack
    if os_cfg.clouds_yaml is not None:
        ignored = sorted(k for k in os.environ if k.startswith("OS_"))
        where = f"{os_cfg.clouds_yaml}" + (f" (openstack.clouds_yaml is set: {', '.join(ignored)} not read)"
                                           if ignored else "")
    elif os.environ.get("OS_CLIENT_CONFIG_FILE"):
        where = f"{os.environ['OS_CLIENT_CONFIG_FILE']} (OS_CLIENT_CONFIG_FILE)"
    else:
        where = "openstacksdk's default locations"
    sites = ", ".join(os_cfg.sites) or "none"
    if os_cfg.origin in ("OS_CLOUD", "OS_* variables"):
        sites += f" (from {os_cfg.origin})"
    return f"{where}; sites: {sites}"


PROBE_MARGIN = 2.0
"""Seconds a probe may overrun its own deadline before doctor stops waiting for it."""


def _site_clients(config: Config) -> dict[str, SiteClient]:
    if not config.openstack.sites:
        return {}
    from biosphere_tui.api.openstack import SiteClient

    return {site: SiteClient(site, config.openstack.clouds_yaml, timeout=config.openstack.timeout)
            for site in config.openstack.sites}


def _portal_me(config: Config) -> str:
    from biosphere_tui.api.portal import PortalClient

    async def ask() -> str:
        assert config.portal is not None
        async with PortalClient(config.portal.url, config.portal.token.read(), timeout=config.portal.timeout,
                                verify=config.portal.verify_tls, attempts=1) as portal:
            return (await portal.me()).username

    return f"signed in as {asyncio.run(ask())}"


class _Probe:
    """One check run in a daemon thread at once (a check stuck past every deadline never holds
    the process at exit); ``outcome`` waits for it no later than a given time."""

    def __init__(self, call: Callable[[], str]) -> None:
        self._call = call
        self._result: tuple[bool, str] | None = None
        self._started = time.perf_counter()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            detail = self._call()
        except SourceError as exc:
            self._result = False, exc.message
            return
        except Exception as exc:  # noqa: BLE001 - a bug says its name, not a traceback
            self._result = False, f"unexpected failure ({type(exc).__name__})"
            return
        self._result = True, f"{detail} ({(time.perf_counter() - self._started) * 1000:.0f} ms)"

    def outcome(self, what: str, until: float) -> tuple[bool, str, str]:
        self._thread.join(max(until - time.monotonic(), 0.0))
        ok, detail = self._result or (False, "no complete answer in time")
        return ok, what, detail


def token_set(file: Path | None, keyring_account: str | None) -> int:
    """Read the portal token from the terminal (not echoed) or standard input and keep it."""
    if sys.stdin.isatty():
        value = getpass.getpass("Portal token (not shown): ")
    else:
        value = sys.stdin.readline()
    line = store_token(value, file=file, keyring_account=keyring_account)
    where = "the system keyring" if keyring_account is not None else line.split('"')[1] + " (mode 0600)"
    print(f"Token saved in {where}. In config.toml, under [portal]: {line}")
    return 0
