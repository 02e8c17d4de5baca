"""Hostile data, item 9: VM passwords on disk, and files other local users could read.

Replays the defect found from outside: the cache held the VMs' passwords in clear and was created
0644 when its folder already existed, so another local user (``nobody``) read 9 VM passwords.
Now the cache keeps no secret (they are fetched from the portal when shown), older caches are
purged of theirs, and every file the app writes is 0600 in a 0700 folder of its own.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pilot_support import settle
from screen_text import text_of
from sqlite_utils import Database

from biosphere_tui.app import BiosphereApp
from biosphere_tui.cache import schema
from biosphere_tui.cache.db import open_cache
from biosphere_tui.config import Config
from biosphere_tui.demo import contract as wire
from biosphere_tui.local import journal, logs
from biosphere_tui.local.folders import cache_dir, journal_file, log_file, state_file
from biosphere_tui.local.state import UserState, save_state
from biosphere_tui.models.deployments import UsageDay
from biosphere_tui.models.states import DeploymentState
from biosphere_tui.rules.classroom import Seat, write_csv
from biosphere_tui.rules.export import write_usage_csv
from biosphere_tui.rules.privacy import SECRET_MASK as MASK
from hostile.cache_support import demo_secrets, found_on_disk, mode, nobody_reads, sync_once

RSTUDIO = "180"


def test_a_sync_keeps_no_vm_password_on_disk(demo, demo_config: Config) -> None:  # noqa: ANN001
    secrets = demo_secrets(demo)
    assert len(secrets) >= 9  # as many as "nobody" read
    path = sync_once(demo_config, demo)
    assert found_on_disk(path.parent, secrets) == {}
    db = Database(path)
    kept = [json.loads(raw) for (raw,) in db.execute("SELECT parameters FROM deployments").fetchall()]
    secret_params = [p for params in kept for p in params if p["secret"]]
    assert secret_params and all(p == {"name": p["name"], "secret": True} for p in secret_params)  # name and flag only
    assert any(p == {"name": "username", "value": "ubuntu", "secret": False} for params in kept for p in params)


def _old_cache_with_passwords(path: Path) -> set[str]:
    """A cache as the previous version left it: passwords in the rows, older copies in freed pages and the WAL."""
    db = Database(path)
    db.enable_wal()
    schema.migrations.apply(db, stop_before="m009_secrets_off_disk")
    secrets: set[str] = set()
    for round_ in range(3):  # each sync rewrote the rows: earlier copies linger in free space
        for i in range(200):
            secret = f"pw-{round_}-{i:03}-{os.urandom(6).hex()}"
            secrets.add(secret)
            params = json.dumps([{"name": "username", "value": "ubuntu", "secret": False},
                                 {"name": "password", "value": secret, "secret": True}], separators=(",", ":"))
            db.execute("INSERT OR REPLACE INTO deployments (id, name, state, created, updated, parameters) "
                       "VALUES (?, ?, 'Ready', '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00', ?)",
                       [f"d-{i}", f"vm-{i}", params])
        db.conn.commit()
        if round_ == 1:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("DELETE FROM deployments WHERE id LIKE 'd-1%'")  # freed pages, never overwritten
    db.conn.commit()
    db.close()
    return secrets


def test_an_older_cache_is_purged_of_its_passwords_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    secrets = _old_cache_with_passwords(path)
    assert found_on_disk(tmp_path, secrets)  # the replay: they were there
    opened = open_cache(path)
    assert found_on_disk(tmp_path, secrets) == {}
    params = [json.loads(raw) for (raw,) in opened.conn.execute("SELECT parameters FROM deployments")]
    assert params and all(p == [{"name": "username", "value": "ubuntu", "secret": False},
                                {"name": "password", "secret": True}] for p in params)
    opened.conn.close()


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder other local users can walk through (pytest's own are 0700), like a home directory."""
    folder = Path(tempfile.mkdtemp(prefix="biosphere-shared-"))
    folder.chmod(0o755)
    yield folder
    import shutil

    shutil.rmtree(folder)


