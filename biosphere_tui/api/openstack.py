"""Client of one OpenStack site, configured from a standard ``clouds.yaml``.

openstacksdk is imported lazily (it costs ~0.6 s) and is synchronous: callers run these
methods in a thread, one thread at a time per ``SiteClient``. Bulk listing goes through
raw paged requests; the SDK's Resource layer is ~250x slower for thousands of servers.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qs, urlparse

from biosphere_tui.api import errors, limits
from biosphere_tui.api import fields as f
from biosphere_tui.api import openstack_parse as parse
from biosphere_tui.models import Flavor, Image, Server, SiteSnapshot

if TYPE_CHECKING:
    from openstack.config.loader import OpenStackConfig
    from openstack.connection import Connection

    from biosphere_tui.api.openstack_transport import BoundedAdapter

T = TypeVar("T")
NOVA_MICROVERSION = "2.96"
PAGE = 1000
MAX_PAGES = 1000


def cloud_names(clouds_yaml: Path | None = None) -> tuple[str, ...]:
    """The clouds of the clouds.yaml (``clouds_yaml``, or the one openstacksdk finds), in its order."""
    try:
        loader = _loader(clouds_yaml)
    except errors.ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken clouds.yaml is a configuration error
        raise errors.ConfigError(f"{clouds_yaml or 'clouds.yaml'}: cannot be read ({_first_line(exc)})") from None
    if loader.config_filename is None:
        return ()
    clouds = loader.cloud_config.get("clouds") or {}
    # a file without clouds gets a synthetic "defaults" cloud (no credentials) from the loader
    return tuple(str(name) for name, cloud in clouds.items() if not (name == "defaults" and "auth" not in cloud))


def _loader(clouds_yaml: Path | None) -> OpenStackConfig:
    """openstacksdk's loader on ``clouds_yaml`` (else its usual search), once the file it will read
    parses: openstacksdk skips a file with a YAML syntax error, which would then read as "no cloud"."""
    import openstack.config
    import yaml
    from openstack.config.loader import CONFIG_FILES

    files = [str(clouds_yaml)] if clouds_yaml else None
    path = next((Path(p) for p in files or CONFIG_FILES if os.path.isfile(p)), None)
    try:
        if path is not None:
            yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise errors.ConfigError(f"{path}: YAML syntax error{at} ({getattr(exc, 'problem', None) or 'not YAML'})") from None
    except (OSError, UnicodeDecodeError):
        pass  # openstacksdk says it its own way
    return openstack.config.OpenStackConfig(config_files=files, vendor_files=[] if files else None, load_envvars=False)


class SiteClient:
    """One Biosphère site (a ``clouds.yaml`` entry).

    Each call ends within ``deadline`` seconds (default: twice ``timeout`` plus one): past it the
    connection is cut, however slowly the site sends. Replies are read up to ``max_reply_bytes``
    once decompressed; a redirect to another address is not followed.
    """

    def __init__(self, cloud: str, clouds_yaml: Path | None = None, *, timeout: float = 10.0,
                 deadline: float | None = None, max_reply_bytes: int = limits.MAX_REPLY_BYTES) -> None:
        self.cloud = cloud
        self._clouds_yaml = clouds_yaml
        self._timeout = timeout
        self._deadline = deadline if deadline is not None else limits.deadline(timeout)
        self._max_bytes = max_reply_bytes
        self._conn: Connection | None = None
        self._transport: BoundedAdapter | None = None
        self._closed = False
        self._late = False  # the call running now passed its deadline
        self._calls = 0  # numbers the calls: a watchdog cuts only its own
        self._lock = threading.Lock()

    @property
    def deadline(self) -> float:
        """Seconds after which a call is cut."""
        return self._deadline

    @property
    def busy(self) -> bool:
        """True while a call is still waiting for this site (e.g. it hangs)."""
        return self._lock.locked()

    # -- reads ---------------------------------------------------------------------------

    def snapshot(self) -> SiteSnapshot:
        with self._calling():
            return SiteSnapshot(
                servers=self._servers(),
                flavors=self._flavors(),
                images=self._images(),
                limits=parse.limits(self._get("compute", "/limits"), self.cloud),
            )

    def check(self) -> str:
        """Sign in and read the limits: proves the credentials and the compute API work."""
        with self._calling():
            limits = parse.limits(self._get("compute", "/limits"), self.cloud)
            return f"signed in; {limits.used_vcpu}/{limits.max_vcpu} vCPU used"

    def _servers(self) -> list[Server]:
        return self._pages("compute", "/servers/detail", "servers", lambda x: parse.server(x, self.cloud),
                           lambda body: _marker_of(_next_href(body.get("servers_links"))))

    def _flavors(self) -> list[Flavor]:
        return self._pages("compute", "/flavors/detail", "flavors", lambda x: parse.flavor(x, self.cloud),
                           lambda body: _marker_of(_next_href(body.get("flavors_links"))), {"is_public": "None"})

    def _images(self) -> list[Image]:
        return self._pages("image", "/images", "images", lambda x: parse.image(x, self.cloud),
                           lambda body: _marker_of(body.get("next")))

    def _pages(self, service: str, path: str, key: str, parse_item: Callable[[Any], T],
               next_marker: Callable[[dict[str, Any]], str | None], query: dict[str, Any] | None = None) -> list[T]:
        """Every item of a marker-paged list (Nova and Glance page the same way; a site's
        ``max_limit`` may make pages shorter than asked)."""
        params: dict[str, Any] = {**(query or {}), "limit": PAGE}
        found: list[T] = []
        for _ in range(MAX_PAGES):
            body = self._get(service, path, params)
            found += [parse_item(x) for x in self._items(body, key)]
            marker = next_marker(f.obj(body, "reply"))
            if marker is None:
                return found
            params = {**(query or {}), "limit": PAGE, "marker": marker}
        raise errors.BadReply(self.cloud, f"the {key} list never ends (paging loop)")

    # -- actions -------------------------------------------------------------------------

    def create_server(self, name: str, flavor_id: str, image_id: str, metadata: dict[str, str] | None = None,
                      *, key_name: str = "", network: str = "") -> str:
        """Ask Nova for a server; returns its id (it boots in the background). Without ``network``
        Nova picks the project's only network ("auto"); with several, real Nova wants one named."""
        with self._calling():
            extra = {"key_name": key_name} if key_name else {}
            created = self._connection().compute.create_server(
                name=name, flavor_id=flavor_id, image_id=image_id, metadata=metadata or {},
                networks=[{"uuid": network}] if network else "auto", **extra,
            )
            return str(created.id)

    def delete_server(self, server_id: str) -> None:
        with self._calling():
            self._connection().compute.delete_server(server_id, ignore_missing=False)

    def close(self) -> None:
        """Release the connection at once, cutting a call still waiting for the site (never waits
        for it: the caller may be quitting)."""
        self._closed = True
        if self._transport is not None:
            self._transport.cut()
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    # -- plumbing ------------------------------------------------------------------------

    def _connection(self) -> Connection:
        if self._closed:
            raise errors.SourceError(self.cloud, "the client was closed")
        if self._conn is None:
            import openstack.connection

            from biosphere_tui.api.openstack_transport import BoundedAdapter

            region = _loader(self._clouds_yaml).get_one(cloud=self.cloud, api_timeout=self._timeout)
            conn = openstack.connection.Connection(config=region)
            self._transport = BoundedAdapter.mount(conn.session.session, self.cloud, self._max_bytes)
            if self._late:
                self._transport.cut()
            self._conn = conn
        return self._conn

    def _get(self, service: str, path: str, params: dict[str, Any] | None = None) -> Any:
        from openstack.exceptions import raise_from_response

        proxy = getattr(self._connection(), service)
        extra = {"microversion": NOVA_MICROVERSION} if service == "compute" else {}
        response = proxy.get(path, params=params or {}, **extra)
        raise_from_response(response)
        try:
            return limits.parse_json(response.content, self.cloud)
        except ValueError:
            raise errors.BadReply(self.cloud, f"{service} {path} sent a reply that is not JSON") from None

    def _items(self, body: Any, key: str) -> list[Any]:
        return f.lst(f.obj(body, "reply").get(key), key)

    @contextmanager
    def _calling(self) -> Iterator[None]:
        """Serialise calls on this site, cut the one still running at its deadline, and turn
        every failure into a domain error."""
        with self._lock:
            self._late = False
            self._calls += 1
            if self._transport is not None:
                self._transport.arm()
            watchdog = threading.Timer(self._deadline, self._cut, args=(self._calls,))
            watchdog.daemon = True
            watchdog.start()
            try:
                yield
            except Exception as exc:  # noqa: BLE001 - translated into a domain error
                if self._late and not self._closed:
                    raise errors.Timeout(self.cloud, f"no complete answer within {self._deadline:g} s") from None
                if isinstance(exc, errors.SourceError):
                    raise
                if isinstance(exc, f.ShapeError):
                    raise errors.BadReply(self.cloud, f"unexpected reply: {exc}") from None
                raise translate(self.cloud, exc, self._timeout) from None
            finally:
                watchdog.cancel()

    def _cut(self, call: int) -> None:
        if call != self._calls:  # that call ended just as its deadline came
            return
        self._late = True
        if self._transport is not None:
            self._transport.cut()


