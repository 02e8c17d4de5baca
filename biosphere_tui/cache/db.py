"""Opening the cache file: WAL, migrations, recovery from a damaged file, and writes that
fail in plain words (read-only, busy, disk full) without leaving anything half-written.

sqlite-utils loads only for writing and migrating: the app's reader connection is plain
``sqlite3`` (opening the app on a current cache never imports it).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, Union

from biosphere_tui.cache import schema
from biosphere_tui.errors import SourceError
from biosphere_tui.local.folders import cache_dir
from biosphere_tui.local.private_files import create_private, private_dir, tighten_existing

if TYPE_CHECKING:
    from sqlite_utils import Database

Reader: TypeAlias = Union[sqlite3.Connection, "Database"]  # what the read functions take
Row: TypeAlias = Any  # a row as sqlite3 returns it (mypy cannot count what `*row[:n]` fills: such calls carry an ignore)

BUSY_TIMEOUT_MS = 10_000
SETUP_RETRY_SECONDS = 0.05  # between two tries to switch to WAL or migrate while another process holds the lock
DAMAGED = ("SQLITE_NOTADB", "SQLITE_CORRUPT")
READ_ONLY = ("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")


class CacheUnavailable(Exception):
    """The cache can be neither opened nor rebuilt (e.g. its folder is read-only)."""


class CacheWriteFailed(SourceError):
    """A write to the cache failed and was rolled back: the source keeps its last good rows."""

    kind = "cache"

    def __init__(self, message: str) -> None:
        super().__init__("cache", message)


@dataclass
class OpenedCache:
    conn: sqlite3.Connection
    path: Path  # the file opened: the one asked for, or this version's own beside it when that one is newer
    notice: str | None = None  # set when the file had to be rebuilt, or can only be read
    read_only: bool = False

    @cached_property
    def db(self) -> Database:
        """The connection wrapped by sqlite-utils, for writing."""
        return _database(self.conn)


def open_cache(path: Path, *, full_check: bool = True) -> OpenedCache:
    """Open (creating or migrating) the cache; a damaged file is moved aside and rebuilt,
    a read-only one is opened for reading. A file written by a newer version (a newer schema)
    is left as it is for that version, and this one keeps its own file beside it
    (``OpenedCache.path`` says which), so both versions stay usable one after the other.
    ``full_check=False`` (the app, before its first paint) skips SQLite's integrity check, which reads
    every page; the caller runs ``find_damage`` later, off its first paint. A file shorter than its
    header says (truncated) is found either way: SQLite refuses it at the first read.
    Raises CacheUnavailable with a plain message."""
    try:
        private_dir(path.parent, own=path.parent == cache_dir())
    except OSError as exc:
        raise CacheUnavailable(f"cannot create the cache folder {path.parent} ({exc.strerror})") from None
    try:
        return _open_or_rebuild(path, full_check)
    except _Newer as newer:
        own = path.with_name(f"{path.stem}.schema-{len(schema.STEPS)}{path.suffix}")
        try:
            opened = _open_or_rebuild(own, full_check)
        except (CacheUnavailable, _Newer) as exc:
            raise CacheUnavailable(f"{newer}, and the cache of this version beside it cannot be used: {exc}") from None
        opened.notice = " ".join(filter(None, [f"{newer}: it is left as it is for that version, and this one uses "
                                               f"its own cache {own.name} beside it.", opened.notice]))
        return opened


def _open_or_rebuild(path: Path, full_check: bool) -> OpenedCache:
    try:
        return _open(path, full_check)
    except _Damaged as exc:
        found = str(exc)
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise CacheUnavailable(f"cannot open the cache {path}: {describe(exc)}") from None
        found = str(exc)
    return rebuild(path, found)


def rebuild(path: Path, found: str) -> OpenedCache:
    """Move the damaged cache ``path`` aside (with its -wal and -shm: nothing is lost) and open a new
    one in its place; its notice says what ``found`` was and where the old file went."""
    try:
        aside = _move_aside(path)
    except OSError as exc:
        raise CacheUnavailable(f"the cache {path} is damaged ({found}) and cannot be moved aside ({exc.strerror})") from None
    try:
        opened = _open(path, full_check=True)
    except (sqlite3.Error, _Damaged) as again:
        raise CacheUnavailable(f"the cache {path} cannot be rebuilt ({again})") from None
    opened.notice = f"The cache file was damaged ({found}); it was moved to {aside.name} and rebuilt."
    return opened


def find_damage(path: Path) -> str | None:
    """What SQLite's integrity check finds wrong with the cache ``path`` (on a connection of its
    own: any thread may ask), or None when the file is whole."""
    try:
        conn = connect_reader(path)
        try:
            _check(conn)
        finally:
            conn.close()
    except _Damaged as exc:
        return str(exc)
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise
        return str(exc)
    return None


def is_damage(exc: sqlite3.Error) -> bool:
    """Whether SQLite failed because the file is damaged (not busy, full or read-only)."""
    return _name(exc).startswith(DAMAGED)


def connect(path: Path) -> Database:
    """Another connection to an already opened cache (one per thread), for writing."""
    return _database(connect_reader(path))


def connect_reader(path: Path) -> sqlite3.Connection:
    """A plain connection to an already opened cache, for reading. In a read-only folder
    the file can only be read as it stands: the connection is read-only and immutable."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=True)
    try:
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # a WAL file needs its -shm to be read
    except sqlite3.OperationalError as exc:
        conn.close()
        if _name(exc) not in ("SQLITE_READONLY_DIRECTORY", "SQLITE_CANTOPEN") or not path.is_file():
            raise
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=True)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One write transaction, all or nothing, with SQLite errors as ``CacheWriteFailed``.

    ``BEGIN IMMEDIATE`` takes the write lock first (waiting up to the busy timeout), so a
    transaction that reads before it writes never has to upgrade a stale snapshot (which
    fails at once with "database is locked", whatever the timeout). Nested, a savepoint.
    After one wait that ran out, later writes on this connection fail without waiting again.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            db.rollback()
            raise
    except sqlite3.Error as exc:
        if _name(exc).startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            db.execute("PRAGMA busy_timeout = 0")
        raise CacheWriteFailed(describe(exc)) from exc


