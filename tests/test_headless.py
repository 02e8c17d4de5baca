"""Over SSH: no keyring, no terminal, a token kept in a 0600 file, the sites refreshed anyway."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from biosphere_tui import cli, i18n
from biosphere_tui.cache.db import open_cache
from biosphere_tui.config import TokenSource
from biosphere_tui.errors import ConfigError
from biosphere_tui.sync import Sync

TOKEN = "s3cret-portal-token-value"


@pytest.fixture
def no_keyring() -> object:
    """The keyring as over SSH: only keyring's "fail" backend."""
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)


def test_no_keyring_says_which_other_token_source_to_use(no_keyring) -> None:  # noqa: ANN001
    with pytest.raises(ConfigError) as raised:
        TokenSource("keyring", "camille").read()
    message = str(raised.value)
    assert "no system keyring is available" in message
    assert "token set --file" in message and "token_file" in message and "token_env" in message


def test_sync_refreshes_the_sites_when_the_keyring_has_no_backend(no_keyring, demo, demo_config) -> None:  # noqa: ANN001
    assert demo_config.portal is not None
    config = replace(demo_config, portal=replace(demo_config.portal, token=TokenSource("keyring", "camille")))
    open_cache(config.cache_path).db.close()
    runner = Sync(config, config.cache_path, now=demo.clock.now)
    try:
        results = {r.source: r for r in runner.refresh_blocking(force=True)}
    finally:
        runner.close()
    sites = [r for s, r in results.items() if s.startswith("site.")]
    assert len(sites) == 8 and all(r.ok and r.rows > 0 for r in sites)
    portal = [r for s, r in results.items() if s.startswith("portal.")]
    assert portal and all(not r.ok and "no system keyring" in r.error for r in portal)


def test_token_set_keeps_the_token_in_a_private_file(tmp_path: Path, monkeypatch, capsys) -> None:  # noqa: ANN001
    path = tmp_path / "conf" / "token"
    path.parent.mkdir()
    path.write_text("old\n")
    path.chmod(0o644)  # a file that already existed, readable by others
    monkeypatch.setattr(sys, "stdin", io.StringIO(TOKEN + "\n"))
    assert cli.main(["token", "set", "--file", str(path)]) == 0
    out = capsys.readouterr()
    assert TOKEN not in out.out + out.err
    assert f'token_file = "{path}"' in out.out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert TokenSource("file", str(path)).read() == TOKEN


def test_token_set_without_keyring_says_so(no_keyring, monkeypatch, capsys) -> None:  # noqa: ANN001
    monkeypatch.setattr(sys, "stdin", io.StringIO(TOKEN + "\n"))
    assert cli.main(["token", "set", "--keyring", "camille"]) == 2
    err = capsys.readouterr().err
    assert "no system keyring is available" in err and TOKEN not in err


def test_an_empty_token_is_not_saved(tmp_path: Path, monkeypatch, capsys) -> None:  # noqa: ANN001
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    assert cli.main(["token", "set", "--file", str(tmp_path / "token")]) == 2
    assert not (tmp_path / "token").exists()
    assert "no token given" in capsys.readouterr().err


def test_the_app_without_a_terminal_points_to_sync_and_ls(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[portal]\nurl = "http://127.0.0.1:9/api"\ntoken_env = "NO_SUCH_TOKEN_VAR"\n')
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_DRIVER"}
    done = subprocess.run([sys.executable, "-m", "biosphere_tui", "--config", str(config)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 2
    assert "needs a terminal" in done.stderr and "sync" in done.stderr and "ls" in done.stderr
    assert "\x1b" not in done.stdout + done.stderr  # no escape codes written to the pipe


def test_doctor_shows_where_the_log_is(demo_config, capsys) -> None:  # noqa: ANN001
    from biosphere_tui.local.folders import log_file
    from biosphere_tui.scripting.commands import doctor

    doctor(demo_config)
    assert f"log: {log_file()}" in capsys.readouterr().out


@pytest.mark.parametrize(("environ", "expected"), [
    ({"LANGUAGE": "fr_FR:en", "LANG": "en_GB.UTF-8"}, "fr"),
    ({"LANGUAGE": "de:fr", "LANG": "en_GB.UTF-8"}, "fr"),
    ({"LANGUAGE": "en", "LC_ALL": "fr_FR.UTF-8"}, "en"),
    ({"LANGUAGE": "de", "LANG": "fr_FR.UTF-8"}, "fr"),
    ({"LANGUAGE": "", "LANG": "fr_FR.UTF-8"}, "fr"),
])
def test_language_follows_gettexts_language_list(environ: dict[str, str], expected: str) -> None:
    assert i18n.from_locale(environ) == expected


def test_debug_writes_details_to_the_log_without_secrets(demo_config, monkeypatch, capsys) -> None:  # noqa: ANN001
    from biosphere_tui.local.folders import log_file

    path = demo_config.source
    assert path is not None
    monkeypatch.setattr(cli, "load", lambda _path=None: demo_config)
    assert cli.main(["--debug", "--config", str(path), "sync"]) == 0
    text = log_file().read_text()
    assert " DEBUG biosphere_tui.sync: site.ifb-core-cloud: asking" in text
    token = demo_config.portal.token.read()
    assert token not in text
