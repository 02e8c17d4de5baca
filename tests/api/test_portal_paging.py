"""Paging with a bound: a long list is read a few pages at a time, every row once, in order.

A stdlib server on loopback serves a list of many pages. It holds each page until as many are in
flight as the client may send (or all that are left): a client sending fewer never finishes. The
client's ``on_request`` hook counts the pages asked and not answered yet: a client asking more than
the bound is seen doing it while the server holds the first ones.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from biosphere_tui import errors
from biosphere_tui.api import portal as portal_module
from biosphere_tui.api.portal import PortalClient

PAGES, PER_PAGE = 30, 3
FIRST_DAY = date(2026, 1, 1)


class Gate:
    """Pages asked and not answered, at most (``peak``); those the server holds now (``in_flight``)."""

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self.lock = threading.Condition()
        self.in_flight = self.peak = self.sent = self.done = 0
        self.unanswered = PAGES - 1  # the first page is read alone, to learn the total
        self.fail_page: int | None = None
        self.failed = False  # once a page failed, nothing is held any more
        self.asked: list[int] = []

    async def sending(self, request: httpx.Request) -> None:
        """The client's ``on_request`` hook: one more page asked."""
        if request.url.params["page"] != "1":
            with self.lock:
                self.sent += 1
                self.peak = max(self.peak, self.sent - self.done)

    def hold(self, page: int) -> None:
        with self.lock:
            self.asked.append(page)
            self.in_flight += 1
            self.lock.notify_all()
            if not self.lock.wait_for(lambda: self.failed or self.in_flight >= min(self.bound, self.unanswered), timeout=30):
                raise AssertionError("the client never had the bound of pages in flight")

    def late(self, page: int) -> None:
        """A page asked after one failed: held long enough that only a client that went on
        regardless would see it answered (the failure's cancellation ends the wait for it)."""
        with self.lock:
            self.asked.append(page)
            self.lock.wait(timeout=10)

    def answered(self) -> None:
        with self.lock:
            self.in_flight -= 1
            self.unanswered -= 1
            self.done += 1
            self.lock.notify_all()


def _row(n: int) -> dict[str, object]:
    day = FIRST_DAY + timedelta(days=n)
    return {"day": day.isoformat(), "group_id": "g", "member": "m", "site": "s", "vm_hours": n,
            "vcpu_hours": n, "ram_gb_hours": 0, "disk_gb_hours": 0, "gpu_hours": 0}


def _handler(gate: Gate) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            page = int(parse_qs(urlparse(self.path).query)["page"][0])
            status, body = 200, {"items": [_row(n) for n in range((page - 1) * PER_PAGE, page * PER_PAGE)],
                                 "page": page, "per_page": PER_PAGE, "total": PAGES * PER_PAGE,
                                 "next_page": page + 1 if page < PAGES else None}
            if page > 1 and gate.failed:
                gate.late(page)
            elif page > 1:
                gate.hold(page)
                if page == gate.fail_page:
                    gate.failed = True
                    status, body = 500, {"error": {"code": "boom", "message": "page failed"}}
                gate.answered()  # before the reply: the client may send its next page once it has it
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A page the client gave up (cancelled after the failure) resets its connection: no traceback
        on stderr, where it would land in whatever test this process runs next."""


@pytest.fixture
def gate() -> Iterator[tuple[Gate, str]]:
    gate = Gate(portal_module.PAGES_IN_FLIGHT)
    server = _QuietServer(("127.0.0.1", 0), _handler(gate))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gate, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


async def test_a_long_list_is_read_a_few_pages_at_a_time_every_row_once_in_order(gate: tuple[Gate, str]) -> None:
    counter, url = gate
    async with PortalClient(url, "token", timeout=30, on_request=counter.sending) as portal:
        rows = await portal.consumption("g", FIRST_DAY, FIRST_DAY + timedelta(days=PAGES * PER_PAGE))
    assert [r.vm_hours for r in rows] == list(range(PAGES * PER_PAGE))
    assert sorted(counter.asked) == list(range(2, PAGES + 1))
    assert counter.peak == portal_module.PAGES_IN_FLIGHT


async def test_a_failed_page_fails_the_list_and_no_page_is_asked_after_it(gate: tuple[Gate, str]) -> None:
    counter, url = gate
    counter.fail_page = 6
    async with PortalClient(url, "token", timeout=30, on_request=counter.sending) as portal:
        with pytest.raises(errors.ServerFailed, match="page failed"):
            await portal.consumption("g", FIRST_DAY, FIRST_DAY + timedelta(days=PAGES * PER_PAGE))
    assert counter.peak <= portal_module.PAGES_IN_FLIGHT
    assert max(counter.asked) < 6 + 2 * portal_module.PAGES_IN_FLIGHT  # not the 30 pages of the list


async def test_a_read_cancelled_as_its_reply_completes_ends_cancelled(monkeypatch: pytest.MonkeyPatch) -> None:
    """The race CI met: a page's reply completes in the very step a failed page cancels its reader.
    On Python 3.11, ``asyncio.wait_for`` answered that reply and dropped the cancellation, so the
    reader went on reading the rest of the list (30 pages asked after the failure, the test's 120 s
    timeout). Here the reply's own coroutine cancels the reading task as it returns."""
    portal = PortalClient("http://127.0.0.1:9/", "token")
    reading: asyncio.Task[object] | None = None

    async def exchange(*args: object, **kwargs: object) -> tuple[httpx.Response, bytes]:
        assert reading is not None
        reading.cancel()
        body = b'{"items": []}'
        return httpx.Response(200, headers={"content-type": "application/json"}, content=body), body

    monkeypatch.setattr(portal, "_exchange", exchange)
    reading = asyncio.create_task(portal._send("GET", "catalogue"))
    with pytest.raises(asyncio.CancelledError):
        await reading
    await portal.aclose()