def test_the_cache_is_private_even_in_a_folder_that_existed(demo, demo_config: Config, shared_tmp: Path,  # noqa: ANN001
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared_tmp))
    folder = cache_dir()
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)  # as the defect found it
    older = folder / "cache.sqlite"  # and an older cache file left readable, with its WAL files
    for name in ("cache.sqlite", "cache.sqlite-wal", "cache.sqlite-shm"):
        (folder / name).touch(mode=0o644)
    older.unlink()  # an empty -wal/-shm without their database: sqlite starts afresh
    from dataclasses import replace

    path = sync_once(replace(demo_config, cache_path=folder / "cache.sqlite"), demo)
    opened = open_cache(path)  # open: its -wal and -shm exist
    files = {p.name: mode(p) for p in folder.iterdir()}
    assert mode(folder) == "0o700"
    assert files == {"cache.sqlite": "0o600", "cache.sqlite-wal": "0o600", "cache.sqlite-shm": "0o600"}
    assert nobody_reads(path) in (False, None)
    opened.conn.close()


def test_a_cache_file_chosen_elsewhere_is_created_private_and_its_folder_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    opened = open_cache(folder / "mine.sqlite")
    opened.db.execute("INSERT INTO me VALUES ('a', 'b', 'c')")
    opened.db.conn.commit()
    assert mode(folder) == "0o755"
    assert {p.name: mode(p) for p in folder.iterdir()} == {
        "mine.sqlite": "0o600", "mine.sqlite-wal": "0o600", "mine.sqlite-shm": "0o600"}
    opened.conn.close()


def test_log_journal_and_state_are_private_in_private_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    for path in (log_file(), journal_file(), state_file()):
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
        path.parent.chmod(0o755)
    root = logging.getLogger()
    kept = list(root.handlers), root.level
    try:
        logs.setup(log_file())
        logging.getLogger("test").warning("hello")
        handler = root.handlers[0]
        assert isinstance(handler, logging.handlers.RotatingFileHandler)
        handler.doRollover()  # the next file too
        logging.getLogger("test").warning("again")
        handler.close()
    finally:
        root.handlers[:], _ = kept[0], root.setLevel(kept[1])
    journal.Journal(journal_file()).append(journal.entry(__import__("datetime").datetime.now(), "me", "x", []))
    save_state(state_file(), UserState())
    for path in (log_file(), log_file().with_name(log_file().name + ".1"), journal_file(), state_file()):
        assert (mode(path), mode(path.parent)) == ("0o600", "0o700"), path


def test_exports_are_private_and_the_chosen_folder_is_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    (folder / "usage.csv").touch(mode=0o644)  # an older export, readable by all
    write_usage_csv([UsageDay("g", date(2026, 1, 1), "me", "s", 1, 1, 1, 1, 0)], folder / "usage.csv")
    write_csv([Seat("vm-01", "site", "flavor")], folder / "class.csv")
    assert {p.name: mode(p) for p in folder.iterdir()} == {"usage.csv": "0o600", "class.csv": "0o600"}
    assert mode(folder) == "0o755"


