"""The idle VMs the demo world seeded, read from the world itself (not the cache): what the idle
screen and ``ls idle`` should list."""

from __future__ import annotations

from datetime import timedelta

from biosphere_tui.demo import contract as wire

WEEKS = timedelta(days=14)  # the default thresholds


def seeded_idle(demo, group: str, owner: str | None = None, shutoff: timedelta = WEEKS) -> set[str]:  # noqa: ANN001
    """The Ready deployments of a group that the demo world left unused for two weeks, or shut off
    for ``shutoff``."""
    now, found = demo.clock.now(), set()
    for dep in demo.world.deployments.values():
        if dep.group_id != group or dep.state is not wire.DeploymentState.READY or owner not in (None, dep.owner):
            continue
        server = demo.sites[dep.site].state.servers[dep.server_id]
        last = demo.world.monitored(dep).last_activity
        if (server.status == "SHUTOFF" and now - server.updated >= shutoff) or (
                server.status == "ACTIVE" and now - last >= WEEKS):
            found.add(dep.id)
    return found
