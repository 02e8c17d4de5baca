"""Async client of the Biosphère portal API (contract: docs/portal-api.yaml)."""

from __future__ import annotations

import asyncio
import copy
import functools
import math
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from biosphere_tui import errors
from biosphere_tui.api import fields as f
from biosphere_tui.api import limits
from biosphere_tui.api import portal_parse as parse
from biosphere_tui.models.catalogue import Appliance
from biosphere_tui.models.deployments import Deployment, DeploymentRequest, UsageDay
from biosphere_tui.models.groups import Group, User
from biosphere_tui.models.membership import GroupRequest, GroupSummary, Member, MembershipRequest
from biosphere_tui.models.sites import SiteStatus

T = TypeVar("T")
SOURCE = "portal"
PER_PAGE = 500
MAX_PAGES = 1000
# Pages of one list asked at once. Enough to overlap round trips; few enough that the portal answers
# each within its timeout: every page at once would queue behind the others (in httpx's pool and on
# the server), and that wait counted against each request's timeout (a 300-page list failed).
PAGES_IN_FLIGHT = 4


class NotModified(Exception):
    """The portal answered 304: what it would send is what the ETag given names (the caller's copy)."""


async def pause(seconds: float) -> None:
    """Wait before asking again after a 429 or 503 (tests record the wait instead of waiting)."""
    await asyncio.sleep(seconds)


@functools.cache
def tls_context(verify: bool) -> ssl.SSLContext:
    """The TLS settings every portal client of this process shares: loading the CA bundle (what
    httpx does for each new client) costs 20-30 ms, paid once. ``SSL_CERT_FILE`` and
    ``SSL_CERT_DIR`` are read then."""
    return httpx.create_ssl_context(verify=verify)