def test_a_class_csv_never_goes_into_a_file_another_user_planted(shared_tmp: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("planting a file as another user needs root")
    sticky = shared_tmp / "tmp"
    sticky.mkdir()
    sticky.chmod(0o1777)  # like /tmp
    planted = sticky / "class.csv"
    planted.write_text("")
    planted.chmod(0o666)
    os.chown(planted, 65534, 65534)  # nobody's file, which nobody reads later
    from biosphere_tui.models.deployments import Deployment, Parameter

    dep = Deployment("d1", "vm-01", "a", "A", "g", "me", "s", "f", DeploymentState.READY,
                     __import__("datetime").datetime(2026, 1, 1), __import__("datetime").datetime(2026, 1, 1), 1, 1, 1,
                     parameters=(Parameter("password", "hunter2-secret", secret=True),))
    with planted.open() as held:  # what nobody would keep open, waiting for the passwords
        try:
            write_csv([Seat("vm-01", "s", "f", dep)], planted)
        except PermissionError:
            pass  # refused (a user other than root may not replace another's file in a sticky folder)
        else:  # root may: the file is then a new one of its own, and the planted one never got a byte
            assert (planted.stat().st_uid, mode(planted)) == (os.geteuid(), "0o600")
            assert "hunter2-secret" in planted.read_text()
        assert held.read() == ""
    assert [p.name for p in sticky.iterdir()] == ["class.csv"]  # no half-written file left beside it


def test_demo_server_config_is_private(demo, tmp_path: Path) -> None:  # noqa: ANN001
    chosen = tmp_path / "chosen"
    chosen.mkdir(mode=0o755)
    chosen.chmod(0o755)
    demo.write_config(chosen)
    demo.write_config(tmp_path / "new")
    assert {p.name: mode(p) for p in chosen.iterdir()} == {
        "clouds.yaml": "0o600", "token": "0o600", "config.toml": "0o600"}
    assert (mode(chosen), mode(tmp_path / "new")) == ("0o755", "0o700")


# -- shown when asked: fetched from the portal ---------------------------------------------------


def _ready_with_secret(demo) -> tuple[str, str]:  # noqa: ANN001
    dep = next(d for d in demo.world.deployments.values()
               if d.owner == "demo" and d.state is wire.DeploymentState.READY and any(p.secret for p in d.parameters))
    return dep.id, next(p.value for p in dep.parameters if p.secret)


async def _myvm_on(app: BiosphereApp, pilot, key: str) -> None:  # noqa: ANN001
    await settle(app, pilot)
    await pilot.press("3")
    await settle(app, pilot)
    table = app.screen.query_one("#vms")
    table.move_cursor(row=table.get_row_index(key))
    await pilot.pause()


@pytest.mark.parametrize("read_only", [False, True])
async def test_v_on_myvm_fetches_the_password_from_the_portal(demo, demo_config: Config, read_only: bool, toasts) -> None:  # noqa: ANN001
    from dataclasses import replace

    config = replace(demo_config, read_only=read_only)  # a read: allowed in read-only mode
    path = await asyncio.to_thread(sync_once, config, demo)
    key, secret = _ready_with_secret(demo)
    app = BiosphereApp(config, now=demo.clock.now, background_refresh=False)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await _myvm_on(app, pilot, key)
        await pilot.press("v")
        pane = app.screen.query_one("#describe")
        await settle(app, pilot, lambda: secret in text_of(pane))
        assert any("Fetching the secrets of" in n.message for n in toasts.raised)
        await pilot.press("v")
        assert secret not in text_of(pane) and MASK in text_of(pane)
    assert found_on_disk(path.parent, {secret}) == {}


async def test_v_with_the_portal_down_says_the_password_lives_there(demo, demo_config: Config, toasts) -> None:  # noqa: ANN001
    await asyncio.to_thread(sync_once, demo_config, demo)
    key, secret = _ready_with_secret(demo)
    app = BiosphereApp(demo_config, now=demo.clock.now, background_refresh=False)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await _myvm_on(app, pilot, key)
        demo.set_fault("portal", "down")
        await pilot.press("v")
        await settle(app, pilot, lambda: any("only kept on the portal" in n.message for n in toasts.raised))
        said = " ".join(toasts.messages)
        assert ("the password is only kept on the portal; it cannot be fetched while the portal is unreachable"
                in said)
        assert secret not in text_of(app.screen)
        assert "Traceback" not in said


def test_launch_show_secrets_prints_from_the_live_reply_and_keeps_none(cli, demo, capsys, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr("biosphere_tui.scripting.act.pause", lambda seconds: demo.clock.advance(30))
    assert cli("launch", RSTUDIO, "--site", "ifb-core-cloud", "--flavour", "ifb.m4.xlarge", "--name", "kept-off",
               "--wait", "--show-secrets") == 0
    [dep] = [d for d in demo.world.deployments.values() if d.name == "kept-off"]
    [password] = [p for p in demo.world.deployments[dep.id].parameters if p.secret]
    assert f"{password.name}  {password.value}" in capsys.readouterr().out
    assert found_on_disk(cli.cache.parent, {password.value}) == {}
