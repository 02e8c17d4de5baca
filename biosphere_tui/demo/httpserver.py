"""A quiet loopback HTTP/1.1 JSON service with a router and a switchable fault.

Every fake endpoint of the demo cloud (portal, OpenStack sites) is a `DemoHTTPService`:
one `ThreadingHTTPServer` on 127.0.0.1 whose requests go to a router function
``Request -> Reply``, unless a generic fault (see `FAULTS`) answers first.

Every request method reaches the router (``TRACE``, ``QUERY``, ``FOO``: there is no 501),
and whatever goes wrong is answered in JSON: a request that cannot be read is a 400
``bad_request``, a router failure a 500 ``internal`` whose traceback is kept in
`DemoHTTPService.failures`, never sent. `Routes` is a small path table that answers 404,
405 (with ``Allow``) and ``OPTIONS`` for the routers that use it.
"""

from __future__ import annotations

import email.message
import json
import re
import socket
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

FAULTS = ("none", "down", "hang", "http500", "http503", "http429", "html", "garbage",
          "wrong_shape", "expired_token", "revoked_token", "forbidden")

LOG_SIZE = 1000
_REPLY_OVERHEAD = 140  # a reply's status line, Server, Date, Content-Type and Content-Length, in bytes
MAX_BODY = 1 << 20  # bytes: a larger request body is refused (400) without being read
_ERROR_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 408: "bad_request",
                413: "bad_request", 414: "bad_request", 431: "bad_request", 500: "internal", 501: "internal"}


class BadRequest(Exception):
    """Raised by a router (or `Request.json`) to answer 400 with this message."""


