"""The cache file under stress: every bad condition ends with a working app or command and
one plain message, and a write that fails or is killed never leaves a source half-written."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pilot_support import settle, wait_refreshes
from sqlite_utils import Database

from biosphere_tui import sync as sync_module
from biosphere_tui.app import BiosphereApp
from biosphere_tui.cache import db as cache_db
from biosphere_tui.cache.db import CacheUnavailable, connect, open_cache
from biosphere_tui.cache.schema import migrations
from biosphere_tui.cli import main
from biosphere_tui.config import Config
from biosphere_tui.sync import Sync

SITE = "ifb-bird-stack"
RAW_ERRORS = ("database is locked", "Traceback", "OperationalError", "attempt to write")


# -- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def cli_config(demo, demo_config: Config) -> Path:  # noqa: ANN001
    """The demo's config.toml, pointed at the test's private cache (for ``main`` and subprocesses)."""
    path = demo_config.cache_path.parent / "demo" / "config.toml"
    with path.open("a") as extra:
        extra.write(f'\n[cache]\npath = "{demo_config.cache_path}"\n')
    return path


def fill(config: Config, demo) -> None:  # noqa: ANN001
    open_cache(config.cache_path).db.close()
    runner = Sync(config, config.cache_path, now=demo.clock.now)
    try:
        assert all(r.ok for r in runner.refresh_blocking())
    finally:
        runner.close()
    db = connect(config.cache_path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything in the main file, as after a clean exit
    db.close()


def rows(path: Path, sql: str, *params: object) -> list[tuple]:
    db = connect(path)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def sync_output(config_file: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["--config", str(config_file), "sync"])
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.fixture
def read_only() -> Iterator:
    """Makes a file or folder read-only for this process, even as root (where chmod does not bind:
    the immutable attribute does); undone at the end so the test's folder can be removed."""
    marked: list[tuple[Path, int]] = []

    def make(path: Path) -> None:
        marked.append((path, path.stat().st_mode & 0o777))
        path.chmod(0o555 if path.is_dir() else 0o444)
        if os.access(path, os.W_OK):  # root
            if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
                pytest.skip("running as root on a file system without chattr +i: nothing is read-only here")

    yield make
    for path, mode in reversed(marked):
        if shutil.which("chattr"):
            subprocess.run(["chattr", "-i", str(path)], capture_output=True)
        path.chmod(mode)


# -- damaged, truncated, empty, older ------------------------------------------------------------


