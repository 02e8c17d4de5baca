"""Hostile data, item 12: a cache written by a newer version of the app.

Replays the defect found from outside: a cache from a newer schema was not detected, every run
failed with SQLITE_ERROR and screen 9 crashed ("no such column"). The newer file is now left as it
is for that version, and this one keeps its own file beside it, saying so.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pilot_support import settle
from sqlite_utils import Database

from biosphere_tui.app import BiosphereApp
from biosphere_tui.cache import schema
from biosphere_tui.cache.db import CacheUnavailable, open_cache
from biosphere_tui.cli import main
from biosphere_tui.config import Config
from hostile.cache_support import sync_once

KNOWN = len(schema.STEPS)


def _newer_cache(path: Path) -> None:
    """What a newer version leaves: every step of ours, then one of its own that changed a column screen 9 reads."""
    open_cache(path).conn.close()
    db = Database(path)
    db.execute("ALTER TABLE deployments DROP COLUMN last_activity")
    db.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, 'm999_future', 'then')",
               [schema.SET_NAME])
    db.conn.commit()
    db.close()


def _newer_untouched(path: Path) -> bool:
    db = Database(path)
    try:
        columns = {c.name for c in db["deployments"].columns}
        return "last_activity" not in columns and "m999_future" in {
            n for (n,) in db.execute("SELECT name FROM _sqlite_migrations").fetchall()}
    finally:
        db.close()


def test_sync_leaves_a_newer_cache_alone_and_uses_its_own_beside_it(demo, demo_config: Config, tmp_path: Path,  # noqa: ANN001
                                                                     capsys) -> None:  # noqa: ANN001
    config_file = tmp_path / "demo" / "config.toml"
    with config_file.open("a") as extra:
        extra.write(f'\n[cache]\npath = "{demo_config.cache_path}"\n')
    _newer_cache(demo_config.cache_path)
    own = demo_config.cache_path.with_name(f"cache.schema-{KNOWN}.sqlite")
    for _ in range(2):  # the two versions used one after the other: the same file each time
        assert main(["--config", str(config_file), "sync"]) == 0
        out = capsys.readouterr().out
        assert (f"the cache {demo_config.cache_path} was written by a newer biosphere-tui (schema {KNOWN + 1}, "
                f"this one knows {KNOWN})") in out
        assert f"this one uses its own cache {own.name} beside it" in out
        assert "SQLITE_ERROR" not in out and "Traceback" not in out
        assert _newer_untouched(demo_config.cache_path)
        assert sorted(p.name for p in demo_config.cache_path.parent.glob("cache*.sqlite")) == [own.name, "cache.sqlite"]


async def test_the_app_on_a_newer_cache_says_so_and_screen_9_works(demo, demo_config: Config, toasts) -> None:  # noqa: ANN001
    _newer_cache(demo_config.cache_path)
    await asyncio.to_thread(sync_once, demo_config, demo)
    app = BiosphereApp(demo_config, now=demo.clock.now, background_refresh=False)
    async with app.run_test(size=(140, 40), notifications=True, message_hook=toasts) as pilot:
        await settle(app, pilot)
        await pilot.press("9")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "IdleScreen"
        said = " ".join(toasts.messages)
        assert "was written by a newer biosphere-tui" in said and str(demo_config.cache_path) in said
        assert app.config.cache_path.name == f"cache.schema-{KNOWN}.sqlite"
    assert _newer_untouched(demo_config.cache_path)


def test_a_newer_cache_with_no_usable_file_beside_it_is_one_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    _newer_cache(folder / "cache.sqlite")
    own = folder / f"cache.schema-{KNOWN}.sqlite"
    own.mkdir()  # something that is not a cache stands where this version's file would go
    with pytest.raises(CacheUnavailable) as refused:
        open_cache(folder / "cache.sqlite")
    assert "was written by a newer biosphere-tui" in str(refused.value) and own.name in str(refused.value)
    assert _newer_untouched(folder / "cache.sqlite")
