"""Schema migrations of the cache (sqlite-utils ``Migrations``); append, never edit.

The steps are plain functions in ``STEPS``: sqlite-utils loads only to apply them
(``migrations``, built on first use), so opening a current cache stays light.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

SET_NAME = "biosphere_tui.cache"
STEPS: list[Callable[[Database], None]] = []


def _step(fn: Callable[[Database], None]) -> Callable[[Database], None]:
    STEPS.append(fn)
    return fn


@_step
def m001_initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE freshness (
            source TEXT PRIMARY KEY, last_attempt TEXT, last_success TEXT, last_error TEXT,
            error_kind TEXT, duration REAL, rows INTEGER, failures INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE me (username TEXT PRIMARY KEY, name TEXT, email TEXT);
        CREATE TABLE groups (
            id TEXT PRIMARY KEY, name TEXT, full_name TEXT, kind TEXT, role TEXT,
            quota_vcpu INTEGER, quota_ram_gb INTEGER, quota_storage_gb INTEGER,
            start_date TEXT, end_date TEXT, funding TEXT
        );
        CREATE TABLE members (
            group_id TEXT, username TEXT, name TEXT, email TEXT, role TEXT, joined TEXT, account_end TEXT,
            PRIMARY KEY (group_id, username)
        );
        CREATE TABLE requests (
            id TEXT PRIMARY KEY, group_id TEXT, username TEXT, name TEXT, email TEXT, message TEXT,
            created TEXT, state TEXT, reason TEXT
        );
        CREATE TABLE appliances (
            id TEXT PRIMARY KEY, name TEXT, category TEXT, os TEXT, os_version TEXT, summary TEXT,
            description TEXT, version TEXT, licence TEXT, contact TEXT, tools TEXT, topics TEXT,
            access TEXT, developers TEXT, min_vcpu INTEGER, min_ram_gb INTEGER, min_disk_gb INTEGER,
            docker INTEGER, remote_desktop INTEGER, multi_vm INTEGER
        );
        CREATE TABLE sites (
            id TEXT PRIMARY KEY, platform TEXT, city TEXT, state TEXT, message TEXT, features TEXT,
            vcpu_total INTEGER, vcpu_used INTEGER, ram_gb_total INTEGER, ram_gb_used INTEGER,
            storage_gb_total INTEGER, storage_gb_used INTEGER, gpu_total INTEGER, gpu_used INTEGER,
            updated TEXT
        );
        CREATE TABLE deployments (
            id TEXT PRIMARY KEY, name TEXT, appliance_id TEXT, appliance_name TEXT, group_id TEXT,
            owner TEXT, site TEXT, flavor TEXT, state TEXT, created TEXT, updated TEXT,
            vcpu INTEGER, ram_gb INTEGER, disk_gb INTEGER, gpu INTEGER, server_id TEXT, ip TEXT,
            access TEXT, parameters TEXT, reason TEXT
        );
        CREATE INDEX deployments_group ON deployments (group_id);
        CREATE INDEX deployments_owner ON deployments (owner);
        CREATE TABLE usage (
            group_id TEXT, day TEXT, member TEXT, site TEXT, vm_hours REAL, vcpu_hours REAL,
            ram_gb_hours REAL, disk_gb_hours REAL, gpu_hours REAL,
            PRIMARY KEY (group_id, day, member, site)
        );
        CREATE TABLE servers (
            site TEXT, id TEXT, name TEXT, status TEXT, flavor TEXT, vcpus INTEGER, ram_mb INTEGER,
            disk_gb INTEGER, image_id TEXT, ip TEXT, created TEXT, updated TEXT,
            deployment_id TEXT, metadata TEXT,
            PRIMARY KEY (site, id)
        );
        CREATE INDEX servers_deployment ON servers (deployment_id);
        CREATE TABLE flavors (
            site TEXT, id TEXT, name TEXT, vcpus INTEGER, ram_mb INTEGER, disk_gb INTEGER, gpus INTEGER,
            PRIMARY KEY (site, id)
        );
        CREATE TABLE images (
            site TEXT, id TEXT, name TEXT, status TEXT, min_disk_gb INTEGER, min_ram_mb INTEGER, os_distro TEXT,
            PRIMARY KEY (site, id)
        );
        CREATE TABLE limits (
            site TEXT PRIMARY KEY, max_vcpu INTEGER, used_vcpu INTEGER, max_ram_mb INTEGER,
            used_ram_mb INTEGER, max_instances INTEGER, used_instances INTEGER
        );
        -- A VM as the user sees it: the portal's deployment joined to the live server of its site.
        CREATE VIEW vms AS
        SELECT d.id, d.name, d.appliance_name, d.group_id, d.owner, d.site, d.flavor, d.state,
               d.created, d.updated, d.vcpu, d.ram_gb, d.disk_gb, d.gpu, d.server_id,
               COALESCE(s.ip, d.ip) AS ip, s.status AS server_status, d.access, d.parameters, d.reason
        FROM deployments d LEFT JOIN servers s ON s.site = d.site AND s.id = d.server_id;
        """
    )


