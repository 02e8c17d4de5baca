"""Read-only and privacy modes in the scripted commands, on the demo world."""

from __future__ import annotations

import json

import pytest

from biosphere_tui.demo import contract as wire
from scripting_cli import cli  # noqa: F401 - the fixture

GROUP = "marine-meta"


def live(demo) -> set[str]:  # noqa: ANN001
    """The servers every demo site still runs."""
    return {sid for site in demo.sites.values() for sid, server in site.state.servers.items() if not server.deleted}


def test_read_only_refuses_every_change_before_sending_anything(cli, demo, capsys) -> None:  # noqa: ANN001, F811
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


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_privacy_masks_every_address_printed(cli, demo, capsys, fmt: str) -> None:  # noqa: ANN001, F811
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
