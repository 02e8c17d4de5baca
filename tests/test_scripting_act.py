"""``launch``, ``delete``, ``approve``, ``reject`` from a shell: checked on the demo world itself."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import pty
import subprocess
import sys

import pytest

from biosphere_tui.demo import contract as wire
from biosphere_tui.local.folders import journal_file
from biosphere_tui.models.states import DeploymentState, Role

GROUP = "marine-meta"
RSTUDIO = "180"  # web access: a password parameter


class Terminal(io.StringIO):
    """Standard input as a terminal where the user types ``answer``."""

    def isatty(self) -> bool:
        return True


def typed(monkeypatch: pytest.MonkeyPatch, answer: str | None) -> None:
    """A terminal where ``answer`` is typed, or (None) no terminal at all."""
    monkeypatch.setattr(sys, "stdin", Terminal(answer) if answer is not None else io.StringIO(""))


def my_live_vm(demo, nth: int = 0):  # noqa: ANN001, ANN201
    """One of the demo user's VMs with a server on its site."""
    found = [demo.world.deployments[i] for i in demo.world.deployments_of(owner="demo")]
    return [d for d in found if d.state is wire.DeploymentState.READY and d.server_id][nth]


def server_deleted(demo, dep) -> bool:  # noqa: ANN001
    return demo.sites[dep.site].state.servers[dep.server_id].deleted


def pending(demo) -> list:  # noqa: ANN001
    found = [r for r in demo.world.requests.values() if r.group_id == GROUP and r.state is wire.RequestState.PENDING]
    return sorted(found, key=lambda r: (r.created, r.id))


# -- delete ---------------------------------------------------------------------------------


def test_delete_with_yes_deletes_the_server_and_refreshes_the_cache(cli, demo, capsys, monkeypatch) -> None:  # noqa: ANN001
    typed(monkeypatch, None)
    dep = my_live_vm(demo)
    assert cli("delete", dep.name, "--yes") == 0
    out, err = capsys.readouterr()
    assert "Delete 1 VM? Its server and disk are destroyed." in out and f"{dep.name} — {dep.site} — demo ({dep.id})" in out
    assert f"deleted {dep.name}" in out and err == ""
    assert server_deleted(demo, dep)
    assert cli("ls", "vms", "--finished", "-f", "json") == 0
    [row] = [r for r in json.loads(capsys.readouterr().out) if r["id"] == dep.id]
    assert row["state"] != DeploymentState.READY.value  # the cache was refreshed after the action
    entry = json.loads(journal_file().read_text().splitlines()[-1])
    assert entry["action"] == "Deleting 1 VM" and entry["result"] == "ok"
    assert entry["requests"] == [f"DELETE /monitor/deployments/{dep.id}"]


def test_answer_n_at_the_prompt_keeps_the_vm(cli, demo, capsys, monkeypatch) -> None:  # noqa: ANN001
    dep = my_live_vm(demo)
    typed(monkeypatch, "n\n")
    assert cli("delete", dep.id) == 4
    out, err = capsys.readouterr()
    assert dep.name in out and "Delete? [y/N]" in err and "not confirmed: nothing was done" in err
    assert not server_deleted(demo, dep)


def test_answer_y_at_the_prompt_deletes(cli, demo, capsys, monkeypatch) -> None:  # noqa: ANN001
    dep = my_live_vm(demo)
    typed(monkeypatch, "y\n")
    assert cli("delete", dep.id) == 0
    assert server_deleted(demo, dep)


def test_no_terminal_and_no_yes_refuses(cli, demo, capsys, monkeypatch) -> None:  # noqa: ANN001
    typed(monkeypatch, None)
    dep = my_live_vm(demo)
    assert cli("delete", dep.name) == 4
    err = capsys.readouterr().err
    assert "no terminal to ask on (add --yes)" in err and len(err.splitlines()) == 1
    assert not server_deleted(demo, dep)


