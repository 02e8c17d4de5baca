"""One refresh: every source at once, each with its own timeout, each written on its own.

A failing source never blocks, slows or erases the others: its error and the time of its
last success are recorded, and its last good rows stay in the cache. While it keeps failing
it is not asked again before its backoff (see ``backoff``) is over, unless the refresh is
forced (the user asked for it); it is then reported with ``kind="backoff"``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from biosphere_tui import errors
from biosphere_tui.api import limits
from biosphere_tui.api.openstack import SiteClient
from biosphere_tui.api.portal import NotModified, PortalClient, request_key
from biosphere_tui.cache import reader
from biosphere_tui.cache.db import connect
from biosphere_tui.cache.writer import CacheWriter
from biosphere_tui.config import Config
from biosphere_tui.models.cursors import ListCursor, ServersCursor
from biosphere_tui.models.deployments import Deployment, UsageDay
from biosphere_tui.models.groups import Group
from biosphere_tui.models.membership import Member, MembershipRequest
from biosphere_tui.models.nova import Server
from biosphere_tui.models.sources import Freshness
from biosphere_tui.models.states import Role
from biosphere_tui.rules import backoff

log = logging.getLogger(__name__)
T = TypeVar("T")
Job = Callable[[limits.Progress], Awaitable[int]]  # one source's refresh, marking its progress; its row count
USAGE_DAYS = 90
FULL_PASS_EVERY = 10
"""A site's servers are read in full at the first refresh and every this many after (or when the
last full read is older than this many refresh intervals: a cache another process or an earlier
run left); in between, only those changed since the cursor the cache keeps (Nova's
``changes-since``), which may miss a change Nova dated before it committed it, or a deletion Nova
has purged since: the full pass catches them. The portal's deployments and membership requests are
read the same way (its ``since``), the full pass catching those the user no longer sees (a group they
no longer administer) or that the portal dropped."""
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

    def __init__(self, config: Config, cache_path: Path, *, now: Callable[[], datetime] = utcnow,
                 pace: Callable[[], None] = limits.unpaced) -> None:
        """``pace`` is called between two items parsed or rows written (the app's waits while a key is
        answered: ``local/foreground.py``)."""
        self.config = config
        self.cache_path = cache_path
        self.now = now
        self.pace = pace
        os_cfg = config.openstack
        self.sites = {name: SiteClient(name, os_cfg.clouds_yaml, timeout=os_cfg.timeout, pace=pace)
                      for name in os_cfg.sites}
        self._running: dict[asyncio.Task[list[SourceResult]], asyncio.AbstractEventLoop] = {}

    @property
    def sources(self) -> list[str]:
        portal = list(PORTAL_SOURCES) if self.config.portal else []
        return portal + [f"site.{name}" for name in self.sites]

    def prepare(self) -> None:
        """Build each site's connection now, before any reply is parsed (``SiteClient.prepare``)."""
        for client in self.sites.values():
            client.prepare()

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
        writer = CacheWriter(connect(self.cache_path), self.pace)
        try:
            known = {row.source: row for row in reader.freshness(writer.db)}
            jobs: dict[str, Job] = {}
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

    async def _run(self, source: str, job: Job, writer: CacheWriter, before: Freshness | None) -> SourceResult:
        progress = self._progress(source)
        log.debug("%s: asking (cut after %g s without a complete reply, %g s in all)", source, progress.deadline,
                  progress.cap)
        started = time.perf_counter()
        try:
            rows = await _progressing(job(progress), progress, source)
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

    def _progress(self, source: str) -> limits.Progress:
        """A source is cut after a deadline without a complete reply (a few per-read timeouts:
        retries), or after its cap however steadily its pages come; never for its length."""
        settings = self.config.openstack if source.startswith("site.") else self.config.portal
        assert settings is not None
        return limits.Progress(limits.deadline(settings.timeout))

    # -- portal --------------------------------------------------------------------------------

    def _portal_client(self) -> PortalClient | errors.ConfigError | None:
        settings = self.config.portal
        if settings is None:
            return None
        try:  # the token goes straight into the client: no local of this frame holds it
            return PortalClient(settings.url, settings.token.read(), timeout=settings.timeout,
                                verify=settings.verify_tls, pace=self.pace)
        except errors.ConfigError as exc:
            return exc

    def _portal_jobs(
        self, portal: PortalClient, writer: CacheWriter
    ) -> tuple[dict[str, Job], asyncio.Future[list[Group]]]:
        """The portal's sources; those needing the user's groups wait for ``portal.account``."""
        groups_known: asyncio.Future[list[Group]] = asyncio.get_running_loop().create_future()

        async def groups(progress: limits.Progress) -> list[Group]:
            """The user's groups, once ``portal.account`` knows them (waiting for it is no stall)."""
            found = await asyncio.shield(groups_known)
            progress.mark()
            return found

        async def account(progress: limits.Progress) -> int:
            started = time.perf_counter()
            try:
                found, etags, _ = await _read_changed(portal, writer, progress, "portal.account", [
                    lambda c, r: c.me(revalidate=r), lambda c, r: c.groups(revalidate=r),
                    lambda c, r: c.directory(revalidate=r)])
            except BaseException as exc:
                _groups_from_cache(groups_known, writer, exc)
                raise
            if found is None:
                _groups_from_cache(groups_known, writer, None)
                return writer.unchanged("portal.account", time.perf_counter() - started, self.now())
            user, groups, directory = found
            groups_known.set_result(groups)
            with writer.validated("portal.account", etags):
                writer.account_with_directory(user, groups, directory, time.perf_counter() - started, self.now())
            return len(groups)

        def one_read(source: str, read: Read, write: Callable[[list[Any], float, datetime], None]) -> Job:
            """A source the portal sends in one read (a list), written as a whole."""
            async def job(progress: limits.Progress) -> int:
                started = time.perf_counter()
                found, etags, _ = await _read_changed(portal, writer, progress, source, [read])
                if found is None:
                    return writer.unchanged(source, time.perf_counter() - started, self.now())
                (rows,) = found
                with writer.validated(source, etags):
                    write(rows, time.perf_counter() - started, self.now())
                return len(rows)

            return job

        catalogue = one_read("portal.catalogue", lambda c, r: c.catalogue(revalidate=r), writer.catalogue)
        status = one_read("portal.status", lambda c, r: c.system_status(revalidate=r), writer.sites)

        async def deployments(progress: limits.Progress) -> int:
            """Those changed since the cached cursor (merged into the cache), or every one at a full pass."""
            admin_of = [g.id for g in await groups(progress) if g.role is Role.ADMIN]
            started = time.perf_counter()
            scopes: list[tuple[str, str | None]] = [("mine", None), *(("group", gid) for gid in admin_of)]
            got = await self._read_since(portal, writer, progress, "portal.deployments", {  # staged as read
                request_key("monitor/deployments", {"scope": s, **({"group": g} if g else {})}):
                    partial(_deployments_of, s, g, writer.stage_deployments) for s, g in scopes})
            if got.rows is None:
                return writer.unchanged("portal.deployments", time.perf_counter() - started, self.now())
            with writer.validated("portal.deployments", got.etags):
                return writer.deployments(got.rows, time.perf_counter() - started, self.now(), partial=got.partial,
                                          cursor=got.cursor)

        async def members(progress: limits.Progress) -> int:
            """Every member of the groups the user administers (again when one changed), and their membership
            requests as the deployments are read: those changed since the cached cursor, or all at a full pass."""
            admin_of = [g.id for g in await groups(progress) if g.role is Role.ADMIN]
            started = time.perf_counter()
            (people, member_etags, _), asks = await asyncio.gather(
                _read_changed(portal, writer, progress, "portal.members", [partial(_members_of, g) for g in admin_of]),
                self._read_since(portal, writer, progress, "portal.members", {
                    request_key(f"cloudweb_account/groups/{g}/requests", {}): partial(_requests_of, g)
                    for g in admin_of}))
            everyone = None if people is None else [m for part in people for m in part]  # None: as cached
            with writer.validated("portal.members", member_etags | asks.etags):
                return writer.members(admin_of, everyone, asks.rows, time.perf_counter() - started, self.now(),
                                      partial=asks.partial, cursor=asks.cursor)

        async def usage(progress: limits.Progress) -> int:
            group_ids = [g.id for g in await groups(progress)]
            started = time.perf_counter()
            end = self.now().date()
            windows = _usage_windows(writer, group_ids, end)
            found, etags, _ = await _read_changed(portal, writer, progress, "portal.usage", [
                partial(_consumption, g, start, end) for g, start in windows.items()])
            if found is None:
                return writer.unchanged("portal.usage", time.perf_counter() - started, self.now())
            days = [u for part in found for u in part]
            with writer.validated("portal.usage", etags):
                writer.usage(windows, end, days, end - timedelta(days=USAGE_DAYS - 1), time.perf_counter() - started,
                             self.now())
            return len(days)

        return dict(zip(PORTAL_SOURCES, (account, catalogue, status, deployments, members, usage), strict=True)), groups_known

    async def _read_since(self, portal: PortalClient, writer: CacheWriter, progress: limits.Progress, source: str,
                          lists: dict[str, SinceRead]) -> _Lists:
        """The items of ``lists`` (by `request_key`) changed since ``source``'s cached cursor, to merge into
        the cache; or every item, at a full pass: the first, one for other lists (a group more or fewer),
        then every `FULL_PASS_EVERY` (those the user no longer sees leave then)."""
        keys = tuple(lists)
        cursor = reader.portal_cursor(writer.db, source)
        if cursor is not None and cursor.lists == keys and not self._full_pass_due(cursor):
            known = reader.validators(writer.db, source)
            client = portal.with_validators(known, progress)
            found = await asyncio.gather(*(_unless_unchanged(read(client, True, cursor.newest))
                                           for read in lists.values()))
            # a 304: nothing changed in that list since the cursor, which stays where it was
            after = _cursor({key: cursor.newest for key in keys} | client.next_since, keys, cursor.deltas + 1,
                            cursor.full_pass)
            # the whole lists' ETags still name them (a 304 then: nothing changed since), the partial reads' too
            return _Lists([x for part in found if part is not _UNCHANGED for x in part], True, after,
                          {k: v for k, v in known.items() if k in keys} | client.etags)
        whole, etags, next_since = await _read_changed(portal, writer, progress, source,
                                                       [partial(_whole, read) for read in lists.values()])
        if whole is None:  # as cached: the cursor stays, and the next read is a full one again
            return _Lists(None, False, cursor, etags)
        return _Lists([x for part in whole for x in part], False, _cursor(next_since, keys, 0, self.now()), etags)

    # -- OpenStack sites -------------------------------------------------------------------

    def _site_job(self, name: str, client: SiteClient, writer: CacheWriter) -> Job:
        async def job(progress: limits.Progress) -> int:
            if client.busy:
                raise errors.Timeout(name, "the previous request to this site has not answered yet")
            started = time.perf_counter()
            cursor = reader.servers_cursor(writer.db, name)
            since = cursor.newest if cursor is not None and not self._full_pass_due(cursor) else None
            pages = _Pages(writer, asyncio.get_running_loop(), since)
            try:
                snap = await _in_daemon_thread(partial(client.snapshot, since, progress, pages.hand_over), name)
            finally:
                pages.closed = True
            if pages.failure is not None:
                raise pages.failure
            now = self.now()
            after = None if pages.newest is None else ServersCursor(pages.newest, 0, now) if since is None or cursor is None \
                else ServersCursor(pages.newest, cursor.deltas + 1, cursor.full_pass)
            return writer.site(name, snap, time.perf_counter() - started, now, after)

        return job

    def _full_pass_due(self, cursor: ServersCursor | ListCursor) -> bool:
        """Whether a site's servers (the portal's deployments) are read in full this time (see ``FULL_PASS_EVERY``)."""
        return (cursor.deltas + 1 >= FULL_PASS_EVERY
                or self.now() - cursor.full_pass >= timedelta(seconds=FULL_PASS_EVERY * self.config.refresh_interval))