def _next_href(links: Any) -> str | None:
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict) and link.get("rel") == "next" and isinstance(link.get("href"), str):
            return link["href"]
    return None


def _marker_of(href: Any) -> str | None:
    return parse_qs(urlparse(href).query).get("marker", [None])[0] if isinstance(href, str) else None


def translate(site: str, exc: Exception, timeout: float) -> errors.SourceError:
    """Map keystoneauth / openstacksdk / config exceptions to a plain domain error."""
    from keystoneauth1 import exceptions as ks
    from openstack import exceptions as os_exc
    from openstack.config import exceptions as config_exc

    status = getattr(exc, "status_code", None) or getattr(exc, "http_status", None)
    if isinstance(exc, (ks.ConnectTimeout, ks.RequestTimeout)):
        return errors.Timeout(site, f"no answer within {timeout:g} s")
    if isinstance(exc, ks.SSLError):
        return errors.Unreachable(site, "the TLS certificate could not be verified")
    if isinstance(exc, ks.ConnectionError):
        return errors.Unreachable(site, "cannot connect (connection refused or reset)")
    if isinstance(exc, errors.ConfigError):
        return errors.SourceError(site, str(exc))
    if isinstance(exc, config_exc.OpenStackConfigException):
        return errors.SourceError(site, f"clouds.yaml: {_first_line(exc)}")
    if isinstance(exc, (ks.CatalogException, ks.DiscoveryFailure, ks.InvalidResponse)):
        return errors.BadReply(site, f"the identity service answered unexpectedly ({type(exc).__name__})")
    if isinstance(exc, (ks.HttpError, os_exc.HttpException)) and isinstance(status, int):
        return _from_status(site, status, _detail(exc))
    if isinstance(exc, (ValueError, KeyError, TypeError, json.JSONDecodeError)):
        return errors.BadReply(site, f"the reply could not be understood ({type(exc).__name__})")
    return errors.SourceError(site, f"unexpected failure ({type(exc).__name__})")