class PortalClient:
    """One portal, one token. Reads retry on 429/503 with backoff; writes never retry.

    Every request ends within ``deadline`` seconds (default: twice ``timeout`` plus one), however
    slowly the server sends; a reply over ``max_reply_bytes`` once decompressed is not read.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        verify: bool = True,
        attempts: int = 3,
        backoff: float = 0.5,
        deadline: float | None = None,
        max_reply_bytes: int = limits.MAX_REPLY_BYTES,
        on_request: Callable[[httpx.Request], Awaitable[None]] | None = None,
        pace: Callable[[], None] = limits.unpaced,
    ) -> None:
        """``on_request`` sees every request before it is sent (the action journal uses it); ``pace`` is
        called before each request is sent, each reply decoded and each item of a list parsed (it may
        wait: the app's keys come first)."""
        self._pace = pace
        self._timeout = timeout
        self._deadline = deadline if deadline is not None else limits.deadline(timeout)
        self._max_bytes = max_reply_bytes
        self._attempts = attempts
        self._backoff = backoff
        self._validators: Mapping[str, str] = {}
        self._progress: limits.Progress | None = None
        self.etags: dict[str, str] = {}
        self.next_since: dict[str, datetime] = {}
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
            verify=tls_context(verify),
            event_hooks={"request": [on_request] if on_request else []},
        )

    async def __aenter__(self) -> PortalClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def with_validators(self, validators: Mapping[str, str], progress: limits.Progress | None = None) -> PortalClient:
        """This client (the same connections) asking each read with ``If-None-Match`` when
        ``validators`` has the ETag of an earlier reply to it (by `request_key`): a 304 raises
        `NotModified`. ``etags`` then holds the ETag of every read it made (first page of a list), and
        ``next_since`` the cursor of every list that gives one (by `request_key`, ``since`` aside).
        Each complete reply (a page) marks ``progress``: the caller's deadline counts from it."""
        twin = copy.copy(self)
        twin._validators, twin.etags, twin.next_since, twin._progress = dict(validators), {}, {}, progress
        return twin

    # -- reads ---------------------------------------------------------------------------

    # With validators (`with_validators`), a read raises `NotModified` when the portal says its
    # reply would be the one named; ``revalidate=False`` reads in full all the same.

    async def me(self, *, revalidate: bool = True) -> User:
        return await self._get_one("me", parse.user, revalidate)

    async def groups(self, *, revalidate: bool = True) -> list[Group]:
        return await self._paged("cloudweb_account/groups", {}, parse.group, revalidate)

    async def directory(self, *, revalidate: bool = True) -> list[GroupSummary]:
        """Every group one may ask to join, each saying whether the user is already in it."""
        return await self._paged("cloudweb_account/groups/directory", {}, parse.group_summary, revalidate)

    async def members(self, group_id: str, *, revalidate: bool = True) -> list[Member]:
        return await self._paged(
            f"cloudweb_account/groups/{group_id}/members", {}, lambda raw: parse.member(raw, group_id), revalidate
        )

    async def requests(self, group_id: str, state: str | None = None, *, since: datetime | None = None,
                       revalidate: bool = True) -> list[MembershipRequest]:
        """The group's membership requests; with ``since`` (a ``next_since`` the portal gave), only those
        made or decided at or after it."""
        params = _since({"state": state} if state else {}, since)
        return await self._paged(f"cloudweb_account/groups/{group_id}/requests", params, parse.membership_request,
                                 revalidate)

    async def catalogue(self, q: str = "", tool: str = "", topic: str = "", category: str = "", *,
                        revalidate: bool = True) -> list[Appliance]:
        params = {k: v for k, v in {"q": q, "tool": tool, "topic": topic, "category": category}.items() if v}
        return await self._paged("catalogue", params, parse.appliance, revalidate)

    async def appliance(self, appliance_id: str) -> Appliance:
        return await self._get_one(f"catalogue/{appliance_id}", parse.appliance)

    async def system_status(self, *, revalidate: bool = True) -> list[SiteStatus]:
        return await self._get_one("cloud/system_status", parse.system_status, revalidate)

    async def deployments(self, scope: str = "mine", group_id: str | None = None, *,
                          since: datetime | None = None, revalidate: bool = True,
                          each_page: Callable[[list[Deployment]], None] | None = None) -> list[Deployment]:
        """The deployments of the scope; with ``since`` (a ``next_since`` the portal gave), only those
        changed at or after it. With ``each_page``, none: each page's are handed to it as they are parsed
        (a list of 20,000 is never held at once)."""
        params = _since({"scope": scope, **({"group": group_id} if group_id else {})}, since)
        return await self._paged("monitor/deployments", params, parse.deployment, revalidate, each_page)

    async def deployment(self, deployment_id: str) -> Deployment:
        return await self._get_one(f"monitor/deployments/{deployment_id}", parse.deployment)

    async def consumption(self, group_id: str, start: date, end: date, *, revalidate: bool = True) -> list[UsageDay]:
        """The group's daily rows from ``start`` to ``end``. Days before the portal's current one
        never change (the record only grows): a copy is kept up to date from its last day on."""
        params = {"from": start.isoformat(), "to": end.isoformat()}
        return await self._paged(f"cloudweb_account/groups/{group_id}/consumption", params, parse.usage_day,
                                 revalidate)

    # -- actions ---------------------------------------------------------------------------

    async def create_deployment(self, spec: DeploymentRequest, idempotency_key: str) -> Deployment:
        body = await self._send("POST", "monitor/deployments", json=asdict(spec), headers={"Idempotency-Key": idempotency_key})
        return self._parse(parse.deployment, body)

    async def delete_deployment(self, deployment_id: str) -> Deployment:
        body = await self._send("DELETE", f"monitor/deployments/{deployment_id}")
        return self._parse(parse.deployment, body)

    async def approve(self, group_id: str, request_id: str) -> MembershipRequest:
        body = await self._send("POST", f"cloudweb_account/groups/{group_id}/requests/{request_id}/approve")
        return self._parse(parse.membership_request, body)

    async def reject(self, group_id: str, request_id: str, reason: str) -> MembershipRequest:
        body = await self._send(
            "POST", f"cloudweb_account/groups/{group_id}/requests/{request_id}/reject", json={"reason": reason}
        )
        return self._parse(parse.membership_request, body)

    async def join(self, group_id: str, message: str) -> MembershipRequest:
        body = await self._send("POST", f"cloudweb_account/groups/{group_id}/join", json={"message": message})
        return self._parse(parse.membership_request, body)

    async def request_group(self, spec: GroupRequest) -> str:
        body = await self._send("POST", "cloudweb_account/groups", json=asdict(spec))
        return self._parse(lambda raw: f.text(f.obj(raw, "reply"), "id", "reply"), body)

    # -- plumbing ----------------------------------------------------------------------------

    async def _get_one(self, path: str, parser: Callable[[Any], T], revalidate: bool = False) -> T:
        return self._parse(parser, await self._first(path, {}, revalidate))

    async def _first(self, path: str, params: dict[str, str], revalidate: bool, paging: dict[str, str] | None = None) -> Any:
        """The body of a read (of a list's first ``paging``), sent with the validator of its earlier reply."""
        key = request_key(path, params)
        known = self._validators.get(key) if revalidate else None
        body, tag = await self._read(path, {**params, **(paging or {})}, {"If-None-Match": known} if known else {})
        if not tag and body is NOT_MODIFIED:
            tag = known or ""  # a 304 without an ETag: the one asked stands
        if tag:
            self.etags[key] = tag
        if body is NOT_MODIFIED:
            if not known:
                raise errors.BadReply(SOURCE, f"{path}: the portal answered 304 to a read that named no ETag")
            raise NotModified(key)
        return body

    async def _paged(self, path: str, params: dict[str, str], parser: Callable[[Any], T],
                     revalidate: bool = False, each_page: Callable[[list[T]], None] | None = None) -> list[T]:
        """Every item of a list (with ``each_page``, none: each page's items are handed to it instead)."""
        first = self._envelope(await self._first(path, params, revalidate, {"page": "1", "per_page": str(PER_PAGE)}))
        if "next_since" in first:  # a list that takes ``since``: where its next read starts
            self.next_since[request_key(path, {k: v for k, v in params.items() if k != "since"})] = \
                self._parse(lambda page: f.timestamp(page, "next_since", "page"), first)
        def items(page: dict[str, Any]) -> list[T]:  # parsed as it comes: the raw page is freed at once
            found = []
            for item in page["items"]:
                self._pace()
                found.append(self._parse(parser, item))
            if each_page is None:
                return found
            each_page(found)
            return []

        found, nxt = items(first), first.get("next_page")
        total, per_page = first.get("total"), first.get("per_page") or PER_PAGE
        if nxt is not None and isinstance(total, int) and isinstance(per_page, int) and per_page > 0:
            last = min(math.ceil(total / per_page), MAX_PAGES)
            for part in await self._pages(path, params, per_page, range(2, last + 1), lambda r: items(self._envelope(r))):
                found += part
        else:
            read = 1
            while nxt is not None and read < MAX_PAGES:
                if not isinstance(nxt, int) or nxt <= read:
                    raise errors.BadReply(SOURCE, f"{path}: the page numbering of the reply is inconsistent")
                body, _ = await self._read(path, {**params, "page": str(nxt), "per_page": str(PER_PAGE)})
                page = self._envelope(body)
                found += items(page)
                read, nxt = read + 1, page.get("next_page")
        return found

    async def _pages(self, path: str, params: dict[str, str], per_page: int, numbers: range,
                     each: Callable[[Any], T]) -> list[T]:
        """``each`` of pages *numbers* of a list in order (applied as each page comes, so that its raw body
        is freed at once), ``PAGES_IN_FLIGHT`` at a time, each request with its own timeout; the first
        failure cancels the pages not read yet and is raised as it is."""
        done: dict[int, T] = {}
        todo = iter(numbers)

        async def reader() -> None:
            for n in todo:  # shared: each reader takes the next page number when its page is in
                body, _ = await self._read(path, {**params, "page": str(n), "per_page": str(per_page)})
                done[n] = each(body)

        try:
            async with asyncio.TaskGroup() as readers:
                for _ in range(min(PAGES_IN_FLIGHT, len(numbers))):
                    readers.create_task(reader())
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None
        return [done[n] for n in numbers]

    def _envelope(self, body: Any) -> dict[str, Any]:
        def check(raw: Any) -> dict[str, Any]:
            d = f.obj(raw, "page")
            f.lst(d.get("items"), "page.items")
            return d

        return self._parse(check, body)

    def _parse(self, parser: Callable[[Any], T], body: Any) -> T:
        try:
            return parser(body)
        except f.ShapeError as exc:
            raise errors.BadReply(SOURCE, f"unexpected reply: {exc}") from None

    async def _read(self, path: str, params: dict[str, str], headers: dict[str, str] | None = None) -> tuple[Any, str]:
        """GET with bounded retries on 429/503, honouring Retry-After (capped): the body (`NOT_MODIFIED`
        for a 304) and the reply's ETag ("" without one)."""

        def wait(state: Any) -> float:
            hint: float | None = state.outcome.exception().retry_after
            backoff = self._backoff * 2 ** (state.attempt_number - 1)
            return min(hint if hint is not None else backoff, limits.MAX_RETRY_WAIT)

        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(errors.Busy),
            stop=stop_after_attempt(self._attempts),
            wait=wait,
            sleep=lambda seconds: pause(seconds),  # looked up at each wait: tests replace ``pause``
            reraise=True,
        ):
            with attempt:
                tagged: tuple[Any, str] = await self._send("GET", path, params=params, headers=headers or {}, tag=True)
                if self._progress is not None:
                    self._progress.mark()
                return tagged
        raise AssertionError("unreachable")  # pragma: no cover - tenacity always returns or raises

    async def _send(self, method: str, path: str, *, tag: bool = False, **kwargs: Any) -> Any:
        """The decoded body; with ``tag``, the body and the reply's ETag."""
        # ``asyncio.timeout``, not ``wait_for``: on Python 3.11, ``wait_for`` answers the reply that
        # completes as its task is cancelled and drops the cancellation, so a page reader that a failed
        # page cancelled went on reading the rest of the list.
        # ``pace`` outside the timeout: its wait is the app's, not the portal's.
        self._pace()
        try:
            async with asyncio.timeout(self._deadline):
                response, content = await self._exchange(method, path, **kwargs)
        except TimeoutError:  # a server trickling bytes defeats the per-read timeout, not this
            raise errors.Timeout(SOURCE, f"no complete answer within {self._deadline:g} s") from None
        self._pace()
        body = NOT_MODIFIED if response.status_code == 304 else _decode(response, content)
        return (body, response.headers.get("etag", "")) if tag else body

    async def _exchange(self, method: str, path: str, **kwargs: Any) -> tuple[httpx.Response, bytes]:
        """The reply and its body (none for a 304)."""
        try:
            async with self._http.stream(method, path, **kwargs) as response:
                return response, b"" if response.status_code == 304 else await self._body(response)
        except httpx.TimeoutException:
            raise errors.Timeout(SOURCE, f"no answer within {self._timeout:g} s") from None
        except httpx.ConnectError as exc:
            if _certificate_refused(exc):
                raise errors.Unreachable(SOURCE, "the TLS certificate could not be verified") from None
            raise errors.Unreachable(SOURCE, f"cannot connect to {self._http.base_url.host}:{self._http.base_url.port}") from None
        except httpx.DecodingError:
            raise errors.BadReply(SOURCE, "the reply could not be decompressed") from None
        except httpx.TransportError as exc:
            raise errors.Unreachable(SOURCE, f"the connection failed ({type(exc).__name__})") from None

    async def _body(self, response: httpx.Response) -> bytes:
        """The decoded body, read no further than ``max_reply_bytes``."""
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self._max_bytes:
                raise limits.too_large(SOURCE, self._max_bytes)
            chunks.append(chunk)
        return b"".join(chunks)


