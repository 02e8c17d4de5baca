"""Bounded work against hostile servers on loopback ("Hostile data" items 6, 7, 8).

Each attack of the issue is replayed against ``servers_support.Hostile``: a reply too large
(a gzip bomb, a flood), a site trickling one byte at a time, deeply nested JSON, a redirect
to another port. The client must fail that source in plain words, within its deadline, and
never send the password or the token elsewhere. ``finishes`` guards against a hang: the
tests assert what happened, never how fast.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

import pytest

from biosphere_tui import errors
from biosphere_tui.api.openstack import SiteClient
from biosphere_tui.api.portal import PortalClient
from biosphere_tui.cache.db import open_cache
from biosphere_tui.config import load
from biosphere_tui.scripting import commands
from biosphere_tui.sync import SourceResult, Sync
from hostile.servers_support import (
    PASSWORD,
    PORTAL_TOKEN,
    Handler,
    Hostile,
    deeply_nested,
    gzip_bomb,
    json_reply,
    openstack_site,
    plain_flood,
    raw_reply,
    redirect,
    trickle,
    write_clouds_yaml,
    write_config,
)

T = TypeVar("T")
CAP = 2**20  # the tests' reply cap: 1 MB
SERVERS = "/compute/v2.1/servers/detail"
GUARD = 90.0  # seconds after which a call is declared hung (far above any deadline here)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def site() -> Iterator[Hostile]:
    with Hostile() as server:
        openstack_site(server)
        yield server


@pytest.fixture
def elsewhere() -> Iterator[Hostile]:
    """Another server on another port, a well-behaved site: where the redirects point."""
    with Hostile() as server:
        openstack_site(server)
        yield server


def client(server: Hostile, folder: Path, *, timeout: float = 0.5, **kw: float) -> SiteClient:
    return SiteClient("hostile", write_clouds_yaml(folder, {"hostile": server.url}, timeout=timeout),
                      timeout=timeout, max_reply_bytes=CAP, **kw)  # type: ignore[arg-type]


def finishes(call: Callable[[], T]) -> T:
    """``call()``, failing the test if it is still running after ``GUARD`` seconds."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["result"] = call()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(GUARD)
    assert not thread.is_alive(), "the call hung"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["result"]  # type: ignore[return-value]


def failure(call: Callable[[], object]) -> errors.SourceError:
    with pytest.raises(errors.SourceError) as caught:
        finishes(call)
    return caught.value


# -- 6. size: every reply is read up to the cap, decompressed size included ---------------------


@pytest.mark.parametrize("attack", ["gzip_bomb", "flood"])
def test_a_site_reply_over_the_cap_is_not_read(site: Hostile, tmp_path: Path, attack: str) -> None:
    site.routes[SERVERS] = (raw_reply(gzip_bomb(64 * CAP), encoding="gzip") if attack == "gzip_bomb"
                            else plain_flood(16 * CAP))
    error = failure(client(site, tmp_path).snapshot)
    assert isinstance(error, errors.BadReply)
    assert error.message == "the reply is larger than 1 MB; it was not read"


def test_a_sign_in_reply_over_the_cap_is_not_read(site: Hostile, tmp_path: Path) -> None:
    site.routes["/v3/auth/tokens"] = raw_reply(gzip_bomb(64 * CAP), encoding="gzip")
    error = failure(client(site, tmp_path).snapshot)
    assert isinstance(error, errors.BadReply) and "larger than 1 MB" in error.message