def describe(exc: sqlite3.Error) -> str:
    """What went wrong with the cache file, in plain words (never "database is locked")."""
    name = _name(exc)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return f"the cache is busy: another program kept it locked for over {BUSY_TIMEOUT_MS // 1000} s"
    if name == "SQLITE_FULL":
        return "the disk is full: the cache could not be written"
    if name.startswith(READ_ONLY):
        return "the cache is read-only (check the permissions of the file and its folder)"
    if is_damage(exc):
        return "the cache file is damaged; it will be rebuilt at the next start"
    if name.startswith("SQLITE_IOERR"):
        return "the cache could not be written (input/output error)"
    return f"the cache could not be used ({name or type(exc).__name__})"


class _Damaged(Exception):
    """The file opens but fails its integrity check."""


class _Newer(Exception):
    """The file was written by a newer version: its schema has migrations this one does not know."""


def _name(exc: sqlite3.Error) -> str:
    return getattr(exc, "sqlite_errorname", None) or ""


def _open(path: Path, full_check: bool) -> OpenedCache:
    _private_files(path)
    conn = connect_reader(path)
    try:
        if full_check:
            _check(conn)
        if (found := schema.newer(conn)) is not None:
            raise _Newer(f"the cache {path} was written by a newer biosphere-tui (schema {found}, "
                         f"this one knows {len(schema.STEPS)})")
        if not _writable(path):
            return _read_only(path, conn)
        opened = OpenedCache(conn, path=path)
        _set_up(opened)
    except BaseException:
        conn.close()
        raise
    return opened


def _check(conn: sqlite3.Connection) -> None:
    """SQLite's integrity check (``quick_check``: every page read, tens of milliseconds on a large cache)."""
    row = conn.execute("PRAGMA quick_check").fetchone()
    if row is None or row[0] != "ok":
        raise _Damaged(f"integrity check failed: {row[0] if row else 'no answer'}")


def _set_up(opened: OpenedCache) -> None:
    """Switch to WAL and apply the pending migrations, however many processes open the file at
    once: the migrations run in one ``BEGIN IMMEDIATE`` transaction (the others wait for it, then
    find nothing left to do), and a lock refused at once is tried again until the busy timeout
    (switching to WAL never waits for SQLite's busy handler). The process that migrated then
    rewrites the file (``VACUUM``): nothing a step dropped (e.g. old passwords) stays in free pages."""
    conn = opened.conn
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    migrated = False
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = wal")
            if schema.pending(conn):
                with write_transaction(opened.db):
                    migrated = schema.migrate(opened.db) or migrated
            if migrated:
                conn.execute("VACUUM")
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        except CacheWriteFailed as exc:
            error = exc.__cause__
        except sqlite3.OperationalError as exc:
            error = exc
        assert isinstance(error, sqlite3.Error)
        if not _name(error).startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or time.monotonic() > deadline:
            raise error
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")  # write_transaction set it to 0 after a wait
        time.sleep(SETUP_RETRY_SECONDS)


def _private_files(path: Path) -> None:
    """The cache file exists as a 0600 file before SQLite opens it, so that its -wal and -shm
    get the same mode; older files are tightened. One that cannot be touched is left to SQLite."""
    if not path.exists():
        with suppress(OSError):
            create_private(path)
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
        tighten_existing(path.with_name(name))


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _read_only(path: Path, conn: sqlite3.Connection) -> OpenedCache:
    """A cache one may read but not write: shown as it stands, if its schema is current."""
    if schema.pending(conn):
        raise CacheUnavailable(f"the cache {path} is read-only and was written by an older version: "
                               f"make it writable or delete it (it holds only copied data)")
    return OpenedCache(conn, path=path, notice=f"The cache file {path} is read-only: showing the data it holds; "
                           "refreshes cannot be saved until it is writable again.", read_only=True)


def _database(conn: sqlite3.Connection) -> Database:
    """``conn`` wrapped by sqlite-utils, without its plugins: those installed on the machine would run
    on the cache's connection, and finding them scans every installed package (~30 ms a process)."""
    from sqlite_utils import Database

    return Database(conn, execute_plugins=False)


def _move_aside(path: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    path.replace(aside)
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            extra.replace(aside.with_name(aside.name + suffix))
    return aside
