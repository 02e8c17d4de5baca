"""``biosphere-tui serve``: the app in a browser through textual-serve, on loopback only.

Each browser tab runs the app as a child process (``python -m biosphere_tui`` with the
options given to ``serve``). textual-serve's page asks a font CDN for its font: we serve it
a copy of its template that loads the same font from its own static files instead, so the
page contacts nothing but 127.0.0.1.

textual-serve answers anyone who reaches the port, whatever the ``Host`` or ``Origin``, and
starts one app per WebSocket. ``GuardedServer`` answers only requests to 127.0.0.1/localhost
that carry the secret printed at start (the page and its WebSocket) or the cookie the page
set (its static files), opens sessions only for the served page's origin, and at most
``max_sessions`` of them. The secret never goes into a command line, the apps' environment
or the log.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import secrets
import shlex
import sys
import tempfile
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server

from biosphere_tui.i18n import _, plural, t
from biosphere_tui.local import logs

HOST = "127.0.0.1"
TEMPLATE = "app_index.html"
TOKEN_ENV = "BIOSPHERE_SERVE_TOKEN"
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,}")
_CDN_FONT = re.compile(r'<link\s+rel="stylesheet"\s+href="https://fonts\.googleapis\.com/[^"]*"\s*/>', re.S)
_LOCAL_FONT = """<style>
      @font-face { font-family: "Roboto Mono"; font-style: normal;
        src: url("{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf"); }
      @font-face { font-family: "Roboto Mono"; font-style: italic;
        src: url("{{ config.static.url }}fonts/RobotoMono-Italic-VariableFont_wght.ttf"); }
    </style>"""
# what would make a browser fetch from elsewhere: an absolute URL in an attribute, url() or @import
_REMOTE = re.compile(r"""(?:(?:src|href)\s*=\s*["']|url\(\s*["']?|@import\s+["']?)(?:https?:)?//""", re.I)
# the page's WebSocket address, which gets the secret as its last path segment
_WEBSOCKET_URL = '"{{ app_websocket_url }}"'
_WEBSOCKET_URL_WITH_TOKEN = '"{{ app_websocket_url }}/{{ session_token }}"'
log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class ServeError(Exception):
    """The page cannot be served safely (another address to contact, a weak secret...)."""


def local_template(original: str) -> str:
    """textual-serve's page with its CDN font replaced by the copy in its static files, and its
    WebSocket address carrying the session secret."""
    patched = _CDN_FONT.sub(_LOCAL_FONT, original)
    if _REMOTE.search(patched):
        raise ServeError("textual-serve's page loads something from another address; refusing to serve it")
    if patched.count(_WEBSOCKET_URL) != 1:
        raise ServeError("textual-serve's page no longer names its WebSocket where expected; refusing to serve it")
    return patched.replace(_WEBSOCKET_URL, _WEBSOCKET_URL_WITH_TOKEN)


def _templates(into: Path) -> Path:
    import textual_serve

    original = Path(textual_serve.__file__).parent / "templates" / TEMPLATE
    (into / TEMPLATE).write_text(local_template(original.read_text(encoding="utf-8")), encoding="utf-8")
    return into


def child_command(options: list[str]) -> str:
    """The shell command textual-serve runs for each browser session."""
    return shlex.join([sys.executable, "-m", "biosphere_tui", *options])


def session_token(environ: MutableMapping[str, str] = os.environ) -> str:
    """The secret every request must show: ``BIOSPHERE_SERVE_TOKEN`` if set (taken out of the
    environment, so the apps do not inherit it), else a new random one."""
    given = environ.pop(TOKEN_ENV, None)
    if given is None:
        return secrets.token_urlsafe(32)
    if not _TOKEN_SHAPE.fullmatch(given):
        raise ServeError(f"{TOKEN_ENV} must be at least 32 letters, digits, '-' or '_'")
    return given


def _same(presented: str, expected: str) -> bool:
    return hmac.compare_digest(presented.encode(), expected.encode())