async def _progressing(work: Awaitable[T], progress: limits.Progress, source: str) -> T:
    """What ``work`` gives, unless it makes no progress for its deadline or runs past its cap: then
    it is cancelled and ``progress.overdue`` raised."""
    task = asyncio.ensure_future(work)
    try:
        while (left := progress.left()) > 0:
            done, _ = await asyncio.wait({task}, timeout=left)
            if done:
                return task.result()
        raise progress.overdue(source)
    finally:
        if not task.done():
            task.cancel()
            await asyncio.wait({task})  # its requests end before the portal client is closed


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


class _Pages:
    """A site's servers, staged in the cache (``CacheWriter.stage_servers``) a page at a time as its thread
    parses them: a full pass at scale 200 held every server of every site at once (~20,000 objects), and
    the memory pools they filled stayed with the process. The writer's connection is the loop's: each
    page is handed over to the loop, which stages it before it learns the read is over."""

    def __init__(self, writer: CacheWriter, loop: asyncio.AbstractEventLoop, newest: datetime | None) -> None:
        self.writer = writer
        self.loop = loop
        self.newest = newest  # the latest ``updated`` of the servers read (or the cursor read from)
        self.failure: errors.SourceError | None = None
        self.closed = False  # the read is over, or was given up: a page still coming is not staged

    def hand_over(self, servers: list[Server]) -> None:
        """In the site's thread: ``servers`` to stage."""
        try:
            self.loop.call_soon_threadsafe(self._stage, servers)
        except RuntimeError:  # the refresh is over (the read had been given up): nobody stages them
            pass

    def _stage(self, servers: list[Server]) -> None:
        if self.closed or self.failure is not None:
            return
        try:
            self.writer.stage_servers(servers)
        except errors.SourceError as exc:
            self.failure = exc
            return
        latest = max((s.updated for s in servers), default=None)
        if latest is not None and (self.newest is None or latest > self.newest):
            self.newest = latest


