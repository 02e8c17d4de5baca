"""Writes of one refresh: each source replaces its own rows in one transaction.

A source's rows that vanished upstream are deleted; rows of other sources are never
touched. The freshness row of the source is written in the same transaction; its ``version``
goes up only when a row of the source was written or deleted (a row equal to the stored one is
left alone), so a screen can tell that nothing it shows moved.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, fields, is_dataclass
from datetime import UTC, date, datetime
from itertools import chain
from typing import Any, TypeVar

from sqlite_utils import Database

from biosphere_tui.cache.db import CacheWriteFailed, describe, write_transaction
from biosphere_tui.models.catalogue import Appliance
from biosphere_tui.models.cursors import ListCursor, ServersCursor
from biosphere_tui.models.deployments import Deployment, Parameter, UsageDay
from biosphere_tui.models.groups import Group, User
from biosphere_tui.models.membership import GroupSummary, Member, MembershipRequest
from biosphere_tui.models.nova import Server, SiteSnapshot
from biosphere_tui.models.sites import SiteStatus

log = logging.getLogger(__name__)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds")


def _json(value: Any) -> str:
    """Nested domain objects (tools, access links…) as compact JSON."""
    return json.dumps(value, default=_plain, separators=(",", ":"))


def _plain(value: Any) -> Any:
    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else str(value)


def parameters_json(parameters: Iterable[Parameter]) -> str:
    """A deployment's parameters as the cache keeps them: a secret one by its name only, never its value."""
    return _json([{"name": p.name, "secret": True} if p.secret else {"name": p.name, "value": p.value, "secret": False}
                  for p in parameters])


def _on_conflict(table: str, names: Sequence[str], keys: tuple[str, ...]) -> str:
    """The upsert clause of ``table``'s rows of columns ``names``: a row stored under the same ``keys`` is
    updated, unless it is equal (then it is not written, nor counted as a change)."""
    values = [n for n in names if n not in keys]
    update = (f"DO UPDATE SET {', '.join(f'{n} = excluded.{n}' for n in values)} WHERE "
              f"({', '.join(f'{table}.{n}' for n in values)}) IS NOT ({', '.join(f'excluded.{n}' for n in values)})"
              if values else "DO NOTHING")
    return f"ON CONFLICT ({', '.join(keys)}) {update}"


T = TypeVar("T")

SERVER_COLUMNS = ("site", "id", "name", "status", "flavor", "vcpus", "ram_mb", "disk_gb", "image_id", "ip", "created",
                  "updated", "fault", "addresses", "deployment_id", "metadata")
DEPLOYMENT_COLUMNS = tuple(f.name for f in fields(Deployment))
STAGED = {"servers": (SERVER_COLUMNS, ("site", "id")), "deployments": (DEPLOYMENT_COLUMNS, ("id",))}
"""The tables whose rows a refresh writes a page at a time (``CacheWriter.stage_servers``): their columns and keys."""


def _server_row(s: Server) -> tuple[Any, ...]:
    """A server as the ``servers`` table keeps it (``SERVER_COLUMNS``)."""
    return (s.site, s.id, s.name, s.status, s.flavor, s.vcpus, s.ram_mb, s.disk_gb, s.image_id, s.ip, _iso(s.created),
            _iso(s.updated), s.fault, _json(list(s.addresses)), s.metadata.get("biosphere_deployment"), _json(s.metadata))


def _deployment_row(d: Deployment) -> tuple[Any, ...]:
    """A deployment as the ``deployments`` table keeps it (``DEPLOYMENT_COLUMNS``)."""
    row = _row(d)
    row["state"] = d.state.value
    row["created"], row["updated"] = _iso(d.created), _iso(d.updated)
    row["last_activity"] = _iso(d.last_activity) if d.last_activity else None
    row["access"] = _json(row["access"])
    row["parameters"] = parameters_json(d.parameters)
    return tuple(row[c] for c in DEPLOYMENT_COLUMNS)


