"""Hostile HTTP servers on 127.0.0.1 for the bounded-work tests (and bench/hostile_sync.py).

``Hostile`` is a stdlib ``ThreadingHTTPServer`` whose replies are plain functions of the
request, keyed by path. ``openstack_site`` fills one with a minimal well-behaved OpenStack
site (Keystone v3 password sign-in, Nova, Glance: empty lists) so that one route can be
replaced by an attack: a gzip bomb, a huge reply, a trickle, a redirect, deep JSON.
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Handler = Callable[[BaseHTTPRequestHandler], None]
PASSWORD = "hostile-site-password-0123"
PORTAL_TOKEN = "hostile-portal-token-4567"


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Hostile:
    """Serves ``routes[path]`` (the query ignored) for any method; 404 elsewhere. Records
    every request in ``seen``. Use as a context manager."""

    routes: dict[str, Handler] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)  # set: trickles end

    def __post_init__(self) -> None:
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_any(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                owner.seen.append(Seen(self.command, path, dict(self.headers), body))
                try:
                    owner.routes.get(path, json_reply({"error": "not here"}, 404))(self)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client hung up: what the attacks expect

            do_GET = do_POST = do_PUT = do_DELETE = do_any

            def log_message(self, *args: Any) -> None:
                pass

        self._server = _QuietServer(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Hostile:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self._server.shutdown()
        self._server.server_close()

    def asked(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up mid-reply is what these tests provoke


# -- replies ---------------------------------------------------------------------------------


def json_reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Handler:
    data = json.dumps(body).encode()

    def reply(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        for name, value in {"Content-Type": "application/json", "Content-Length": str(len(data)),
                            **(headers or {})}.items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(data)

    return reply


def raw_reply(data: bytes, *, encoding: str = "") -> Handler:
    """``data`` as a JSON reply, with ``Content-Encoding: encoding`` when given."""

    def reply(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        if encoding:
            h.send_header("Content-Encoding", encoding)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    return reply


def gzip_bomb(expanded: int) -> bytes:
    """A gzip body of ``expanded`` zero bytes (2 GB compress to about 2 MB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(2**20)
    parts = [packer.compress(block) for _ in range(expanded // len(block))]
    return b"".join(parts) + packer.compress(bytes(expanded % len(block))) + packer.flush()


def plain_flood(size: int) -> Handler:
    """A JSON reply of ``size`` bytes (a string of spaces), streamed."""

    def reply(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(size))
        h.end_headers()
        block, left = b" " * 2**16, size
        while left > 0:
            h.wfile.write(block[:left])
            left -= len(block)

    return reply


def trickle(stop: threading.Event, every: float) -> Handler:
    """Headers, then one byte of a never-ending JSON reply each ``every`` seconds, until
    the client hangs up or ``stop`` is set."""

    def reply(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(10**9))
        h.end_headers()
        h.wfile.write(b"[")
        while not stop.wait(every):
            h.wfile.write(b" ")
            h.wfile.flush()
        h.close_connection = True

    return reply


def redirect(status: int, location: str) -> Handler:
    return json_reply({"moved": location}, status, {"Location": location})


def deeply_nested(depth: int = 100_000) -> Handler:
    return raw_reply(b"[" * depth + b"]" * depth)


# -- a minimal OpenStack site -----------------------------------------------------------------


def openstack_site(server: Hostile, *, auth_url: str | None = None) -> None:
    """Routes of a well-behaved site with nothing in it; the catalog points at ``server``.
    ``auth_url``: where clouds.yaml sends the sign-in (default: ``server`` itself)."""
    url = server.url
    version = {"id": "v2.1", "status": "CURRENT", "version": "2.96", "min_version": "2.1",
               "updated": "2013-07-23T11:33:21Z", "links": [{"rel": "self", "href": f"{url}/compute/v2.1/"}]}
    glance = [{"id": "v2.17", "status": "CURRENT", "links": [{"rel": "self", "href": f"{url}/image/v2/"}]}]
    limits = {"limits": {"rate": [], "absolute": {"maxTotalCores": 20, "totalCoresUsed": 2, "maxTotalRAMSize": 51200,
                                                  "totalRAMUsed": 4096, "maxTotalInstances": 10,
                                                  "totalInstancesUsed": 1}}}
    server.routes.update({
        "/v3/auth/tokens": _sign_in(url),
        "/compute/v2.1": json_reply({"version": version}),
        "/compute/v2.1/": json_reply({"version": version}),
        "/compute/v2.1/servers/detail": json_reply({"servers": [], "servers_links": []}),
        "/compute/v2.1/flavors/detail": json_reply({"flavors": []}),
        "/compute/v2.1/limits": json_reply(limits),
        "/image": json_reply({"versions": glance}, 300),
        "/image/v2/images": json_reply({"images": []}),
    })


def _sign_in(url: str) -> Handler:
    def reply(h: BaseHTTPRequestHandler) -> None:
        now = time.time()
        stamp = "%Y-%m-%dT%H:%M:%S.000000Z"
        project = {"id": "p1", "name": "hostile", "domain": {"id": "default", "name": "Default"}}
        catalog = [{"id": f"{kind}-svc", "type": kind, "name": kind, "endpoints": [
            {"id": f"{kind}-public", "interface": "public", "region": "RegionOne", "region_id": "RegionOne",
             "url": f"{url}{path}"}]} for kind, path in (("compute", "/compute/v2.1"), ("image", "/image"))]
        json_reply({"token": {
            "methods": ["password"], "user": {"id": "u1", "name": "alice", "domain": project["domain"]},
            "issued_at": time.strftime(stamp, time.gmtime(now)),
            "expires_at": time.strftime(stamp, time.gmtime(now + 3600)),
            "project": project, "roles": [{"id": "r1", "name": "member"}], "catalog": catalog,
        }}, 201, {"X-Subject-Token": "hostile-subject-token"})(h)

    return reply


def write_clouds_yaml(folder: Path, sites: dict[str, str], *, timeout: float) -> Path:
    """A clouds.yaml naming each site (name -> auth server URL), all with ``PASSWORD``."""
    lines = ["clouds:"]
    for name, url in sites.items():
        lines += [f"  {name}:", "    auth_type: v3password", "    auth:", f"      auth_url: {url}/v3",
                  "      username: alice", f"      password: {PASSWORD}", "      project_name: hostile",
                  "      user_domain_name: Default", "      project_domain_name: Default",
                  "    region_name: RegionOne", "    identity_api_version: 3", f"    api_timeout: {timeout}"]
    path = folder / "clouds.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def write_config(folder: Path, *, portal: str | None, sites: dict[str, str], timeout: float) -> Path:
    """config.toml (and clouds.yaml, token) for ``biosphere-tui --config``; returns its path."""
    clouds = write_clouds_yaml(folder, sites, timeout=timeout)
    token = folder / "token"
    token.write_text(PORTAL_TOKEN + "\n")
    token.chmod(0o600)
    text = (f'[portal]\nurl = "{portal}"\ntoken_file = "{token}"\ntimeout = {timeout}\n\n' if portal else "")
    text += f'[openstack]\nclouds_yaml = "{clouds}"\ntimeout = {timeout}\n'
    text += "sites = [" + ", ".join(f'"{s}"' for s in sites) + "]\n"
    text += f'\n[cache]\npath = "{folder / "cache.sqlite"}"\n'
    path = folder / "config.toml"
    path.write_text(text)
    return path


def threads_named(prefix: str) -> Iterator[threading.Thread]:
    return (t for t in threading.enumerate() if t.name.startswith(prefix))
