"""The app against a real OpenStack (Keystone 30, Nova 34 with the fake driver, Glance 33,
Placement 16, Neutron 29) on 127.0.0.1, in OpenStack-only mode.

Nova lists at most 2 items per page here (``[api] max_limit = 2``), so every list the app
reads is paged. The project keeps Nova's default quotas; the test of unlimited quotas sets
them to -1 and puts them back.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pilot_support import settle
from screen_text import text_of
from textual.widgets import OptionList

from biosphere_tui.app import BiosphereApp
from biosphere_tui.cache import servers
from biosphere_tui.cache.db import open_cache
from biosphere_tui.cli import main
from biosphere_tui.config import Config, load
from biosphere_tui.rules.access import server_ssh
from biosphere_tui.sync import Sync
from biosphere_tui.widgets.confirm import ConfirmDialog
from biosphere_tui.widgets.vm_table import VmTable

from .conftest import RealCloud

# One cloud on fixed ports, started once: every test of it in one xdist process. A test body
# gets 5 minutes; starting the cloud and booting its servers are bounded by their own timeouts.
pytestmark = [pytest.mark.xdist_group("real-openstack"), pytest.mark.timeout(300, func_only=True)]
CLOUD = "realos"
IMAGE = "realos-tiny"


def wait_for(what: str, check: Callable[[], bool], seconds: float = 180) -> None:
    """Poll a real service until check() holds (it works in real time)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds:.0f} s")
        time.sleep(0.5)


def boot(conn, name: str, flavour: str = "m1.tiny", networks: object = "auto") -> str:  # noqa: ANN001
    """Create a server as the test user; wait until Nova settles it (ACTIVE with its address when it
    has a network — the fake driver does not wait for the network before ACTIVE — or ERROR)."""
    server = conn.compute.create_server(name=name, image_id=conn.image.find_image(IMAGE).id,
                                        flavor_id=conn.compute.find_flavor(flavour).id, networks=networks)

    def settled() -> bool:
        now = conn.compute.get_server(server.id)
        return now.status == "ERROR" or (now.status == "ACTIVE" and (networks == "none" or bool(now.addresses)))

    wait_for(f"{name} settles", settled)
    return str(server.id)


def gone(conn, server_id: str) -> bool:  # noqa: ANN001
    return conn.compute.find_server(server_id, ignore_missing=True) is None


@pytest.fixture(scope="module")
def cloud(real_cloud: RealCloud) -> Iterator[RealCloud]:
    """The cloud with three servers of the test user: ``real-a`` (ACTIVE, on the network),
    ``real-b`` (ACTIVE, no network) and ``real-broken`` (ERROR: no host has its disk)."""
    user = real_cloud.connect(CLOUD)
    for leftover in user.compute.servers():  # from a run that was cut short
        user.compute.delete_server(leftover.id)
        wait_for("a leftover server goes", lambda s=leftover.id: gone(user, s))
    real_cloud.ids = {"real-a": boot(user, "real-a"), "real-b": boot(user, "real-b", networks="none"),
                      "real-broken": boot(user, "real-broken", "m1.impossible", networks="none")}
    states = {name: user.compute.get_server(server_id).status for name, server_id in real_cloud.ids.items()}
    assert states == {"real-a": "ACTIVE", "real-b": "ACTIVE", "real-broken": "ERROR"}
    try:
        yield real_cloud
    finally:
        for server_id in real_cloud.ids.values():
            user.compute.delete_server(server_id, ignore_missing=True)


def write_config(cloud: RealCloud, folder: Path, site: str = CLOUD, extra: str = "") -> Path:
    """A config.toml without a portal for one cloud of the clouds.yaml, with its own cache."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(f'[openstack]\nclouds_yaml = "{cloud.clouds_yaml}"\nsites = ["{site}"]\ntimeout = 60\n\n'
                    f'[cache]\npath = "{folder / "cache.sqlite"}"\n{extra}')
    return path


@pytest.fixture
def cli(cloud: RealCloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    """The command line, in this process, as the test user (``site=`` another cloud of the file)."""
    monkeypatch.setenv("COLUMNS", "120")

    def run(*args: str, site: str = CLOUD) -> int:
        return main(["--config", str(write_config(cloud, tmp_path / site, site)), *args])

    return run


@pytest.fixture
def synced(cloud: RealCloud, tmp_path: Path) -> Config:
    """The test user's configuration, its cache filled by one sync."""
    config = load(write_config(cloud, tmp_path / "app"))
    open_cache(config.cache_path).db.close()
    runner = Sync(config, config.cache_path)
    try:
        results = runner.refresh_blocking(None)
    finally:
        runner.close()
    assert [result for result in results if not result.ok] == []
    return config


