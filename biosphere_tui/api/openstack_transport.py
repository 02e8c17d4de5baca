"""The HTTP transport under one site's openstacksdk connection, bounded against hostile servers.

keystoneauth sends every request of a site (the Keystone sign-in with the password included)
through the ``requests`` session it holds; ``BoundedAdapter``, mounted on it, makes each one:

- refuse a redirect to another scheme, host or port (keystoneauth would follow it and send
  the password or the token there);
- stop reading a reply past ``max_bytes`` once decompressed (a 2 MB gzip may expand to 2 GB);
- wait at most ``max_wait`` s when the server says ``Retry-After`` (keystoneauth sleeps that
  long before retrying a 429 or 503, out of reach of any deadline); the server's own value
  stays on the reply (``sent_retry_after``) for the sync's backoff, which waits it out;
- stoppable from another thread: ``cut()`` shuts the sockets down, which ends a read a server
  keeps alive one byte at a time (the per-read timeout never fires then).
"""

from __future__ import annotations

import socket
import weakref
from collections.abc import Iterator
from typing import Any

import requests
from keystoneauth1.session import TCPKeepAliveAdapter
from urllib3.connectionpool import HTTPConnectionPool

from biosphere_tui import errors
from biosphere_tui.api import limits


class BoundedAdapter(TCPKeepAliveAdapter):
    def __init__(self, site: str, max_bytes: int, max_wait: int, **kwargs: Any) -> None:
        self.site = site
        self.max_bytes = max_bytes
        self.max_wait = max_wait
        self._opened: weakref.WeakSet[Any] = weakref.WeakSet()
        self._cut = False
        super().__init__(**kwargs)

    @classmethod
    def mount(cls, session: requests.Session, site: str, max_bytes: int, timeout: float) -> BoundedAdapter:
        """Replace the adapters of ``session`` (keystoneauth's, keeping its TLS settings) by one of these.

        keystoneauth waits one per-read ``timeout`` at most (whole seconds, at least 1, at most
        ``MAX_RETRY_WAIT``): a longer wait would spend the call's deadline (two timeouts and one
        second) sleeping; the sync's backoff waits the server's value instead."""
        old = session.get_adapter("https://")
        max_wait = max(1, int(min(timeout, limits.MAX_RETRY_WAIT)))
        adapter = cls(site, max_bytes, max_wait, tls_ciphers=getattr(old, "tls_ciphers", None),
                      tls_min_version=getattr(old, "tls_min_version", None))
        for prefix in ("https://", "http://"):
            session.mount(prefix, adapter)
        return adapter

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        manager = self.poolmanager
        manager.pool_classes_by_scheme = {scheme: _tracking(cls, self._opened)
                                          for scheme, cls in manager.pool_classes_by_scheme.items()}

    def arm(self) -> None:
        """Allow requests again after a ``cut()``."""
        self._cut = False

    def cut(self) -> None:
        """Shut every socket down, in use or idle, and refuse new requests until ``arm()``."""
        self._cut = True
        for conn in list(self._opened):
            sock = getattr(conn, "sock", None)
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:  # already closed
                    pass

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if self._cut:
            raise errors.Timeout(self.site, "the request was stopped at its deadline")
        response = super().send(request, *args, **kwargs)
        if response.is_redirect and not limits.same_origin(str(request.url), response.headers["location"]):
            response.close()
            raise limits.redirected(self.site, response.status_code)
        wait = response.headers.get("retry-after", "").strip()
        if wait.isascii() and wait.isdigit() and len(wait) <= 9:
            response.retry_after = int(wait)  # type: ignore[attr-defined]  # the sync backoff waits this long
        if wait.isascii() and wait.isdigit() and (len(wait) > 6 or int(wait) > self.max_wait):
            response.headers["Retry-After"] = str(self.max_wait)
        response.raw = _CappedBody(response.raw, self.max_bytes, self.site)
        return response


def sent_retry_after(response: requests.Response) -> float | None:
    """The ``Retry-After`` seconds the server sent with ``response``, before it was capped here."""
    value = getattr(response, "retry_after", None)
    return float(value) if isinstance(value, int) else None


def _tracking(pool_cls: type[HTTPConnectionPool], opened: weakref.WeakSet[Any]) -> type[HTTPConnectionPool]:
    """``pool_cls``, noting each connection it opens in ``opened``."""

    class Tracking(pool_cls):  # type: ignore[valid-type, misc]
        def _new_conn(self) -> Any:
            conn = super()._new_conn()
            opened.add(conn)
            return conn

    return Tracking


class _CappedBody:
    """urllib3's reply, whose decoded stream ends in ``BadReply`` past ``limit`` bytes."""

    def __init__(self, raw: Any, limit: int, site: str) -> None:
        self._raw = raw
        self._limit = limit
        self._site = site

    def stream(self, amt: int | None = 2**16, decode_content: bool | None = None) -> Iterator[bytes]:
        size = 0
        for chunk in self._raw.stream(amt, decode_content=decode_content):
            size += len(chunk)
            if size > self._limit:
                self._raw.close()
                raise limits.too_large(self._site, self._limit)
            yield chunk

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)