@_step
def m002_site_history(db: Database) -> None:
    """One row per site and refresh, for the sites screen's sparklines."""
    db.executescript(
        """
        CREATE TABLE site_history (
            site TEXT, at TEXT, state TEXT, latency_ms REAL, vcpu_used INTEGER, ram_gb_used INTEGER,
            PRIMARY KEY (site, at)
        );
        """
    )


@_step
def m003_usage_synced(db: Database) -> None:
    """The day each group's consumption was last fetched (past days of the record are final)."""
    db.executescript("CREATE TABLE usage_synced (group_id TEXT PRIMARY KEY, day TEXT);")


@_step
def m004_group_directory(db: Database) -> None:
    """Every group one may ask to join (the groups screen's join picker)."""
    db.executescript(
        "CREATE TABLE group_directory (id TEXT PRIMARY KEY, name TEXT, full_name TEXT, kind TEXT, is_member INTEGER);"
    )


@_step
def m005_retry_at(db: Database) -> None:
    """When a failing source may be tried again (its backoff, or the server's Retry-After)."""
    db.executescript("ALTER TABLE freshness ADD COLUMN retry_at TEXT;")


@_step
def m006_last_activity(db: Database) -> None:
    """When the portal's monitor last saw a login or CPU activity on a deployment's VM (idle VM finder)."""
    db.executescript("ALTER TABLE deployments ADD COLUMN last_activity TEXT;")


@_step
def m007_server_fault(db: Database) -> None:
    """Why a Nova server is in ERROR (its ``fault.message``), for OpenStack-only launches."""
    db.executescript("ALTER TABLE servers ADD COLUMN fault TEXT;")


@_step
def m008_group_used(db: Database) -> None:
    """The whole group's current quota use as the portal reports it (NULL: an older portal)."""
    db.executescript(
        "ALTER TABLE groups ADD COLUMN used_vcpu INTEGER; ALTER TABLE groups ADD COLUMN used_ram_gb INTEGER; "
        "ALTER TABLE groups ADD COLUMN used_storage_gb INTEGER;"
    )


@_step
def m009_secrets_off_disk(db: Database) -> None:
    """Passwords and tokens are no longer kept: drop the values older versions cached (the freed
    bytes are overwritten, not just unlinked); they are fetched from the portal when shown."""
    from biosphere_tui.cache.writer import parameters_json
    from biosphere_tui.models.deployments import Parameter

    db.execute("PRAGMA secure_delete = ON")
    rows = db.execute("SELECT id, parameters FROM deployments WHERE parameters LIKE '%\"secret\":true%'").fetchall()
    db.conn.executemany("UPDATE deployments SET parameters = ? WHERE id = ?",
                        [(parameters_json(Parameter(**p) for p in json.loads(raw)), id_) for id_, raw in rows])


@_step
def m010_nova_api(db: Database) -> None:
    """Each site's compute microversion (negotiated at its last refresh) and every address of a
    server (JSON list, best first), for OpenStack clouds of any release."""
    db.executescript("ALTER TABLE freshness ADD COLUMN microversion TEXT; ALTER TABLE servers ADD COLUMN addresses TEXT;")


@_step
def m011_safe_text(db: Database) -> None:
    """Text cached before server text was made safe may hold terminal controls or bidi overrides:
    every text cell (the strings inside JSON cells too) is cleaned as ``api/fields.py`` now does."""
    from biosphere_tui.safe_text import TEXT_LIMIT, clean

    long = {("appliances", "description"), ("requests", "message"), ("freshness", "last_error")}

    def cleaned(value: str | bytes | float | None, table: str, column: str) -> str | bytes | float | None:
        if not isinstance(value, str):
            return value
        if value[:1] in "[{":
            try:
                data = json.loads(value)
            except ValueError:
                data = None
            if isinstance(data, (list, dict)):
                safe = _clean_json(data, clean)
                return value if safe == data else json.dumps(safe, separators=(",", ":"))
        multiline = (table, column) in long
        return clean(value, limit=TEXT_LIMIT, multiline=multiline) if multiline else clean(value)

    db.conn.create_function("safe_text", 3, cleaned, deterministic=True)
    for table in db.tables:
        for column in (c.name for c in table.columns if c.type.upper() == "TEXT"):
            db.execute(f"UPDATE OR REPLACE [{table.name}] SET [{column}] = safe_text([{column}], ?, ?) "
                       f"WHERE [{column}] IS NOT safe_text([{column}], ?, ?)", [table.name, column] * 2)


