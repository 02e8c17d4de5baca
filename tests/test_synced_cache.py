"""The ``synced`` shortcut (tests/synced_cache.py): a copy of the template holds what a real sync of a
pristine demo writes, and a demo that is not pristine never gets a copy."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest
from synced_cache import TEMPLATES, Templates, pristine_demo, sync_once

from biosphere_tui.config import Config, load
from biosphere_tui.demo import world as world_module
from biosphere_tui.demo.cloud import DemoCloud
from biosphere_tui.demo.site_state import FakeFlavor

# what differs between two real syncs of one pristine demo: when each migration ran, what each read took
VOLATILE = {"_sqlite_migrations": "applied_at", "freshness": "duration", "site_history": "latency_ms"}


def os_only(demo: DemoCloud, tmp_path: Path) -> Config:
    cfg = load(demo.write_config(tmp_path / "demo-os", portal=False))
    return replace(cfg, cache_path=tmp_path / "os-cache.sqlite", openstack=replace(cfg.openstack, timeout=4.0))


def contents(path: Path) -> dict[str, object]:
    """The file's schema, pragmas and every table's rows (sorted), the volatile columns left out."""
    assert not Path(f"{path}-wal").exists(), "the cache was left with a write-ahead log"
    with closing(sqlite3.connect(path)) as db:
        found: dict[str, object] = {
            pragma: db.execute(f"PRAGMA {pragma}").fetchall() for pragma in ("journal_mode", "user_version", "page_size")}
        found["schema"] = db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY type, name").fetchall()
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            columns = [c for _, c, *_ in db.execute(f'PRAGMA table_info("{table}")') if c != VOLATILE.get(table)]
            rows = db.execute(f'SELECT {", ".join(f"[{c}]" for c in columns)} FROM "{table}"').fetchall()
            found[table] = sorted(rows, key=repr)
    return found


def differences(copy: dict[str, object], real: dict[str, object]) -> dict[str, object]:
    """Per part that differs, what only the copy holds and what only the real sync wrote."""
    def only(a: object, b: object) -> list[object]:
        return [row for row in a if row not in b] if isinstance(a, list) and isinstance(b, list) else [a]

    return {part: {"copy only": only(copy.get(part), real.get(part)), "real only": only(real.get(part), copy.get(part))}
            for part in copy.keys() | real.keys() if copy.get(part) != real.get(part)}


@pytest.mark.parametrize("portal", [True, False], ids=["with-portal", "openstack-only"])
def test_a_copy_of_the_template_holds_the_rows_of_a_real_sync(demo: DemoCloud, demo_config: Config,
                                                              tmp_path: Path, portal: bool) -> None:
    config = demo_config if portal else os_only(demo, tmp_path)
    copied = replace(config, cache_path=tmp_path / "copied" / "cache.sqlite")
    assert TEMPLATES.fill(copied, demo), "a pristine demo's cache should be the template's copy"
    sync_once(config, demo)
    copy, real = contents(copied.cache_path), contents(config.cache_path)
    assert copy == real, differences(copy, real)
    assert oct(copied.cache_path.stat().st_mode & 0o777) == oct(config.cache_path.stat().st_mode & 0o777)


def _flavor(demo: DemoCloud) -> None:
    next(iter(demo.sites.values())).state.add_flavor(FakeFlavor("tiny-1", "m1.tiny", 1, 512, 1))


CHANGES: dict[str, Callable[[DemoCloud], object]] = {
    "a change of the world": lambda demo: demo.world.touch(),
    "the clock moved": lambda demo: demo.clock.advance(1),
    "a fault at the portal": lambda demo: demo.set_fault("portal", "http500"),
    "a fault at a site": lambda demo: demo.set_fault(next(iter(demo.sites)), "hang"),
    "a site's records changed": _flavor,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_demo_that_is_not_pristine_gets_no_copy(demo: DemoCloud, demo_config: Config, change: str) -> None:
    assert TEMPLATES.template(demo_config, demo) is not None
    CHANGES[change](demo)
    assert TEMPLATES.template(demo_config, demo) is None


def test_a_configuration_of_its_own_gets_its_own_template(demo: DemoCloud, demo_config: Config) -> None:
    fewer = replace(demo_config, openstack=replace(demo_config.openstack, sites=demo_config.openstack.sites[:2]))
    assert TEMPLATES.template(fewer, demo) is not TEMPLATES.template(demo_config, demo)


def test_a_world_made_under_a_patch_leaves_the_others_their_own_template(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Replays a failure the whole suite showed once: the first test of a process to need the template
    patched how the demo makes a Ready VM's access links (tests/hostile/test_ssh_command.py), so the
    template held its links, and every later test of that process started from them."""
    templates = Templates()  # this process's own may already exist: the order of the tests must not matter
    real = world_module._access

    def marked(dep, app):  # noqa: ANN001, ANN202
        links, params = real(dep, app)
        return tuple(replace(link, url=f"{link.url}#patched") for link in links), params

    def config_of(demo: DemoCloud, name: str) -> Config:
        cfg = load(demo.write_config(tmp_path / name))
        return replace(cfg, cache_path=tmp_path / name / "cache.sqlite")

    with monkeypatch.context() as patch:
        patch.setattr(world_module, "_access", marked)
        with pristine_demo() as patched:
            assert templates.fill(config_of(patched, "patched"), patched)
    with pristine_demo() as clean:
        synced, copied = config_of(clean, "real"), config_of(clean, "copied")
        assert templates.fill(copied, clean)
        sync_once(synced, clean)
        copy, real_sync = contents(copied.cache_path), contents(synced.cache_path)
    assert copy == real_sync, differences(copy, real_sync)
    assert "#patched" not in repr(copy["deployments"])