@dataclass(frozen=True)
class _Lists:
    """What `Sync._read_since` read of a source's lists."""

    rows: list[Any] | None  # None: the portal said the whole lists are still those cached
    partial: bool  # only the items changed since the cursor: merged into the cache, the others stay
    cursor: ListCursor | None  # where the next read starts (None: a full read)
    etags: dict[str, str]  # the ETags of the replies the cache then holds


def _cursor(next_since: dict[str, datetime], lists: tuple[str, ...], deltas: int,
            full_pass: datetime) -> ListCursor | None:
    """Where the next read of ``lists`` starts: the earliest ``next_since`` of their replies (None if one
    gave none, an older portal: the next read is a full one)."""
    if not lists or any(key not in next_since for key in lists):
        return None
    return ListCursor(min(next_since[key] for key in lists), deltas, full_pass, lists)


def _usage_windows(writer: CacheWriter, group_ids: list[str], end: date) -> dict[str, date]:
    """From which day to fetch each group's consumption: the record only grows and its past days
    are final, so a group cached before needs only the days from the day before its last fetch
    (the portal's day may lag ours); one never fetched (or too long ago), the whole period."""
    synced = reader.usage_synced_on(writer.db)
    full = end - timedelta(days=USAGE_DAYS - 1)
    return {g: max(full, synced[g] - timedelta(days=1)) if g in synced and synced[g] <= end else full
            for g in group_ids}


