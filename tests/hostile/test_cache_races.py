"""Hostile data, item 11: several processes creating or upgrading the same cache at once.

Replays the defect found from outside: three ``sync`` runs creating a cache together failed one
time in ten ("the cache is busy … over 10 s" after 0.37 s; "table freshness already exists"), and
the same while upgrading an older cache. Real processes, released together: each waits for a
file to appear, so that all of them open the cache in the same instant.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

from biosphere_tui.cache import schema
from biosphere_tui.cache.db import connect
from biosphere_tui.config import Config

ROUNDS = 5
PROCESSES = 6

# Opens the cache as every command does, then writes to it as a sync does, and says how it went.
OPENER = """
import sys, time
from datetime import datetime, timezone
from pathlib import Path
from biosphere_tui.cache.db import connect, open_cache
from biosphere_tui.cache.writer import CacheWriter
path, go = Path(sys.argv[1]), Path(sys.argv[2])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
try:
    open_cache(path).conn.close()
    CacheWriter(connect(path))._record_failure("site.x", "down", "m", 0.1, datetime.now(timezone.utc), None)
    print("ok")
except Exception as exc:
    print(f"FAILED {type(exc).__name__}: {exc}")
"""


def _together(commands: list[list[str]], go: Path) -> list[subprocess.CompletedProcess[str]]:
    """Start every command, wait until each says it is ready, then release them all at once."""
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in commands]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    go.touch()
    done = []
    for command, proc in zip(commands, procs, strict=True):
        out, err = proc.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(command, proc.returncode, out, err))
    return done


def _old_cache(path: Path, steps: int) -> None:
    """A cache as a version that knew only the first ``steps`` migrations left it, with a row in it."""
    db = Database(path)
    db.enable_wal()
    schema.migrations.apply(db, stop_before=schema.STEPS[steps].__name__)
    db.execute("INSERT INTO me (username, name, email) VALUES ('old', 'Old Row', 'old@example.org')")
    db.conn.commit()
    db.close()


def _applied(path: Path) -> list[str]:
    db = connect(path)
    try:
        return [n for (n,) in db.execute("SELECT name FROM _sqlite_migrations ORDER BY id").fetchall()]
    finally:
        db.close()


def _open_together(path: Path, go: Path) -> list[str]:
    results = _together([[sys.executable, "-c", OPENER, str(path), str(go)]] * PROCESSES, go)
    return [r.stdout.strip() + r.stderr.strip() for r in results]


def test_processes_creating_one_cache_at_once_all_succeed(tmp_path: Path) -> None:
    for round_ in range(ROUNDS):
        path = tmp_path / f"round-{round_}" / "cache.sqlite"
        outcomes = _open_together(path, tmp_path / f"go-{round_}")
        assert outcomes == ["ok"] * PROCESSES
        assert _applied(path) == [step.__name__ for step in schema.STEPS]  # each step once


@pytest.mark.parametrize("steps", [1, len(schema.STEPS) - 1])
def test_processes_upgrading_an_older_cache_at_once_all_succeed_and_keep_its_rows(tmp_path: Path, steps: int) -> None:
    for round_ in range(ROUNDS):
        path = tmp_path / f"round-{round_}" / "cache.sqlite"
        path.parent.mkdir()
        _old_cache(path, steps)
        outcomes = _open_together(path, tmp_path / f"go-{round_}")
        assert outcomes == ["ok"] * PROCESSES
        assert _applied(path) == [step.__name__ for step in schema.STEPS]
        db = connect(path)
        assert db.execute("SELECT name FROM me").fetchall() == [("Old Row",)]
        db.close()


@pytest.mark.parametrize("start", ["new", "older"])
def test_three_syncs_at_once_all_succeed(demo, demo_config: Config, tmp_path: Path, start: str) -> None:  # noqa: ANN001
    """The defect as it was seen: three ``biosphere-tui sync`` against one cloud, on a new or an older cache."""
    config_file = tmp_path / "demo" / "config.toml"
    with config_file.open("a") as extra:
        extra.write(f'\n[cache]\npath = "{demo_config.cache_path}"\n')
    if start == "older":
        _old_cache(demo_config.cache_path, 4)
    go = tmp_path / "go"
    sync = ("import pathlib, time\nfrom biosphere_tui.cli import main\nprint('ready', flush=True)\n"
            f"while not pathlib.Path({str(go)!r}).exists(): time.sleep(0.001)\n"
            f"raise SystemExit(main(['--config', {str(config_file)!r}, 'sync']))")
    results = _together([[sys.executable, "-c", sync]] * 3, go)
    for result in results:
        assert result.returncode == 0, result.stdout + result.stderr
        assert "busy" not in result.stdout and "already exists" not in result.stdout
    assert _applied(demo_config.cache_path) == [step.__name__ for step in schema.STEPS]