def test_an_unknown_name_stops_everything(cli, demo, capsys, monkeypatch) -> None:  # noqa: ANN001
    typed(monkeypatch, None)
    dep = my_live_vm(demo)
    assert cli("delete", dep.name, "no-such-vm", "--yes") == 3
    out, err = capsys.readouterr()
    assert "no VM 'no-such-vm'; nothing was done" in err and out == ""
    assert not server_deleted(demo, dep)


def test_a_finished_vm_has_nothing_left_to_delete(cli, demo, capsys, monkeypatch) -> None:  # noqa: ANN001
    typed(monkeypatch, None)
    done = next(demo.world.deployments[i] for i in demo.world.deployments_of(owner="demo")
                if demo.world.deployments[i].state.is_final)
    assert cli("delete", done.id, "--yes") == 3
    assert "there is nothing left to delete" in capsys.readouterr().err


def test_a_site_down_during_delete_is_exit_1_and_says_why(cli, demo, capsys, monkeypatch) -> None:  # noqa: ANN001
    typed(monkeypatch, None)
    first, second = my_live_vm(demo, 0), next(d for d in (my_live_vm(demo, n) for n in range(1, 5))
                                              if d.site != my_live_vm(demo, 0).site)
    assert cli("ls", "vms") == 0
    demo.set_fault(second.site, "down")
    assert cli("delete", first.id, second.id, "--yes") == 1
    out, err = capsys.readouterr()
    assert f"deleted {first.name}" in out and f"not deleted {second.name}: " in err
    assert server_deleted(demo, first) and not server_deleted(demo, second)


def others_vm(cli, demo, capsys):  # noqa: ANN001, ANN201
    """A Ready VM of marine-meta that another member owns, as the cache lists it to the group's admin."""
    assert cli("ls", "vms", "--all", "--group", GROUP, "-f", "json") == 0
    row = next(r for r in json.loads(capsys.readouterr().out) if r["owner"] != "demo" and r["state"] == "Ready")
    return demo.world.deployments[row["id"]]


def test_a_member_may_not_delete_another_members_vm(cli, demo, capsys) -> None:  # noqa: ANN001
    from biosphere_tui.config import load
    from biosphere_tui.sync import Sync

    dep = others_vm(cli, demo, capsys)
    with demo.world.lock:  # another admin makes the user a plain member; the app hears of it
        members = demo.world.members[GROUP]
        members["demo"] = dataclasses.replace(members["demo"], role=Role.MEMBER)
        demo.world.touch()  # changed behind the world's methods: the portal's ETags must change
    config = load(cli.config)
    sync = Sync(config, config.cache_path, now=demo.clock.now)
    try:
        sync.refresh_blocking({"portal.account"}, force=True)  # the VM list is not refreshed yet: still listed
    finally:
        sync.close()
    assert cli("delete", dep.id, "--yes") == 1
    out, err = capsys.readouterr()
    assert f"{dep.name} belongs to {dep.owner}: only its owner or an admin of {GROUP} can delete it." in err
    assert "Nothing was done" in err and out == ""
    assert demo.world.deployments[dep.id].state is wire.DeploymentState.READY and not server_deleted(demo, dep)
    assert not any(method == "DELETE" for method, _ in demo.portal.service.log) and not journal_file().exists()


def test_a_group_admin_may_delete_another_members_vm(cli, demo, capsys) -> None:  # noqa: ANN001
    dep = others_vm(cli, demo, capsys)
    assert cli("delete", dep.id, "--yes") == 0
    assert f"deleted {dep.name}" in capsys.readouterr().out
    assert server_deleted(demo, dep)


# -- approve, reject ---------------------------------------------------------------------------


