"""Items 13 and 14: hostile configuration values and command-line arguments get one line naming the
key or option and exit code 2, never a traceback, never a request; a password in the portal's URL is
refused without being echoed; output cut short by a closed pipe ends quietly; ``--privacy`` masks
``host:port`` too."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from biosphere_tui.cli import main

PASSWORD = "hunter2-Sup3rSecret"


class _Recorder(BaseHTTPRequestHandler):
    """A portal on loopback that records every request (and its Authorization header)."""

    seen: list[tuple[str, str | None]]

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Authorization")))
        body = json.dumps({"detail": "nothing here"}).encode()
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def portal() -> Iterator[tuple[str, list[tuple[str, str | None]]]]:
    """``host:port`` of a recording portal, and what it received."""
    seen: list[tuple[str, str | None]] = []
    handler = type("Handler", (_Recorder,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def write(tmp_path: Path):  # noqa: ANN201
    """Write a config.toml with a token file and a private cache; return its path."""
    token = tmp_path / "token"
    token.write_text("the-token")
    token.chmod(0o600)

    def config(portal: str, extra: str = "", *, url: str | None = None) -> Path:
        path = tmp_path / "config.toml"
        path.write_text(f"[portal]\nurl = {json.dumps(url or f'http://{portal}/api/v1')}\ntoken_file = '{token}'\n"
                        f"{extra}\n[cache]\npath = '{tmp_path / 'c.sqlite'}'\n")
        return path

    return config


def _one_line_error(capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("biosphere-tui: configuration error: "), err
    assert all(n in lines[0] for n in needles), lines[0]
    return lines[0]


@pytest.mark.parametrize(("extra", "key", "bounds"), [
    ("[refresh]\ninterval = nan", "refresh.interval", "from 5 to 86400"),
    ("[refresh]\ninterval = inf", "refresh.interval", "from 5 to 86400"),
    ("[refresh]\ninterval = 0.001", "refresh.interval", "from 5 to 86400"),
    ("timeout = nan", "portal.timeout", "from 0.5 to 300"),
    ("timeout = inf", "portal.timeout", "from 0.5 to 300"),
    ("timeout = -inf", "portal.timeout", "from 0.5 to 300"),
    ("[openstack]\ntimeout = nan", "openstack.timeout", "from 0.5 to 300"),
    ("[openstack]\ntimeout = 1e308", "openstack.timeout", "from 0.5 to 300"),
    ("[idle]\nrunning_days = nan", "idle.running_days", "from 0.5 to 3650"),
    ("[idle]\nshutoff_days = inf", "idle.shutoff_days", "from 0.5 to 3650"),
])
@pytest.mark.parametrize("command", ["sync", "doctor"])
def test_a_numeric_setting_must_be_finite_and_sane(portal, write, capsys, extra: str, key: str, bounds: str,  # noqa: ANN001
                                                   command: str) -> None:
    address, seen = portal
    assert main(["--config", str(write(address, extra)), command]) == 2
    _one_line_error(capsys, key, bounds)
    assert seen == []


@pytest.mark.parametrize("url", [
    "http://[::1", "http://127.0.0.1:99999/api/v1", "http://127.0.0.1:0/api/v1", "http://127.0.0.1:http/api",
    "http://127.0.0.1\u0000:8/api", "http://127.0.0.1 /api", "http:///api/v1",
])
@pytest.mark.parametrize("command", ["sync", "doctor"])
def test_a_broken_portal_url_is_one_line(portal, write, capsys, url: str, command: str) -> None:  # noqa: ANN001
    assert main(["--config", str(write(portal[0], url=url)), command]) == 2
    _one_line_error(capsys, "portal.url must be an http(s) URL")


@pytest.mark.parametrize("command", ["sync", "doctor", "ls vms"])
def test_a_password_in_the_portal_url_is_refused_unsaid_and_never_sent(portal, write, capsys, command: str) -> None:  # noqa: ANN001
    address, seen = portal
    path = write(address, url=f"http://alice:{PASSWORD}@{address}/api/v1")
    assert main(["--config", str(path), *command.split()]) == 2
    line = _one_line_error(capsys, "portal.url must not hold a user name or password")
    assert PASSWORD not in line and "alice" not in line
    assert seen == []  # neither Basic auth nor the token went anywhere


@pytest.mark.parametrize(("key", "value"), [
    ("cache.path", "[cache]\npath"), ("openstack.clouds_yaml", "[openstack]\nclouds_yaml"),
])
def test_a_path_with_a_nul_byte_is_one_line(tmp_path: Path, capsys, key: str, value: str) -> None:  # noqa: ANN001
    path = tmp_path / "config.toml"
    path.write_text(f'{value} = "a\\u0000b"\n')
    assert main(["--config", str(path), "sync"]) == 2
    _one_line_error(capsys, f"{key} must be a path")


def test_a_token_file_with_a_nul_byte_is_one_line(portal, write, capsys) -> None:  # noqa: ANN001
    path = write(portal[0])
    path.write_text(path.read_text().replace("token_file = '", 'token_file = "\\u0000').replace("token'\n", 'token"\n'))
    assert main(["--config", str(path), "doctor"]) == 2
    _one_line_error(capsys, "portal.token_file must be a non-empty string")


CLOUDS = """clouds:
  site-a:
    auth_type: v3password
    auth: {auth_url: http://127.0.0.1:9/v3, username: u
    region_name: RegionOne
"""


def test_a_clouds_yaml_syntax_error_is_said_with_its_line(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(CLOUDS)
    path = tmp_path / "config.toml"
    path.write_text(f"[openstack]\nclouds_yaml = '{clouds}'\n")
    assert main(["--config", str(path), "sync"]) == 2
    line = _one_line_error(capsys, str(clouds), "YAML syntax error at line 5")
    assert "no OpenStack cloud" not in line


def test_a_site_in_a_clouds_yaml_with_a_syntax_error_says_so(portal, write, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(CLOUDS)
    path = write(portal[0], f"[openstack]\nclouds_yaml = '{clouds}'\nsites = ['site-a']")
    assert main(["--config", str(path), "doctor"]) == 1
    out = capsys.readouterr().out
    assert f"FAIL site site-a: {clouds}: YAML syntax error at line 5" in out


# -- item 14: the command line -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "-1", "0", "inf", "1e9", "lots"])
def test_a_bad_demo_scale_is_one_usage_line(capsys, value: str) -> None:  # noqa: ANN001
    with pytest.raises(SystemExit) as done:
        main(["--demo", "--demo-scale", value, "sync"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == (f"biosphere-tui: error: argument --demo-scale: {value!r} "
                                            "is not a number from 0.1 to 1000")


@pytest.mark.parametrize("command", ["launch 180 --site GenOuest --flavour ifb.m4.large --wait",
                                     "class 219 --count 2 --pattern rna-{n} --group ebame-2026 --yes --wait"])
@pytest.mark.parametrize("value", ["-1", "nan", "inf", "0"])
def test_a_bad_wait_timeout_is_one_usage_line(portal, write, capsys, command: str, value: str) -> None:  # noqa: ANN001
    address, seen = portal
    with pytest.raises(SystemExit) as done:
        main(["--config", str(write(address)), *command.split(), "--timeout", value])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and f"argument --timeout: {value!r} is not a number from 0.1 to 10080 min" in err
    assert seen == []  # nothing was launched


class _ClosedAfterOneLine:
    """stdout read by ``head -1``: once a line went out, every write and flush is a broken pipe."""

    def __init__(self, fd: int) -> None:
        self.text = ""
        self.refused = 0
        self._fd = fd

    def _closed(self) -> None:
        if "\n" in self.text:
            self.refused += 1
            raise BrokenPipeError(32, "Broken pipe")

    def write(self, text: str) -> int:
        self._closed()
        self.text += text
        return len(text)

    def flush(self) -> None:
        self._closed()

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return False


@pytest.mark.parametrize("command", ["doctor", "sync", "ls sites", "--privacy doctor"])
def test_a_reader_that_stops_after_one_line_ends_the_command_quietly(demo, tmp_path: Path, capsys,  # noqa: ANN001
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     command: str) -> None:
    config = demo.write_config(tmp_path / "cfg")
    with config.open("a") as extra:
        extra.write(f'\n[cache]\npath = "{tmp_path / "c.sqlite"}"\n')
    sink = (tmp_path / "stdout").open("w")
    piped = _ClosedAfterOneLine(sink.fileno())
    monkeypatch.setattr("sys.stdout", piped)
    code = main(["--config", str(config), *command.split()])
    monkeypatch.undo()
    assert code == 0 and piped.text and piped.refused == 1  # the command stopped at its first refused write
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.parametrize("command", ["doctor", "sync", "ls vms"])
def test_privacy_masks_host_and_port_in_every_command(portal, write, capsys, command: str) -> None:  # noqa: ANN001
    address, _ = portal
    dead = "127.0.0.1:9"  # nothing listens there: "cannot connect to 127.0.0.1:9"
    path = write(address)
    path.write_text(path.read_text().replace(address, dead))
    main(["--config", str(path), "--privacy", *command.split()])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "cannot connect to " in out + err
    assert "127.0.0.1" not in out + err and ":9" not in out + err


@pytest.mark.parametrize(("text", "kept"), [
    ("portal url: http://biosphere.example.org:8443/api/v1", "portal url: http://•/api/v1"),
    ("cannot connect to [2001:db8::1]:443 (refused)", "cannot connect to • (refused)"),
    ("cannot connect to portal.example.org:8443", "cannot connect to •"),
    ("see http://[::1]:8000/x", "see http://•/x"),
    ("ssh -p 2222 ubuntu@2001:db8::7", "ssh -p 2222 •"),
    ("https://alice:pw@host.example/x", "https://•/x"),
    ("localhost:8000 at 12:30, 0.14 s, ifb.m4.large", "• at 12:30, 0.14 s, ifb.m4.large"),
])
def test_mask_hides_hosts_ports_and_ipv6(text: str, kept: str) -> None:
    import re

    from biosphere_tui.rules.privacy import mask

    masked = mask(text)
    assert len(masked) == len(text) and re.sub("•+", "•", masked) == kept
