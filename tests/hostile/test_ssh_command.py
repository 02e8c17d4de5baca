"""Item 10: the SSH command carries only a checked user, address and port, whatever the portal's
``ssh://`` link says; a hostile link gives no command (and says why) on screen, in the clipboard,
in ``launch --wait``'s output and in the class CSV."""

from __future__ import annotations

import asyncio
import csv
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pilot_support import set_filter, settle
from synced_cache import sync_once
from toasts import Toasts

from biosphere_tui.app import BiosphereApp
from biosphere_tui.cli import main
from biosphere_tui.config import Config
from biosphere_tui.demo import contract as wire
from biosphere_tui.demo import world as demo_world
from biosphere_tui.models.deployments import AccessLink, Deployment, Parameter
from biosphere_tui.models.nova import Server
from biosphere_tui.models.states import DeploymentState
from biosphere_tui.rules.access import deployment_ssh, server_ssh
from biosphere_tui.rules.ssh import ssh_command

HOSTILE = "ssh://ubuntu;touch PWNED;echo @10.36.0.21"
ODD = "the portal's SSH link is not a plain user@address; not shown"
AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("link", [
    HOSTILE,
    "ssh://ubuntu@10.36.0.21;touch PWNED",
    "ssh://$(touch PWNED)@10.36.0.21",
    "ssh://`id`@10.36.0.21",
    "ssh://-oProxyCommand=touch@10.36.0.21",
    "ssh://ubuntu@-oProxyCommand=touch",
    "ssh://ubuntu:secret@10.36.0.21",
    "ssh://ubuntu@10.36.0.21/;touch PWNED",
    "ssh://ubuntu@10.36.0.21?x=1",
    "ssh://ubuntu@10.36.0.21#frag",
    "ssh://ubuntu@10.36.0.21:99999",
    "ssh://ubuntu@10.36.0.21:port",
    "ssh://ubuntu@[fe80::1%25eth0;id]",
    "ssh://ubu\nntu@10.36.0.21",
    "ssh://ubuntu@10.36.0.21\x1b[2J",
    "ssh:// ubuntu@10.36.0.21",
    "https://ubuntu@10.36.0.21",
    "ssh://ubuntu@",
])
def test_an_odd_link_gives_no_command_and_says_why(link: str) -> None:
    assert ssh_command(link) == (None, ODD)
    assert ssh_command(link, host="10.0.0.5", user="ubuntu") == (None, ODD)


@pytest.mark.parametrize(("link", "command"), [
    ("ssh://ubuntu@10.36.0.21", "ssh ubuntu@10.36.0.21"),
    ("ssh://ubuntu@10.36.0.21:22", "ssh ubuntu@10.36.0.21"),
    ("ssh://ubuntu@10.36.0.21:2222/", "ssh -p 2222 ubuntu@10.36.0.21"),
    ("ssh://admin_1@vm-3.genouest.example.org", "ssh admin_1@vm-3.genouest.example.org"),
    ("ssh://ubuntu@[2001:db8::7]:2200", "ssh -p 2200 ubuntu@2001:db8::7"),
])
def test_a_plain_link_gives_the_command(link: str, command: str) -> None:
    assert ssh_command(link) == (command, None)


def _deployment(**extra: object) -> Deployment:
    return Deployment("d1", "alpha", "125", "Marine", "marine-meta", "demo", "a", "ifb.m4.large",
                      DeploymentState.READY, AT, AT, 2, 8, 20, server_id="s1", ip="10.36.0.21", **extra)


@pytest.mark.parametrize("dep", [
    _deployment(access=(AccessLink("ssh", HOSTILE),)),
    _deployment(parameters=(Parameter("username", "ubuntu;touch PWNED;echo "),)),
    replace(_deployment(), ip="10.36.0.21;touch PWNED"),
])
def test_a_vm_with_a_hostile_user_link_or_address_has_no_command(dep: Deployment) -> None:
    command, reason = deployment_ssh(dep, dep.ip)
    assert command is None and reason and "PWNED" not in reason


def test_a_nova_server_with_a_hostile_address_has_no_command() -> None:
    server = Server("a", "s1", "vm", "ACTIVE", "m1", 2, 8192, 20, "img", "10.0.0.5 -oProxyCommand=touch", AT, AT)
    command, reason = server_ssh(server, "ubuntu")
    assert command is None and reason
    assert server_ssh(replace(server, ip="10.0.0.5"), "debian").command == "ssh debian@10.0.0.5"


# -- against the demo portal, whose Ready VMs carry the hostile link ----------------------------------


