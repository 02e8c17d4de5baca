"""Actions that change the cloud: each is one portal call, run by the app in a worker.

Every action says which cache sources it makes stale, so the app refreshes just those
afterwards. Failures are the clients' domain errors (plain messages, no secrets).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from biosphere_tui.api import errors
from biosphere_tui.api.portal import PortalClient
from biosphere_tui.config import Config
from biosphere_tui.models import Deployment, DeploymentRequest, GroupRequest, MembershipRequest

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    """The result of an action on one item of a batch (one VM, one request)."""

    item: str
    ok: bool
    message: str
    value: Any = None


class Actions:
    """Opens a portal client per action (the token is read at that moment)."""

    def __init__(self, config: Config) -> None:
        self.config = config

    async def _with_portal(self, call: Callable[[PortalClient], Awaitable[T]]) -> T:
        settings = self.config.portal
        if settings is None:
            raise errors.SourceError("portal", "no portal is configured")
        try:
            token = settings.token.read()
        except errors.ConfigError as exc:
            raise errors.AuthFailed("portal", str(exc)) from None
        async with PortalClient(settings.url, token, timeout=settings.timeout, verify=settings.verify_tls) as portal:
            return await call(portal)

    async def launch(self, spec: DeploymentRequest, idempotency_key: str) -> Deployment:
        return await self._with_portal(lambda p: p.create_deployment(spec, idempotency_key))

    async def deployment(self, deployment_id: str) -> Deployment:
        return await self._with_portal(lambda p: p.deployment(deployment_id))

    async def delete(self, deployment_ids: Sequence[str]) -> list[Outcome]:
        return await self._batch(deployment_ids, lambda p, i: p.delete_deployment(i))

    async def approve(self, group_id: str, request_ids: Sequence[str]) -> list[Outcome]:
        return await self._batch(request_ids, lambda p, i: p.approve(group_id, i))

    async def reject(self, group_id: str, request_ids: Sequence[str], reason: str) -> list[Outcome]:
        return await self._batch(request_ids, lambda p, i: p.reject(group_id, i, reason))

    async def join(self, group_id: str, message: str) -> MembershipRequest:
        return await self._with_portal(lambda p: p.join(group_id, message))

    async def request_group(self, spec: GroupRequest) -> str:
        return await self._with_portal(lambda p: p.request_group(spec))

    async def _batch(self, items: Sequence[str], call: Callable[[PortalClient, str], Awaitable[Any]]) -> list[Outcome]:
        """The same call on several items at once; one failure does not stop the others."""

        async def one(portal: PortalClient, item: str) -> Outcome:
            try:
                return Outcome(item, True, "done", await call(portal, item))
            except errors.SourceError as exc:
                return Outcome(item, False, exc.message)

        return await self._with_portal(lambda p: asyncio.gather(*(one(p, i) for i in items)))
