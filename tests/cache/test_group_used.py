"""Quota use: the portal's group-wide figure when it sends one, else the user's own deployments."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from biosphere_tui.cache import reader
from biosphere_tui.cache.db import open_cache
from biosphere_tui.cache.schema import migrations
from biosphere_tui.cache.writer import CacheWriter
from biosphere_tui.models.deployments import Deployment
from biosphere_tui.models.groups import Group, Quota, User
from biosphere_tui.models.states import DeploymentState, GroupKind, Role

AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
GROUP = Group("ebame-2026", "ebame-2026", "EBAME 2026", GroupKind.TRAINING, Role.MEMBER, Quota(400, 1600, 8000),
              date(2026, 1, 1), date(2026, 12, 31), "training")
MINE = Deployment("d1", "mine", "app-1", "Ubuntu 22.04", GROUP.id, "demo", "ifb-core-cloud", "ifb.m4.large",
                  DeploymentState.READY, AT, AT, 2, 8, 20)


@pytest.fixture
def writer(tmp_path: Path) -> CacheWriter:
    w = CacheWriter(open_cache(tmp_path / "c.sqlite").db)
    w.deployments([MINE], 0.1, AT)
    return w


def _account(writer: CacheWriter, group: Group) -> None:
    writer.account(User("demo", "Camille Martin", "camille@example.org"), [group], 0.1, AT)


def test_the_portals_group_wide_figure_wins_and_is_kept_on_the_group(writer: CacheWriter) -> None:
    _account(writer, replace(GROUP, used=Quota(120, 480, 900)))
    assert reader.quota_use(writer.db, GROUP.id) == Quota(120, 480, 900)
    (cached,) = reader.groups(writer.db)
    assert cached.used == Quota(120, 480, 900) and not reader.counts_own_vms_only(cached)


def test_without_it_a_member_counts_their_own_deployments_and_is_told_so(writer: CacheWriter) -> None:
    _account(writer, GROUP)
    assert reader.quota_use(writer.db, GROUP.id) == Quota(2, 8, 20)
    (cached,) = reader.groups(writer.db)
    assert cached.used is None and reader.counts_own_vms_only(cached)
    assert not reader.counts_own_vms_only(replace(cached, role=Role.ADMIN))  # an admin sees every VM


def test_a_cache_of_an_older_version_gains_the_columns_empty(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = Database(path)
    migrations.apply(db, stop_before="m008_group_used")
    db.execute("INSERT INTO groups (id, name, full_name, kind, role, quota_vcpu, quota_ram_gb, quota_storage_gb, "
               "start_date, end_date, funding) VALUES ('g', 'g', 'G', 'project', 'member', 1, 2, 3, "
               "'2026-01-01', '2026-12-31', '')")
    db.conn.commit()
    db.close()
    (group,) = reader.groups(open_cache(path).db)
    assert group.quota == Quota(1, 2, 3) and group.used is None
