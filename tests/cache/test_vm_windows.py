"""Windows of VMs read through the sort orders' indexes; sources' versions move only with their rows."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from biosphere_tui.cache import reader, vms
from biosphere_tui.cache.db import open_cache
from biosphere_tui.cache.schema import migrations
from biosphere_tui.cache.vms import VmQuery
from biosphere_tui.cache.writer import CacheWriter
from biosphere_tui.models.deployments import Deployment
from biosphere_tui.models.nova import Server, SiteLimits, SiteSnapshot
from biosphere_tui.models.states import DeploymentState

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
STATES = list(DeploymentState)
SITES = ("a", "b", "c")


def fleet(n: int = 60) -> list[Deployment]:
    """Deployments with repeated values in every column (ties are broken by id)."""
    return [Deployment(f"d{i:03}", f"vm-{i % 7}{'AbC'[i % 3]}", "125", f"App {i % 4}", f"g{i % 3}", f"u{i % 5}",
                       SITES[i % 3], f"flavor-{i % 4}", STATES[i % len(STATES)], AT - timedelta(hours=i % 11), AT,
                       1 + i % 4, 2 * (1 + i % 3), 20, server_id=f"s{i}", ip=f"10.0.{i % 6}.{i}")
            for i in range(n)]


def snapshot(site: str, status: str = "ACTIVE") -> SiteSnapshot:
    servers = [Server(site, f"s{i}", f"vm-{i}", status, "f", 1, 1024, 10, "img", f"192.168.0.{i}", AT, AT)
               for i in range(0, 60, 2) if SITES[i % 3] == site]
    return SiteSnapshot(servers, [], [], SiteLimits(site, 100, 4, 409600, 16384, 50, 2))


@pytest.fixture
def writer(tmp_path: Path) -> CacheWriter:
    w = CacheWriter(open_cache(tmp_path / "c.sqlite").db)
    w.deployments(fleet(), 0.1, AT)
    for site in SITES:
        w.site(site, snapshot(site), 0.1, AT)
    return w


SCOPES = [{}, {"group_id": "g1"}, {"owner": "u2"}, {"owner": "u2", "text": "vm"}]


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("sort", list(vms.VM_SORTS))
def test_reading_through_the_sort_index_gives_the_sorted_rows(writer: CacheWriter, sort: str,
                                                              descending: bool) -> None:
    for scope in SCOPES:
        query = VmQuery(sort=sort, descending=descending, **scope)  # type: ignore[arg-type]
        for limit in (5, 200):
            assert vms.vms(writer.db, query, limit=limit, ordered=True) == vms.vms(writer.db, query, limit=limit)


@pytest.mark.parametrize("sort", [s for s in vms.VM_SORTS if s not in vms.SERVER_SORTS])
def test_each_sort_on_a_deployments_column_has_its_index(writer: CacheWriter, sort: str) -> None:
    for scope in SCOPES:
        query = VmQuery(sort=sort, finished=False, **scope)  # type: ignore[arg-type]
        where, params = query.where(ordered=True)
        plan = " | ".join(row[3] for row in writer.db.execute(
            f"EXPLAIN QUERY PLAN SELECT id FROM vms WHERE {where} ORDER BY {query.order()} LIMIT 5", params).fetchall())
        assert "TEMP B-TREE" not in plan and f"deployments_by_{sort}" in plan, plan


def test_a_window_with_its_count_known_counts_nothing(writer: CacheWriter) -> None:
    conn: sqlite3.Connection = writer.db.conn
    query = VmQuery(group_id="g1", sort="name")
    rows, total = vms.window(conn, query, limit=5)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        assert vms.window(conn, replace(query, descending=True), limit=5, total=total) == (
            vms.vms(conn, replace(query, descending=True), limit=5), total)
    finally:
        conn.set_trace_callback(None)
    assert len(rows) == 5 and total == 20
    assert not [s for s in statements if "COUNT(" in s.upper()]
    assert vms.window(conn, replace(query, text="no-such-vm"), limit=5) == ([], 0)


def test_a_sources_version_moves_only_when_its_rows_change(writer: CacheWriter) -> None:
    def version(source: str) -> int:
        return dict(reader.versions(writer.db, ()))[source]

    deployments, site = version("portal.deployments"), version("site.a")
    writer.deployments(fleet(), 0.1, AT + timedelta(minutes=1))  # the same rows again
    writer.site("a", snapshot("a"), 0.1, AT + timedelta(minutes=1))
    assert (version("portal.deployments"), version("site.a")) == (deployments, site)
    changed = fleet()
    changed[3] = replace(changed[3], state=DeploymentState.DONE)
    writer.deployments(changed, 0.1, AT)  # at the same instant (a frozen clock): the version still moves
    assert version("portal.deployments") == deployments + 1
    writer.deployments(changed[1:], 0.1, AT)  # one deleted upstream
    writer.site("a", snapshot("a", status="SHUTOFF"), 0.1, AT)
    assert (version("portal.deployments"), version("site.a")) == (deployments + 2, site + 1)
    assert dict(reader.versions(writer.db, ("site.",))).keys() == {"site.a", "site.b", "site.c"}


def test_an_older_cache_gains_the_indexes_and_versions_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = Database(path)
    migrations.apply(db, stop_before="m012_vm_windows")
    db["deployments"].insert_all(  # as that version wrote them
        {"id": d.id, "name": d.name, "group_id": d.group_id, "owner": d.owner, "site": d.site, "state": d.state.value,
         "created": d.created.isoformat(), "updated": d.updated.isoformat(), "vcpu": d.vcpu, "ram_gb": d.ram_gb}
        for d in fleet(8))
    db["freshness"].insert({"source": "portal.deployments", "last_success": AT.isoformat(), "rows": 8, "failures": 0})
    db.close()
    opened = open_cache(path)
    indexes = {name for (name,) in opened.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {f"deployments_by_{s}" for s in vms.VM_SORTS if s not in vms.SERVER_SORTS} <= indexes
    assert reader.versions(opened.conn, ("portal.",)) == (("portal.deployments", 0),)
    assert [vm.id for vm in vms.vms(opened.conn, VmQuery(sort="name"), ordered=True)] == \
        [vm.id for vm in vms.vms(opened.conn, VmQuery(sort="name"))] and vms.count(opened.conn) == 8


WORDS = ["vm", "VM-3", "a", "3c", "app 2", "u2", "192.168.0.1",  "ready", "b", "%", "_", "vm- 1", "nothing"]


class CountedTexts(tuple[str, ...]):
    """The searched texts of an ``Ordering``, recording which are looked at."""

    looked: set[int] = set()

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        CountedTexts.looked.add(index)
        return super().__getitem__(index)


def test_a_key_typed_scans_the_vms_the_text_before_found_and_a_key_erased_scans_none() -> None:
    names = [f"{a}{b}" for a in ("vir", "core", "x") for b in ("ome", "us", "")] * 100
    order = vms.Ordering(tuple(f"d{i}" for i in range(len(names))), CountedTexts(names))
    scanned = []
    for text in ("v", "vi", "vir", "viro", "vir", "vi", "v", "VIRO", "viro us", "x"):
        CountedTexts.looked = set()
        found = order.matching(text)
        assert found == [f"d{i}" for i, name in enumerate(names) if all(w in name for w in text.lower().split())]
        scanned.append(len(CountedTexts.looked))
    assert scanned == [900, 300, 300, 300, 0, 0, 0, 0, 100, 900]  # "viro us": within what "viro" found


@pytest.mark.parametrize("sort", list(vms.VM_SORTS))
def test_a_filter_searched_in_memory_finds_what_sql_finds_in_the_same_order(writer: CacheWriter, sort: str) -> None:
    """The in-memory search a filter keystroke uses: same VMs, same order, same count as the
    SQL query (words in any field, any case, ``%`` and ``_`` taken literally, server IPs)."""
    found: set[str] = set()
    for scope in SCOPES[:3]:
        for descending in (False, True):
            query = VmQuery(sort=sort, descending=descending, finished=False, **scope)  # type: ignore[arg-type]
            order = vms.ordering(writer.db, query)
            for text in WORDS:
                searched = replace(query, text=text)
                for limit in (4, 200):
                    rows, total = vms.searched(writer.db, order, text, limit=limit)
                    assert (rows, total) == vms.window(writer.db, searched, limit=limit), (scope, text)
                    found |= {text} if total else set()
    assert found == set(WORDS) - {"%", "_", "nothing"}  # every other word matches some VM


@pytest.mark.parametrize("sort", list(vms.VM_SORTS))
def test_an_ordering_from_every_vms_texts_reads_the_ids_alone_and_equals_one_read_whole(
        writer: CacheWriter, sort: str) -> None:
    """Another scope or sort of the same data reads only its ids in order, without the join to the
    servers when the sort is on a deployment's column, and searches the texts read once; a VM written
    since those texts were read is searched too."""
    texts = vms.search_texts(writer.db)
    added = replace(fleet(61)[60], name="newcomer", state=DeploymentState.READY)
    writer.deployments([*fleet(), added], 0.1, AT)
    conn: sqlite3.Connection = writer.db.conn
    found: set[str] = set()
    for scope in SCOPES[:3]:
        for descending in (False, True):
            query = VmQuery(sort=sort, descending=descending, finished=False, **scope)  # type: ignore[arg-type]
            statements: list[str] = []
            conn.set_trace_callback(statements.append)
            try:
                order = vms.ordering(conn, query, texts=texts)
            finally:
                conn.set_trace_callback(None)
            assert order == vms.ordering(conn, query)
            assert order.matching("newcomer") == ([added.id] if added.id in order.ids else [])
            found |= set(order.matching("newcomer"))
            if sort not in vms.SERVER_SORTS:  # the ids, from the deployments alone
                assert statements[0].startswith("SELECT id FROM deployments "), statements
    assert found == {added.id}
