"""Client of one OpenStack site, configured from a standard ``clouds.yaml``.

openstacksdk is imported lazily (it costs ~0.6 s) and is synchronous: callers run these
methods in a thread, one thread at a time per ``SiteClient``. Bulk listing goes through
raw paged requests; the SDK's Resource layer is ~250x slower for thousands of servers.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qs, quote, urlparse

from biosphere_tui import errors
from biosphere_tui.api import fields as f
from biosphere_tui.api import limits
from biosphere_tui.api import openstack_parse as parse
from biosphere_tui.models.nova import Server, SiteSnapshot
from biosphere_tui.models.states import UNLIMITED

if TYPE_CHECKING:
    from openstack.config.loader import OpenStackConfig
    from openstack.connection import Connection

    from biosphere_tui.api.openstack_transport import BoundedAdapter

T = TypeVar("T")
NEWEST_MICROVERSION = (2, 96)
"""The newest compute microversion whose replies this client reads; each site is asked for
``min(this, the site's maximum)`` on every call (see ``SiteClient.microversion``)."""
PAGE = 1000
MAX_PAGES = 1000
DECODING = threading.Lock()
"""The sites' replies are decoded and parsed one at a time, whichever thread read them (the GIL
serialises that work anyway; the requests still overlap): a full pass holds the decoded JSON of one
page of 1,000 servers, not of one per site. Its peak matters after it is over: the few objects
allocated meanwhile that live on pin the memory it took, which the process keeps."""
CONNECTING = threading.Lock()
CONNECTED = threading.Event()
"""Until one site's connection is made, the others wait for it (``CONNECTING``). The first imports
openstacksdk and has stevedore find the auth plugin among the installed packages' entry points (a
scan kept for the process, and in a file of the user's cache); the others then take both as made.
Made at once, every site's thread imported the same modules, waiting on each other's import locks,
and made the same scan (0.5 s of CPU over 8 sites when the cache file is not there yet). Once one is
made (``CONNECTED``) the others are made at once: a slow one (openstacksdk fetching a vendor profile)
holds no other."""


ENV_FILE = "OS_CLIENT_CONFIG_FILE"


@dataclass(frozen=True)
class Clouds:
    """The clouds openstacksdk finds, and the one the environment selects, as the ``openstack`` CLI does."""

    names: tuple[str, ...]  # the clouds of the clouds.yaml, in its order
    file: str | None  # the clouds.yaml read, if any
    selected: str | None = None  # OS_CLOUD's cloud, else the cloud of the openrc OS_* variables
    origin: str = ""  # how ``selected`` was chosen: "OS_CLOUD" or "OS_* variables"


def find_clouds(clouds_yaml: Path | None = None) -> Clouds:
    """The clouds of ``clouds_yaml`` (pinned: the environment is not read), else of the clouds.yaml
    openstacksdk finds (``OS_CLIENT_CONFIG_FILE`` first), with ``OS_CLOUD`` and openrc variables."""
    try:
        loader = _loader(clouds_yaml)
    except errors.ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - a broken clouds.yaml is a configuration error
        raise errors.ConfigError(f"{clouds_yaml or 'clouds.yaml'}: cannot be read ({_first_line(exc)})") from None
    clouds = loader.cloud_config.get("clouds") or {}
    env_key = loader.envvar_key if clouds_yaml is None else None
    # a file without clouds gets a synthetic "defaults" cloud (no credentials) from the loader
    names = tuple(str(name) for name, cloud in clouds.items()
                  if name != env_key and not (name == "defaults" and "auth" not in cloud))
    chosen = os.environ.get("OS_CLOUD") if clouds_yaml is None else None
    if chosen:
        if chosen not in clouds:
            raise errors.ConfigError(f"OS_CLOUD is {chosen!r}, which is not a cloud of "
                                     f"{loader.config_filename or 'any clouds.yaml'} "
                                     f"(clouds: {', '.join(names) or 'none'})")
        return Clouds(names, loader.config_filename, chosen, "OS_CLOUD")
    if env_key and "auth_url" in (clouds.get(env_key) or {}):  # OS_AUTH_URL and the rest of an openrc
        return Clouds(names, loader.config_filename, env_key, "OS_* variables")
    return Clouds(names, loader.config_filename)


_parsed: dict[tuple[str, str], OpenStackConfig] = {}
_parsed_lock = threading.Lock()


def _loader(clouds_yaml: Path | None) -> OpenStackConfig:
    """openstacksdk's loader on a pinned ``clouds_yaml``, parsed once per content of the file (each
    site's client and each command reads it; a changed file is read anew), else read afresh."""
    if clouds_yaml is None:
        return _fresh_loader(None)
    try:
        key = (str(clouds_yaml.resolve()), hashlib.sha256(clouds_yaml.read_bytes()).hexdigest())
    except OSError:
        return _fresh_loader(clouds_yaml)  # openstacksdk says it its own way
    with _parsed_lock:
        if key not in _parsed:
            _parsed.clear()  # only the file's newest content is worth keeping
            _parsed[key] = _fresh_loader(clouds_yaml)
        return _parsed[key]


def _fresh_loader(clouds_yaml: Path | None) -> OpenStackConfig:
    """openstacksdk's loader on ``clouds_yaml`` (the file alone), else as the ``openstack`` CLI loads
    (OS_CLIENT_CONFIG_FILE, OS_CLOUD, openrc OS_* variables), once the file it will read parses:
    openstacksdk skips a file with a YAML syntax error, which would then read as "no cloud"."""
    import openstack.config
    import yaml
    from openstack.config.loader import CONFIG_FILES

    files = [str(clouds_yaml)] if clouds_yaml else None
    env = clouds_yaml is None
    search = files or [p for p in (os.environ.get(ENV_FILE),) if p] + CONFIG_FILES
    path = next((Path(p) for p in search if os.path.isfile(p)), None)
    try:
        if path is not None:
            yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise errors.ConfigError(f"{path}: YAML syntax error{at} ({getattr(exc, 'problem', None) or 'not YAML'})") from None
    except (OSError, UnicodeDecodeError):
        pass  # openstacksdk says it its own way
    return openstack.config.OpenStackConfig(config_files=files, vendor_files=[] if files else None, load_envvars=env)


class SiteClient:
    """One Biosphère site (a ``clouds.yaml`` entry).

    A call is cut once it has had no complete reply for ``deadline`` seconds (default: twice
    ``timeout`` plus one), however slowly the site sends, or has run for ``cap`` seconds (default:
    ``limits.CAP_DEADLINES`` deadlines), however steadily: a long list arriving page after page is
    not cut for its length. Replies are read up to ``max_reply_bytes`` once decompressed; a
    redirect to another address is not followed.
    """

    def __init__(self, cloud: str, clouds_yaml: Path | None = None, *, timeout: float = 10.0,
                 deadline: float | None = None, cap: float | None = None,
                 max_reply_bytes: int = limits.MAX_REPLY_BYTES, pace: Callable[[], None] = limits.unpaced) -> None:
        """``pace`` is called before each request is sent, each reply decoded and each item of a list parsed
        (it may wait: the app's keys come first)."""
        self.cloud = cloud
        self._pace = pace
        self._clouds_yaml = clouds_yaml
        self._timeout = timeout
        self._deadline = deadline if deadline is not None else limits.deadline(timeout)
        self._cap = cap
        self._max_bytes = max_reply_bytes
        self._conn: Connection | None = None
        self._microversion: str | None = None  # negotiated once per connection
        self._transport: BoundedAdapter | None = None
        self._closed = False
        self._late = False  # the call running now passed its deadline
        self._calls = 0  # numbers the calls: a watchdog cuts only its own
        self._running = 0  # the number of the call running now (0: none)
        self._progress = limits.Progress(self._deadline, cap)  # the running call's
        self._watchdog: threading.Timer | None = None
        self._lock = threading.Lock()

    @property
    def deadline(self) -> float:
        """Seconds without a complete reply after which a call is cut."""
        return self._deadline

    @property
    def busy(self) -> bool:
        """True while a call is still waiting for this site (e.g. it hangs)."""
        return self._lock.locked()

    def prepare(self) -> None:
        """Load openstacksdk and build the connection now, without a request; a failure is left for
        the first call to report. What a connection keeps (modules, plugins, the parsed config) is
        then made before the first replies are parsed: interleaved with them, it would keep the
        memory they free from going back to the system (see ``local/memory.py``)."""
        with self._lock, suppress(Exception):
            self._connection()

    # -- reads ---------------------------------------------------------------------------

    def snapshot(self, changes_since: datetime | None = None, progress: limits.Progress | None = None,
                 each_page: Callable[[list[Server]], None] | None = None) -> SiteSnapshot:
        """The site's servers, flavours, images and limits. With ``changes_since``, only the servers
        changed at or after that time (Nova's ``changes-since``), deleted ones included with
        status ``DELETED``: a partial snapshot. ``progress`` (the caller's) is marked at each reply
        and cuts the call as it says. With ``each_page``, the servers are handed to it a page at a
        time as they are parsed, and not kept (the snapshot's ``servers`` is then empty): a full pass
        never holds every server of the site at once."""
        since = {"changes-since": changes_since.astimezone(UTC).isoformat(timespec="seconds")} if changes_since else {}
        with self._calling(progress):
            flavors = self._pages("compute", "/flavors/detail", "flavors", lambda x: parse.flavor(x, self.cloud),
                                  _nova_next, {"is_public": "None"})
            by_id = {x.id: x for x in flavors}
            return SiteSnapshot(
                servers=self._pages("compute", "/servers/detail", "servers",
                                    lambda x: parse.server(x, self.cloud, by_id), _nova_next, since, each_page),
                partial=changes_since is not None,
                flavors=flavors,
                images=self._pages("image", "/images", "images", lambda x: parse.image(x, self.cloud),
                                   lambda body: _marker_of(body.get("next"))),
                limits=parse.limits(self._get("compute", "/limits"), self.cloud),
                microversion=self.microversion(),
            )

    def check(self) -> str:
        """Sign in and read the limits: proves the credentials and the compute API work."""
        with self._calling():
            limits = parse.limits(self._get("compute", "/limits"), self.cloud)
            used = f"{limits.used_vcpu}/{limits.max_vcpu}" if limits.max_vcpu != UNLIMITED \
                else f"{limits.used_vcpu} (unlimited)"
            return f"signed in; {used} vCPU used; compute API {self.microversion()}"

    def microversion(self) -> str:
        """The compute microversion every call to this site uses: the newest both this client and
        the site know, from the site's version document (read once per connection)."""
        if self._microversion is None:
            endpoint = self._connection().compute.get_endpoint_data()
            if endpoint is None:
                raise errors.SourceError(self.cloud, "the site's service catalogue has no compute endpoint")
            top, bottom = endpoint.max_microversion, endpoint.min_microversion
            if top is None:  # no microversions (a v2.0-only endpoint): 2.1 is its base behaviour
                self._microversion = "2.1"
            elif bottom is not None and tuple(bottom) > NEWEST_MICROVERSION:
                raise errors.SourceError(self.cloud, f"the compute API starts at microversion {_dotted(bottom)}, "
                                                     f"newer than this app reads ({_dotted(NEWEST_MICROVERSION)})")
            else:
                self._microversion = _dotted(min(tuple(top), NEWEST_MICROVERSION))
        return self._microversion

    def _pages(self, service: str, path: str, key: str, parse_item: Callable[[Any], T],
               next_marker: Callable[[dict[str, Any]], str | None], params: dict[str, Any] | None = None,
               each_page: Callable[[list[T]], None] | None = None) -> list[T]:
        """Every item of a marker-paged list (Nova and Glance page the same way); with ``each_page``, none:
        each page's items are handed to it instead."""
        query: dict[str, Any] = {**(params or {}), "limit": PAGE}
        found: list[T] = []
        take = found.extend if each_page is None else each_page

        def page(body: Any) -> str | None:  # decoded under DECODING: its items, and the next page's marker
            parsed = []
            for item in self._items(body, key):
                self._pace()
                parsed.append(parse_item(item))
            take(parsed)
            return next_marker(f.obj(body, "reply"))

        for _ in range(MAX_PAGES):
            marker = self._get(service, path, query, page)
            if marker is None:
                return found
            query = {**(params or {}), "limit": PAGE, "marker": marker}
        raise errors.BadReply(self.cloud, f"the {key} list never ends (paging loop)")

    # -- actions -------------------------------------------------------------------------

    def create_server(self, name: str, flavor_id: str, image_id: str, metadata: dict[str, str] | None = None,
                      *, key_name: str = "", network: str = "") -> str:
        """Ask Nova for a server; returns its id (it boots in the background). Without ``network``
        Nova picks the project's only network ("auto"); with several, real Nova wants one named."""
        with self._calling():
            spec: dict[str, Any] = {"name": name, "flavorRef": flavor_id, "imageRef": image_id,
                                    "metadata": metadata or {}}
            if network:
                spec["networks"] = [{"uuid": network}]
            elif _at_least(self.microversion(), (2, 37)):  # below 2.37 Nova picks the only network by itself
                spec["networks"] = "auto"
            if key_name:
                spec["key_name"] = key_name
            body = self._send("post", "/servers", json={"server": spec})
            return f.text(f.obj(f.obj(body, "reply").get("server"), "server"), "id", "server")

    def delete_server(self, server_id: str) -> None:
        with self._calling():
            self._send("delete", f"/servers/{quote(server_id, safe='')}")

    def close(self) -> None:
        """Release the connection at once, cutting a call still waiting for the site (never waits
        for it: the caller may be quitting)."""
        self._closed = True
        if self._transport is not None:
            self._transport.cut()
        conn, self._conn = self._conn, None
        self._microversion = None
        if conn is not None:
            conn.close()

    # -- plumbing ------------------------------------------------------------------------

    def _connection(self) -> Connection:
        if self._closed:
            raise errors.SourceError(self.cloud, "the client was closed")
        if self._conn is None and CONNECTED.is_set():
            self._conn = self._connect()
        if self._conn is None:
            with CONNECTING:
                self._conn = self._connect()
                CONNECTED.set()
        return self._conn

    def _connect(self) -> Connection:
        import openstack.connection

        from biosphere_tui.api.openstack_transport import BoundedAdapter

        region = _loader(self._clouds_yaml).get_one(cloud=self.cloud, api_timeout=self._timeout)
        conn = openstack.connection.Connection(config=region)
        self._transport = BoundedAdapter.mount(conn.session.session, self.cloud, self._max_bytes, self._timeout)
        if self._late:
            self._transport.cut()
        return conn

    def _get(self, service: str, path: str, params: dict[str, Any] | None = None,
             then: Callable[[Any], Any] | None = None) -> Any:
        return self._send("get", path, service, then=then, params=params or {})

    def _send(self, method: str, path: str, service: str = "compute", *, then: Callable[[Any], Any] | None = None,
              **kwargs: Any) -> Any:
        """One request (compute ones at the negotiated microversion); its JSON body (None if empty), or
        what ``then`` makes of it, decoded and made under ``DECODING`` (the body is dropped after)."""
        from openstack.exceptions import raise_from_response

        self._pace()
        if service == "compute":
            kwargs["microversion"] = self.microversion()
        response = getattr(getattr(self._connection(), service), method)(path, **kwargs)
        raise_from_response(response)
        self._progress.mark()
        self._pace()
        with DECODING:
            try:
                body = limits.parse_json(response.content, self.cloud) if response.content else None
            except ValueError:
                raise errors.BadReply(self.cloud, f"{service} {path} sent a reply that is not JSON") from None
            return body if then is None else then(body)

    def _items(self, body: Any, key: str) -> list[Any]:
        return f.lst(f.obj(body, "reply").get(key), key)

    @contextmanager
    def _calling(self, progress: limits.Progress | None = None) -> Iterator[None]:
        """Serialise calls on this site, cut the one still running when its ``progress`` says
        (its own when none is given), and turn every failure into a domain error."""
        with self._lock:
            self._late = False
            self._calls += 1
            self._running = self._calls
            self._progress = progress or limits.Progress(self._deadline, self._cap)
            if self._transport is not None:
                self._transport.arm()
            self._watch(self._calls)
            try:
                yield
            except Exception as exc:
                if self._late and not self._closed:
                    raise self._progress.overdue(self.cloud) from None
                if isinstance(exc, errors.SourceError):
                    raise
                if isinstance(exc, f.ShapeError):
                    raise errors.BadReply(self.cloud, f"unexpected reply: {exc}") from None
                raise translate(self.cloud, exc, self._timeout) from None
            finally:
                self._running = 0
                if self._watchdog is not None:
                    self._watchdog.cancel()

    def _watch(self, call: int) -> None:
        """Cut call ``call`` if its progress says so, else look again when it will."""
        if call != self._running:  # that call ended meanwhile
            return
        left = self._progress.left()
        if left <= 0:
            self._late = True
            if self._transport is not None:
                self._transport.cut()
            return
        self._watchdog = threading.Timer(left, self._watch, args=(call,))
        self._watchdog.daemon = True
        self._watchdog.start()


def _dotted(version: Any) -> str:
    return ".".join(str(part) for part in tuple(version)[:2])


def _at_least(version: str, wanted: tuple[int, int]) -> bool:
    major, _, minor = version.partition(".")
    return (int(major), int(minor or 0)) >= wanted


def _nova_next(body: dict[str, Any]) -> str | None:
    """The marker of Nova's next page (``servers_links``, ``flavors_links``…)."""
    markers = (_marker_of(_next_href(v)) for k, v in body.items() if k.endswith("_links"))
    return next((m for m in markers if m is not None), None)


def _next_href(links: Any) -> str | None:
    for link in links if isinstance(links, list) else []:
        href = link.get("href") if isinstance(link, dict) and link.get("rel") == "next" else None
        if isinstance(href, str):
            return href
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
        return _from_status(site, status, _detail(exc), _retry_after(getattr(exc, "response", None)))
    if isinstance(exc, (ValueError, KeyError, TypeError, json.JSONDecodeError)):
        return errors.BadReply(site, f"the reply could not be understood ({type(exc).__name__})")
    return errors.SourceError(site, f"unexpected failure ({type(exc).__name__})")


_BY_STATUS: dict[int, tuple[Callable[..., errors.SourceError], str]] = {
    401: (errors.AuthFailed, "the site refused the credentials (HTTP 401)"),
    403: (errors.Forbidden, "forbidden (HTTP 403)"),
    404: (errors.NotFound, "not found (HTTP 404)"),
    409: (errors.Conflict, "conflict (HTTP 409)"),
    413: (errors.Busy, "over the API's rate limit (HTTP 413)"),  # Nova's overLimit
    429: (errors.Busy, "rate limited (HTTP 429)"),
    503: (errors.Busy, "temporarily unavailable (HTTP 503)"),
}


def _from_status(site: str, status: int, detail: str, retry_after: float | None = None) -> errors.SourceError:
    if status in _BY_STATUS:
        cls, default = _BY_STATUS[status]
        if cls is errors.Busy:
            return errors.Busy(site, default, retry_after=retry_after)
        return cls(site, f"{default}: {detail}" if detail and status in (403, 409) else default)
    if 400 <= status < 500:
        return errors.Invalid(site, detail or f"request refused (HTTP {status})")
    return errors.ServerFailed(site, f"the site failed (HTTP {status})")


def _retry_after(response: Any) -> float | None:
    """The server's ``Retry-After`` in seconds, as it sent it (the transport shortens the header
    keystoneauth reads, and keeps the original), else Nova's ``retryAfter`` in an overLimit body."""
    from biosphere_tui.api.openstack_transport import sent_retry_after

    if response is None:
        return None
    if (hint := sent_retry_after(response)) is not None:
        return hint
    try:
        body = response.json()
        fault = next(iter(body.values())) if isinstance(body, dict) and len(body) == 1 else None
        value = fault.get("retryAfter") if isinstance(fault, dict) else None
        return float(value) if value is not None and 0 <= float(value) < 1e6 else None
    except (ValueError, TypeError, RecursionError):
        return None


def _detail(exc: Exception) -> str:
    """The server's own explanation when it is short plain text (Nova's quota messages)."""
    details = getattr(exc, "details", None)
    if isinstance(details, str) and details and "<" not in details:
        return _first_line(details)[:200]
    return ""


def _first_line(value: object) -> str:
    return str(value).strip().splitlines()[0] if str(value).strip() else ""
