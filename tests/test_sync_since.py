"""The portal's deployments refreshed with ``since``: only what changed is read, and merged into the cache."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlite_utils import Database

from biosphere_tui.cache.db import connect, open_cache
from biosphere_tui.cache.schema import migrations
from biosphere_tui.config import Config
from biosphere_tui.demo.contract import Role
from biosphere_tui.demo.httpserver import Reply, Request
from biosphere_tui.sync import FULL_PASS_EVERY, Sync

SOURCES = {"portal.account", "portal.deployments"}
GROUP = "marine-meta"  # the demo user administers it


@pytest.fixture
def replies(demo) -> Iterator[list[tuple[str, dict[str, Any]]]]:  # noqa: ANN001
    """(query, body) of every deployments list the portal answers 200."""
    seen: list[tuple[str, dict[str, Any]]] = []
    route = demo.portal.service.router

    def recording(req: Request) -> Reply:
        reply = route(req)
        if req.path.endswith("/monitor/deployments") and req.method == "GET" and reply.status == 200:
            seen.append((json.dumps(req.query, sort_keys=True), reply.body))
        return reply

    demo.portal.service.router = recording
    yield seen
    demo.portal.service.router = route


def _refresh(config: Config, demo) -> None:  # noqa: ANN001
    """One refresh by a ``Sync`` of its own (as the ``sync`` command, an app start)."""
    runner = Sync(config, config.cache_path, now=demo.clock.now)
    try:
        assert all(r.ok for r in runner.refresh_blocking(SOURCES))
    finally:
        runner.close()


def _cached(config: Config) -> dict[str, tuple[str, str | None]]:
    db = connect(config.cache_path)
    try:
        return {i: (s, a) for i, s, a in db.execute("SELECT id, state, last_activity FROM deployments")}
    finally:
        db.close()


def _portal_view(demo) -> dict[str, tuple[str, str | None]]:  # noqa: ANN001
    """What the user may see of the world's deployments now (their own, and those of the group they administer)."""
    world = demo.world
    world.tick()
    user = world.user.username
    seen = {}
    for dep in world.deployments.values():
        if dep.owner == user or dep.group_id == GROUP:
            shown = world.monitored(dep)
            last = shown.last_activity.isoformat(timespec="seconds") if shown.last_activity else None
            seen[dep.id] = (shown.state.value, last)
    return seen


def _since_reads(replies: list[tuple[str, dict[str, Any]]]) -> list[bool]:
    return ["since" in query for query, _ in replies]


def test_a_refresh_with_the_clock_running_reads_only_the_deployments_changed(demo_config: Config, demo,  # noqa: ANN001
                                                                              replies: list) -> None:
    open_cache(demo_config.cache_path).db.close()
    _refresh(demo_config, demo)
    assert _since_reads(replies) == [False, False]  # mine, and the group's: in full
    whole = sum(len(body["items"]) for _, body in replies)
    replies.clear()
    demo.clock.advance(240)  # four minutes of demo time (a cursor of ten intervals gets a full read): VMs in use
    # seen busy, deployments moving on
    _refresh(demo_config, demo)
    assert _since_reads(replies) == [True, True]
    sent = sum(len(body["items"]) for _, body in replies)
    assert 0 < sent < whole / 3
    assert _cached(demo_config) == _portal_view(demo)  # merged: the others stay as they were


def test_a_deleted_deployment_is_seen_by_the_next_refresh(demo_config: Config, demo, replies: list) -> None:  # noqa: ANN001
    open_cache(demo_config.cache_path).db.close()
    _refresh(demo_config, demo)
    world = demo.world
    gone = next(d for d in world.deployments.values() if d.owner == world.user.username and d.state.value == "Ready")
    demo.clock.advance(30)
    world.finalize(gone.id)  # what the portal does once the server is deleted
    demo.clock.advance(120)  # then Done
    replies.clear()
    _refresh(demo_config, demo)
    assert _since_reads(replies) == [True, True]
    assert _cached(demo_config)[gone.id][0] == "Done"
    assert _cached(demo_config) == _portal_view(demo)


def test_deployments_the_user_no_longer_sees_leave_the_cache_at_a_full_read(demo_config: Config, demo,  # noqa: ANN001
                                                                           replies: list) -> None:
    """A ``since`` read does not report a deployment the user no longer sees: another set of lists
    (no longer an admin of the group) is read in full."""
    open_cache(demo_config.cache_path).db.close()
    _refresh(demo_config, demo)
    world = demo.world
    user = world.user.username
    others = {d.id for d in world.deployments.values() if d.group_id == GROUP and d.owner != user}
    assert others <= set(_cached(demo_config))
    with world.lock:
        world.members[GROUP][user] = replace(world.members[GROUP][user], role=Role.MEMBER)
    world.touch("people")
    demo.clock.advance(60)
    replies.clear()
    _refresh(demo_config, demo)
    assert _since_reads(replies) == [False]  # mine only, in full
    assert not others & set(_cached(demo_config))


def test_every_tenth_refresh_reads_every_deployment(demo_config: Config, demo, replies: list) -> None:  # noqa: ANN001
    open_cache(demo_config.cache_path).db.close()
    full = []
    for _ in range(2 * FULL_PASS_EVERY + 1):
        replies.clear()
        demo.clock.advance(30)
        _refresh(demo_config, demo)
        full.append(not any(_since_reads(replies)))
        if len(full) == FULL_PASS_EVERY - 1:  # a change the partial reads missed
            db = connect(demo_config.cache_path)
            with db:
                db.execute("DELETE FROM deployments WHERE id = (SELECT MIN(id) FROM deployments)")
            db.close()
    assert [i for i, f in enumerate(full) if f] == [0, FULL_PASS_EVERY, 2 * FULL_PASS_EVERY]
    assert _cached(demo_config) == _portal_view(demo)  # the full pass brought it back


def test_a_cache_of_the_version_before_the_portal_cursor_upgrades_and_then_reads_changes(
        demo_config: Config, demo, replies: list) -> None:  # noqa: ANN001
    db = Database(demo_config.cache_path)
    migrations.apply(db, stop_before="m015_portal_cursor")  # a cache written before the cursor was kept
    db.close()
    open_cache(demo_config.cache_path).db.close()  # as the app and the commands open it: migrated
    _refresh(demo_config, demo)
    assert _since_reads(replies) == [False, False]
    replies.clear()
    demo.clock.advance(60)
    _refresh(demo_config, demo)
    assert _since_reads(replies) == [True, True]
    assert _cached(demo_config) == _portal_view(demo)