def test_approve_by_username(cli, demo, capsys, monkeypatch) -> None:  # noqa: ANN001
    typed(monkeypatch, None)
    first = pending(demo)[0]
    assert cli("approve", first.username, "--yes") == 0
    out = capsys.readouterr().out
    assert "Approve 1 request?" in out and f"approved {first.name} ({first.username}) for {GROUP}" in out
    assert demo.world.requests[first.id].state is wire.RequestState.APPROVED
    assert first.username in demo.world.members[GROUP]
    assert cli("ls", "requests", "-f", "json") == 0
    assert first.id not in {r["id"] for r in json.loads(capsys.readouterr().out)}


def test_reject_two_with_a_reason(cli, demo, capsys, monkeypatch) -> None:  # noqa: ANN001
    first, second = pending(demo)[:2]
    typed(monkeypatch, "yes\n")
    assert cli("reject", first.id, second.email, "--reason", "wrong group, ask dubii-2026") == 0
    for r in (first, second):
        decided = demo.world.requests[r.id]
        assert decided.state is wire.RequestState.REJECTED and decided.reason == "wrong group, ask dubii-2026"
        assert r.username not in demo.world.members[GROUP]
    entry = json.loads(journal_file().read_text().splitlines()[-1])
    assert entry["action"] == "Rejecting 2 requests" and entry["result"] == "ok"


def test_reject_without_a_terminal_keeps_the_request(cli, demo, capsys, monkeypatch) -> None:  # noqa: ANN001
    typed(monkeypatch, None)
    first = pending(demo)[0]
    assert cli("reject", first.id, "--reason", "no") == 4
    assert demo.world.requests[first.id].state is wire.RequestState.PENDING


def test_reject_with_an_empty_reason_is_a_usage_error(cli, demo, capsys) -> None:  # noqa: ANN001
    assert cli("reject", pending(demo)[0].id, "--reason", "  ", "--yes") == 2
    assert "needs a reason" in capsys.readouterr().err


def test_a_request_someone_else_handled_is_exit_1(cli, demo, capsys, monkeypatch) -> None:  # noqa: ANN001
    typed(monkeypatch, None)
    first = pending(demo)[0]
    assert cli("ls", "requests") == 0
    demo.world.decide(GROUP, first.id, "demo", approve=False, reason="handled elsewhere")  # another admin, meanwhile
    assert cli("approve", first.id, "--yes") == 1
    assert f"not approved {first.name}" in capsys.readouterr().err
    assert demo.world.requests[first.id].state is wire.RequestState.REJECTED


# -- launch -------------------------------------------------------------------------------------


def launched(demo, name: str) -> list:  # noqa: ANN001
    return [d for d in demo.world.deployments.values() if d.name == name]