_BY_STATUS: dict[int, tuple[Callable[..., errors.SourceError], str]] = {
    401: (errors.AuthFailed, "the site refused the credentials (HTTP 401)"),
    403: (errors.Forbidden, "forbidden (HTTP 403)"),
    404: (errors.NotFound, "not found (HTTP 404)"),
    409: (errors.Conflict, "conflict (HTTP 409)"),
    429: (errors.Busy, "rate limited (HTTP 429)"),
    503: (errors.Busy, "temporarily unavailable (HTTP 503)"),
}


def _from_status(site: str, status: int, detail: str) -> errors.SourceError:
    if status in _BY_STATUS:
        cls, default = _BY_STATUS[status]
        return cls(site, f"{default}: {detail}" if detail and status in (403, 409) else default)
    if 400 <= status < 500:
        return errors.Invalid(site, detail or f"request refused (HTTP {status})")
    return errors.ServerFailed(site, f"the site failed (HTTP {status})")


def _detail(exc: Exception) -> str:
    """The server's own explanation when it is short plain text (Nova's quota messages)."""
    details = getattr(exc, "details", None)
    if isinstance(details, str) and details and "<" not in details:
        return _first_line(details)[:200]
    return ""


def _first_line(value: object) -> str:
    return str(value).strip().splitlines()[0] if str(value).strip() else ""