NOT_MODIFIED: Any = object()
"""What `PortalClient._read` answers for a 304."""


def _since(params: dict[str, str], since: datetime | None) -> dict[str, str]:
    """The query ``params`` of a list, reading only what changed at or after ``since`` when given."""
    return params if since is None else {**params, "since": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def request_key(path: str, params: Mapping[str, str]) -> str:
    """What names a read for its validator: its path and query, paging aside."""
    return f"{path}?{urlencode(sorted(params.items()))}"


def _certificate_refused(exc: BaseException) -> bool:
    """Whether a connection failed because the server's certificate did not verify."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _decode(response: httpx.Response, content: bytes) -> Any:
    """The JSON body of a successful reply, or the domain error the reply stands for."""
    status = response.status_code
    is_json = "json" in response.headers.get("content-type", "")
    body: Any = None
    if is_json and content:
        try:
            body = limits.parse_json(content, SOURCE)
        except ValueError:
            raise errors.BadReply(SOURCE, f"the reply is not valid JSON (HTTP {status})") from None
    if response.is_redirect:  # never followed: the token would go wherever the server says
        raise limits.redirected(SOURCE, status)
    if status < 400:
        if not is_json:
            what = "an HTML page" if "html" in response.headers.get("content-type", "") else "something that is not JSON"
            raise errors.BadReply(SOURCE, f"the portal sent {what} instead of JSON (HTTP {status})")
        return body
    code, message = _error_detail(body)
    retry_after = _retry_after(response.headers.get("retry-after"))
    if status == 401:
        raise errors.AuthFailed(SOURCE, "the portal refused the token (HTTP 401): check or renew it")
    if status == 403:
        raise errors.Forbidden(SOURCE, message or "you do not have the right to do this (HTTP 403)")
    if status == 404:
        raise errors.NotFound(SOURCE, message or "not found (HTTP 404)")
    if status == 409:
        raise errors.Conflict(SOURCE, message or "already handled by someone else (HTTP 409)")
    if status == 422:
        field = body.get("error", {}).get("field") if isinstance(body, dict) and isinstance(body.get("error"), dict) else None
        raise errors.Invalid(SOURCE, message or "the request was refused (HTTP 422)", code=code or "invalid",
                             field=field if isinstance(field, str) else None)
    if status in (429, 503):
        busy = "rate limited" if status == 429 else "temporarily unavailable"
        raise errors.Busy(SOURCE, message or f"the portal is {busy} (HTTP {status})", retry_after=retry_after)
    if not is_json:
        raise errors.ServerFailed(SOURCE, f"the portal failed with HTTP {status} and sent an error page")
    raise errors.ServerFailed(SOURCE, message or f"the portal failed (HTTP {status})")


def _error_detail(body: Any) -> tuple[str, str]:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        code = err.get("code") if isinstance(err.get("code"), str) else ""
        message = err.get("message") if isinstance(err.get("message"), str) else ""
        return code, message[:300]
    return "", ""


def _retry_after(raw: str | None) -> float | None:
    try:
        return max(float(raw), 0.0) if raw is not None else None
    except ValueError:
        return None