@pytest.mark.parametrize("damage", ["truncated", "empty", "garbage"])
def test_sync_rebuilds_a_damaged_cache_with_one_note(demo, demo_config: Config, cli_config: Path, damage: str,  # noqa: ANN001
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    fill(demo_config, demo)
    data = demo_config.cache_path.read_bytes()
    demo_config.cache_path.write_bytes({"truncated": data[: len(data) // 3], "empty": b"",
                                        "garbage": os.urandom(len(data))}[damage])
    code, out = sync_output(cli_config, capsys)
    assert code == 0 and "14/14 sources refreshed" in out
    notes = [line for line in out.splitlines() if line.startswith("note:")]
    assert len(notes) == (0 if damage == "empty" else 1)  # an empty file is a new database to SQLite
    assert all("damaged" in n and "rebuilt" in n for n in notes)
    assert not any(raw in out for raw in RAW_ERRORS)


def test_sync_migrates_a_cache_from_an_older_version_and_keeps_its_rows(demo, demo_config: Config, cli_config: Path,  # noqa: ANN001
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    old = Database(demo_config.cache_path)
    migrations.apply(old, stop_before="m002_site_history")
    old.execute("INSERT INTO appliances (id, name) VALUES ('gone-upstream', 'Old appliance')")
    old.execute("INSERT INTO freshness (source, last_success, rows) VALUES ('portal.catalogue', '2020-01-01T00:00:00+00:00', 1)")
    old.conn.commit()
    old.close()
    code, out = sync_output(cli_config, capsys)
    assert code == 0 and "14/14 sources refreshed" in out and "note:" not in out
    db = open_cache(demo_config.cache_path).db
    assert migrations.pending(db) == []
    assert db.execute("SELECT COUNT(*) FROM site_history").fetchone()[0] > 0
    assert db.execute("SELECT COUNT(*) FROM appliances WHERE id = 'gone-upstream'").fetchone()[0] == 0
    db.close()


# -- read-only ---------------------------------------------------------------------------------


def test_read_only_cache_file_is_shown_and_sync_reports_it_per_source(
        demo, demo_config: Config, cli_config: Path, read_only, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    fill(demo_config, demo)
    servers = rows(demo_config.cache_path, "SELECT site, id, status FROM servers ORDER BY site, id")
    read_only(demo_config.cache_path)
    opened = open_cache(demo_config.cache_path)
    assert opened.read_only and opened.notice and "read-only" in opened.notice
    assert opened.db.execute("SELECT COUNT(*) FROM servers").fetchone()[0] == len(servers) > 0
    opened.db.close()
    demo.set_fault(SITE, "down")
    code, out = sync_output(cli_config, capsys)
    assert code == 1 and not any(raw in out for raw in RAW_ERRORS)
    assert sum(line.startswith("note:") and "read-only" in line for line in out.splitlines()) == 1
    fails = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert len(fails) == 14 and all("the cache is read-only" in f for f in fails if SITE not in f)
    assert rows(demo_config.cache_path, "SELECT site, id, status FROM servers ORDER BY site, id") == servers


def test_read_only_cache_folder_is_shown_as_it_stands(demo, demo_config: Config, cli_config: Path, read_only,  # noqa: ANN001
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    fill(demo_config, demo)
    before = rows(demo_config.cache_path, "SELECT COUNT(*) FROM servers")
    read_only(demo_config.cache_path.parent)
    opened = open_cache(demo_config.cache_path)
    assert opened.read_only and "read-only" in (opened.notice or "")
    opened.db.close()
    assert rows(demo_config.cache_path, "SELECT COUNT(*) FROM servers") == before  # every later connection reads
    code, out = sync_output(cli_config, capsys)
    fails = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert code == 1 and len(fails) == 14 and all("the cache is read-only" in f for f in fails)
    assert not any(raw in out for raw in RAW_ERRORS)


def test_no_cache_in_a_read_only_folder_is_one_clear_error(demo_config: Config, cli_config: Path, read_only,  # noqa: ANN001
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    read_only(demo_config.cache_path.parent)
    with pytest.raises(CacheUnavailable, match="read-only"):
        open_cache(demo_config.cache_path)
    code, out = sync_output(cli_config, capsys)
    assert code == 1 and out.count("FAIL") == 1 and "FAIL cache:" in out and "read-only" in out
    assert not any(raw in out for raw in RAW_ERRORS)


def test_read_only_cache_of_an_older_version_is_one_clear_error(tmp_path: Path, read_only) -> None:  # noqa: ANN001
    path = tmp_path / "old.sqlite"
    old = Database(path)
    migrations.apply(old, stop_before="m002_site_history")
    old.close()
    read_only(path)
    with pytest.raises(CacheUnavailable, match="read-only and was written by an older version"):
        open_cache(path)


async def test_app_on_a_read_only_cache_shows_its_data_and_keeps_running(demo, demo_config: Config, read_only, toasts) -> None:  # noqa: ANN001
    await asyncio.to_thread(fill, demo_config, demo)
    read_only(demo_config.cache_path)
    app = BiosphereApp(demo_config, now=demo.clock.now, background_refresh=False)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await settle(app, pilot)
        app.request_refresh()
        await wait_refreshes(app, pilot, 1)
        messages = toasts.messages
        assert sum("refreshes cannot be saved" in m for m in messages) == 1  # the notice at start
        assert any("the cache is read-only" in m for m in messages)  # the refresh's failures
        assert not any(raw in m for m in messages for raw in RAW_ERRORS)
        assert app.is_running and app.groups


# -- busy --------------------------------------------------------------------------------------


@pytest.fixture
def lock_holder(demo_config: Config) -> Iterator:
    """Another process that takes the cache's write lock (BEGIN EXCLUSIVE) for ``seconds``."""
    started: list[subprocess.Popen[str]] = []
    script = ("import sqlite3, sys, time\n"
              "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
              "c.execute('BEGIN EXCLUSIVE'); c.execute('UPDATE freshness SET rows = rows')\n"
              "print('locked', flush=True); time.sleep(float(sys.argv[2])); c.execute('COMMIT')\n")

    def hold(seconds: float) -> subprocess.Popen[str]:
        proc = subprocess.Popen([sys.executable, "-c", script, str(demo_config.cache_path), str(seconds)],
                                stdout=subprocess.PIPE, text=True)
        started.append(proc)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        return proc

    yield hold
    for proc in started:
        proc.kill()
        proc.wait()


def test_a_writer_waits_for_a_short_lock(demo, demo_config: Config, cli_config: Path, lock_holder,  # noqa: ANN001
                                         capsys: pytest.CaptureFixture[str]) -> None:
    fill(demo_config, demo)
    holder = lock_holder(1.0)  # well within the busy timeout
    code, out = sync_output(cli_config, capsys)
    assert code == 0 and "14/14 sources refreshed" in out, out
    assert holder.wait() == 0


def test_a_long_lock_fails_every_source_with_the_cache_busy_and_keeps_its_rows(
        demo, demo_config: Config, cli_config: Path, lock_holder, monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
        capsys: pytest.CaptureFixture[str]) -> None:
    fill(demo_config, demo)
    servers = rows(demo_config.cache_path, "SELECT site, id, status FROM servers ORDER BY site, id")
    monkeypatch.setattr(cache_db, "BUSY_TIMEOUT_MS", 300)
    lock_holder(60)
    code, out = sync_output(cli_config, capsys)
    fails = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert code == 1 and len(fails) == 14 and all("the cache is busy" in f for f in fails), out
    assert not any(raw in out for raw in RAW_ERRORS)
    assert rows(demo_config.cache_path, "SELECT site, id, status FROM servers ORDER BY site, id") == servers


# -- disk full ---------------------------------------------------------------------------------


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """From the call on, the sync's writer connection may not grow the file by a page (SQLITE_FULL)."""
    real = sync_module.connect

    def capped(path: Path) -> Database:
        db = real(path)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
        return db

    return lambda: monkeypatch.setattr(sync_module, "connect", capped)


def _snapshot(path: Path) -> dict[str, tuple]:
    """Per source: its freshness row's success and row count, and its rows (for sites)."""
    db = connect(path)
    try:
        fresh = {s: (ok, n) for s, ok, n in db.execute("SELECT source, last_success, rows FROM freshness")}
        servers = {s: tuple(db.execute("SELECT id, status, updated FROM servers WHERE site = ? ORDER BY id",
                                       [s.removeprefix("site.")]).fetchall())
                   for s in fresh if s.startswith("site.")}
        return {s: (fresh[s], servers.get(s)) for s in fresh}
    finally:
        db.close()


def test_a_full_disk_fails_the_sources_that_grow_and_keeps_their_last_good_rows(
        demo, demo_config: Config, full_disk) -> None:  # noqa: ANN001
    fill(demo_config, demo)
    full_disk()
    before = _snapshot(demo_config.cache_path)
    demo.clock.advance(3 * 3600)
    runner = Sync(demo_config, demo_config.cache_path, now=demo.clock.now)
    try:
        results = runner.refresh_blocking(force=True)
    finally:
        runner.close()
    failed = [r for r in results if not r.ok]
    assert failed and all(r.kind == "cache" and r.error.startswith("the disk is full") for r in failed)
    after = _snapshot(demo_config.cache_path)
    for r in failed:
        assert after[r.source][0][0] == before[r.source][0][0]  # last success unchanged
        assert after[r.source][1] == before[r.source][1]  # and so are its rows
    assert any(after[r.source] != before[r.source] for r in results if r.ok)


async def test_app_with_a_full_disk_reports_it_and_keeps_running(demo, demo_config: Config, full_disk, toasts) -> None:  # noqa: ANN001
    await asyncio.to_thread(fill, demo_config, demo)
    full_disk()
    demo.clock.advance(3 * 3600)
    app = BiosphereApp(demo_config, now=demo.clock.now, background_refresh=False)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await settle(app, pilot)
        app.request_refresh()
        await wait_refreshes(app, pilot, 1)
        messages = toasts.messages
        assert any("the disk is full" in m for m in messages)
        assert not any(raw in m for m in messages for raw in RAW_ERRORS)
        await pilot.press("r")
        await wait_refreshes(app, pilot, 2)
        assert app.is_running and app.groups


# -- killed mid-write ---------------------------------------------------------------------------


def _consistent(path: Path) -> list[str]:
    """Sources whose rows disagree with their freshness row (a half-written refresh)."""
    db = connect(path)
    try:
        counts = {"portal.catalogue": "SELECT COUNT(*) FROM appliances", "portal.status": "SELECT COUNT(*) FROM sites",
                  "portal.deployments": "SELECT COUNT(*) FROM deployments", "portal.account": "SELECT COUNT(*) FROM groups"}
        bad = []
        for source, success, n in db.execute("SELECT source, last_success, rows FROM freshness WHERE last_success IS NOT NULL"):
            if source.startswith("site."):
                site = source.removeprefix("site.")
                found = db.execute("SELECT COUNT(*) FROM servers WHERE site = ?", [site]).fetchone()[0]
                history = db.execute("SELECT COUNT(*) FROM site_history WHERE site = ? AND at = ? AND state = 'up'",
                                     [site, success]).fetchone()[0]
                if (found, history) != (n, 1):
                    bad.append(f"{source}: {found} servers, {history} history rows, freshness says {n}")
            elif source in counts and db.execute(counts[source]).fetchone()[0] != n:
                bad.append(source)
        return bad
    finally:
        db.close()


def test_a_sync_killed_at_random_moments_never_leaves_a_source_half_written(
        demo, demo_config: Config, cli_config: Path) -> None:  # noqa: ANN001
    fill(demo_config, demo)
    rng = random.Random(4)
    outcomes = []
    for round_ in range(8):
        for site in demo.sites.values():  # each round changes every site: old and new rows differ
            live = sorted(s.id for s in site.state.servers.values() if not s.deleted)
            if live:
                site.state.delete_server(rng.choice(live))
        proc = subprocess.Popen([sys.executable, "-m", "biosphere_tui", "--config", str(cli_config), "sync"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(0.4, 1.4))
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate()
        outcomes.append(proc.returncode)
        assert "Traceback" not in err
        opened = open_cache(demo_config.cache_path)
        assert opened.notice is None, f"round {round_}: {opened.notice}"
        assert opened.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        opened.db.close()
        assert _consistent(demo_config.cache_path) == [], f"round {round_}"
    assert -signal.SIGKILL in outcomes, "no sync was killed: the delays are too long"
    assert not list(demo_config.cache_path.parent.glob("*.damaged-*"))


def test_the_consistency_check_sees_a_half_written_site(demo, demo_config: Config) -> None:  # noqa: ANN001
    fill(demo_config, demo)
    db = connect(demo_config.cache_path)
    with db.conn:
        db.execute("DELETE FROM servers WHERE rowid IN (SELECT rowid FROM servers WHERE site = ? LIMIT 1)", [SITE])
    db.close()
    assert _consistent(demo_config.cache_path) == [f"site.{SITE}: {len(_live(demo, SITE)) - 1} servers, "
                                                   f"1 history rows, freshness says {len(_live(demo, SITE))}"]


def _live(demo, site: str) -> list[str]:  # noqa: ANN001
    return [s.id for s in demo.sites[site].state.servers.values() if not s.deleted]


# -- a damaged page, a crash's WAL ---------------------------------------------------------------------


def a_page_of(path: Path, table: str = "deployments") -> tuple[int, int]:
    """Where one page of ``table`` lies, in the middle of the file: (offset, size)."""
    conn = sqlite3.connect(path)
    try:
        size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = [r[0] for r in conn.execute("SELECT pageno FROM dbstat WHERE name = ? ORDER BY pageno", [table])]
    finally:
        conn.close()
    assert len(pages) > 1 and pages[0] > 1
    return (pages[len(pages) // 2] - 1) * size, size


def damage(path: Path, page: tuple[int, int]) -> None:
    """Overwrite that page (the header and the schema stay readable: the file opens, and only an
    integrity check can tell)."""
    offset, size = page
    with path.open("r+b") as f:
        f.seek(offset)
        f.write(b"\xa5" * size)


def crashed_with_a_wal(path: Path) -> bytes:
    """A writer that stopped without closing (a crash, a kill -9) in the middle of a refresh: its
    last transaction is in ``path``-wal only, and ``path``-shm indexes it. Returns that WAL."""
    code = ("import os, sqlite3, sys\n"
            "c = sqlite3.connect(sys.argv[1]); c.execute('PRAGMA wal_autocheckpoint = 0')\n"
            "c.execute(\"UPDATE me SET name = 'written by the crashed writer'\"); c.commit(); os._exit(0)\n")
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    wal = path.with_name(path.name + "-wal")
    assert wal.stat().st_size > 0 and path.with_name(path.name + "-shm").exists()
    return wal.read_bytes()


def test_a_damaged_data_page_is_set_aside_and_a_fresh_cache_works(demo, demo_config: Config, cli_config: Path,  # noqa: ANN001
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    fill(demo_config, demo)
    damage(demo_config.cache_path, a_page_of(demo_config.cache_path))
    code, out = sync_output(cli_config, capsys)
    assert code == 0 and "14/14 sources refreshed" in out, out
    [note] = [line for line in out.splitlines() if line.startswith("note:")]
    [aside] = demo_config.cache_path.parent.glob("cache.sqlite.damaged-*")
    assert note.startswith("note: The cache file was damaged (") and f"moved to {aside.name} and rebuilt" in note
    assert not any(raw in out for raw in RAW_ERRORS)
    assert main(["--config", str(cli_config), "ls", "vms"]) == 0  # the fresh cache is whole and used
    listed = capsys.readouterr()
    assert "note:" not in listed.out + listed.err
    assert any(d.name in listed.out for d in demo.world.deployments.values() if d.owner == "demo")


async def _open_damaged(demo, config: Config, toasts, table: str) -> None:  # noqa: ANN001
    """The app opened on a cache with a damaged page of ``table``: it opens at once (the file's
    integrity is checked after the first paint); the damage found, the file is set aside as it is, one
    toast says so and where it went, and the first refresh fills a new cache."""
    await asyncio.to_thread(fill, config, demo)
    path = config.cache_path
    damage(path, a_page_of(path, table))
    damaged = path.read_bytes()
    app = BiosphereApp(config, now=demo.clock.now, background_refresh=False)
    assert not any("damaged" in n for n in app.notices)  # opening it did not read every page
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await settle(app, pilot, app._cache_whole.is_set)
        [aside] = path.parent.glob("cache.sqlite.damaged-*[0-9]")
        assert aside.read_bytes() == damaged  # nothing lost
        [note] = [m for m in toasts.messages if "damaged" in m]
        assert note.startswith("The cache file was damaged (") and f"moved to {aside.name} and rebuilt" in note
        assert not any(raw in m for m in toasts.messages for raw in RAW_ERRORS)
        assert app.groups == []  # the new cache, empty until the refresh
        app.request_refresh()
        await wait_refreshes(app, pilot, 1)
        assert app.groups and app.screen.query_one("#vms").row_count > 0
        assert [m for m in toasts.messages if "damaged" in m] == [note]
    assert rows(path, "PRAGMA quick_check") == [("ok",)]


async def test_app_finds_a_damaged_page_after_its_first_paint_and_sets_the_file_aside(
        demo, demo_config: Config, toasts) -> None:  # noqa: ANN001
    await _open_damaged(demo, demo_config, toasts, "usage")  # Home never reads it: the check after the paint finds it


async def test_app_whose_first_reads_meet_a_damaged_page_sets_the_file_aside(
        demo, demo_config: Config, toasts) -> None:  # noqa: ANN001
    await _open_damaged(demo, demo_config, toasts, "deployments")  # Home counts the VMs by state: it reads them all


def test_a_damaged_cache_takes_its_wal_and_shm_aside_with_it(demo, demo_config: Config, cli_config: Path,  # noqa: ANN001
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = demo_config.cache_path
    fill(demo_config, demo)
    wal = crashed_with_a_wal(path)
    damage(path, (0, 100))  # its header: not a database any more (the WAL holds no newer first page)
    code, out = sync_output(cli_config, capsys)
    assert code == 0 and "14/14 sources refreshed" in out, out
    [aside] = path.parent.glob("cache.sqlite.damaged-*[0-9]")
    assert aside.with_name(aside.name + "-wal").read_bytes() == wal  # the crash's last writes, kept with their file
    assert aside.with_name(aside.name + "-shm").exists()
    assert rows(path, "SELECT COUNT(*) FROM me WHERE name = 'written by the crashed writer'") == [(0,)]
    code, out = sync_output(cli_config, capsys)
    assert code == 0 and "note:" not in out
