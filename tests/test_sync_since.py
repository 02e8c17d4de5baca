"""The portal's deployments and membership requests refreshed with ``since``: only what changed is read,
and merged into the cache."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlite_utils import Database

from biosphere_tui.cache import reader
from biosphere_tui.cache.db import connect, open_cache
from biosphere_tui.cache.schema import migrations
from biosphere_tui.config import Config
from biosphere_tui.demo.contract import Role
from biosphere_tui.demo.httpserver import Reply, Request
from biosphere_tui.sync import FULL_PASS_EVERY, Sync

SOURCES = {"portal.account", "portal.deployments"}
GROUP = "marine-meta"  # the demo user administers it
DEPLOYMENTS, REQUESTS, MEMBERS = "/monitor/deployments", f"/groups/{GROUP}/requests", f"/groups/{GROUP}/members"
Replies = list[tuple[str, str, int, dict[str, Any]]]


@pytest.fixture
def replies(demo) -> Iterator[Replies]:  # noqa: ANN001
    """(path, query, status, body) of every read the portal answers."""
    seen: Replies = []
    route = demo.portal.service.router

    def recording(req: Request) -> Reply:
        reply = route(req)
        if req.method == "GET":
            seen.append((req.path, json.dumps(req.query, sort_keys=True), reply.status, reply.body))
        return reply

    demo.portal.service.router = recording
    yield seen
    demo.portal.service.router = route


def _refresh(config: Config, demo, sources: set[str] = SOURCES) -> None:  # noqa: ANN001
    """One refresh by a ``Sync`` of its own (as the ``sync`` command, an app start)."""
    runner = Sync(config, config.cache_path, now=demo.clock.now)
    try:
        assert all(r.ok for r in runner.refresh_blocking(sources))
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


def _read(replies: Replies, path: str = DEPLOYMENTS) -> list[tuple[str, dict[str, Any]]]:
    """(query, body) of each read of the list at ``path`` answered 200 (a 304 has no body)."""
    return [(query, body) for at, query, status, body in replies if at.endswith(path) and status == 200]


def _since_reads(replies: Replies, path: str = DEPLOYMENTS) -> list[bool]:
    """Whether each read of the list at ``path`` (answered 200 or 304) asked only what changed since a cursor."""
    return ["since" in query for at, query, _, _ in replies if at.endswith(path)]


def _items(replies: Replies, path: str = DEPLOYMENTS) -> int:
    return sum(len(body["items"]) for _, body in _read(replies, path))


def test_a_refresh_with_the_clock_running_reads_only_the_deployments_changed(demo_config: Config, demo,  # noqa: ANN001
                                                                              replies: list) -> None:
    open_cache(demo_config.cache_path).db.close()
    _refresh(demo_config, demo)
    assert _since_reads(replies) == [False, False]  # mine, and the group's: in full
    whole = _items(replies)
    replies.clear()
    demo.clock.advance(240)  # four minutes of demo time (a cursor of ten intervals gets a full read): VMs in use
    # seen busy, deployments moving on
    _refresh(demo_config, demo)
    assert _since_reads(replies) == [True, True]
    sent = _items(replies)
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


# -- membership requests ---------------------------------------------------------------

MEMBERSHIP = {"portal.account", "portal.members"}


def _cached_people(config: Config) -> tuple[dict[str, tuple[str, str, str]], set[tuple[str, str]]]:
    """The requests (id -> group, state, reason) and the members (group, username) the cache holds."""
    db = connect(config.cache_path)
    try:
        return ({i: (g, s, r or "") for i, g, s, r in db.execute("SELECT id, group_id, state, reason FROM requests")},
                set(db.execute("SELECT group_id, username FROM members")))
    finally:
        db.close()


def _portal_people(demo) -> tuple[dict[str, tuple[str, str, str]], set[tuple[str, str]]]:  # noqa: ANN001
    """What the portal shows the user of the groups they administer: requests and members."""
    world = demo.world
    user = world.user.username
    led = [g.id for g in world.groups_of(user) if g.role is Role.ADMIN]
    return ({r.id: (g, r.state.value, r.reason) for g in led for r in world.request_list(g, user)},
            {(g, m.username) for g in led for m in world.member_list(g, user)})


def _newcomer(demo) -> str:  # noqa: ANN001
    """Someone who is not in the group and has not asked to join it."""
    world = demo.world
    asked = {r.username for r in world.request_list(GROUP, world.user.username)}
    return next(name for name in world.people if world.role(GROUP, name) is None and name not in asked)


def test_a_request_made_or_decided_since_the_last_refresh_is_all_the_next_one_reads(
        demo_config: Config, demo, replies: Replies) -> None:  # noqa: ANN001
    open_cache(demo_config.cache_path).db.close()
    _refresh(demo_config, demo, MEMBERSHIP)
    assert _since_reads(replies, REQUESTS) == [False]
    whole = _items(replies, REQUESTS)
    world, user = demo.world, demo.world.user.username
    pending = next(r for r in world.request_list(GROUP, user) if r.state.value == "pending")
    demo.clock.advance(5)
    world.decide(GROUP, pending.id, user, approve=True)  # in the portal's web page, say
    asked = world.join(GROUP, _newcomer(demo), "May I join?")
    demo.clock.advance(5)
    replies.clear()
    _refresh(demo_config, demo, MEMBERSHIP)
    assert _since_reads(replies, REQUESTS) == [True]
    assert sorted(item["id"] for _, body in _read(replies, REQUESTS) for item in body["items"]) == \
        sorted([pending.id, asked.id]) and whole > 2
    requests, members = _cached_people(demo_config)
    assert (requests, members) == _portal_people(demo)  # merged, and the approved requester is a member now
    assert requests[pending.id][1] == "approved" and (GROUP, pending.username) in members


def test_an_unchanged_refresh_of_the_requests_is_answered_304(demo_config: Config, demo,  # noqa: ANN001
                                                             replies: Replies) -> None:
    open_cache(demo_config.cache_path).db.close()
    _refresh(demo_config, demo, MEMBERSHIP)
    _refresh(demo_config, demo, MEMBERSHIP)  # the first read since the cursor: nothing, and its ETag
    db = connect(demo_config.cache_path)
    before = reader.versions(db, ("portal.members",))
    replies.clear()
    _refresh(demo_config, demo, MEMBERSHIP)
    asked = sorted((at.endswith(REQUESTS), "since" in query, status) for at, query, status, _ in replies
                   if at.endswith((REQUESTS, MEMBERS)))
    assert asked == [(False, False, 304), (True, True, 304)]  # the members in full, the requests since the cursor
    assert reader.versions(db, ("portal.members",)) == before  # no screen reads it again
    db.close()
    assert _cached_people(demo_config) == _portal_people(demo)


def test_a_request_the_portal_no_longer_lists_leaves_the_cache_at_the_next_full_pass(
        demo_config: Config, demo, replies: Replies) -> None:  # noqa: ANN001
    """A ``since`` read reports no request that went (a portal may drop a withdrawn one; the demo's
    never do: the cache is given one it no longer lists); the full pass every tenth refresh drops it."""
    open_cache(demo_config.cache_path).db.close()
    gone = ("mreq-gone", GROUP, "gone", "Gone Away", "gone@example.org", "", "2026-01-01T00:00:00+00:00",
            "pending", "")
    full, kept = [], []
    for i in range(FULL_PASS_EVERY + 1):
        replies.clear()
        demo.clock.advance(30)
        if i == 3:  # the list changes after the full pass: the next one reads it again
            demo.world.join(GROUP, _newcomer(demo), "May I join?")
        _refresh(demo_config, demo, MEMBERSHIP)
        full.append(not any(_since_reads(replies, REQUESTS)))
        if i == 0:
            db = connect(demo_config.cache_path)
            with db:
                db.execute("INSERT INTO requests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", gone)
            db.close()
        kept.append("mreq-gone" in _cached_people(demo_config)[0])
    assert [i for i, f in enumerate(full) if f] == [0, FULL_PASS_EVERY]
    assert kept == [True] * FULL_PASS_EVERY + [False]
    assert _cached_people(demo_config) == _portal_people(demo)


def test_requests_and_members_of_a_group_the_user_no_longer_administers_leave_the_cache(
        demo_config: Config, demo, replies: Replies) -> None:  # noqa: ANN001
    open_cache(demo_config.cache_path).db.close()
    _refresh(demo_config, demo, MEMBERSHIP)
    requests, members = _cached_people(demo_config)
    assert any(g == GROUP for g, _, _ in requests.values()) and any(g == GROUP for g, _ in members)
    world, user = demo.world, demo.world.user.username
    with world.lock:
        world.members[GROUP][user] = replace(world.members[GROUP][user], role=Role.MEMBER)
    world.touch("people")
    demo.clock.advance(60)
    _refresh(demo_config, demo, MEMBERSHIP)
    assert _cached_people(demo_config) == _portal_people(demo) == ({}, set())
