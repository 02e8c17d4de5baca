"""A cache grown to many rows, and a count of the rows a screen reads from it: for the tests of the
screens that show a window of a long list."""

from __future__ import annotations

import sqlite3

from biosphere_tui.config import Config

COPIES = 50  # the demo's rows, this many times: about the demo at scale 50


class RowCount:
    """A row factory on the app's cache connection: counts every row read from the cache."""

    def __init__(self) -> None:
        self.rows = 0

    def __call__(self, _cursor: sqlite3.Cursor, row: tuple[object, ...]) -> tuple[object, ...]:
        self.rows += 1
        return row


def grow(config: Config, table: str = "deployments", keys: tuple[str, ...] = ("id", "name")) -> int:
    """Copy every cached row of ``table`` (deployments, Nova servers, members) ``COPIES - 1`` times, the
    columns ``keys`` (its key, its name) made new; how many rows there are then."""
    conn = sqlite3.connect(config.cache_path)
    columns = [c[1] for c in conn.execute(f"PRAGMA table_info({table})")]
    copied = ", ".join(f"{c} || '-' || n" if c in keys else c for c in columns)
    conn.execute(f"WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < {COPIES - 1}) "
                 f"INSERT INTO {table} ({', '.join(columns)}) SELECT {copied} FROM {table}, k")
    conn.commit()
    (total,) = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
    conn.close()
    return int(total)
