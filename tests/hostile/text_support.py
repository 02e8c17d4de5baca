"""Put hostile text into the demo world where a server (or another user) controls it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from biosphere_tui.demo import contract as wire
from biosphere_tui.demo import records
from biosphere_tui.demo.httpserver import Reply, Request, error_reply

GROUP = "marine-meta"


def inject(demo, value: str) -> None:  # noqa: ANN001 - DemoCloud
    """``value`` as the current group's name, the demo user's VM names (portal and Nova), their
    secrets and reasons, a member's name, pending requests' names and messages, an appliance's
    name (before its own), summary, description and tool, a site's platform name and message."""
    world = demo.world
    with world.lock:
        info = world.groups[GROUP]
        world.groups[GROUP] = replace(info, name=value, full_name=value)
        mine = [d for d in world.deployments.values() if d.owner == world.user.username][:4]
        for dep in mine:
            params = tuple(records.Parameter(p.name, value, p.secret) if p.secret else p for p in dep.parameters)
            world.deployments[dep.id] = replace(dep, name=value, appliance_name=value, parameters=params,
                                                reason=value if dep.reason else "")
            site = world.sites[dep.site].cloud
            with site.lock:
                if dep.server_id in site.servers:
                    site.servers[dep.server_id].name = value
        members = world.members[GROUP]
        other = next(u for u in members if u != world.user.username)
        members[other] = replace(members[other], name=value)
        for rid, request in list(world.requests.items()):
            if request.group_id == GROUP and request.state is wire.RequestState.PENDING:
                world.requests[rid] = replace(request, name=value, message=value)
        for appliance in list(world.appliances.values()):
            tools = (replace(appliance.tools[0], name=value), *appliance.tools[1:]) if appliance.tools else ()
            world.appliances[appliance.id] = replace(appliance, name=f"{value} {appliance.name}", summary=value,
                                                     description=value, tools=tools)
        site = next(iter(world.sites.values()))
        site.spec = replace(site.spec, platform=value)
        site.message = value
        world.touch()  # changed behind the world's methods: its validators (ETags) must change


def fail_with(demo, path_end: str, status: int, message: str) -> Callable[[], None]:  # noqa: ANN001
    """The demo portal answers requests whose path ends with ``path_end`` with this error;
    returns the function that puts the portal back."""
    service = demo.portal.service
    route = service.router

    def hostile(req: Request) -> Reply:
        if req.path.endswith(path_end):
            return error_reply(status, "maintenance", message)
        return route(req)

    service.router = hostile
    return lambda: setattr(service, "router", route)


def sync(config, demo) -> list:  # noqa: ANN001 - Config, DemoCloud
    """One full refresh of the cache from the demo cloud, at the demo's clock; the failures."""
    from biosphere_tui.cache.db import open_cache
    from biosphere_tui.sync import Sync

    open_cache(config.cache_path).db.close()
    runner = Sync(config, config.cache_path, now=demo.clock.now)
    try:
        return [r for r in runner.refresh_blocking() if not r.ok]
    finally:
        runner.close()


def app_on(config, demo):  # noqa: ANN001, ANN201
    """The app on the demo clock, refreshed only when a test asks (a launch followed: every 0.5 s)."""
    from biosphere_tui.app import BiosphereApp

    return BiosphereApp(config, now=demo.clock.now, background_refresh=False, follow_every=0.5)
