"""One refresh: every source at once, each with its own timeout, each written on its own.

A failing source never blocks, slows or erases the others: its error and the time of its
last success are recorded, and its last good rows stay in the cache. While it keeps failing
it is not asked again before its backoff (see ``backoff``) is over, unless the refresh is
forced (the user asked for it); it is then reported with ``kind="backoff"``.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import httpx

from biosphere_tui import errors
from biosphere_tui.api import limits
from biosphere_tui.api.openstack import SiteClient
from biosphere_tui.api.portal import PortalClient
from biosphere_tui.cache import reader
from biosphere_tui.cache.db import connect
from biosphere_tui.cache.writer import CacheWriter
from biosphere_tui.config import Config
from biosphere_tui.models import Freshness, Group, Role
from biosphere_tui.rules import backoff

log = logging.getLogger(__name__)
T = TypeVar("T")
USAGE_DAYS = 90
PORTAL_SOURCES = ("portal.account", "portal.catalogue", "portal.status", "portal.deployments",
                  "portal.members", "portal.usage")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SourceResult:
    source: str
    ok: bool
    seconds: float
    rows: int = 0
    error: str = ""
    kind: str = ""  # the error's kind; "backoff": not asked this time, it failed recently


class Sync:
    """Pulls every configured source into the cache file at ``cache_path``.

    Keep one ``Sync`` for the life of the app: it keeps each site's OpenStack session
    (and token) between refreshes. ``refresh()`` runs in any thread with its own loop.
    """

    def __init__(self, config: Config, cache_path: Path, *, now: Callable[[], datetime] = utcnow) -> None:
        self.config = config
        self.cache_path = cache_path
        self.now = now
        os_cfg = config.openstack
        self.sites = {name: SiteClient(name, os_cfg.clouds_yaml, timeout=os_cfg.timeout) for name in os_cfg.sites}
        self._tls: ssl.SSLContext | None = None
        self._running: dict[asyncio.Task[list[SourceResult]], asyncio.AbstractEventLoop] = {}

    @property
    def sources(self) -> list[str]:
        portal = list(PORTAL_SOURCES) if self.config.portal else []
        return portal + [f"site.{name}" for name in self.sites]

    def close(self) -> None:
        """Stop at once: a refresh still running is cancelled, each site's connection cut."""
        for task, loop in list(self._running.items()):
            try:
                loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:  # its loop has just finished
                pass
        for client in self.sites.values():
            client.close()

    def refresh_blocking(self, only: set[str] | None = None, *, force: bool = False) -> list[SourceResult]:
        return asyncio.run(self.refresh(only, force=force))

    async def refresh(self, only: set[str] | None = None, *, force: bool = False) -> list[SourceResult]:
        """Refresh the sources named in ``only`` (all when None); returns one result each.

        A source still in its backoff is not asked (``kind="backoff"``) unless ``force``.
        """
        task = asyncio.current_task()
        assert task is not None
        self._running[task] = asyncio.get_running_loop()
        try:
            return await self._refresh(only, force)
        finally:
            del self._running[task]

    async def _refresh(self, only: set[str] | None, force: bool) -> list[SourceResult]:
        writer = CacheWriter(connect(self.cache_path))
        try:
            known = {row.source: row for row in reader.freshness(writer.db)}
            jobs: dict[str, Callable[[], Awaitable[int]]] = {}
            portal = self._portal_client()
            refused: list[SourceResult] = []
            if isinstance(portal, errors.ConfigError):  # the sites need no portal token: they go on
                refused = [self._fail(writer, s, "config", str(portal), 0.0, known.get(s), wait=False)
                           for s in PORTAL_SOURCES if _wanted(s, only)]
                portal = None
            if portal is not None:
                portal_jobs, groups_known = self._portal_jobs(portal, writer)
                jobs.update(portal_jobs)
            for name, client in self.sites.items():
                jobs[f"site.{name}"] = self._site_job(name, client, writer)
            wanted = [s for s in jobs if _wanted(s, only)]
            waiting = set() if force else {s for s in wanted if self._backing_off(known.get(s))}
            selected = {s: jobs[s] for s in wanted if s not in waiting}
            if portal is not None and "portal.account" not in selected:
                _groups_from_cache(groups_known, writer, None)
            try:
                done = await asyncio.gather(*(self._run(s, job, writer, known.get(s)) for s, job in selected.items()))
            finally:
                if portal is not None:
                    await portal.aclose()
            ran = dict(zip(selected, done, strict=True))
            return refused + [ran[s] if s in ran else _skipped(known[s]) for s in wanted]
        finally:
            writer.db.close()

    # -- one source --------------------------------------------------------------------------

    async def _run(self, source: str, job: Callable[[], Awaitable[int]], writer: CacheWriter,
                   before: Freshness | None) -> SourceResult:
        timeout = self._timeout(source)
        log.debug("%s: asking (at most %g s)", source, timeout)
        started = time.perf_counter()
        try:
            rows = await asyncio.wait_for(job(), timeout)
        except TimeoutError:
            return self._fail(writer, source, "timeout", f"no complete answer within {timeout:g} s",
                              time.perf_counter() - started, before)
        except errors.SourceError as exc:
            return self._fail(writer, source, exc.kind, exc.message, time.perf_counter() - started, before,
                              retry_after=exc.retry_after)
        except Exception as exc:  # noqa: BLE001 - a bug in one source must not stop the others
            return self._fail(writer, source, "error", f"unexpected failure ({type(exc).__name__})",
                              time.perf_counter() - started, before)
        result = SourceResult(source, True, time.perf_counter() - started, rows)
        log.info("%s refreshed: %d rows in %.2f s", source, rows, result.seconds)
        return result

    def _fail(self, writer: CacheWriter, source: str, kind: str, message: str, seconds: float,
              before: Freshness | None, *, retry_after: float | None = None, wait: bool = True) -> SourceResult:
        """Record the failure; with ``wait`` the source backs off before it is asked again."""
        log.warning("%s failed after %.2f s (%s): %s", source, seconds, kind, message)
        now = self.now()
        failures = (before.failures if before else 0) + 1
        retry = backoff.retry_at(now, failures, retry_after) if wait else None
        writer.record_failure(source, kind, message, seconds, now, retry)
        return SourceResult(source, False, seconds, error=message, kind=kind)

    def _backing_off(self, row: Freshness | None) -> bool:
        return row is not None and row.retry_at is not None and self.now() < row.retry_at

    def _timeout(self, source: str) -> float:
        """A source may take a few timeouts (retries, several pages) but never forever."""
        if source.startswith("site."):
            return limits.deadline(self.config.openstack.timeout)
        assert self.config.portal is not None
        return limits.deadline(self.config.portal.timeout)

    # -- portal --------------------------------------------------------------------------------

    def _portal_client(self) -> PortalClient | errors.ConfigError | None:
        settings = self.config.portal
        if settings is None:
            return None
        if self._tls is None:  # loading the CA bundle costs ~20 ms: once per app, not per refresh
            self._tls = httpx.create_ssl_context(verify=settings.verify_tls)
        try:  # the token goes straight into the client: no local of this frame holds it
            return PortalClient(settings.url, settings.token.read(), timeout=settings.timeout, verify=self._tls)
        except errors.ConfigError as exc:
            return exc

    def _portal_jobs(
        self, portal: PortalClient, writer: CacheWriter
    ) -> tuple[dict[str, Callable[[], Awaitable[int]]], asyncio.Future[list[Group]]]:
        """The portal's sources; those needing the user's groups wait for ``portal.account``."""
        groups_known: asyncio.Future[list[Group]] = asyncio.get_running_loop().create_future()

        async def account() -> int:
            started = time.perf_counter()
            try:
                user, groups, directory = await asyncio.gather(portal.me(), portal.groups(), portal.directory())
            except BaseException as exc:
                _groups_from_cache(groups_known, writer, exc)
                raise
            groups_known.set_result(groups)
            writer.account_with_directory(user, groups, directory, time.perf_counter() - started, self.now())
            return len(groups)

        async def catalogue() -> int:
            started = time.perf_counter()
            apps = await portal.catalogue()
            writer.catalogue(apps, time.perf_counter() - started, self.now())
            return len(apps)

        async def status() -> int:
            started = time.perf_counter()
            sites = await portal.system_status()
            writer.sites(sites, time.perf_counter() - started, self.now())
            return len(sites)

        async def deployments() -> int:
            groups = await asyncio.shield(groups_known)
            started = time.perf_counter()
            lists = await asyncio.gather(
                portal.deployments("mine"),
                *(portal.deployments("group", g.id) for g in groups if g.role is Role.ADMIN),
            )
            unique = {d.id: d for found in lists for d in found}
            writer.deployments(unique.values(), time.perf_counter() - started, self.now())
            return len(unique)

        async def members() -> int:
            admin_of = [g.id for g in await asyncio.shield(groups_known) if g.role is Role.ADMIN]
            started = time.perf_counter()
            found = await asyncio.gather(*(portal.members(g) for g in admin_of), *(portal.requests(g) for g in admin_of))
            people = [m for part in found[: len(admin_of)] for m in part]
            asks = [r for part in found[len(admin_of):] for r in part]
            writer.members(admin_of, people, asks, time.perf_counter() - started, self.now())
            return len(people) + len(asks)

        async def usage() -> int:
            group_ids = [g.id for g in await asyncio.shield(groups_known)]
            started = time.perf_counter()
            end = self.now().date()
            windows = _usage_windows(writer, group_ids, end)
            found = await asyncio.gather(*(portal.consumption(g, start, end) for g, start in windows.items()))
            days = [u for part in found for u in part]
            writer.usage(windows, end, days, end - timedelta(days=USAGE_DAYS - 1), time.perf_counter() - started, self.now())
            return len(days)

        return dict(zip(PORTAL_SOURCES, (account, catalogue, status, deployments, members, usage), strict=True)), groups_known

    # -- OpenStack sites -------------------------------------------------------------------

    def _site_job(self, name: str, client: SiteClient, writer: CacheWriter) -> Callable[[], Awaitable[int]]:
        async def job() -> int:
            if client.busy:
                raise errors.Timeout(name, "the previous request to this site has not answered yet")
            started = time.perf_counter()
            snap = await _in_daemon_thread(client.snapshot, name)
            writer.site(name, snap, time.perf_counter() - started, self.now())
            return len(snap.servers)

        return job


