"""Hostile data, item 11: several processes creating or upgrading the same cache at once.

Replays the defect found from outside: three ``sync`` runs creating a cache together failed one
time in ten ("the cache is busy … over 10 s" after 0.37 s; "table freshness already exists"), and
the same while upgrading an older cache. Real processes, released together: each waits for a
file to appear, so that all of them open the cache in the same instant.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlite_utils import Database

from biosphere_tui.cache import schema
from biosphere_tui.cache.db import connect
from biosphere_tui.config import Config

ROUNDS = 5
PROCESSES = 6

# Opens the cache as every command does, then writes to it as a sync does, and says how it went: once
# per round, each round's cache in its own folder, released by the round's file.
OPENER = """
import sys, time
from datetime import datetime, timezone
from pathlib import Path
from biosphere_tui.cache.db import connect, open_cache
from biosphere_tui.cache.writer import CacheWriter
folder, rounds = Path(sys.argv[1]), int(sys.argv[2])
for round_ in range(rounds):
    path, go = folder / f"round-{round_}" / "cache.sqlite", folder / f"go-{round_}"
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.001)
    try:
        open_cache(path).conn.close()
        CacheWriter(connect(path))._record_failure("site.x", "down", "m", 0.1, datetime.now(timezone.utc), None)
        print("ok", flush=True)
    except Exception as exc:
        print(f"FAILED {type(exc).__name__}: {exc}".replace("\\n", " "), flush=True)
"""


def _start(commands: list[list[str]]) -> list[subprocess.Popen[str]]:
    return [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in commands]


def _release(procs: list[subprocess.Popen[str]], go: Path) -> None:
    """Wait until each process says it is ready, then release them all at once."""
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    go.touch()


def _together(commands: list[list[str]], go: Path) -> list[subprocess.CompletedProcess[str]]:
    """Start every command, release them all at once, and wait for their ends."""
    procs = _start(commands)
    _release(procs, go)
    done = []
    for command, proc in zip(commands, procs, strict=True):
        out, err = proc.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(command, proc.returncode, out, err))
    return done


def _open_in_rounds(folder: Path, before_each: Callable[[Path], None], after_each: Callable[[Path], None]) -> None:
    """``PROCESSES`` processes open one new cache together, ``ROUNDS`` times: each round's cache is
    made ready by ``before_each`` while they wait, and checked by ``after_each`` once all are done."""
    procs = _start([[sys.executable, "-c", OPENER, str(folder), str(ROUNDS)]] * PROCESSES)
    try:
        for round_ in range(ROUNDS):
            path = folder / f"round-{round_}" / "cache.sqlite"
            before_each(path)
            _release(procs, folder / f"go-{round_}")
            outcomes = [proc.stdout.readline().strip() for proc in procs if proc.stdout is not None]
            assert outcomes == ["ok"] * PROCESSES
            after_each(path)
        assert [proc.wait(timeout=120) for proc in procs] == [0] * PROCESSES
    finally:
        for proc in procs:
            proc.kill()
            proc.communicate()


def _old_cache(path: Path, steps: int) -> None:
    """A cache as a version that knew only the first ``steps`` migrations left it, with a row in it."""
    path.parent.mkdir(parents=True, exist_ok=True)
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


def _each_step_applied_once(path: Path) -> None:
    assert _applied(path) == [step.__name__ for step in schema.STEPS]


def test_processes_creating_one_cache_at_once_all_succeed(tmp_path: Path) -> None:
    _open_in_rounds(tmp_path, lambda path: None, _each_step_applied_once)


@pytest.mark.parametrize("steps", [1, len(schema.STEPS) - 1])
def test_processes_upgrading_an_older_cache_at_once_all_succeed_and_keep_its_rows(tmp_path: Path, steps: int) -> None:
    def upgraded_and_kept(path: Path) -> None:
        _each_step_applied_once(path)
        db = connect(path)
        assert db.execute("SELECT name FROM me").fetchall() == [("Old Row",)]
        db.close()

    _open_in_rounds(tmp_path, lambda path: _old_cache(path, steps), upgraded_and_kept)


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
