"""Headless commands: ``sync`` and ``doctor``. They print plain lines, never a secret, and
never a control character from a server (a message cannot overwrite the line before)."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable

from biosphere_tui.api.errors import ConfigError, SourceError
from biosphere_tui.cache.db import CacheUnavailable, open_cache
from biosphere_tui.config import Config, default_config_file
from biosphere_tui.scripting.terminal import safe_output

OK, FAIL = "ok  ", "FAIL"


def _safe(command: Callable[[Config], int]) -> Callable[[Config], int]:
    @functools.wraps(command)
    def run(config: Config) -> int:
        with safe_output():
            return command(config)

    return run


@_safe
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
    print(f"{len(results) - failed}/{len(results)} sources refreshed in {time.perf_counter() - started:.2f} s; cache {config.cache_path}")
    return 1 if failed else 0


@_safe
def doctor(config: Config) -> int:
    """What configuration and credentials were found (never their values), and who answers."""
    problems = 0

    def line(ok: bool, what: str, detail: str) -> None:
        nonlocal problems
        problems += not ok
        print(f"{OK if ok else FAIL} {what}: {detail}")

    line(True, "config", str(config.source) if config.source else f"none at {default_config_file()}, using defaults")
    line(True, "cache", str(config.cache_path))
    if config.portal is None:
        print("     portal: not configured (OpenStack-only)")
    else:
        line(True, "portal url", config.portal.url)
        if not config.portal.verify_tls:
            line(False, "portal TLS", "certificate verification is OFF (portal.verify_tls = false)")
        try:
            config.portal.token.read()  # kept in no variable: a crash report shows frames' locals
            line(True, "portal token", f"found in {config.portal.token.describe()}")
            line(*_probe("portal answers", lambda: _portal_me(config)))
        except ConfigError as exc:
            line(False, "portal token", str(exc))
    where = str(config.openstack.clouds_yaml) if config.openstack.clouds_yaml else "openstacksdk's default locations"
    line(bool(config.openstack.sites) or config.portal is not None, "clouds.yaml", f"{where}; sites: {', '.join(config.openstack.sites) or 'none'}")
    if config.openstack.sites:
        from biosphere_tui.api.openstack import SiteClient

        for site in config.openstack.sites:
            client = SiteClient(site, config.openstack.clouds_yaml, timeout=config.openstack.timeout)
            try:
                line(*_probe(f"site {site}", client.check))
            finally:
                client.close()
    try:
        open_cache(config.cache_path).db.close()
    except CacheUnavailable as exc:
        line(False, "cache", str(exc))
    print("all good" if not problems else f"{problems} problem(s) found")
    return 1 if problems else 0


def _portal_me(config: Config) -> str:
    from biosphere_tui.api.portal import PortalClient

    async def ask() -> str:
        assert config.portal is not None
        async with PortalClient(config.portal.url, config.portal.token.read(), timeout=config.portal.timeout,
                                verify=config.portal.verify_tls, attempts=1) as portal:
            return (await portal.me()).username

    return f"signed in as {asyncio.run(ask())}"


def _probe(what: str, call: Callable[[], str]) -> tuple[bool, str, str]:
    started = time.perf_counter()
    try:
        detail = call()
    except SourceError as exc:
        return False, what, exc.message
    return True, what, f"{detail} ({(time.perf_counter() - started) * 1000:.0f} ms)"
