"""OpenStack's usual environment, as the ``openstack`` CLI reads it: OS_CLOUD, OS_CLIENT_CONFIG_FILE and
an openrc's OS_* variables (password or application credential), against the demo sites on loopback."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from biosphere_tui.cache.db import open_cache
from biosphere_tui.cli import main
from biosphere_tui.config import Config, load
from biosphere_tui.errors import ConfigError
from biosphere_tui.local.folders import log_file
from biosphere_tui.sync import Sync

pytestmark = [pytest.mark.filterwarnings("ignore::openstack.warnings.OpenStackDeprecationWarning"),
              pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")]

SITE = "ifb-bird-stack"


def _openrc(monkeypatch: pytest.MonkeyPatch, demo, **auth: str) -> None:  # noqa: ANN001
    """The variables of the site's openrc (Horizon's "OpenStack RC file"), ``auth`` replacing the password."""
    site = demo.sites[SITE]
    state = site.state
    env = {"OS_AUTH_URL": site.auth_url, "OS_IDENTITY_API_VERSION": "3", "OS_REGION_NAME": state.region,
           "OS_INTERFACE": "public"}
    env |= auth or {"OS_USERNAME": state.username, "OS_PASSWORD": state.password, "OS_PROJECT_NAME": state.project_name,
                    "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def _app_credential(demo, secret: str | None = None) -> dict[str, str]:  # noqa: ANN001
    state = demo.sites[SITE].state
    return {"OS_AUTH_TYPE": "v3applicationcredential", "OS_APPLICATION_CREDENTIAL_ID": state.app_credential_id,
            "OS_APPLICATION_CREDENTIAL_SECRET": secret or state.app_credential_secret}


def _sync(cfg: Config, tmp_path: Path, demo) -> dict[str, object]:  # noqa: ANN001
    cfg = replace(cfg, cache_path=tmp_path / "cache.sqlite", openstack=replace(cfg.openstack, timeout=4.0))
    open_cache(cfg.cache_path).db.close()
    runner = Sync(cfg, cfg.cache_path, now=demo.clock.now)
    try:
        return {r.source: r for r in runner.refresh_blocking()}
    finally:
        runner.close()


def _logins(demo) -> list[dict]:  # noqa: ANN001
    """The bodies of the tokens the site issued (what Keystone saw)."""
    return [body["token"] for _, body in demo.sites[SITE]._tokens.values()]


def test_the_tests_never_see_the_users_openrc() -> None:
    assert [k for k in os.environ if k.startswith("OS_")] == []


def test_openrc_variables_alone_are_one_site(demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    _openrc(monkeypatch, demo)
    cfg = load()  # no config.toml, no clouds.yaml: only the openrc
    assert cfg.openstack_only and cfg.openstack.sites == ("envvars",) and cfg.openstack.origin == "OS_* variables"
    results = _sync(cfg, tmp_path, demo)
    assert list(results) == ["site.envvars"] and results["site.envvars"].ok, results
    assert [t["methods"] for t in _logins(demo)] == [["password"]]


def test_os_cloud_name_names_the_openrc_site(demo, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    _openrc(monkeypatch, demo)
    monkeypatch.setenv("OS_CLOUD_NAME", "bird")
    assert load().openstack.sites == ("bird",)


def test_openrc_with_an_application_credential(demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    _openrc(monkeypatch, demo, **_app_credential(demo))
    results = _sync(load(), tmp_path, demo)
    assert results["site.envvars"].ok, results
    (token,) = _logins(demo)
    state = demo.sites[SITE].state
    assert token["methods"] == ["application_credential"] and token["project"]["id"] == state.project_id
    assert token["application_credential"]["id"] == state.app_credential_id


def test_os_cloud_picks_one_cloud_of_the_os_client_config_file(demo, tmp_path: Path,  # noqa: ANN001
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    demo.write_config(tmp_path / "demo")
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(tmp_path / "demo" / "clouds.yaml"))
    assert len(load().openstack.sites) == len(demo.sites)  # the file alone: every cloud of it
    monkeypatch.setenv("OS_CLOUD", SITE)
    cfg = load()
    assert cfg.openstack.sites == (SITE,) and cfg.openstack.origin == "OS_CLOUD"
    results = _sync(cfg, tmp_path, demo)
    assert list(results) == [f"site.{SITE}"] and results[f"site.{SITE}"].ok, results


def test_an_application_credential_in_clouds_yaml(demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    site, state = demo.sites[SITE], demo.sites[SITE].state
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text(f"""clouds:
  bird:
    auth_type: v3applicationcredential
    auth:
      auth_url: "{site.auth_url}"
      application_credential_name: "{state.app_credential_name}"
      application_credential_secret: "{state.app_credential_secret}"
      username: "{state.username}"
      user_domain_name: Default
    region_name: "{state.region}"
