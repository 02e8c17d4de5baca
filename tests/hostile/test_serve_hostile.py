"""``biosphere-tui serve`` against the attacks found from outside: another web page, another local
user, DNS rebinding, and a flood of sessions. The real command runs on a free loopback port; each
test replays one attack with aiohttp's client and checks the server refuses it."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from biosphere_tui.serve import TOKEN_ENV, ServeError, session_token

TOKEN = "given-by-the-user_" + "x7Q2" * 8  # passed through the environment, like BIOSPHERE_SERVE_TOKEN users do
EVIL = "http://evil.example"


@dataclass
class Served:
    process: subprocess.Popen[str]
    port: int
    printed: str
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        return self.base

    @property
    def url(self) -> str:
        return f"{self.base}/?token={TOKEN}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/{TOKEN}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _until(condition, what: str, seconds: float = 30) -> None:  # noqa: ANN001
    """Poll ``condition`` (a bound on waiting, not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}")
        time.sleep(0.05)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (the app processes the server started)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """``biosphere-tui serve --demo --max-sessions 1`` with the secret given in the environment."""
    home = tmp_path_factory.mktemp("serve-home")
    env = {key: value for key, value in os.environ.items() if "proxy" not in key.lower()}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"),
               XDG_DATA_HOME=str(home / "data"), XDG_STATE_HOME=str(home / "state"), LANG="C.UTF-8",
               NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost", **{TOKEN_ENV: TOKEN})
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "biosphere_tui", "serve", "--demo", "--port", str(port),
                                "--max-sessions", "1"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        printed = process.stdout.readline() + process.stdout.readline()
        _until(lambda: _listening(port) or process.poll() is not None, "the server to listen")
        assert process.poll() is None, printed + process.stdout.read()
        yield Served(process, port, printed, home / "state" / "biosphere-tui" / "log" / "biosphere-tui.log")
    finally:
        process.terminate()
        process.wait(timeout=20)


async def _get(url: str, **headers: str) -> tuple[int, str, aiohttp.ClientResponse]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers, allow_redirects=False) as r:
        return r.status, await r.text(), r


async def _ws_refused(url: str, **kwargs: object) -> int:
    """The HTTP status the WebSocket handshake was refused with (fails if it was accepted)."""
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            async with session.ws_connect(url, **kwargs):
                pass
    return refused.value.status


async def test_the_printed_address_opens_the_page_which_sets_a_strict_cookie_for_its_files(served: Served) -> None:
    assert f"Open {served.url} in a browser" in served.printed and "do not share it" in served.printed
    status, page, response = await _get(served.url)
    assert status == 200
    assert f'data-session-websocket-url="{served.ws}"' in page  # the page's WebSocket carries the secret
    cookie = response.cookies[f"biosphere-serve-{served.port}"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and TOKEN not in cookie.value
    assert response.headers["Referrer-Policy"] == "no-referrer"
    static = f"{served.base}/static/js/textual.js"
    assert (await _get(static, Cookie=f"{cookie.key}={cookie.value}"))[0] == 200
    assert (await _get(static, Cookie=f"{cookie.key}=guessed"))[0] == 403
    # the cookie opens the static files, not the page (whose WebSocket address holds the secret)
    assert (await _get(f"{served.base}/", Cookie=f"{cookie.key}={cookie.value}"))[0] == 403


@pytest.mark.parametrize("path", ["/", "/?token=wrong", f"/?token={TOKEN[:-1]}", "/ws", "/ws/wrong",
                                  "/static/js/textual.js", "/static/", "/download/anything", "/nothing-here"])
async def test_without_the_token_every_request_is_refused(served: Served, path: str) -> None:
    status, text, _response = await _get(served.base + path)
    assert status == 403
    assert text == "biosphere-tui serve: open the address printed when it started, with its token"


@pytest.mark.parametrize("path", ["/ws", "/ws/wrong", f"/ws/{TOKEN}x", "/ws?token=wrong"])
async def test_a_websocket_without_the_token_is_refused(served: Served, path: str) -> None:
    assert await _ws_refused(f"ws://127.0.0.1:{served.port}{path}", origin=served.origin) == 403


@pytest.mark.parametrize("origin", [EVIL, "null", "http://127.0.0.1:1", "https://127.0.0.1", None])
async def test_another_page_cannot_open_a_session_even_with_the_token(served: Served, origin: str | None) -> None:
    """A page elsewhere (or a script sending no Origin) that learned the secret still gets no session."""
    assert await _ws_refused(served.ws, **({"origin": origin} if origin else {})) == 403
    assert _children(served.process.pid) == []


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1", "127.0.0.2:{port}",
                                  "localhost.evil.example:{port}"])