async def _in_daemon_thread(call: Callable[[], T], name: str) -> T:
    """``call()`` in a thread of its own that never holds the process at exit (an executor's
    threads are joined then): a call stuck past the deadline is left behind, not waited for."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, failure: BaseException | None) -> None:
        if done.done():  # the source timed out or the refresh was cancelled meanwhile
            return
        if failure is not None:
            done.set_exception(failure)
        else:
            done.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        result: T | None = None
        failure: BaseException | None = None
        try:
            result = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting loop
            failure = exc
        try:
            loop.call_soon_threadsafe(settle, result, failure)
        except RuntimeError:  # the loop has finished: nobody waits for this any more
            pass

    threading.Thread(target=run, name=f"site-{name}", daemon=True).start()
    return await done


def _usage_windows(writer: CacheWriter, group_ids: list[str], end: date) -> dict[str, date]:
    """From which day to fetch each group's consumption: past days of the daily record are
    final, so a group already cached today only needs yesterday and today again."""
    synced = reader.usage_synced_on(writer.db)
    full = end - timedelta(days=USAGE_DAYS - 1)
    return {g: end - timedelta(days=1) if synced.get(g) == end else full for g in group_ids}


def _skipped(row: Freshness) -> SourceResult:
    """A source left alone during its backoff: its last error stands; not a new failure."""
    assert row.retry_at is not None
    log.info("%s not asked: it failed %d times in a row, next try at %s", row.source, row.failures, row.retry_at)
    message = f"{row.last_error} (not tried again before {row.retry_at:%H:%M:%S} UTC)"
    return SourceResult(row.source, False, 0.0, error=message, kind="backoff")


def _wanted(source: str, only: set[str] | None) -> bool:
    return only is None or source in only or source.split(".", 1)[0] in only


def _groups_from_cache(known: asyncio.Future[list[Group]], writer: CacheWriter, failure: BaseException | None) -> None:
    """Without the portal's word, the groups of the last good refresh; failing that, the failure."""
    cached = reader.groups(writer.db)
    if cached or failure is None:
        known.set_result(cached)
        return
    reason = failure if isinstance(failure, errors.SourceError) else errors.Timeout("portal", "no answer about your groups")
    known.set_exception(errors.SourceError("portal", f"your groups are unknown ({reason.message})"))
    known.add_done_callback(lambda f: f.exception())  # retrieved even if no source waits on it
