"""The group directory: read by the portal client, cached by the account source."""

from __future__ import annotations

import pytest

from biosphere_tui import errors
from biosphere_tui.api.portal import PortalClient
from biosphere_tui.cache import people
from biosphere_tui.cache.db import connect, open_cache
from biosphere_tui.models.states import GroupKind
from biosphere_tui.sync import Sync


async def test_directory_lists_every_group_and_says_which_the_user_is_in(demo) -> None:  # noqa: ANN001
    async with PortalClient(demo.portal_url, demo.token, timeout=4.0) as portal:
        entries = await portal.directory()
    assert {e.id for e in entries} == set(demo.world.groups)
    mine = {e.id for e in entries if e.is_member}
    assert mine == {gid for gid in demo.world.groups if demo.world.role(gid, "demo") is not None}
    assert next(e for e in entries if e.id == "dubii-2026").kind is GroupKind.TRAINING


async def test_directory_refuses_a_bad_token(demo) -> None:  # noqa: ANN001
    async with PortalClient(demo.portal_url, "not-the-token", timeout=4.0) as portal:
        with pytest.raises(errors.AuthFailed):
            await portal.directory()


def test_the_account_source_caches_the_directory(demo_config, demo) -> None:  # noqa: ANN001
    open_cache(demo_config.cache_path).db.close()
    runner = Sync(demo_config, demo_config.cache_path, now=demo.clock.now)
    try:
        results = runner.refresh_blocking({"portal.account"})
    finally:
        runner.close()
    assert [r.source for r in results if r.ok] == ["portal.account"]
    db = connect(demo_config.cache_path)
    try:
        joinable = {e.id for e in people.directory(db, joinable_only=True)}
        everything = {e.id for e in people.directory(db)}
    finally:
        db.close()
    assert everything == set(demo.world.groups)
    assert joinable == {gid for gid in demo.world.groups if demo.world.role(gid, "demo") is None}
    assert "dubii-2026" in joinable and "marine-meta" not in joinable