Read = Callable[[PortalClient, bool], Awaitable[Any]]  # one read of a source: (client, revalidate) -> what it got
# one read of a list that takes ``since``: (client, revalidate, since: None for the whole list) -> its items
SinceRead = Callable[[PortalClient, bool, datetime | None], Awaitable[list[Any]]]


async def _read_changed(portal: PortalClient, writer: CacheWriter, progress: limits.Progress, source: str,
                        calls: Sequence[Read]) -> tuple[list[Any] | None, dict[str, str], dict[str, datetime]]:
    """What ``calls(client, revalidate)`` read (None when the portal said none changed), each asked
    with the ETag of the reply ``source``'s cached rows came from; the ETags of the replies and the
    lists' ``next_since``. When only some changed, the others are read again in full: a source's rows
    are written as a whole."""
    client = portal.with_validators(reader.validators(writer.db, source), progress)
    found = await asyncio.gather(*(_unless_unchanged(call(client, True)) for call in calls))
    if calls and all(x is _UNCHANGED for x in found):
        return None, client.etags, client.next_since
    again = [i for i, x in enumerate(found) if x is _UNCHANGED]
    for i, value in zip(again, await asyncio.gather(*(calls[i](client, False) for i in again)), strict=True):
        found[i] = value
    return found, client.etags, client.next_since


_UNCHANGED = object()


async def _unless_unchanged(read: Awaitable[T]) -> T | object:
    try:
        return await read
    except NotModified:
        return _UNCHANGED


def _whole(read: SinceRead, client: PortalClient, revalidate: bool) -> Awaitable[list[Any]]:
    return read(client, revalidate, None)


def _deployments_of(scope: str, group_id: str | None, stage: Callable[[list[Deployment]], None], client: PortalClient,
                    revalidate: bool, since: datetime | None) -> Awaitable[list[Deployment]]:
    return client.deployments(scope, group_id, since=since, revalidate=revalidate, each_page=stage)


def _members_of(group_id: str, client: PortalClient, revalidate: bool) -> Awaitable[list[Member]]:
    return client.members(group_id, revalidate=revalidate)


def _requests_of(group_id: str, client: PortalClient, revalidate: bool,
                 since: datetime | None) -> Awaitable[list[MembershipRequest]]:
    return client.requests(group_id, since=since, revalidate=revalidate)


def _consumption(group_id: str, start: date, end: date, client: PortalClient,
                 revalidate: bool) -> Awaitable[list[UsageDay]]:
    return client.consumption(group_id, start, end, revalidate=revalidate)


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
