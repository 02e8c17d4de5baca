"""The cache: migrations, per-source replacement, freshness, and damaged-file recovery."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database, hookimpl
from sqlite_utils.plugins import pm

from biosphere_tui.cache import reader, vms
from biosphere_tui.cache.db import CacheUnavailable, connect, open_cache
from biosphere_tui.cache.schema import migrations
from biosphere_tui.cache.writer import CacheWriter
from biosphere_tui.models.deployments import Deployment
from biosphere_tui.models.nova import Flavor, Image, Server, SiteLimits, SiteSnapshot
from biosphere_tui.models.states import DeploymentState

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _server(site: str, sid: str, dep: str | None = None, status: str = "ACTIVE") -> Server:
    return Server(site, sid, f"vm-{sid}", status, "ifb.m4.large", 2, 8192, 20, "img", "10.0.0.5", AT, AT,
                  {"biosphere_deployment": dep} if dep else {})


def _snapshot(site: str, *servers: Server) -> SiteSnapshot:
    return SiteSnapshot(list(servers), [Flavor(site, "f1", "ifb.m4.large", 2, 8192, 20)],
                        [Image(site, "img", "Ubuntu 22.04", "active", 10, 512, "ubuntu")],
                        SiteLimits(site, 100, 2 * len(servers), 409600, 8192 * len(servers), 50, len(servers)))


def _deployment(did: str, site: str, server_id: str | None, state: DeploymentState = DeploymentState.READY) -> Deployment:
    return Deployment(did, f"dep-{did}", "app-1", "Ubuntu 22.04", "marine-meta", "demo", site, "ifb.m4.large",
                      state, AT, AT, 2, 8, 20, server_id=server_id, ip="10.0.0.9")


@pytest.fixture
def writer(tmp_path: Path) -> CacheWriter:
    return CacheWriter(open_cache(tmp_path / "c.sqlite").db)


def test_new_cache_has_every_migration_and_wal(tmp_path: Path) -> None:
    db = open_cache(tmp_path / "c.sqlite").db
    assert migrations.pending(db) == []
    assert db.journal_mode == "wal"
    assert {"deployments", "servers", "freshness", "site_history"} <= set(db.table_names())


class _Plugin:
    """A sqlite-utils plugin installed on the machine: it would run on every connection sqlite-utils wraps."""

    seen: list[object] = []

    @staticmethod
    @hookimpl
    def prepare_connection(conn: object) -> None:
        _Plugin.seen.append(conn)


def test_sqlite_utils_plugins_never_run_on_the_cache(tmp_path: Path) -> None:
    pm.register(_Plugin, name="test-plugin")
    try:
        opened = open_cache(tmp_path / "c.sqlite")
        CacheWriter(opened.db)
        CacheWriter(connect(opened.path))
    finally:
        pm.unregister(name="test-plugin")
    assert _Plugin.seen == []


def test_older_schema_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = Database(path)
    migrations.apply(db, stop_before="m002_site_history")  # a cache written by an older version
    db.execute("INSERT INTO sites (id, platform, state) VALUES ('ifb-core-cloud', 'IFB-core', 'up')")
    db.conn.commit()
    db.close()
    reopened = open_cache(path)
    assert reopened.notice is None
    assert "site_history" in reopened.db.table_names()
    assert reopened.db.execute("SELECT platform FROM sites").fetchone() == ("IFB-core",)


def test_site_replacement_removes_vanished_rows_of_that_site_only(writer: CacheWriter) -> None:
    writer.site("a", _snapshot("a", _server("a", "1"), _server("a", "2")), 0.1, AT)
    writer.site("b", _snapshot("b", _server("b", "9")), 0.1, AT)
    writer.site("a", _snapshot("a", _server("a", "2", status="SHUTOFF")), 0.1, AT)
    rows = writer.db.execute("SELECT site, id, status FROM servers ORDER BY site, id").fetchall()
    assert rows == [("a", "2", "SHUTOFF"), ("b", "9", "ACTIVE")]


def test_failure_keeps_rows_and_records_error_and_age(writer: CacheWriter) -> None:
    writer.site("a", _snapshot("a", _server("a", "1")), 0.2, AT)
    later = AT.replace(hour=13)
    writer.record_failure("site.a", "unreachable", "cannot connect", 1.5, later)
    writer.record_failure("site.a", "unreachable", "cannot connect", 1.5, later.replace(minute=5))
    (fresh,) = reader.freshness(writer.db)
    assert (fresh.ok, fresh.last_error, fresh.failures) == (False, "cannot connect", 2)
    assert fresh.last_success == AT and fresh.last_attempt == later.replace(minute=5)
    assert writer.db.execute("SELECT COUNT(*) FROM servers").fetchone()[0] == 1
    writer.site("a", _snapshot("a"), 0.2, later.replace(minute=10))
    (fresh,) = reader.freshness(writer.db)
    assert (fresh.ok, fresh.failures) == (True, 0)


def test_vm_view_joins_deployment_to_live_server(writer: CacheWriter) -> None:
    writer.deployments([_deployment("d1", "a", "1"), _deployment("d2", "a", None, DeploymentState.PROVISIONING)], 0.1, AT)
    writer.site("a", _snapshot("a", _server("a", "1", dep="d1", status="SHUTOFF")), 0.1, AT)
    by_id = {vm.id: vm for vm in vms.vms(writer.db)}
    assert by_id["d1"].server_status == "SHUTOFF" and by_id["d1"].ip == "10.0.0.5"
    assert by_id["d2"].server_status is None and by_id["d2"].ip == "10.0.0.9"
    assert [vm.id for vm in vms.vms(writer.db, vms.VmQuery(text="PROVISION"))] == ["d2"]
    assert reader.quota_use(writer.db, "marine-meta").vcpu == 4


def test_usage_replacement_is_scoped_to_its_windows_and_prunes_old_days(writer: CacheWriter) -> None:
    from biosphere_tui.models.deployments import UsageDay

    def day(group: str, d: int) -> UsageDay:
        return UsageDay(group, date(2026, 11, d), "demo", "a", 24, 48, 96, 480, 0)

    end = date(2026, 11, 20)
    writer.usage({"g1": date(2026, 11, 1), "g2": date(2026, 11, 1)}, end,
                 [day("g1", 1), day("g1", 2), day("g2", 2)], date(2026, 11, 1), 0.1, AT)
    writer.usage({"g1": date(2026, 11, 19)}, end, [day("g1", 19)], date(2026, 11, 2), 0.1, AT)
    rows = writer.db.execute("SELECT group_id, day FROM usage ORDER BY group_id, day").fetchall()
    assert rows == [("g1", "2026-11-02"), ("g1", "2026-11-19"), ("g2", "2026-11-02")]
    assert reader.usage_synced_on(writer.db) == {"g1": end}


@pytest.mark.parametrize("full_check", [True, False])  # False: the app's open, whose full check comes after its first paint
@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_damaged_cache_is_moved_aside_and_rebuilt(tmp_path: Path, damage: str, full_check: bool) -> None:
    path = tmp_path / "c.sqlite"
    good = open_cache(path).db
    CacheWriter(good).site("a", _snapshot("a", *[_server("a", str(i)) for i in range(200)]), 0.1, AT)
    good.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    good.close()
    data = path.read_bytes()
    path.write_bytes({"garbage": b"this is not a database at all" * 200, "truncated": data[: len(data) // 2],
                      "empty": b""}[damage])
    opened = open_cache(path, full_check=full_check)
    assert opened.db.execute("SELECT COUNT(*) FROM servers").fetchone()[0] == 0
    assert migrations.pending(opened.db) == []
    if damage == "empty":  # SQLite treats an empty file as a new database: nothing to move aside
        assert opened.notice is None
    else:
        assert opened.notice and "moved to" in opened.notice
        assert list(tmp_path.glob("c.sqlite.damaged-*"))


def test_unwritable_cache_folder_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CacheUnavailable, match="cannot create the cache folder"):
        open_cache(blocker / "sub" / "c.sqlite")


def test_two_connections_read_while_one_writes(tmp_path: Path) -> None:
    from biosphere_tui.cache.db import connect

    path = tmp_path / "c.sqlite"
    w = CacheWriter(open_cache(path).db)
    r = connect(path)
    with w.db.atomic():
        w.site("a", _snapshot("a", _server("a", "1")), 0.1, AT)
        assert r.execute("SELECT COUNT(*) FROM servers").fetchone()[0] == 0  # WAL: the reader is not blocked
    assert r.execute("SELECT COUNT(*) FROM servers").fetchone()[0] == 1