def nova_servers(cloud: RealCloud) -> dict[str, object]:
    return {s.id: s for s in cloud.connect(CLOUD).compute.servers()}


async def open_screen(app: BiosphereApp, pilot, key: str) -> None:  # noqa: ANN001
    await settle(app, pilot)
    await pilot.press(key)
    await settle(app, pilot)


async def refresh_until(app: BiosphereApp, pilot, check: Callable[[], bool], seconds: float = 180) -> None:  # noqa: ANN001
    """Ask the app to refresh the site until check() holds (the real Nova works in real time)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"not within {seconds:.0f} s"
        app.request_refresh({f"site.{CLOUD}"})
        await settle(app, pilot)
        await asyncio.sleep(0.5)


# --- the command line -------------------------------------------------------------------------

def test_doctor_signs_in_to_keystone_and_nova(cli, capsys) -> None:  # noqa: ANN001
    assert cli("doctor") == 0
    out = capsys.readouterr().out
    assert f"ok   site {CLOUD}: signed in" in out and "all good" in out


def test_sync_and_ls_vms_read_every_page_of_servers(cli, cloud, capsys) -> None:  # noqa: ANN001
    assert cli("sync") == 0
    assert f"ok   site.{CLOUD}" in capsys.readouterr().out
    assert cli("ls", "vms", "-f", "json") == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    every = nova_servers(cloud)
    assert len(every) >= 3 and set(rows) == {f"{CLOUD}/{server_id}" for server_id in every}  # 2 a page
    for server_id, server in every.items():
        row = rows[f"{CLOUD}/{server_id}"]
        assert (row["name"], row["status"], row["site"]) == (server.name, server.status, CLOUD)
    assert rows[f"{CLOUD}/{cloud.ids['real-a']}"]["ip"].startswith("10.20.0.")  # on the script's network


def test_ls_sites_counts_every_flavour_and_the_projects_use(cli, cloud, capsys) -> None:  # noqa: ANN001
    assert cli("ls", "sites", "-f", "json", "--refresh") == 0
    (row,) = json.loads(capsys.readouterr().out)
    admin = cloud.connect()
    limits = cloud.connect(CLOUD).compute.get_limits().absolute
    assert row["answers"] is True and row["error"] is None
    assert row["flavors"] == len(list(admin.compute.flavors())) == 5  # Nova gives them 2 a page
    assert row["images"] == 1 and row["servers"] == len(nova_servers(cloud))
    assert (row["vcpu_used"], row["vcpu_max"]) == (limits.total_cores_used, limits.total_cores)
    assert (row["instances_used"], row["instances_max"]) == (limits.total_instances_used, limits.instances)


def test_read_only_sends_no_delete(cli, cloud, capsys) -> None:  # noqa: ANN001
    assert cli("--read-only", "delete", "real-a", "--yes") != 0
    assert "read-only" in capsys.readouterr().err.lower()
    assert not gone(cloud.connect(CLOUD), cloud.ids["real-a"])


def test_nova_policy_refuses_a_reader_with_403(cli, cloud, capsys) -> None:  # noqa: ANN001
    assert cli("delete", "real-a", "--yes", site="realos-reader") == 1
    out, err = capsys.readouterr()
    assert "forbidden (HTTP 403)" in out + err and "policy" in (out + err).lower()
    assert not gone(cloud.connect(CLOUD), cloud.ids["real-a"])


def test_a_locked_server_is_refused_with_409(cli, cloud, capsys) -> None:  # noqa: ANN001
    admin = cloud.connect()
    admin.compute.lock_server(cloud.ids["real-b"])
    try:
        assert cli("delete", "real-b", "--yes") == 1
        out, err = capsys.readouterr()
        assert "conflict (HTTP 409)" in out + err and "locked" in (out + err).lower()
        assert not gone(cloud.connect(CLOUD), cloud.ids["real-b"])
    finally:
        admin.compute.unlock_server(cloud.ids["real-b"])


def test_unlimited_quotas_are_shown_as_unlimited(cli, cloud, capsys) -> None:  # noqa: ANN001
    admin = cloud.connect()
    project = admin.identity.find_project("realos")
    admin.set_compute_quotas(project.id, cores=-1, ram=-1, instances=-1)
    try:
        assert cli("ls", "sites", "--refresh") == 0
        table = capsys.readouterr().out
        assert "unlimited" in table.lower() and "/-1" not in table
    finally:
        admin.delete_compute_quotas(project.id)  # back to Nova's defaults


# --- the app, driven by keys ----------------------------------------------------------------

def app_for(config: Config) -> BiosphereApp:
    return BiosphereApp(config, background_refresh=False)


async def test_myvm_lists_every_server_and_describes_the_fault(synced, cloud) -> None:  # noqa: ANN001
    app = app_for(synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await open_screen(app, pilot, "3")
        table = app.screen.query_one(VmTable)
        keys = {servers.server_key(CLOUD, server_id) for server_id in nova_servers(cloud)}
        assert app.screen.total == len(keys) and set(table.row_keys) == keys
        broken = servers.server_key(CLOUD, cloud.ids["real-broken"])
        table.move_cursor(row=table.row_keys.index(broken))
        await pilot.press("d")
        await settle(app, pilot)
        pane = text_of(app.screen.query_one("#describe"))
        assert "ERROR" in pane and "No valid host was found" in pane


async def launch_form(app: BiosphereApp, pilot) -> object:  # noqa: ANN001
    """Catalogue → the script's image → the launch form, on the real site."""
    await open_screen(app, pilot, "2")
    images = app.screen.query_one("#images")
    images.move_cursor(row=images.get_row_index(IMAGE))
    await pilot.press("l")
    await settle(app, pilot)
    form = app.screen
    assert type(form).__name__ == "ServerLaunchScreen"
    form.query_one("#site").value = CLOUD
    await settle(app, pilot)
    return form


