"""Actions that change the cloud: each is one portal call (or, in OpenStack-only mode, one
Nova call on a site), run by the app in a worker.

Every action says which cache sources it makes stale, so the app refreshes just those
afterwards. Failures are the clients' domain errors (plain messages, no secrets). The
requests that change something are noted in ``Actions.sent`` for the action journal.
In read-only mode (``config.read_only``) every request that would change something, to the
portal or to a site's Nova, is refused here before it leaves (``check_writable``, the one
read-only gate; ``action_runner`` applies it before an action starts).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse

from biosphere_tui import errors
from biosphere_tui.config import Config
from biosphere_tui.i18n import _, t
from biosphere_tui.local.logs import redactor
from biosphere_tui.models.deployments import Deployment, DeploymentRequest
from biosphere_tui.models.membership import GroupRequest, MembershipRequest
from biosphere_tui.models.nova import ServerRequest
from biosphere_tui.rules.readonly import REFUSAL

if TYPE_CHECKING:
    import httpx

    from biosphere_tui.api.openstack import SiteClient
    from biosphere_tui.api.portal import PortalClient

T = TypeVar("T")
NO_RIGHT = "you do not have the right to do this"
SECRETS_ON_PORTAL_ONLY = "the password is only kept on the portal; it cannot be fetched while the portal is unreachable"
OUT_OF_REACH = (errors.Unreachable, errors.Timeout, errors.Busy)


@dataclass(frozen=True)
class Outcome:
    """The result of an action on one item of a batch (one VM, one request)."""

    item: str
    ok: bool
    message: str
    value: Any = None
    kind: str = ""  # a failure's kind (``SourceError.kind``: "conflict", "forbidden"...)


class ReadOnlyRefusal(errors.SourceError):
    """A change asked for in read-only mode: nothing was sent."""

    def __init__(self) -> None:
        super().__init__("app", REFUSAL)


def check_writable(config: Config) -> None:
    """The read-only gate: ``ReadOnlyRefusal`` in read-only mode."""
    if config.read_only:
        raise ReadOnlyRefusal()


class Actions:
    """Opens a portal client per action (the token is read at that moment).

    ``sent``: each request that changed something, as ``METHOD /path body`` relative to the
    portal's URL, e.g. ``DELETE /monitor/deployments/d-1``; no header, so never the token.
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        self.sent: list[str] = []

    async def _with_portal(self, call: Callable[[PortalClient], Awaitable[T]]) -> T:
        # every portal call goes through here: ``_note`` stops a changing request in read-only mode
        try:
            async with self._portal() as portal:
                return await call(portal)
        except errors.Forbidden as exc:
            raise _no_right(exc) from None

    def _portal(self) -> PortalClient:
        """A client for this action. The token goes straight into it: no local variable of a
        frame that lives during the action holds it (a crash report shows frames' locals)."""
        from biosphere_tui.api.portal import PortalClient  # httpx loads with the first action, not at startup

        settings = self.config.portal
        if settings is None:
            raise errors.SourceError("portal", "no portal is configured")
        try:
            return PortalClient(settings.url, settings.token.read(), timeout=settings.timeout,
                                verify=settings.verify_tls, on_request=self._note)
        except errors.ConfigError as exc:
            raise errors.AuthFailed("portal", str(exc)) from None

    def _changing(self, request: str) -> None:
        """Every request that changes something passes here before it is sent, portal or Nova:
        refused in read-only mode, else noted for the journal."""
        check_writable(self.config)
        self.sent.append(request)

    async def _note(self, request: httpx.Request) -> None:
        if request.method in ("GET", "HEAD"):
            return
        assert self.config.portal is not None
        path = request.url.path.removeprefix(urlparse(self.config.portal.url).path.rstrip("/"))
        query = f"?{request.url.query.decode()}" if request.url.query else ""
        body = request.content.decode("utf-8", "replace")
        self._changing(redactor.redact(f"{request.method} {path}{query}" + (f" {body}" if body else "")))

    async def launch(self, spec: DeploymentRequest, idempotency_key: str) -> Deployment:
        return await self._with_portal(lambda p: p.create_deployment(spec, idempotency_key))

    async def launch_many(self, requests: Sequence[tuple[DeploymentRequest, str]]) -> list[Outcome]:
        """Several launches at once (a class), each with its idempotency key, by name; a refusal stops no other."""
        by_name = {spec.name: (spec, key) for spec, key in requests}
        return await self._batch(list(by_name), lambda p, name: p.create_deployment(*by_name[name]))

    async def deployment(self, deployment_id: str) -> Deployment:
        return await self._with_portal(lambda p: p.deployment(deployment_id))

    async def with_secrets(self, deployment_ids: Sequence[str]) -> list[Outcome]:
        """These deployments as the portal has them now, with their passwords and tokens (the cache
        keeps none): an outcome each, whose value is the deployment, or the SourceError if it failed."""

        async def one(portal: PortalClient, deployment_id: str) -> Outcome:
            try:
                return Outcome(deployment_id, True, "done", await portal.deployment(deployment_id))
            except errors.SourceError as exc:
                return Outcome(deployment_id, False, exc.message, exc)

        return await self._with_portal(lambda p: asyncio.gather(*(one(p, i) for i in deployment_ids)))

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

    # -- OpenStack-only mode: Nova on the sites ---------------------------------------------

    async def _with_site(self, site: str, call: Callable[[SiteClient], T]) -> T:
        """``call`` on a fresh client of ``site`` (openstacksdk is synchronous: in a thread)."""
        from biosphere_tui.api.openstack import SiteClient  # openstacksdk loads with the first action

        os_cfg = self.config.openstack
        if site not in os_cfg.sites:
            raise errors.SourceError(site, f"{site} is not one of the configured sites")
        client = SiteClient(site, os_cfg.clouds_yaml, timeout=os_cfg.timeout)
        try:
            return await asyncio.to_thread(call, client)
        finally:
            client.close()

    async def launch_server(self, spec: ServerRequest) -> str:
        """Ask the site's Nova for a server; returns its id."""
        body = {"name": spec.name, "imageRef": spec.image_id, "flavorRef": spec.flavor_id}
        body |= {"key_name": spec.key_name} if spec.key_name else {}
        body |= {"networks": [{"uuid": spec.network}] if spec.network else "auto"}
        self._changing(f"POST {spec.site}:/servers {json.dumps({'server': body})}")
        return await self._with_site(spec.site, lambda c: c.create_server(
            spec.name, spec.flavor_id, spec.image_id, key_name=spec.key_name, network=spec.network))

    async def delete_servers(self, servers: Sequence[tuple[str, str]]) -> list[Outcome]:
        """Delete these (site, server id) at once; an outcome each, keyed ``site/id``. In read-only
        mode the whole batch is refused (``ReadOnlyRefusal``) before any is sent."""
        for site, server_id in servers:
            self._changing(f"DELETE {site}:/servers/{server_id}")

        async def one(site: str, server_id: str) -> Outcome:
            try:
                await self._with_site(site, lambda c: c.delete_server(server_id))
            except errors.SourceError as exc:
                return Outcome(f"{site}/{server_id}", False, exc.message)
            return Outcome(f"{site}/{server_id}", True, "done")

        return list(await asyncio.gather(*(one(site, server_id) for site, server_id in servers)))

    async def _batch(self, items: Sequence[str], call: Callable[[PortalClient, str], Awaitable[Any]]) -> list[Outcome]:
        """The same call on several items at once; one failure does not stop the others."""

        async def one(portal: PortalClient, item: str) -> Outcome:
            try:
                return Outcome(item, True, "done", await call(portal, item))
            except errors.Forbidden as exc:
                return Outcome(item, False, _no_right(exc).message, kind=exc.kind)
            except ReadOnlyRefusal:
                raise  # the whole batch is refused, not item by item
            except errors.SourceError as exc:
                return Outcome(item, False, exc.message, kind=exc.kind)

        return await self._with_portal(lambda p: asyncio.gather(*(one(p, i) for i in items)))


def why_no_secret(error: errors.SourceError) -> str:
    """Why a password or token cannot be shown, in plain words (the cache never holds them)."""
    if isinstance(error, OUT_OF_REACH):
        return t("{reason} ({error})", reason=_(SECRETS_ON_PORTAL_ONLY), error=_(error.message))
    return t("the password could not be fetched from the portal: {error}", error=_(error.message))


def _no_right(exc: errors.Forbidden) -> errors.Forbidden:
    """A refusal for lack of rights, said plainly whatever words the portal used."""
    if exc.message.startswith(NO_RIGHT):
        return exc
    return errors.Forbidden(exc.source, f"{NO_RIGHT} (the portal answered: {exc.message.rstrip('.')}).")