def test_a_reply_under_the_cap_is_read(site: Hostile, tmp_path: Path) -> None:
    """The cap counts decoded bytes: a gzip reply expanding to less is read as usual."""
    import gzip
    import json

    body = {"servers": [], "servers_links": [], "padding": " " * (CAP // 2)}
    site.routes[SERVERS] = raw_reply(gzip.compress(json.dumps(body).encode()), encoding="gzip")
    assert finishes(client(site, tmp_path).snapshot).servers == []


@pytest.mark.parametrize("attack", ["gzip_bomb", "flood"])
async def test_a_portal_reply_over_the_cap_is_not_read(attack: str) -> None:
    with Hostile() as portal:
        portal.routes["/api/me"] = (raw_reply(gzip_bomb(64 * CAP), encoding="gzip") if attack == "gzip_bomb"
                                    else plain_flood(16 * CAP))
        async with PortalClient(f"{portal.url}/api", PORTAL_TOKEN, timeout=5, max_reply_bytes=CAP) as client_:
            with pytest.raises(errors.BadReply, match="^portal: the reply is larger than 1 MB; it was not read$"):
                await client_.me()


# -- 7. time: a deadline no trickling server outlives; closing never waits -------------------------


def test_a_trickling_site_fails_at_its_deadline_and_is_free_again(site: Hostile, tmp_path: Path) -> None:
    """A byte every 0.1 s defeats the 0.5 s per-read timeout; the call is cut at its deadline
    (2 s), and the site's client is not left busy (its thread did not stay stuck)."""
    site.routes[SERVERS] = trickle(site.stop, 0.1)
    sites = client(site, tmp_path)
    error = failure(sites.snapshot)
    assert isinstance(error, errors.Timeout)
    assert error.message == "no complete answer within 2 s"
    assert not sites.busy
    openstack_site(site)  # the site behaves again: the same client works
    assert finishes(sites.snapshot).limits.max_vcpu == 20


def paged_servers(stop: threading.Event, every: float, pages: int | None, then: Handler | None = None) -> Handler:
    """Nova's server list, each page (empty, with a link to the next) sent ``every`` s after it is
    asked; after ``pages`` pages, ``then`` (None: the last page; ``pages`` None: pages never end)."""

    def reply(h: BaseHTTPRequestHandler) -> None:
        number = int(parse_qs(urlsplit(h.path).query).get("marker", ["p1"])[0][1:])
        if pages is not None and number > pages and then is not None:
            return then(h)
        if stop.wait(every):
            return None
        last = pages is not None and number >= pages and then is None
        links = [] if last else [{"rel": "next", "href": f"/compute/v2.1/servers/detail?marker=p{number + 1}"}]
        return json_reply({"servers": [], "servers_links": links})(h)

    return reply


def _sync_of(config: Path) -> list[SourceResult]:
    cfg = load(config)
    open_cache(cfg.cache_path).db.close()
    runner = Sync(cfg, cfg.cache_path)
    try:
        return finishes(runner.refresh_blocking)
    finally:
        runner.close()


def test_a_site_sending_its_pages_steadily_is_not_cut_for_their_number(site: Hostile, tmp_path: Path) -> None:
    """A deadline of 3 s (1 s per read) counts from the last page: 8 pages, one each 0.5 s, take
    4 s and come in. Before: the source's deadline counted the whole list, and cut it."""
    site.routes[SERVERS] = paged_servers(site.stop, 0.5, 8)
    (result,) = _sync_of(write_config(tmp_path, portal=None, sites={"steady": site.url}, timeout=1.0))
    assert result.ok, result.error
    assert len(site.asked(SERVERS)) == 8


def test_a_site_stalling_in_the_middle_of_its_list_fails_at_its_deadline(site: Hostile, tmp_path: Path) -> None:
    site.routes[SERVERS] = paged_servers(site.stop, 0.1, 3, then=trickle(site.stop, 0.1))
    (result,) = _sync_of(write_config(tmp_path, portal=None, sites={"stalling": site.url}, timeout=1.0))
    assert (result.ok, result.kind, result.error) == (False, "timeout", "no complete answer within 3 s")
    assert len(site.asked(SERVERS)) == 4  # the fourth page trickled


def test_a_site_whose_pages_never_end_is_stopped_at_its_cap(site: Hostile, tmp_path: Path) -> None:
    """Each page comes within the deadline, but the list never ends: the call stops at its cap."""
    site.routes[SERVERS] = paged_servers(site.stop, 0.2, None)
    sites = client(site, tmp_path, cap=3)
    error = failure(sites.snapshot)
    assert isinstance(error, errors.Timeout) and error.message == "still not complete after 3 s"
    assert len(site.asked(SERVERS)) > 1 and not sites.busy


def test_closing_a_site_never_waits_for_its_stuck_call(site: Hostile, tmp_path: Path) -> None:
    """``close()`` (quitting, the end of ``sync``) returns at once although another thread is
    stuck in a call that has an hour left before its deadline; that call is cut too."""
    started = threading.Event()
    slow = trickle(site.stop, 0.1)
    site.routes[SERVERS] = lambda h: (started.set(), slow(h))  # type: ignore[func-returns-value]
    sites = client(site, tmp_path, deadline=3600)
    stuck = threading.Thread(target=lambda: pytest.raises(errors.SourceError, sites.snapshot), daemon=True)
    stuck.start()
    assert started.wait(GUARD)
    finishes(sites.close)
    stuck.join(GUARD)
    assert not stuck.is_alive()


def test_a_site_asking_to_wait_a_day_is_not_waited_for(site: Hostile, tmp_path: Path) -> None:
    """keystoneauth sleeps for Glance's ``Retry-After`` before retrying a 503 (5 times), where
    no socket can be cut: the wait is capped, and the call ends soon after its deadline."""
    site.routes["/image/v2/images"] = json_reply({"error": "busy"}, 503, {"Retry-After": "86400"})
    sites = client(site, tmp_path)
    assert isinstance(failure(sites.snapshot), errors.Timeout)
    assert not sites.busy and site.asked("/image/v2/images")  # the attack was played


async def test_a_trickling_portal_fails_at_its_deadline() -> None:
    with Hostile() as portal:
        portal.routes["/api/me"] = trickle(portal.stop, 0.1)
        async with PortalClient(f"{portal.url}/api", PORTAL_TOKEN, timeout=0.5) as client_:
            with pytest.raises(errors.Timeout, match="^portal: no complete answer within 2 s$"):
                await client_.me()


def _cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``biosphere-tui --config CONFIG ARGS`` in its own process, which must end by itself."""
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "XDG_STATE_HOME": str(config.parent),
           "XDG_CACHE_HOME": str(config.parent)}
    return subprocess.run([sys.executable, "-m", "biosphere_tui", "--config", str(config), *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=GUARD, check=False)


@pytest.mark.parametrize("command", [("sync",), ("ls", "sites", "--refresh")])
def test_the_command_ends_at_the_deadline_of_a_trickling_site(site: Hostile, tmp_path: Path,
                                                              command: tuple[str, ...]) -> None:
    """Before: ``sync`` said the site timed out, then never exited (killed at 300 s): closing
    waited for the lock of the stuck call, and exiting for the executor's thread."""
    with Hostile() as good:
        openstack_site(good)
        site.routes[SERVERS] = trickle(site.stop, 0.1)
        # 2 s per read, 5 s per source: the good site's first call also loads openstacksdk, which
        # may take more than a second on a loaded machine
        config = write_config(tmp_path, portal=None, sites={"slow": site.url, "good": good.url}, timeout=2.0)
        done = _cli(config, *command)
    assert "Traceback" not in done.stderr
    if command == ("sync",):
        assert done.returncode == 1
        assert "FAIL site.slow" in done.stdout and "no complete answer within 5 s" in done.stdout
        assert "ok   site.good" in done.stdout
    else:
        assert "slow" in done.stdout + done.stderr and "good" in done.stdout


_QUIT = """
import asyncio, sys, time
from pathlib import Path
from biosphere_tui.app import BiosphereApp
from biosphere_tui.config import load

async def main() -> None:
    app = BiosphereApp(load(Path(sys.argv[1])))
    async with app.run_test() as pilot:
        while not Path(sys.argv[2]).exists():  # the site is now trickling its reply
            await pilot.pause(0.05)
        await pilot.press("q")
    print("quit")

asyncio.run(main())
"""


def test_quitting_the_app_never_waits_for_a_stuck_site(site: Hostile, tmp_path: Path) -> None:
    """Before: ``q`` left a blank screen and the process alive (78 s and more)."""
    marker = tmp_path / "trickling"
    slow = trickle(site.stop, 0.1)
    site.routes[SERVERS] = lambda h: (marker.touch(), slow(h))  # type: ignore[func-returns-value]
    # a per-read timeout of 60 s: the site's deadline (121 s) is past the guard
    config = write_config(tmp_path, portal=None, sites={"slow": site.url}, timeout=60)
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "XDG_STATE_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", _QUIT, str(config), str(marker)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=GUARD, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("quit")


def test_doctor_ends_although_every_source_trickles(site: Hostile, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    with Hostile() as portal:
        portal.routes["/api/me"] = trickle(portal.stop, 0.1)
        site.routes["/compute/v2.1/limits"] = trickle(site.stop, 0.1)
        config = load(write_config(tmp_path, portal=f"{portal.url}/api", sites={"slow": site.url}, timeout=0.5))
        assert finishes(lambda: commands.doctor(config)) == 1
    out = capsys.readouterr().out
    assert "FAIL portal answers: no complete answer within 2 s" in out
    assert "FAIL site slow: no complete answer within 2 s" in out


# -- 7. JSON nested too deeply: a plain BadReply, never a RecursionError -------------------------


def test_deep_json_from_nova_is_a_bad_reply(site: Hostile, tmp_path: Path) -> None:
    site.routes[SERVERS] = deeply_nested()
    error = failure(client(site, tmp_path).snapshot)
    assert isinstance(error, errors.BadReply) and error.message == "the reply is nested too deeply"


def test_doctor_says_deep_json_on_me_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Hostile() as portal:
        portal.routes["/api/me"] = deeply_nested()
        config = load(write_config(tmp_path, portal=f"{portal.url}/api", sites={}, timeout=2))
        assert finishes(lambda: commands.doctor(config)) == 1
    captured = capsys.readouterr()
    assert "FAIL portal answers: the reply is nested too deeply" in captured.out
    assert "RecursionError" not in captured.out + captured.err and "Traceback" not in captured.out + captured.err


# -- 8. redirects: the password and the token never leave for another address --------------------


def test_the_sign_in_is_not_redirected_to_another_port(site: Hostile, elsewhere: Hostile, tmp_path: Path) -> None:
    site.routes["/v3/auth/tokens"] = redirect(307, f"{elsewhere.url}/v3/auth/tokens")
    error = failure(client(site, tmp_path).snapshot)
    assert isinstance(error, errors.BadReply)
    assert error.message == "the server redirected to another address (HTTP 307); not followed"
    assert PASSWORD.encode() in site.asked("/v3/auth/tokens")[0].body  # the attack was played
    assert elsewhere.seen == []


def test_a_nova_redirect_to_another_port_gets_no_token(site: Hostile, elsewhere: Hostile, tmp_path: Path) -> None:
    site.routes[SERVERS] = redirect(302, f"{elsewhere.url}{SERVERS}")
    error = failure(client(site, tmp_path).snapshot)
    assert isinstance(error, errors.BadReply) and "redirected to another address (HTTP 302)" in error.message
    assert site.asked(SERVERS)[0].headers.get("X-Auth-Token")  # the attack was played
    assert elsewhere.seen == []


def test_a_redirect_within_the_site_is_followed(site: Hostile, tmp_path: Path) -> None:
    """Same scheme, host and port: nothing leaves the site, keystoneauth follows it as before."""
    site.routes["/moved/limits"] = site.routes["/compute/v2.1/limits"]
    site.routes["/compute/v2.1/limits"] = redirect(301, f"{site.url}/moved/limits")  # keystoneauth needs absolute
    assert finishes(client(site, tmp_path).check).startswith("signed in; 2/20 vCPU used")
    assert site.asked("/moved/limits")


async def test_a_portal_redirect_is_not_followed() -> None:
    with Hostile() as portal, Hostile() as other:
        other.routes["/api/me"] = json_reply({"username": "mallory"})
        portal.routes["/api/me"] = redirect(307, f"{other.url}/api/me")
        async with PortalClient(f"{portal.url}/api", PORTAL_TOKEN, timeout=2) as client_:
            with pytest.raises(errors.BadReply, match="redirected to another address \\(HTTP 307\\); not followed"):
                await client_.me()
        assert portal.asked("/api/me") and other.seen == []