@dataclass
class Request:
    """One parsed HTTP request."""

    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: email.message.Message
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON; BadRequest if it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise BadRequest(f"Malformed JSON body: {exc}") from None

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of query parameter *name*."""
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Reply:
    """What a router answers: a JSON *body*, or *raw* bytes sent as they are."""

    status: int = 200
    body: Any = None
    raw: bytes | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return b"" if self.body is None else json.dumps(self.body, separators=(",", ":")).encode()


def error_reply(status: int, code: str, message: str, **headers: str) -> Reply:
    """The generic JSON error: ``{"error": {"code", "message"}}``."""
    return Reply(status, {"error": {"code": code, "message": message}}, headers=headers)


def method_not_allowed(method: str, path: str, allowed: list[str]) -> Reply:
    """405 for a *method* the resource at *path* does not serve, with the ``Allow`` header."""
    return error_reply(405, "method_not_allowed", f"{method} is not allowed on {path}; use {', '.join(allowed)}.",
                       Allow=", ".join(allowed))


class Routes:
    """A path table: (method, regex, handler) rows, matched against the whole path.

    `find` answers the handler and the path's captured groups (percent-decoded), or the
    reply for a path no row matches (404), for a method no row of a known path has (405
    with ``Allow``), and for ``OPTIONS`` (204 with ``Allow``). ``HEAD`` is served by the
    ``GET`` row (the service sends no body for a ``HEAD``).
    """

    def __init__(self, rows: list[tuple[str, str, Callable[..., Reply]]]) -> None:
        self._rows = [(method, re.compile(pattern), handler) for method, pattern, handler in rows]

    def find(self, method: str, path: str, shown: str) -> tuple[Callable[..., Reply], tuple[str, ...]] | Reply:
        """The handler of *method* on *path* and its arguments, or the reply that refuses it (*shown* in messages)."""
        allowed: list[str] = []
        for row_method, pattern, handler in self._rows:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            if row_method == method or (method == "HEAD" and row_method == "GET"):
                return handler, tuple(unquote(group) for group in match.groups())
            allowed.append(row_method)
        if not allowed:
            return error_reply(404, "not_found", f"No such path: {shown}")
        if "GET" in allowed:
            allowed.append("HEAD")
        allowed = sorted(set(allowed)) + ["OPTIONS"]
        if method == "OPTIONS":
            return Reply(204, headers={"Allow": ", ".join(allowed)})
        return method_not_allowed(method, shown, allowed)


def _fault_reply(fault: str) -> Reply | None:
    """The canned answer of a generic fault, None when the router should answer."""
    match fault:
        case "http500":
            return error_reply(500, "internal", "Internal server error")
        case "http503":
            return error_reply(503, "unavailable", "Service unavailable", **{"Retry-After": "1"})
        case "http429":
            return error_reply(429, "rate_limited", "Too many requests", **{"Retry-After": "1"})
        case "forbidden":
            return error_reply(403, "forbidden", "Forbidden")
        case "html":
            page = b"<html><body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"
            return Reply(502, raw=page, content_type="text/html")
        case "garbage":
            return Reply(200, raw=b"\x00\x93garbage{{not json")
        case "wrong_shape":
            return Reply(200, {"unexpected": [1, 2, 3]})
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms delayed-ACK stall
    server_version = "biosphere-demo"
    timeout = 60  # idle keep-alive connections are dropped after this
    server: _Server

    def _dispatch(self) -> None:
        self.server.service._handle(self)

    def __getattr__(self, name: str) -> Any:
        """``do_<METHOD>`` for every method, so that the router answers it (never http.server's 501)."""
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (request line too long, bad headers...) in JSON, then close."""
        short = self.responses.get(code, ("Error", ""))[0]
        body = json.dumps({"error": {"code": _ERROR_CODES.get(code, "bad_request"),
                                     "message": message or short}}).encode()
        self.close_connection = True
        self.send_response(code, short)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if getattr(self, "command", "") != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence access and error logs."""


class _Server(ThreadingHTTPServer):
    """Tracks open connections so a stop really drops keep-alive clients."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default 5 drops bursts of parallel connects: 1 s SYN retries

    def __init__(self, service: DemoHTTPService) -> None:
        self.service = service
        self.connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(("127.0.0.1", service.port), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conn_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conn_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        with self._conn_lock:
            connections = list(self.connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Swallow client disconnects and the like: no traceback on stderr."""


class DemoHTTPService:
    """One 127.0.0.1 listener (ThreadingHTTPServer, daemon threads) with a router and a fault switch."""

    def __init__(self, name: str, router: Callable[[Request], Reply], port: int = 0,
                 hang_seconds: float = 30.0, fault_reply: Callable[[Request, str], Reply | None] | None = None) -> None:
        self.name = name
        self.router = router
        self.fault_reply = fault_reply  # the service's own answer to a canned fault; None: the generic one
        self.port = port
        self.hang_seconds = hang_seconds
        self.latency = 0.0  # seconds added before each reply: a wide-area network's round trip
        self.fault = "none"
        self.fault_since = time.monotonic_ns()  # when `fault` was last set
        self.hits: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()  # replies sent, by status (e.g. how many 304s)
        self.traffic = 0  # bytes of HTTP exchanged: request and status lines, headers, bodies
        self.log: list[tuple[str, str]] = []
        self.failures: list[str] = []  # tracebacks of the router's unexpected exceptions (answered 500)
        self._lock = threading.RLock()
        self._release = threading.Event()  # set to wake the handlers hung by the current fault
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._started = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Listen (on the same port as before after a restart), unless the fault is "down"."""
        with self._lock:
            self._started = True
            if self.fault != "down":
                self._open()

    def stop(self) -> None:
        """Close the listener and every open connection; wake hung handlers."""
        with self._lock:
            self._started = False
            self._close()

    def set_fault(self, fault: str) -> None:
        """Switch the fault; "down" closes the listener, anything else re-opens it."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; expected one of {FAULTS}")
        with self._lock:
            self.fault = fault
            self.fault_since = time.monotonic_ns()
            self._wake()
            if fault == "down":
                self._close()
            elif self._started:
                self._open()

    def _open(self) -> None:
        if self._server is not None:
            return
        self._server = _Server(self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"demo-{self.name}", daemon=True)
        self._thread.start()

    def _wake(self) -> None:
        self._release.set()
        self._release = threading.Event()

    def _close(self) -> None:
        self._wake()
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._server = self._thread = None
        server.shutdown()
        server.drop_connections()
        server.server_close()
        thread.join()

    def _handle(self, handler: _Handler) -> None:
        try:
            body = _read_body(handler)
        except BadRequest as exc:
            handler.send_error(400, str(exc))
            return
        url = urlsplit(handler.path)
        request = Request(handler.command, url.path, parse_qs(url.query, keep_blank_values=True),
                          handler.headers, body)
        with self._lock:
            self.hits[f"{request.method} {request.path}"] += 1
            self.log.append((request.method, handler.path))
            del self.log[:-LOG_SIZE]
            fault, release = self.fault, self._release
        if fault == "hang":
            release.wait(self.hang_seconds)
            handler.close_connection = True
            return
        if self.latency:
            release.wait(self.latency)
        reply, data = self._answer(request, fault)
        sent = len(data) if request.method != "HEAD" else 0
        with self._lock:
            self.statuses[reply.status] += 1
            self.traffic += len(handler.requestline) + len(str(handler.headers)) + len(body) + sent + sum(
                len(name) + len(str(value)) + 4 for name, value in reply.headers.items()) + _REPLY_OVERHEAD
        handler.send_response(reply.status)
        if reply.status not in (204, 304):  # neither has a body
            handler.send_header("Content-Type", reply.content_type)
            handler.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if request.method != "HEAD":
            handler.wfile.write(data)

    def _answer(self, request: Request, fault: str) -> tuple[Reply, bytes]:
        """The reply to send and its encoded body; a router failure becomes a JSON 400/500."""
        try:
            own = self.fault_reply(request, fault) if self.fault_reply and fault != "none" else None
            reply = own or _fault_reply(fault) or self.router(request)
            return reply, reply.encode()
        except BadRequest as exc:
            reply = error_reply(400, "bad_request", str(exc))
        except Exception:  # noqa: BLE001 - a fake server must answer, never crash
            with self._lock:
                self.failures.append(f"{request.method} {request.path}\n{traceback.format_exc()}")
                del self.failures[:-100]
            reply = error_reply(500, "internal", "Internal server error")
        return reply, reply.encode()


def _read_body(handler: _Handler) -> bytes:
    """The request body (``Content-Length`` or chunked); BadRequest when it cannot be read sensibly."""
    if "chunked" in (handler.headers.get("Transfer-Encoding") or "").lower():
        chunks, size = [], 0
        while True:
            line = handler.rfile.readline(1026)
            try:
                length = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                raise BadRequest("Malformed chunked body.") from None
            size += length
            if length < 0 or size > MAX_BODY:
                raise BadRequest(f"The body is larger than {MAX_BODY} bytes.")
            if length == 0:
                while handler.rfile.readline(1026) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(handler.rfile.read(length))
            handler.rfile.readline(3)
    raw = (handler.headers.get("Content-Length") or "0").strip()
    if not raw.isascii() or not raw.isdigit():
        raise BadRequest(f"Content-Length {raw!r} is not a byte count.")
    length = int(raw)
    if length > MAX_BODY:
        raise BadRequest(f"The body is larger than {MAX_BODY} bytes.")
    return handler.rfile.read(length) if length else b""