class GuardedServer(Server):
    """textual-serve's ``Server`` answering only the holder of ``token`` on this machine's loopback."""

    def __init__(self, command: str, *, port: int, token: str, max_sessions: int, templates_path: Path) -> None:
        super().__init__(command, host=HOST, port=port, title="Biosphère", templates_path=templates_path)
        self.token = token
        self.max_sessions = max_sessions
        self.sessions = 0
        self.hosts = {f"{HOST}:{port}", f"localhost:{port}"}
        self.origins = {f"http://{host}" for host in self.hosts}
        self.asset_key = secrets.token_urlsafe(32)  # the cookie's value: static files and downloads only
        self.cookie = f"biosphere-serve-{port}"  # cookies ignore ports: one name per server

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        app.router.add_get("/ws/{token}", self.handle_websocket)
        aiohttp_jinja2.get_env(app).globals["session_token"] = self.token
        return app

    async def on_startup(self, app: web.Application) -> None:
        """Silent: textual-serve would print its address without the secret; ``serve`` prints it with."""

    def _authorised(self, request: web.Request) -> bool:
        presented = request.match_info.get("token", request.query.get("token"))
        if presented is not None:
            return _same(presented, self.token)
        return request.match_info.route.name in ("static", "download") and _same(
            request.cookies.get(self.cookie, ""), self.asset_key)

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.host not in self.hosts:  # another name resolving to 127.0.0.1 (DNS rebinding)
            log.warning("serve: refused a request for host %r", request.host)
            raise web.HTTPForbidden(text=t("biosphere-tui serve answers only at {url}", url=self.public_url))
        if not self._authorised(request):
            log.warning("serve: refused a request without the session secret")
            raise web.HTTPForbidden(text=_("biosphere-tui serve: open the address printed when it started, "
                                           "with its token"))
        if request.match_info.route.name != "index":
            return await handler(request)
        if f"http://{request.host}" != self.public_url:  # the page's links all go to 127.0.0.1
            raise web.HTTPFound(f"{self.public_url}{request.rel_url}")
        response = await handler(request)
        response.set_cookie(self.cookie, self.asset_key, httponly=True, samesite="Strict")
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        if request.headers.get("Origin") not in self.origins:  # another page, even one holding the secret
            log.warning("serve: refused a session for origin %r", request.headers.get("Origin"))
            raise web.HTTPForbidden(text=_("biosphere-tui serve: sessions open only from its own page"))
        if self.sessions >= self.max_sessions:
            return await self._refuse_session(request)
        self.sessions += 1
        try:
            return await super().handle_websocket(request)
        finally:
            self.sessions -= 1

    async def _refuse_session(self, request: web.Request) -> web.WebSocketResponse:
        """Say why in the tab's terminal, start nothing, and leave the text there until the tab goes."""
        log.warning("serve: refused a session, %d open already", self.max_sessions)
        websocket = web.WebSocketResponse(heartbeat=15)  # as textual-serve: a vanished tab is noticed
        await websocket.prepare(request)
        message = plural(self.max_sessions,
                         "{n} session is open already, the most biosphere-tui serve --max-sessions allows. "
                         "Close another tab, then reload this page.",
                         "{n} sessions are open already, the most biosphere-tui serve --max-sessions allows. "
                         "Close another tab, then reload this page.")
        await websocket.send_bytes(f"\r\n  {message}\r\n".encode())
        async for _message in websocket:
            pass
        return websocket


def serve(options: list[str], port: int, *, max_sessions: int) -> int:
    """Serve the app until Ctrl+C; prints the URL to open, with its secret."""
    token = session_token()
    logs.redactor.add(token)  # it is in the page's and the WebSocket's request lines
    with tempfile.TemporaryDirectory(prefix="biosphere-serve-") as folder:
        server = GuardedServer(child_command(options), port=port, token=token, max_sessions=max_sessions,
                               templates_path=_templates(Path(folder)))
        limit = plural(max_sessions, "at most {n} session", "at most {n} sessions")
        print(t("Open {url} in a browser (this machine only, {limit}).",
                url=f"{server.public_url}/?token={token}", limit=limit), flush=True)
        print(_("Anyone with this address can use the app as you: do not share it. Press Ctrl+C to stop."),
              flush=True)
        server.serve()
    return 0