""")
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
    results = _sync(load(), tmp_path, demo)
    assert results["site.bird"].ok, results
    assert [t["methods"] for t in _logins(demo)] == [["application_credential"]]


def test_os_cloud_naming_no_cloud_is_one_clear_line(demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    demo.write_config(tmp_path / "demo")
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(tmp_path / "demo" / "clouds.yaml"))
    monkeypatch.setenv("OS_CLOUD", "nowhere")
    with pytest.raises(ConfigError, match="OS_CLOUD is 'nowhere', which is not a cloud of .*clouds.yaml "
                                          r"\(clouds: ifb-core-cloud, "):
        load()


def test_a_portal_keeps_its_listed_sites(demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    _openrc(monkeypatch, demo)
    monkeypatch.setenv("OS_CLOUD", "envvars")
    path = tmp_path / "config.toml"
    path.write_text("[portal]\nurl = 'https://portal.example/api/v1'\n[openstack]\nsites = ['ifb-core-cloud']\n")
    assert load(path).openstack.sites == ("ifb-core-cloud",)


def test_a_pinned_clouds_yaml_is_read_alone(demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # noqa: ANN001
    """config.toml's clouds_yaml (the demo's) wins over a stray OS_CLOUD or openrc: doctor says they were not read."""
    _openrc(monkeypatch, demo)
    monkeypatch.setenv("OS_CLOUD", "nowhere")
    config = demo.write_config(tmp_path, portal=False)
    assert set(load(config).openstack.sites) == set(demo.sites)
    assert main(["--config", str(config), "doctor"]) == 0
    out = capsys.readouterr().out
    assert "OS_AUTH_URL, OS_CLOUD," in out and "not read" in out


def test_doctor_names_the_openrc_site_never_its_secrets(demo, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # noqa: ANN001
    _openrc(monkeypatch, demo)
    password = demo.sites[SITE].state.password
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "sites: envvars (from OS_* variables)" in out and "ok   site envvars: signed in" in out
    assert password not in out


@pytest.mark.parametrize("secret", ["wrong-secret-1234567", None])
def test_a_refused_application_credential_is_said_never_shown(demo, monkeypatch: pytest.MonkeyPatch, capsys,  # noqa: ANN001
                                                              secret: str | None) -> None:
    cred = _app_credential(demo, secret)
    _openrc(monkeypatch, demo, **cred)
    code = main(["--debug", "doctor"])  # keystoneauth logs its requests at debug level
    out = capsys.readouterr().out
    logged = log_file().read_text() if log_file().exists() else ""
    assert cred["OS_APPLICATION_CREDENTIAL_SECRET"] not in out + logged
    if secret is None:
        assert code == 0 and "site envvars: signed in" in out
    else:
        assert code == 1 and "site envvars: the site refused the credentials (HTTP 401)" in out


def test_openrc_secrets_never_reach_the_log(demo, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    import logging

    from biosphere_tui.local import logs

    _openrc(monkeypatch, demo)
    password = demo.sites[SITE].state.password
    logs.setup(log_file())
    load()  # reads the environment
    logging.getLogger("openstack.anything").error("a library echoing %s", password)
    assert "a library echoing" in log_file().read_text() and password not in log_file().read_text()


@pytest.mark.parametrize(("cred", "scoped", "status"), [("id", False, 201), ("name", False, 201), ("id", True, 401),
                                                        ("wrong", False, 401)])
def test_the_demo_keystone_checks_application_credentials_as_keystone_does(demo, cred: str, scoped: bool,  # noqa: ANN001
                                                                           status: int) -> None:
    import httpx

    site, state = demo.sites[SITE], demo.sites[SITE].state
    given = {"id": {"id": state.app_credential_id, "secret": state.app_credential_secret},
             "name": {"name": state.app_credential_name, "secret": state.app_credential_secret,
                      "user": {"name": state.username, "domain": {"name": "Default"}}},
             "wrong": {"id": state.app_credential_id, "secret": state.password}}[cred]
    auth = {"identity": {"methods": ["application_credential"], "application_credential": given}}
    auth |= {"scope": {"project": {"id": state.project_id}}} if scoped else {}
    reply = httpx.post(f"{site.auth_url}/auth/tokens", json={"auth": auth})
    assert reply.status_code == status
    if status == 201:
        token = reply.json()["token"]
        assert token["project"]["id"] == state.project_id and token["application_credential"]["restricted"] is True
    elif scoped:
        assert reply.json()["error"]["message"] == "Application credentials cannot request a scope."