def _row(obj: Any) -> dict[str, Any]:
    """A dataclass's fields, one level deep (``asdict`` deep-copies: ~10x slower)."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


class CacheWriter:
    """The sync's single writer connection. ``pace`` is called before each row written (it may wait:
    the app's keys come first, ``local/foreground.py``)."""

    def __init__(self, db: Database, pace: Callable[[], None] = lambda: None) -> None:
        self.db = db
        self.pace = pace
        for table, (columns, keys) in STAGED.items():  # see ``stage_servers``
            db.execute(f"CREATE TEMP TABLE IF NOT EXISTS staged_{table} ({', '.join(columns)}, "
                       f"PRIMARY KEY ({', '.join(keys)})) WITHOUT ROWID")

    # -- freshness -----------------------------------------------------------------------

    def record_failure(self, source: str, kind: str, message: str, duration: float, at: datetime,
                       retry_at: datetime | None = None) -> None:
        """Keep the source's rows; note the error, count consecutive failures, and when the
        source may be tried again (None: at the next refresh). A cache that cannot be written
        (read-only, full, busy) is logged: the failure is reported all the same."""
        try:
            self._record_failure(source, kind, message, duration, at, retry_at)
        except CacheWriteFailed as exc:
            log.warning("the failure of %s could not be recorded: %s", source, exc.message)

    def _record_failure(self, source: str, kind: str, message: str, duration: float, at: datetime,
                        retry_at: datetime | None) -> None:
        with write_transaction(self.db):
            self.db.execute(
                """INSERT INTO freshness (source, last_attempt, last_error, error_kind, duration, failures, retry_at)
                   VALUES (?, ?, ?, ?, ?, 1, ?)
                   ON CONFLICT(source) DO UPDATE SET last_attempt = excluded.last_attempt,
                     last_error = excluded.last_error, error_kind = excluded.error_kind,
                     duration = excluded.duration, failures = freshness.failures + 1,
                     retry_at = excluded.retry_at""",
                [source, _iso(at), message, kind, duration, _iso(retry_at) if retry_at else None],
            )
            if source.startswith("site."):
                self.db.table("site_history").upsert(
                    {"site": source.removeprefix("site."), "at": _iso(at), "state": kind, "latency_ms": None},
                    pk=("site", "at"),
                )

    def _success(self, source: str, rows: int, duration: float, at: datetime, changed: int) -> None:
        """``changed``: how many of the source's rows this refresh wrote or deleted (none: same version)."""
        self.db.execute(
            """INSERT INTO freshness (source, last_attempt, last_success, last_error, error_kind, duration, rows,
                                      failures, retry_at, version)
               VALUES (?, ?, ?, NULL, NULL, ?, ?, 0, NULL, 1)
               ON CONFLICT(source) DO UPDATE SET last_attempt = excluded.last_attempt,
                 last_success = excluded.last_success, last_error = NULL, error_kind = NULL,
                 duration = excluded.duration, rows = excluded.rows, failures = 0, retry_at = NULL,
                 version = freshness.version + ?""",
            [source, _iso(at), _iso(at), duration, rows, int(changed > 0)],
        )

    @contextmanager
    def validated(self, source: str, etags: Mapping[str, str]) -> Iterator[None]:
        """One transaction around the writes of ``source``'s rows, recording the ETags of the
        replies they came from (those of earlier replies are dropped)."""
        with write_transaction(self.db):
            yield
            self.db.execute("DELETE FROM validators WHERE source = ?", [source])
            self.db.conn.executemany("INSERT INTO validators VALUES (?, ?, ?)",
                                     [(source, request, etag) for request, etag in etags.items()])

    def unchanged(self, source: str, duration: float, at: datetime) -> int:
        """The portal said ``source``'s rows are still what it would send: they stay, and are fresh.
        Returns how many rows the source has."""
        with write_transaction(self.db):
            self.db.execute(
                """UPDATE freshness SET last_attempt = ?, last_success = ?, last_error = NULL, error_kind = NULL,
                   duration = ?, failures = 0, retry_at = NULL WHERE source = ?""",
                [_iso(at), _iso(at), duration, source],
            )
            row = self.db.execute("SELECT rows FROM freshness WHERE source = ?", [source]).fetchone()
        return int(row[0] or 0) if row else 0

    def _upsert(self, table: str, rows: Iterable[dict[str, Any]], keys: tuple[str, ...],
                kept: list[tuple[Any, ...]] | None = None) -> int:
        """Insert ``rows`` or update those stored under their ``keys``; how many that wrote (a row
        equal to the stored one is not written). Each row is turned into its values as it comes and
        dropped (a full pass of 20,000 deployments never holds them all as dicts, whose peak would
        stay in the process's heap); ``kept`` receives their keys."""
        found = iter(rows)
        first = next(found, None)
        if first is None:
            return 0
        names = list(first)

        def each() -> Iterator[tuple[Any, ...]]:
            for row in chain((first,), found):
                self.pace()
                if kept is not None:
                    kept.append(tuple(row[k] for k in keys))
                yield tuple(row[n] for n in names)

        before = self.db.conn.total_changes
        self.db.conn.executemany(  # plain executemany: sqlite-utils' insert_all costs ~5x more here
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
            f"{_on_conflict(table, names, keys)}",
            each(),
        )
        return self.db.conn.total_changes - before

    def _replace(self, table: str, rows: Iterable[dict[str, Any]], pk: str | tuple[str, ...],
                 scope: str = "1", params: Sequence[Any] = ()) -> int:
        """Upsert ``rows`` (read once, see ``_upsert``) and delete the rows within ``scope`` that are not
        among them; how many rows that wrote or deleted (a row equal to the stored one is not written)."""
        keys = (pk,) if isinstance(pk, str) else pk
        columns = ", ".join(keys)
        conn = self.db.conn
        self.db.execute(f"CREATE TEMP TABLE IF NOT EXISTS keep_{table} ({columns}, PRIMARY KEY ({columns})) WITHOUT ROWID")
        self.db.execute(f"DELETE FROM keep_{table}")
        kept: list[tuple[Any, ...]] = []
        changed = self._upsert(table, rows, keys, kept)
        if kept:
            placeholders = ", ".join("?" * len(keys))
            conn.executemany(f"INSERT OR IGNORE INTO keep_{table} VALUES ({placeholders})", kept)
        match = " AND ".join(f"k.{k} = {table}.{k}" for k in keys)
        deleted = self.db.execute(
            f"DELETE FROM {table} WHERE ({scope}) AND NOT EXISTS (SELECT 1 FROM keep_{table} k WHERE {match})",
            list(params),
        ).rowcount
        return changed + max(deleted, 0)

    # -- one method per source -----------------------------------------------------------

    def account(self, user: User, groups: Iterable[Group], duration: float, at: datetime, changed: int = 0) -> None:
        """``changed``: rows of the source written before (the group directory's)."""
        rows = [
            {"id": g.id, "name": g.name, "full_name": g.full_name, "kind": g.kind.value, "role": g.role.value,
             "quota_vcpu": g.quota.vcpu, "quota_ram_gb": g.quota.ram_gb, "quota_storage_gb": g.quota.storage_gb,
             "start_date": g.start_date.isoformat(), "end_date": g.end_date.isoformat(), "funding": g.funding,
             "used_vcpu": g.used and g.used.vcpu, "used_ram_gb": g.used and g.used.ram_gb,
             "used_storage_gb": g.used and g.used.storage_gb}
            for g in groups
        ]
        with write_transaction(self.db):
            changed += self._replace("me", [_row(user)], "username") + self._replace("groups", rows, "id")
            self._success("portal.account", len(rows), duration, at, changed)

    def catalogue(self, apps: Iterable[Appliance], duration: float, at: datetime) -> None:
        rows = []
        for a in apps:
            row = _row(a)
            for key in ("tools", "topics", "access", "developers"):
                row[key] = _json(row[key])
            rows.append(row)
        with write_transaction(self.db):
            self._success("portal.catalogue", len(rows), duration, at, self._replace("appliances", rows, "id"))

    def sites(self, statuses: Iterable[SiteStatus], duration: float, at: datetime) -> None:
        rows = [
            {"id": s.id, "platform": s.platform, "city": s.city, "state": s.state.value, "message": s.message,
             "features": _json(list(s.features)),
             "vcpu_total": s.vcpu.total, "vcpu_used": s.vcpu.used, "ram_gb_total": s.ram_gb.total,
             "ram_gb_used": s.ram_gb.used, "storage_gb_total": s.storage_gb.total,
             "storage_gb_used": s.storage_gb.used, "gpu_total": s.gpu.total, "gpu_used": s.gpu.used,
             "updated": _iso(s.updated)}
            for s in statuses
        ]
        with write_transaction(self.db):
            self._success("portal.status", len(rows), duration, at, self._replace("sites", rows, "id"))

    def deployments(self, deployments: Iterable[Deployment], duration: float, at: datetime, *,
                    partial: bool = False, cursor: ListCursor | None = None) -> int:
        """Write the deployments read, those given and those staged (``stage_deployments``): all of them,
        or (``partial``) those changed since the cursor, the others staying; and the ``cursor`` they leave
        (None: the next read is a full one). Returns how many deployments the cache holds now."""
        with self._staged("deployments"), write_transaction(self.db):
            self._stage("deployments", map(_deployment_row, deployments))
            changed = self._merge("deployments", partial=partial)
            count = int(self.db.execute("SELECT COUNT(*) FROM deployments").fetchone()[0])
            self._success("portal.deployments", count, duration, at, changed)
            self._cursor("portal.deployments", cursor)
        return count

    def members(self, group_ids: Sequence[str], members: Iterable[Member] | None,
                requests: Iterable[MembershipRequest] | None, duration: float, at: datetime, *,
                partial: bool = False, cursor: ListCursor | None = None) -> int:
        """Write what was read of the groups ``group_ids`` (those the user administers: the rows of other
        groups leave): their members (None: as cached); their membership requests (None: as cached), all
        of them or (``partial``) those changed since the cursor, the others staying; and the requests'
        ``cursor`` (None: the next read is a full one). Returns how many rows the source holds now."""
        scope = f"group_id IN ({', '.join('?' * len(group_ids))})" if group_ids else "0"
        with write_transaction(self.db):
            changed = sum(max(self.db.execute(f"DELETE FROM {table} WHERE NOT ({scope})", list(group_ids)).rowcount, 0)
                          for table in ("members", "requests"))
            if members is not None:
                member_rows = ({**_row(m), "role": m.role.value, "joined": m.joined.isoformat(),
                                "account_end": m.account_end.isoformat()} for m in members)
                changed += self._replace("members", member_rows, ("group_id", "username"), scope, group_ids)
            if requests is not None:
                request_rows = ({**_row(r), "state": r.state.value, "created": _iso(r.created)} for r in requests)
                changed += self._upsert("requests", request_rows, ("id",)) if partial else \
                    self._replace("requests", request_rows, "id", scope, group_ids)
            count = int(self.db.execute("SELECT (SELECT COUNT(*) FROM members) + (SELECT COUNT(*) FROM requests)")
                        .fetchone()[0])
            self._success("portal.members", count, duration, at, changed)
            self._cursor("portal.members", cursor)
        return count

    def _cursor(self, source: str, cursor: ListCursor | None) -> None:
        """Keep ``cursor`` as where ``source``'s next read of its lists starts (None: none, a full read)."""
        self.db.execute("DELETE FROM portal_cursor WHERE source = ?", [source])
        if cursor is not None:
            self.db.execute("INSERT INTO portal_cursor VALUES (?, ?, ?, ?, ?)",
                            [source, _iso(cursor.newest), cursor.deltas, _iso(cursor.full_pass), _json(list(cursor.lists))])

    def usage(self, windows: dict[str, date], end: date, days: Sequence[UsageDay], keep_from: date,
              duration: float, at: datetime) -> None:
        """Replace each group's rows from its window's first day to ``end``; drop rows older
        than ``keep_from``; note the day each group was synced."""
        rows = ({**_row(u), "day": u.day.isoformat()} for u in days)
        scope = " OR ".join(["(group_id = ? AND day BETWEEN ? AND ?)"] * len(windows)) or "0"
        params = [p for g, start in windows.items() for p in (g, start.isoformat(), end.isoformat())]
        with write_transaction(self.db):
            changed = self._replace("usage", rows, ("group_id", "day", "member", "site"), scope, params)
            changed += max(self.db.execute("DELETE FROM usage WHERE day < ?", [keep_from.isoformat()]).rowcount, 0)
            self.db.execute("DELETE FROM usage_synced")
            self.db.conn.executemany("INSERT INTO usage_synced VALUES (?, ?)", [(g, end.isoformat()) for g in windows])
            self._success("portal.usage", len(days), duration, at, changed)

    def stage_servers(self, servers: Iterable[Server]) -> None:
        """Keep a page of a site's servers for its ``site`` write, which takes them with those of its
        snapshot: a refresh writes each page as it comes instead of holding every server of a site
        (20,000 objects at once, whose memory the process kept). They wait in a temporary table of this
        connection alone (no lock on the cache file) until that write, or the connection's end (one
        refresh: a read that failed midway leaves the cache as it was)."""
        with self._temporary():
            self._stage("servers", map(_server_row, servers))

    def stage_deployments(self, deployments: Iterable[Deployment]) -> None:
        """Keep a page of deployments for the ``deployments`` write, as ``stage_servers`` does servers."""
        with self._temporary():
            self._stage("deployments", map(_deployment_row, deployments))

    @contextmanager
    def _temporary(self) -> Iterator[None]:
        """Writes to this connection's temporary tables alone: committed at once (taking no lock on the
        cache file), or part of the transaction already open."""
        if self.db.conn.in_transaction:
            yield
            return
        try:
            with self.db.conn:
                yield
        except sqlite3.Error as exc:
            raise CacheWriteFailed(describe(exc)) from exc

    def _stage(self, table: str, rows: Iterable[tuple[Any, ...]]) -> None:
        """``rows`` staged for ``table`` (a row read twice, as Nova's pages shift meanwhile: as read last)."""
        self.db.conn.executemany(f"INSERT OR REPLACE INTO staged_{table} VALUES ({', '.join('?' * len(STAGED[table][0]))})",
                                 self._paced(rows))

    def _paced(self, rows: Iterable[T]) -> Iterator[T]:
        for row in rows:
            self.pace()
            yield row

    @contextmanager
    def _staged(self, table: str, scope: str = "1", params: Sequence[Any] = ()) -> Iterator[None]:
        """Around a write of ``table``'s rows staged within ``scope``: if it fails, they go all the same."""
        try:
            yield
        except BaseException:
            with self._temporary():
                self.db.execute(f"DELETE FROM staged_{table} WHERE {scope}", list(params))
            raise

    def _merge(self, table: str, scope: str = "1", params: Sequence[Any] = (), *, partial: bool = False,
               gone: str = "0") -> int:
        """Write ``table``'s rows staged within ``scope`` and unstage them: all its rows there (the others
        there are deleted), or (``partial``) those that changed, the others staying and those staged as
        ``gone`` deleted. Returns how many rows that wrote or deleted (a row equal to the stored one is
        not written)."""
        columns, keys = STAGED[table]
        names, key = ", ".join(columns), ", ".join(keys)
        before = self.db.conn.total_changes
        self.db.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM staged_{table} WHERE ({scope}) "
                        f"AND NOT ({gone if partial else '0'}) {_on_conflict(table, columns, keys)}", [*params])
        if partial:
            self.db.execute(f"DELETE FROM {table} WHERE ({scope}) AND ({key}) IN "
                            f"(SELECT {key} FROM staged_{table} WHERE ({scope}) AND ({gone}))", [*params, *params])
        else:
            match = " AND ".join(f"k.{k} = {table}.{k}" for k in keys)
            self.db.execute(f"DELETE FROM {table} WHERE ({scope}) AND NOT EXISTS "
                            f"(SELECT 1 FROM staged_{table} k WHERE {match})", [*params])
        changed = self.db.conn.total_changes - before
        self.db.execute(f"DELETE FROM staged_{table} WHERE {scope}", [*params])
        return changed

    def site(self, site: str, snap: SiteSnapshot, duration: float, at: datetime,
             cursor: ServersCursor | None = None) -> int:
        """Write what a site's refresh read, its servers those of ``snap`` and those staged before
        (``stage_servers``; a partial snapshot updates and removes only the servers it names), and the
        servers ``cursor`` it leaves (None: none, the next read is a full one); returns how many servers
        the site has now."""
        with self._staged("servers", "site = ?", [site]), write_transaction(self.db):
            self._stage("servers", map(_server_row, snap.servers))
            changed = self._merge("servers", "site = ?", [site], partial=snap.partial, gone="status = 'DELETED'")
            changed += self._replace("flavors", [_row(x) for x in snap.flavors], ("site", "id"), "site = ?", [site])
            changed += self._replace("images", [_row(x) for x in snap.images], ("site", "id"), "site = ?", [site])
            changed += self._replace("limits", [_row(snap.limits)], "site", "site = ?", [site])
            self.db.table("site_history").upsert(
                {"site": site, "at": _iso(at), "state": "up", "latency_ms": duration * 1000,
                 "vcpu_used": snap.limits.used_vcpu, "ram_gb_used": snap.limits.used_ram_mb // 1024},
                pk=("site", "at"),
            )
            count = self.db.execute("SELECT COUNT(*) FROM servers WHERE site = ?", [site]).fetchone()[0]
            self._success(f"site.{site}", count, duration, at, changed)
            self.db.execute("UPDATE freshness SET microversion = ? WHERE source = ?",
                            [snap.microversion or None, f"site.{site}"])
            self.db.execute("DELETE FROM servers_cursor WHERE site = ?", [site])
            if cursor is not None:
                self.db.execute("INSERT INTO servers_cursor VALUES (?, ?, ?, ?)",
                                [site, _iso(cursor.newest), cursor.deltas, _iso(cursor.full_pass)])
        return int(count)

    def account_with_directory(self, user: User, groups: Iterable[Group], directory: Iterable[GroupSummary],
                               duration: float, at: datetime) -> None:
        """The ``portal.account`` source with the group directory, in one transaction."""
        rows = [{**_row(g), "kind": g.kind.value, "is_member": int(g.is_member)} for g in directory]
        with write_transaction(self.db):
            self.account(user, groups, duration, at, self._replace("group_directory", rows, "id"))
