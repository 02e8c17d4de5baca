"""Read-only and privacy modes in the scripted commands, on the demo world."""

from __future__ import annotations

import json

import pytest

from biosphere_tui.demo import contract as wire
from biosphere_tui.local.folders import journal_file

GROUP = "marine-meta"


def live(demo) -> set[str]:  # noqa: ANN001
    """The servers every demo site still runs."""
    return {sid for site in demo.sites.values() for sid, server in site.state.servers.items() if not server.deleted}


def test_read_only_refuses_every_change_before_sending_anything(cli, demo, capsys) -> None:  # noqa: ANN001
    request = next(r for r in demo.world.requests.values()
                   if r.group_id == GROUP and r.state is wire.RequestState.PENDING)
    assert cli("ls", "vms", "-f", "json") == 0
    mine = json.loads(capsys.readouterr().out)
    servers_before = live(demo)
    attempts = [("delete", mine[0]["name"], "--yes"), ("approve", request.username, "--yes"),
                ("reject", request.username, "--reason", "no", "--yes"),
                ("launch", "180", "--site", "ifb-core-cloud", "--flavour", "ifb.m4.large")]
    for attempt in attempts:
        assert cli("--read-only", *attempt) == 1, attempt
        captured = capsys.readouterr()
        assert captured.out == "" and "read-only mode" in captured.err and "nothing was done" in captured.err
    assert demo.world.requests[request.id].state is wire.RequestState.PENDING
    assert live(demo) == servers_before


def deletes_sent(demo) -> list[str]:  # noqa: ANN001
    return [path for site in demo.sites.values() for method, path in site.service.log if method == "DELETE"]


def test_read_only_refuses_a_nova_delete_in_openstack_only_mode(os_cli, demo, capsys) -> None:  # noqa: ANN001
    assert os_cli("ls", "vms", "-f", "json") == 0
    server = json.loads(capsys.readouterr().out)[0]
    before = live(demo)
    assert os_cli("--read-only", "delete", server["id"], "--yes") == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "read-only mode: delete would change the cloud; nothing was done" in captured.err
    assert live(demo) == before and deletes_sent(demo) == []


@pytest.mark.parametrize("portal", [True, False])
def test_read_only_is_refused_by_the_action_runner_too(cli, os_cli, demo, capsys, monkeypatch,  # noqa: ANN001
                                                       portal: bool) -> None:
    """A command missing from the up-front list still reaches the runner's gate: nothing sent, nothing journaled."""
    run = cli if portal else os_cli
    monkeypatch.setattr("biosphere_tui.scripting.run.COMMANDS", frozenset())
    assert run("ls", "vms", "-f", "json") == 0
    vm = json.loads(capsys.readouterr().out)[0]
    before = live(demo)
    assert run("--read-only", "delete", vm["id"], "--yes") == 1
    err = capsys.readouterr().err
    assert "failed: Read-only mode: nothing can be changed" in err
    assert live(demo) == before and deletes_sent(demo) == [] and not journal_file().exists()
    assert not any(method == "DELETE" for method, _ in demo.portal.service.log)


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_privacy_masks_every_address_printed(cli, demo, capsys, fmt: str) -> None:  # noqa: ANN001
    assert cli("ls", "vms", "-f", "json") == 0
    shown = json.loads(capsys.readouterr().out)
    addresses = {vm["ip"] for vm in shown if vm["ip"]}
    assert cli("--privacy", "ls", "requests", "-f", "json") == 0
    emails = {r.email for r in demo.world.requests.values() if r.group_id == GROUP}
    capsys.readouterr()
    assert addresses and emails
    for listing in ("vms", "requests"):
        assert cli("--privacy", "ls", listing, "-f", fmt) == 0
        out = capsys.readouterr().out
        assert "•" in out or fmt == "table" and listing == "requests"  # the requests table has no e-mail column
        assert not [a for a in addresses | emails if a in out]
