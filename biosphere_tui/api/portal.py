"""Async client of the Biosphère portal API (contract: docs/portal-api.yaml)."""

from __future__ import annotations

import asyncio
import math
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import date
from typing import Any, TypeVar

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt

from biosphere_tui import errors
from biosphere_tui.api import fields as f
from biosphere_tui.api import limits
from biosphere_tui.api import portal_parse as parse
from biosphere_tui.models import (
    Appliance,
    Deployment,
    DeploymentRequest,
    Group,
    GroupRequest,
    GroupSummary,
    Member,
    MembershipRequest,
    SiteStatus,
    UsageDay,
    User,
)

T = TypeVar("T")
SOURCE = "portal"
PER_PAGE = 500
MAX_PAGES = 1000
# Pages of one list asked at once. Enough to overlap round trips; few enough that the portal answers
# each within its timeout: every page at once would queue behind the others (in httpx's pool and on
# the server), and that wait counted against each request's timeout (a 300-page list failed).
PAGES_IN_FLIGHT = 4


async def pause(seconds: float) -> None:
    """Wait before asking again after a 429 or 503 (tests record the wait instead of waiting)."""
    await asyncio.sleep(seconds)


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
        verify: bool | ssl.SSLContext = True,
        attempts: int = 3,
        backoff: float = 0.5,
        deadline: float | None = None,
        max_reply_bytes: int = limits.MAX_REPLY_BYTES,
        on_request: Callable[[httpx.Request], Awaitable[None]] | None = None,
    ) -> None:
        """``on_request`` sees every request before it is sent (the action journal uses it)."""
        self._timeout = timeout
        self._deadline = deadline if deadline is not None else limits.deadline(timeout)
        self._max_bytes = max_reply_bytes
        self._attempts = attempts
        self._backoff = backoff
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
            verify=verify,
            event_hooks={"request": [on_request] if on_request else []},
        )

    async def __aenter__(self) -> PortalClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- reads ---------------------------------------------------------------------------

    async def me(self) -> User:
        return await self._get_one("me", parse.user)

    async def groups(self) -> list[Group]:
        return await self._paged("cloudweb_account/groups", {}, parse.group)

    async def directory(self) -> list[GroupSummary]:
        """Every group one may ask to join, each saying whether the user is already in it."""
        return await self._paged("cloudweb_account/groups/directory", {}, parse.group_summary)

    async def members(self, group_id: str) -> list[Member]:
        return await self._paged(
            f"cloudweb_account/groups/{group_id}/members", {}, lambda raw: parse.member(raw, group_id)
        )

    async def requests(self, group_id: str, state: str | None = None) -> list[MembershipRequest]:
        params = {"state": state} if state else {}
        return await self._paged(f"cloudweb_account/groups/{group_id}/requests", params, parse.membership_request)

    async def catalogue(self, q: str = "", tool: str = "", topic: str = "", category: str = "") -> list[Appliance]:
        params = {k: v for k, v in {"q": q, "tool": tool, "topic": topic, "category": category}.items() if v}
        return await self._paged("catalogue", params, parse.appliance)

    async def appliance(self, appliance_id: str) -> Appliance:
        return await self._get_one(f"catalogue/{appliance_id}", parse.appliance)

    async def system_status(self) -> list[SiteStatus]:
        return await self._get_one("cloud/system_status", parse.system_status)

    async def deployments(self, scope: str = "mine", group_id: str | None = None) -> list[Deployment]:
        params = {"scope": scope, **({"group": group_id} if group_id else {})}
        return await self._paged("monitor/deployments", params, parse.deployment)

    async def deployment(self, deployment_id: str) -> Deployment:
        return await self._get_one(f"monitor/deployments/{deployment_id}", parse.deployment)

    async def consumption(self, group_id: str, start: date, end: date) -> list[UsageDay]:
        params = {"from": start.isoformat(), "to": end.isoformat()}
        return await self._paged(f"cloudweb_account/groups/{group_id}/consumption", params, parse.usage_day)

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

    async def _get_one(self, path: str, parser: Callable[[Any], T]) -> T:
        return self._parse(parser, await self._read(path, {}))

    async def _paged(self, path: str, params: dict[str, str], parser: Callable[[Any], T]) -> list[T]:
        first = self._envelope(await self._read(path, {**params, "page": "1", "per_page": str(PER_PAGE)}))
        pages = [first]
        total, per_page = first.get("total"), first.get("per_page") or PER_PAGE
        if first.get("next_page") is not None and isinstance(total, int) and isinstance(per_page, int) and per_page > 0:
            last = min(math.ceil(total / per_page), MAX_PAGES)
            rest = await self._pages(path, params, per_page, range(2, last + 1))
            pages += [self._envelope(r) for r in rest]
        else:
            while (nxt := pages[-1].get("next_page")) is not None and len(pages) < MAX_PAGES:
                if not isinstance(nxt, int) or nxt <= len(pages):
                    raise errors.BadReply(SOURCE, f"{path}: the page numbering of the reply is inconsistent")
                pages.append(self._envelope(await self._read(path, {**params, "page": str(nxt), "per_page": str(PER_PAGE)})))
        return [self._parse(parser, item) for page in pages for item in page["items"]]

    async def _pages(self, path: str, params: dict[str, str], per_page: int, numbers: range) -> list[Any]:
        """Pages *numbers* of a list in order, ``PAGES_IN_FLIGHT`` at a time, each request with its own
        timeout; the first failure cancels the pages not read yet and is raised as it is."""
        bodies: dict[int, Any] = {}
        todo = iter(numbers)

        async def reader() -> None:
            for n in todo:  # shared: each reader takes the next page number when its page is in
                bodies[n] = await self._read(path, {**params, "page": str(n), "per_page": str(per_page)})

        try:
            async with asyncio.TaskGroup() as readers:
                for _ in range(min(PAGES_IN_FLIGHT, len(numbers))):
                    readers.create_task(reader())
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None
        return [bodies[n] for n in numbers]

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

    async def _read(self, path: str, params: dict[str, str]) -> Any:
        """GET with bounded retries on 429/503, honouring Retry-After (capped)."""

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
                return await self._send("GET", path, params=params)
        raise AssertionError("unreachable")  # pragma: no cover - tenacity always returns or raises

    async def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            return await asyncio.wait_for(self._exchange(method, path, **kwargs), self._deadline)
        except TimeoutError:  # a server trickling bytes defeats the per-read timeout, not this
            raise errors.Timeout(SOURCE, f"no complete answer within {self._deadline:g} s") from None

    async def _exchange(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            async with self._http.stream(method, path, **kwargs) as response:
                return _decode(response, await self._body(response))
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