async def test_another_host_name_is_refused_even_with_the_token(served: Served, host: str) -> None:
    """DNS rebinding: a name the attacker controls, resolved to 127.0.0.1, reaches the port."""
    host = host.format(port=served.port)
    status, text, _response = await _get(served.url, Host=host)
    assert (status, text) == (403, f"biosphere-tui serve answers only at {served.base}")
    assert await _ws_refused(served.ws, origin=served.origin, headers={"Host": host}) == 403


async def test_localhost_is_sent_to_the_address_the_page_uses(served: Served) -> None:
    status, _text, response = await _get(served.url, Host=f"localhost:{served.port}")
    assert status == 302 and response.headers["Location"] == served.url


async def test_sessions_beyond_the_cap_are_refused_without_starting_an_app(served: Served) -> None:
    assert _children(served.process.pid) == []
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(served.ws + "?width=100&height=30", origin=served.origin) as first:
            # the first session runs the app: it draws its screen (a bounded wait for the app to start)
            drawn = await first.receive(timeout=120)
            assert drawn.type == aiohttp.WSMsgType.BINARY and b"session" not in drawn.data
            (app,) = _children(served.process.pid)
            # the secret is not on the app's command line nor in its environment
            assert TOKEN.encode() not in Path(f"/proc/{app}/cmdline").read_bytes()
            assert TOKEN.encode() not in Path(f"/proc/{app}/environ").read_bytes()
            async with session.ws_connect(served.ws, origin=served.origin) as second:
                said = await second.receive(timeout=30)
                assert said.type == aiohttp.WSMsgType.BINARY
                assert b"1 session is open already" in said.data and b"reload this page" in said.data
                assert _children(served.process.pid) == [app]  # no second app
    # closing the tab ends its app and frees its place
    _until(lambda: _children(served.process.pid) == [], "the app to exit", seconds=60)


async def test_the_token_is_in_no_command_line_and_not_in_the_log(served: Served) -> None:
    assert TOKEN.encode() not in Path(f"/proc/{served.process.pid}/cmdline").read_bytes()
    marker = "marker-for-this-test"
    assert (await _get(f"{served.base}/?{marker}=1&token={TOKEN}"))[0] == 200
    assert await _ws_refused(served.ws, origin=EVIL) == 403
    _until(lambda: served.log.exists() and marker in served.log.read_text(), "the request in the log")
    log = served.log.read_text()
    assert f"GET /?{marker}=1&token=[redacted]" in log and "refused a session for origin" in log
    assert TOKEN not in log


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run a client as another user")
def test_another_local_user_gets_nothing(served: Served) -> None:
    """``nobody`` on the same machine reaches the port but not the secret: not in the server's
    command line, its environment unreadable, and every request refused."""
    probe = f"""
import pathlib, sys, urllib.error, urllib.request
assert {TOKEN!r}.encode() not in pathlib.Path("/proc/{served.process.pid}/cmdline").read_bytes()
try:
    pathlib.Path("/proc/{served.process.pid}/environ").read_bytes()
    sys.exit("read the server's environment")
except PermissionError:
    pass
for path in ("/", "/ws", "/static/js/textual.js"):
    try:
        urllib.request.urlopen("{served.base}" + path)
        sys.exit("served " + path)
    except urllib.error.HTTPError as error:
        assert error.code == 403, error.code
print("refused")
"""
    nobody = subprocess.run(["/usr/bin/python3", "-c", probe], preexec_fn=lambda: (os.setgid(65534), os.setuid(65534)),
                            capture_output=True, text=True, timeout=60, env={"NO_PROXY": "127.0.0.1"}, cwd="/")
    assert (nobody.returncode, nobody.stdout.strip()) == (0, "refused"), nobody.stderr


def test_a_given_token_leaves_the_environment_and_a_weak_one_is_refused() -> None:
    environ = {TOKEN_ENV: TOKEN, "OTHER": "1"}
    assert session_token(environ) == TOKEN and environ == {"OTHER": "1"}  # the apps will not inherit it
    for weak in ("secret", "a" * 31, "x" * 31 + " ", "é" * 40):
        with pytest.raises(ServeError):
            session_token({TOKEN_ENV: weak})
    made = session_token({}), session_token({})
    assert made[0] != made[1] and all(re.fullmatch(r"[A-Za-z0-9_-]{43}", m) for m in made)
