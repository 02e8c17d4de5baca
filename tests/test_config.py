"""Configuration: every bad value gets one clear line naming the key; tokens stay secret."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from biosphere_tui.config import load
from biosphere_tui.errors import ConfigError

SECRET = "s3cr3t-token-value"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_missing_default_config_means_no_portal() -> None:
    cfg = load()
    assert cfg.portal is None and cfg.openstack.sites == () and cfg.source is None


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load(tmp_path / "nope.toml")


def test_full_config_is_read_with_relative_paths(tmp_path: Path) -> None:
    cfg = load(_write(tmp_path, """
[portal]
url = "https://portal.example/api/v1"
token_file = "token"
timeout = 5
[openstack]
clouds_yaml = "clouds.yaml"
sites = ["ifb-core-cloud", "ifb-bird-stack"]
[refresh]
interval = 12
[cache]
path = "c.sqlite"
"""))
    assert cfg.portal and cfg.portal.url == "https://portal.example/api/v1" and cfg.portal.timeout == 5
    assert cfg.portal.token.kind == "file" and cfg.portal.token.name == str(tmp_path / "token")
    assert cfg.openstack.clouds_yaml == tmp_path / "clouds.yaml"
    assert cfg.openstack.sites == ("ifb-core-cloud", "ifb-bird-stack")
    assert (cfg.refresh_interval, cfg.cache_path) == (12.0, tmp_path / "c.sqlite")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[portal]\nurl = 'ftp://x'\n", "portal.url must be an http"),
        ("[portal]\nurl = 'https://x'\ntimeout = -1\n", "portal.timeout must be a positive"),
        ("[portal]\nurl = 'https://x'\ntoken_env = 'A'\ntoken_file = 'b'\n", "choose one of"),
        ("[portal]\nurl = 'https://x'\nverify_tls = 'no'\n", "portal.verify_tls must be true or false"),
        ("[openstack]\nsites = 'ifb-core-cloud'\n", "openstack.sites must be a list"),
        ("[refresh]\ninterval = 'often'\n", "refresh.interval must be a positive"),
        ("[portal]\nurl = 'https://x'\ntokne_env = 'A'\n", "unknown key portal.tokne_env"),
        ("[portals]\n", "unknown section [portals]"),
        ("portal = 3\n", "portal must be a [section]"),
        ("[portal\nurl=", "not valid TOML"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load(path)
    assert message in str(err.value) and str(path) in str(err.value)


def test_token_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = load(_write(tmp_path, "[portal]\nurl = 'https://x'\n"))
    assert cfg.portal is not None
    with pytest.raises(ConfigError, match="BIOSPHERE_TOKEN, which is not set"):
        cfg.portal.token.read()
    monkeypatch.setenv("BIOSPHERE_TOKEN", SECRET)
    assert cfg.portal.token.read() == SECRET
    assert SECRET not in cfg.portal.token.describe()


def test_token_file_must_be_private(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text(SECRET + "\n")
    os.chmod(token, 0o644)
    cfg = load(_write(tmp_path, "[portal]\nurl = 'https://x'\ntoken_file = 'token'\n"))
    assert cfg.portal is not None
    with pytest.raises(ConfigError) as err:
        cfg.portal.token.read()
    assert "chmod 600" in str(err.value) and SECRET not in str(err.value)
    os.chmod(token, 0o600)
    assert cfg.portal.token.read() == SECRET


def test_token_from_keyring(tmp_path: Path) -> None:
    import keyring
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            return SECRET if (service, username) == ("biosphere-tui", "camille") else None

        def set_password(self, service: str, username: str, password: str) -> None:
            raise NotImplementedError

        def delete_password(self, service: str, username: str) -> None:
            raise NotImplementedError

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        cfg = load(_write(tmp_path, "[portal]\nurl = 'https://x'\ntoken_keyring = 'camille'\n"))
        assert cfg.portal is not None and cfg.portal.token.read() == SECRET
        other = load(_write(tmp_path, "[portal]\nurl = 'https://x'\ntoken_keyring = 'nobody'\n"))
        assert other.portal is not None
        with pytest.raises(ConfigError, match="no portal token in the system keyring"):
            other.portal.token.read()
    finally:
        keyring.set_keyring(previous)
