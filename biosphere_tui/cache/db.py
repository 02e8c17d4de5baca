"""Opening the cache file: WAL, migrations, and recovery from a damaged file."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlite_utils import Database

from biosphere_tui.cache.schema import migrations

BUSY_TIMEOUT_MS = 10_000


class CacheUnavailable(Exception):
    """The cache can be neither opened nor rebuilt (e.g. its folder is read-only)."""


@dataclass
class OpenedCache:
    db: Database
    notice: str | None = None  # set when the file had to be rebuilt


def open_cache(path: Path) -> OpenedCache:
    """Open (creating or migrating) the cache; a damaged file is moved aside and rebuilt."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise CacheUnavailable(f"cannot create the cache folder {path.parent} ({exc.strerror})") from None
    try:
        return OpenedCache(_open(path))
    except sqlite3.DatabaseError as exc:
        if _is_transient(exc):
            raise CacheUnavailable(f"the cache {path} is busy or read-only ({exc})") from None
        aside = _move_aside(path)
        try:
            db = _open(path)
        except sqlite3.Error as again:
            raise CacheUnavailable(f"the cache {path} cannot be rebuilt ({again})") from None
        return OpenedCache(db, f"The cache file was damaged ({exc}); it was moved to {aside.name} and rebuilt.")


def connect(path: Path) -> Database:
    """Another connection to an already opened cache (one per thread)."""
    return _configure(Database(sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=True)))


def _open(path: Path) -> Database:
    db = connect(path)
    try:
        row = db.execute("PRAGMA quick_check").fetchone()
        if row is None or row[0] != "ok":
            raise sqlite3.DatabaseError(f"integrity check failed: {row[0] if row else 'no answer'}")
        if db.journal_mode != "wal":
            db.enable_wal()
        migrations.apply(db)
    except BaseException:
        db.close()
        raise
    return db


def _configure(db: Database) -> Database:
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA synchronous = NORMAL")
    return db


def _is_transient(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "readonly" in text or "read-only" in text)


def _move_aside(path: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    path.replace(aside)
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            extra.replace(aside.with_name(aside.name + suffix))
    return aside