@_step
def m012_vm_windows(db: Database) -> None:
    """Screens read a window of VMs in constant work: an index per sort order on a deployment's own
    column (the expressions of ``vms.VM_SORTS``), the scopes' counts from an index, and a version of
    each source's rows (``freshness.version``, one more at each refresh that changed them: a screen
    re-reads only what moved)."""
    db.executescript(
        """
        ALTER TABLE freshness ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
        DROP INDEX IF EXISTS deployments_group;
        DROP INDEX IF EXISTS deployments_owner;
        CREATE INDEX deployments_group_state ON deployments (group_id, state);
        CREATE INDEX deployments_owner_state ON deployments (owner, state);
        CREATE INDEX deployments_by_name ON deployments (name COLLATE NOCASE, id);
        CREATE INDEX deployments_by_appliance ON deployments (appliance_name COLLATE NOCASE, id);
        CREATE INDEX deployments_by_site ON deployments (site, id);
        CREATE INDEX deployments_by_state ON deployments ((CASE state WHEN 'Initializing' THEN 0
            WHEN 'Provisioning' THEN 1 WHEN 'Executing' THEN 2 WHEN 'SendingReports' THEN 3 WHEN 'Ready' THEN 4
            WHEN 'Finalizing' THEN 5 WHEN 'Done' THEN 6 WHEN 'Aborted' THEN 7 WHEN 'Cancelled' THEN 8
            ELSE state END), id);
        CREATE INDEX deployments_by_flavor ON deployments (flavor, id);
        CREATE INDEX deployments_by_vcpu ON deployments (vcpu, id);
        CREATE INDEX deployments_by_ram ON deployments (ram_gb, id);
        CREATE INDEX deployments_by_owner ON deployments (owner, id);
        CREATE INDEX deployments_by_age ON deployments (-julianday(created), id);
        """
    )


@_step
def m013_validators(db: Database) -> None:
    """The portal's ``ETag`` of each read a source's rows came from (``request``: path and query),
    sent back as ``If-None-Match``: a 304 keeps the rows. A later step that changes a source's rows
    deletes that source's validators."""
    db.executescript("CREATE TABLE validators (source TEXT, request TEXT, etag TEXT, PRIMARY KEY (source, request));")


@_step
def m014_servers_cursor(db: Database) -> None:
    """Each site's servers cursor (``models.cursors.ServersCursor``), written with the servers it stands for:
    a new process (the ``sync`` command, an app start) reads only the changes since a recent one."""
    db.executescript("CREATE TABLE servers_cursor (site TEXT PRIMARY KEY, newest TEXT NOT NULL, "
                     "deltas INTEGER NOT NULL, full_pass TEXT NOT NULL);")


@_step
def m015_portal_cursor(db: Database) -> None:
    """A portal source's ``since`` cursor (``models.cursors.ListCursor``; ``lists``: JSON), written with the rows
    it stands for: a refresh reads only the deployments (membership requests) changed since it."""
    db.executescript("CREATE TABLE portal_cursor (source TEXT PRIMARY KEY, newest TEXT NOT NULL, "
                     "deltas INTEGER NOT NULL, full_pass TEXT NOT NULL, lists TEXT NOT NULL);")


def _clean_json(data: object, clean: Callable[[str], str]) -> object:
    if isinstance(data, str):
        return clean(data)
    if isinstance(data, list):
        return [_clean_json(item, clean) for item in data]
    if isinstance(data, dict):
        return {clean(k): _clean_json(v, clean) for k, v in data.items()}
    return data


def _applied(conn: sqlite3.Connection) -> set[str]:
    """The steps sqlite-utils recorded as applied, read without loading it (none: a new file)."""
    try:
        found = conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [SET_NAME])
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise
        return set()
    return {name for (name,) in found}


def pending(conn: sqlite3.Connection) -> bool:
    """Whether a step is still to apply."""
    applied = _applied(conn)
    return any(step.__name__ not in applied for step in STEPS)


def newer(conn: sqlite3.Connection) -> int | None:
    """How many steps the file has when a newer version wrote it (steps this one does not know); else None."""
    applied = _applied(conn)
    return len(applied) if applied - {step.__name__ for step in STEPS} else None


def migrate(db: Database) -> bool:
    """Apply the pending steps (in the caller's transaction); whether there were any."""
    todo = _migrations().pending(db)  # read again inside the transaction: another process may have done them
    if todo:
        _migrations().apply(db)
    return bool(todo)


@cache
def _migrations() -> Migrations:
    from sqlite_utils.migrations import Migrations

    migrations = Migrations(SET_NAME)
    for step in STEPS:
        migrations()(step)
    return migrations


def __getattr__(name: str) -> object:
    """``migrations``: the sqlite-utils set of ``STEPS``."""
    if name == "migrations":
        return _migrations()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