def test_launch_and_wait_prints_the_access_with_the_password_masked(cli, demo, capsys, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr("biosphere_tui.scripting.act.pause", lambda seconds: demo.clock.advance(30))
    site, flavor = "ifb-genouest-genostack", "ifb.m4.xlarge"
    assert cli("launch", RSTUDIO, "--site", "GenOuest", "--flavour", flavor, "--name", "stats-cli", "--wait") == 0
    out, err = capsys.readouterr()
    [dep] = launched(demo, "stats-cli")
    ready = demo.world.deployments[dep.id]
    assert ready.state is wire.DeploymentState.READY
    assert (ready.site, ready.flavor, ready.group_id) == (site, flavor, GROUP)
    assert f"launched stats-cli ({dep.id})" in out
    assert f"SSH  ssh ubuntu@{ready.ip}" in out and f"https://stats-cli.{site}.biosphere.example/" in out
    [password] = [p for p in ready.parameters if p.secret]
    assert password.value not in out + err and "••••••" in out
    assert "stats-cli: Ready" in err


def test_show_secrets_prints_the_password(cli, demo, capsys, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr("biosphere_tui.scripting.act.pause", lambda seconds: demo.clock.advance(30))
    assert cli("launch", RSTUDIO, "--site", "ifb-core-cloud", "--flavour", "ifb.m4.xlarge", "--name", "stats-two",
               "--wait", "--show-secrets") == 0
    [dep] = launched(demo, "stats-two")
    [password] = [p for p in demo.world.deployments[dep.id].parameters if p.secret]
    assert f"{password.name}  {password.value}" in capsys.readouterr().out


def test_launch_without_wait_returns_at_once(cli, demo, capsys) -> None:  # noqa: ANN001
    assert cli("launch", "BioPipes", "--site", "ifb-core-cloud", "--flavour", "ifb.m4.large", "--name", "bp-cli") == 0
    [dep] = launched(demo, "bp-cli")
    assert dep.state is wire.DeploymentState.INITIALIZING
    assert "Initializing" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "code", "message"), [
    (("BioPipes", "--site", "ifb-core-cloud", "--flavour", "ifb.m4.16xlarge"), 1,
     "GB storage left"),
    (("Jupyter", "--site", "ifb-core-cloud", "--flavour", "ifb.m4.large"), 3, "'Jupyter' matches 3 appliances"),
    (("BioPipes", "--site", "mars", "--flavour", "ifb.m4.large"), 3, "no site 'mars'"),
    (("BioPipes", "--site", "ifb-core-cloud", "--flavour", "ifb.xx"), 3, "no flavour 'ifb.xx'"),
    (("BioPipes", "--site", "ifb-core-cloud", "--flavour", "ifb.m4.large", "--name", "Bad_Name"), 2, "VM name"),
    (("BioPipes", "--site", "ifb-core-cloud", "--flavour", "ifb.m4.large", "--group", "univ-rennes"), 2,
     "affiliation group"),
])
def test_refusals_are_one_line_and_launch_nothing(cli, demo, capsys, args, code, message) -> None:  # noqa: ANN001
    before = len(demo.world.deployments)
    assert cli("launch", *args) == code
    out, err = capsys.readouterr()
    assert message in err and len(err.splitlines()) == 1 and out == ""
    assert len(demo.world.deployments) == before


def test_a_site_down_is_refused_with_another_proposed(cli, demo, capsys) -> None:  # noqa: ANN001
    assert cli("ls", "sites") == 0
    demo.set_fault("ifb-core-cloud", "down")  # launch looks again at the sites: this one no longer answers
    assert cli("launch", "BioPipes", "--site", "IFB-core", "--flavour", "ifb.m4.large", "--name", "bp-down") == 1
    err = capsys.readouterr().err.splitlines()
    assert "ifb-core-cloud: cannot connect" in err[0]
    assert "cannot launch ifb.m4.large on IFB-core: site down since" in err[-1] and "has room" in err[-1]
    assert not launched(demo, "bp-down")


def test_the_portal_refusing_is_exit_1(cli, demo, capsys) -> None:  # noqa: ANN001
    for what in ("apps", "sites", "vms"):
        assert cli("ls", what) == 0
    capsys.readouterr()
    demo.set_fault("portal", "forbidden")
    assert cli("launch", "BioPipes", "--site", "ifb-core-cloud", "--flavour", "ifb.m4.large", "--name", "bp-no") == 1
    assert "Launching bp-no failed: you do not have the right" in capsys.readouterr().err
    assert not launched(demo, "bp-no")


# -- a real terminal ------------------------------------------------------------------------------


def test_a_real_terminal_answered_n_keeps_the_vm(cli, demo) -> None:  # noqa: ANN001
    dep = my_live_vm(demo)
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen([sys.executable, "-m", "biosphere_tui", "--config", str(cli.config), "delete",
                                    dep.name], stdin=follower, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, env={**os.environ, "NO_PROXY": "127.0.0.1,localhost"})
        os.write(leader, b"n\n")
        out, err = process.communicate(timeout=60)
    finally:
        os.close(leader)
        os.close(follower)
    assert process.returncode == 4, err
    assert dep.name in out and "[y/N]" in err and "not confirmed" in err
    assert not server_deleted(demo, dep)