def flavour_labels(form) -> dict[str, str]:  # noqa: ANN001
    """The flavour choices of the form, as its list offers them, by flavour name."""
    prompts = [str(option.prompt) for option in form.query_one("#flavor").query_one(OptionList).options]
    return {prompt.split(" · ")[0]: prompt for prompt in prompts if " · " in prompt}  # not the blank choice


async def test_launch_from_the_catalogue_reaches_active_then_delete(synced, cloud) -> None:  # noqa: ANN001
    user = cloud.connect(CLOUD)
    app = app_for(synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        form = await launch_form(app, pilot)
        assert set(flavour_labels(form)) == {f.name for f in user.compute.flavors()}  # every page of them
        form.query_one("#flavor").value = user.compute.find_flavor("m1.small").id
        name = form.query_one("#name")
        name.value = ""
        name.focus()
        await pilot.press(*"real-launch", "ctrl+s")
        await settle(app, pilot, lambda: form.launched is not None)
        server_id = form.launched[1]
        try:
            def ssh() -> str | None:
                return None if form.detail is None else server_ssh(form.detail.server, form.detail.os_distro).command

            await refresh_until(app, pilot, lambda: ssh() is not None)
            steps = text_of(form.query_one("#steps"))
            assert "ACTIVE" in steps and ssh() in steps and "@10.20.0." in steps
            server = user.compute.get_server(server_id)
            assert (server.name, server.status, server.flavor.name) == ("real-launch", "ACTIVE", "m1.small")
            assert list(server.addresses) == ["realos-net"]  # Nova took the project's only network
            await pilot.press("escape")
            await open_screen(app, pilot, "3")
            table = app.screen.query_one(VmTable)
            table.move_cursor(row=table.row_keys.index(servers.server_key(CLOUD, server_id)))
            await pilot.press("ctrl+d")
            await settle(app, pilot)
            assert isinstance(app.screen, ConfirmDialog)
            await pilot.press("y")
            await settle(app, pilot)
            wait_for("Nova deletes it", lambda: gone(user, server_id), 120)
        finally:
            user.compute.delete_server(server_id, ignore_missing=True)


async def test_a_512_mb_flavour_is_shown_in_mb(synced) -> None:  # noqa: ANN001
    app = app_for(synced)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        form = await launch_form(app, pilot)
        tiny = flavour_labels(form)["m1.tiny"]
        assert "512 MB" in tiny and "0 GB" not in tiny


async def test_unlimited_quotas_let_the_launch_form_offer_every_flavour(synced, cloud) -> None:  # noqa: ANN001
    admin = cloud.connect()
    project = admin.identity.find_project("realos")
    admin.set_compute_quotas(project.id, cores=-1, ram=-1, instances=-1)
    try:
        app = app_for(synced)
        async with app.run_test(size=(160, 48), notifications=True) as pilot:
            app.request_refresh({f"site.{CLOUD}"})
            form = await launch_form(app, pilot)
            labels = flavour_labels(form)
            assert labels["m1.large"].endswith("✓") and "quota" not in " ".join(labels.values())
    finally:
        admin.delete_compute_quotas(project.id)
