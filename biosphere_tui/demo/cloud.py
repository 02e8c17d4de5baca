"""The whole demo cloud on 127.0.0.1: 8 fake OpenStack sites, the fake portal and a control service.

Each site listens on its own port, so a ``down`` fault on one is a real outage. The
control service (no auth, no faults) lets a test or a demo script see the ports and
faults, switch faults and move the clock: ``GET /state``, ``POST /fault``, ``POST /clock``; count
the HTTP bytes of each source (``GET /traffic``); and
change the world: ``POST /server`` (a deployment's server to ERROR, SHUTOFF or ACTIVE),
``POST /membership-request`` (someone asks to join a group).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from biosphere_tui.local.private_files import private_dir, write_private

from .clock import DemoClock
from .httpserver import FAULTS, DemoHTTPService, Reply, Request, error_reply
from .openstack_site import OpenStackSite, iso
from .portal_server import Portal
from .world import World

SERVER_STATUSES = ("ACTIVE", "SHUTOFF", "ERROR")


class DemoCloud:
    """A seeded demo federation: `start` it, point the app at `write_config`, `stop` it."""

    def __init__(self, *, seed: int = 42, scale: float = 1.0, clock: DemoClock | None = None,
                 token: str = "demo-token-0123456789abcdef", latency: float = 0.0,
                 max_microversions: Mapping[str, str] | None = None, etag_salt: str | None = None) -> None:
        """``max_microversions``: a compute API cap per site id (e.g. ``"2.90"``, as Yoga); the
        others answer up to `nova.DEFAULT_MAX_VERSION`. ``etag_salt``: see `Portal`."""
        self.clock = clock or DemoClock(datetime.now(UTC).replace(microsecond=0))
        self.token = token
        self.world = World(seed=seed, scale=scale, clock=self.clock)
        caps = max_microversions or {}
        self.sites = {site_id: OpenStackSite(site.cloud, max_microversion=caps.get(site_id))
                      for site_id, site in self.world.sites.items()}
        self.portal = Portal(self.world, token, self.sites, etag_salt=etag_salt)
        self.control = DemoHTTPService("control", self._control)
        for service in self._services()[1:]:
            service.latency = latency

    @property
    def portal_url(self) -> str:
        return self.portal.url

    @property
    def control_url(self) -> str:
        return self.control.url

    def start(self) -> None:
        for site in self.sites.values():
            site.start()
        self.portal.service.start()
        self.control.start()

    def stop(self) -> None:
        """Stop every listener, concurrently (each shutdown waits for its poll loop)."""
        stoppers = [threading.Thread(target=service.stop) for service in self._services()]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join()

    def _services(self) -> list[DemoHTTPService]:
        return [self.control, self.portal.service, *(site.service for site in self.sites.values())]

    def __enter__(self) -> DemoCloud:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def service(self, source: str) -> DemoHTTPService:
        """The listener of "portal" or of a site id; KeyError for anything else."""
        return self.portal.service if source == "portal" else self.sites[source].service

    def set_fault(self, source: str, fault: str) -> None:
        """Switch the fault of "portal" or of a site (KeyError: unknown source, ValueError: unknown fault)."""
        self.service(source).set_fault(fault)

    def state(self) -> dict[str, Any]:
        """Demo time and, per source, its URL, port and current fault."""
        sources = {"portal": (self.portal_url, self.portal.service)}
        sources |= {site_id: (site.auth_url, site.service) for site_id, site in self.sites.items()}
        return {"now": iso(self.clock.now()), "seed": self.world.seed, "scale": self.world.scale,
                "sources": {name: {"url": url, "port": service.port, "fault": service.fault}
                            for name, (url, service) in sources.items()}}

    def write_config(self, directory: Path, *, portal: bool = True) -> Path:
        """Write clouds.yaml (it holds the sites' passwords), token and config.toml for the app, each
        readable by its owner only; returns config.toml's path. A missing ``directory`` is created 0700;
        an existing one keeps its mode. ``portal=False``: a config.toml without a [portal] section
        (OpenStack-only mode)."""
        if any(service.port == 0 for service in self._services()):
            raise RuntimeError("start the demo cloud before writing its configuration")
        directory = Path(directory).resolve()
        private_dir(directory, own=False)
        clouds, token, config = directory / "clouds.yaml", directory / "token", directory / "config.toml"
        q = json.dumps  # a JSON string is a valid TOML basic string
        sites = ", ".join(q(site_id) for site_id in self.sites)
        portal_section = f"[portal]\nurl = {q(self.portal_url)}\ntoken_file = {q(str(token))}\ntimeout = 10\n\n"
        files = {
            clouds: self._clouds_yaml(),
            token: self.token + "\n",
            config: (portal_section if portal else "")
            + f"[openstack]\nclouds_yaml = {q(str(clouds))}\n"
            + (f"sites = [{sites}]\n\n" if portal else "\n")  # without a portal: every cloud of clouds.yaml
            + "[refresh]\ninterval = 30\n",
        }
        for path, text in files.items():
            with write_private(path) as out:
                out.write(text)
        return config

    def _clouds_yaml(self) -> str:
        q = json.dumps  # a JSON string is a valid YAML double-quoted scalar
        lines = ["clouds:"]
        for site_id, site in self.sites.items():
            state = site.state
            lines += [
                f"  {site_id}:",
                "    auth_type: v3password",
                "    auth:",
                f"      auth_url: {q(site.auth_url)}",
                f"      username: {q(state.username)}",
                f"      password: {q(state.password)}",
                f"      project_name: {q(state.project_name)}",
                "      user_domain_name: Default",
                "      project_domain_name: Default",
                f"    region_name: {q(state.region)}",
                "    identity_api_version: 3",
                "    api_timeout: 10",
            ]
        return "\n".join(lines) + "\n"

    def _control(self, req: Request) -> Reply:
        match req.method, req.path.rstrip("/"):
            case "GET", "/state":
                return Reply(200, self.state())
            case "GET", "/traffic":  # bytes of HTTP each source exchanged so far (bench/delta.py)
                return Reply(200, {name: service.traffic for name, service in
                                   [("portal", self.portal.service), *((k, v.service) for k, v in self.sites.items())]})
            case "POST", "/fault":
                body = req.json()
                source, fault = (body.get(k) if isinstance(body, dict) else None for k in ("source", "fault"))
                if source != "portal" and source not in self.sites:
                    return error_reply(404, "not_found", f"No source {source!r}: 'portal' or a site id.")
                if fault not in FAULTS:
                    return error_reply(422, "invalid", f"fault must be one of {', '.join(FAULTS)}.")
                self.set_fault(str(source), str(fault))
                return Reply(200, self.state())
            case "POST", "/clock":
                body = req.json()
                seconds = body.get("advance_seconds") if isinstance(body, dict) else None
                if not isinstance(seconds, int | float) or isinstance(seconds, bool):
                    return error_reply(422, "invalid", "advance_seconds must be a number.")
                self.clock.advance(seconds)
                self.world.tick()
                return Reply(200, self.state())
            case "POST", "/server":
                body = req.json()
                dep_id, status = (body.get(k) if isinstance(body, dict) else None for k in ("deployment", "status"))
                if status not in SERVER_STATUSES:
                    return error_reply(422, "invalid", f"status must be one of {', '.join(SERVER_STATUSES)}.")
                try:
                    self.world.set_server_status(str(dep_id), str(status))
                except KeyError:
                    return error_reply(404, "not_found", f"No deployment {dep_id!r} with a live server.")
                return Reply(200, self.state())
            case "POST", "/membership-request":
                body = req.json()
                gid = body.get("group", "marine-meta") if isinstance(body, dict) else None
                if gid not in self.world.groups:
                    return error_reply(404, "not_found", f"No group {gid!r}.")
                return Reply(200, {"id": self.world.new_request(str(gid)).id})
        return error_reply(404, "not_found", f"No such endpoint: {req.method} {req.path}")