@pytest.fixture
def hostile_links(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every deployment that becomes Ready gets the portal's access links with the hostile SSH link."""
    real = demo_world._access

    def hostile(dep, app):  # noqa: ANN001, ANN202
        links, params = real(dep, app)
        return tuple(AccessLink("ssh", HOSTILE) if a.kind == "ssh" else a for a in links), params

    monkeypatch.setattr(demo_world, "_access", hostile)


@pytest.fixture
def config_file(demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:  # noqa: ANN001
    path = demo.write_config(tmp_path / "cfg")
    with path.open("a") as extra:
        extra.write(f'\n[cache]\npath = "{tmp_path / "c.sqlite"}"\n')
    monkeypatch.setattr("biosphere_tui.sync.utcnow", demo.clock.now)
    monkeypatch.setattr("biosphere_tui.scripting.act.pause", lambda seconds: demo.clock.advance(seconds * 6))
    return str(path)


def test_launch_wait_prints_no_hostile_command(hostile_links, config_file: str, demo, capsys) -> None:  # noqa: ANN001
    code = main(["--config", config_file, "launch", "180", "--site", "GenOuest", "--flavour", "ifb.m4.xlarge",
                 "--name", "stats-cli", "--wait"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "stats-cli: Ready" in err
    assert "PWNED" not in out + err and "SSH  " not in out


def test_class_csv_holds_no_hostile_command(hostile_links, config_file: str, demo, tmp_path: Path,  # noqa: ANN001
                                            capsys) -> None:  # noqa: ANN001
    target = tmp_path / "class.csv"
    code = main(["--config", config_file, "class", "219", "--count", "2", "--pattern", "rnaseq-{n:02}",
                 "--group", "ebame-2026", "--csv", str(target), "--yes", "--wait"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "PWNED" not in target.read_text() + out
    rows = list(csv.DictReader(target.open()))
    assert [r["ssh"] for r in rows] == [ODD, ODD] and all(r["state"] == "Ready" for r in rows)


@pytest.fixture
def hostile_vm(demo_config: Config, demo) -> tuple[Config, str]:  # noqa: ANN001
    """One of the demo user's Ready VMs carries the hostile link in the cache."""
    ready = next(d for d in demo.world.deployments.values()
                 if d.owner == "demo" and d.state is wire.DeploymentState.READY)
    demo.world.deployments[ready.id] = replace(ready, access=(AccessLink("ssh", HOSTILE),))
    demo.world.touch()
    sync_once(demo_config, demo)
    return demo_config, ready.id


def _shown(app: BiosphereApp, toasts: Toasts) -> str:
    """Every widget of the screen as drawn, then every toast raised."""
    from textual.geometry import Region

    return "\n".join(
        "\n".join(s.text for s in w.render_lines(Region(0, 0, *w.size))) for w in app.screen.query("*")
        if w.size.area) + toasts.text()


async def test_launch_screen_shows_and_copies_no_hostile_command(hostile_links, synced: Config,  # noqa: ANN001
                                                                 demo, toasts) -> None:  # noqa: ANN001
    from biosphere_tui.screens.launch import LaunchScreen

    app = BiosphereApp(synced, now=demo.clock.now, background_refresh=False, follow_every=0.5)
    async with app.run_test(size=(120, 40), notifications=True, message_hook=toasts) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await pilot.pause()
        await set_filter(pilot, "rstudio server")
        await pilot.press("enter", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LaunchScreen)
        await pilot.press("ctrl+s")
        await settle(app, pilot, lambda: screen.deployment is not None)
        demo.clock.advance(300)
        for _ in range(100):
            await asyncio.sleep(0.1)
            await pilot.pause()
            if screen.deployment.state is DeploymentState.READY:
                break
        await settle(app, pilot)
        assert screen.deployment.state is DeploymentState.READY
        assert ODD in _shown(app, toasts)
        await pilot.press("c")
        await pilot.pause()
        assert app.clipboard == "" and ODD in toasts.text()
        assert "PWNED" not in _shown(app, toasts)


async def test_myvm_describes_and_copies_no_hostile_command(hostile_vm: tuple[Config, str], demo, toasts) -> None:  # noqa: ANN001
    from biosphere_tui.widgets.vm_table import VmTable

    config, vm_id = hostile_vm
    app = BiosphereApp(config, now=demo.clock.now, background_refresh=False)
    async with app.run_test(size=(160, 48), notifications=True, message_hook=toasts) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        await settle(app, pilot)
        table = app.screen.query_one(VmTable)
        table.move_cursor(row=table.get_row_index(vm_id))
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert app.clipboard == ""
        assert f"Nothing to copy: {ODD}" in toasts.text()
        assert "PWNED" not in _shown(app, toasts)
