"""``biosphere-tui ls``: formats (parsed back), exit codes and stderr reports, on the demo cloud."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import datetime

import pytest
from world_forecast import world_forecast

from biosphere_tui.cache.db import connect
from biosphere_tui.cache.reader import freshness
from biosphere_tui.demo import contract as wire
from biosphere_tui.models.states import DeploymentState

GROUP = "marine-meta"


def live(demo, ids: list[str]) -> set[str]:  # noqa: ANN001
    return {i for i in ids if not demo.world.deployments[i].state.is_final}


def test_first_ls_syncs_the_empty_cache_then_lists_my_vms_as_json(cli, demo, capsys) -> None:  # noqa: ANN001
    assert not cli.cache.exists()
    assert cli("ls", "vms", "-f", "json") == 0
    out, err = capsys.readouterr()
    rows = json.loads(out)
    assert {r["id"] for r in rows} == live(demo, demo.world.deployments_of(owner="demo"))
    assert all(list(r) == ["id", "name", "appliance", "group", "owner", "site", "flavor", "state", "server_status",
                           "vcpu", "ram_gb", "ip", "created"] for r in rows)
    assert all(r["owner"] == "demo" and datetime.fromisoformat(r["created"]).tzinfo for r in rows)
    assert err == ""
    db = connect(cli.cache)
    assert {"portal.deployments", "portal.account"} <= {f.source for f in freshness(db) if f.ok}


def test_all_vms_of_the_group_as_csv_with_finished(cli, demo, capsys) -> None:  # noqa: ANN001
    assert cli("ls", "vms", "--all", "--finished", "--group", GROUP, "-f", "csv") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["id"] for r in rows} == set(demo.world.deployments_of(group=GROUP))
    assert {r["owner"] for r in rows} > {"demo"}  # other members' VMs too
    states = {r["state"] for r in rows}
    assert DeploymentState.READY.value in states and states & {"Done", "Cancelled", "Aborted"}


def test_all_vms_of_a_group_one_only_belongs_to_is_refused(cli, capsys) -> None:  # noqa: ANN001
    assert cli("ls", "vms", "--all", "--group", "ebame-2026") == 1
    out, err = capsys.readouterr()
    assert out == "" and "only the admins of ebame-2026" in err and len(err.splitlines()) == 1


def test_table_fits_an_80_column_terminal(cli, capsys, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    for what in ("vms", "apps", "sites", "requests", "usage"):
        assert cli("ls", what) == 0
        out = capsys.readouterr().out
        lines = out.splitlines()
        assert len(lines) >= 2 and all(len(line) <= 80 for line in lines), (what, out)


def test_sites_and_apps_match_the_world(cli, demo, capsys) -> None:  # noqa: ANN001
    assert cli("ls", "sites", "-f", "json") == 0
    sites = json.loads(capsys.readouterr().out)
    assert {s["id"] for s in sites} == set(demo.world.sites)
    core = next(s for s in sites if s["id"] == "ifb-core-cloud")
    capacity = demo.world.capacity("ifb-core-cloud")
    assert (core["vcpu_free"], core["vcpu_total"]) == (capacity["vcpu"].free, capacity["vcpu"].total)
    assert core["answers"] is True and isinstance(core["features"], list)
    assert cli("ls", "apps", "--search", "snakemake", "-f", "csv") == 0
    apps = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    expected = {a.id for a in demo.world.catalogue("snakemake")}
    assert expected and {a["id"] for a in apps} == expected


def test_pending_requests_of_the_groups_i_lead(cli, demo, capsys) -> None:  # noqa: ANN001
    assert cli("ls", "requests", "-f", "json") == 0
    rows = json.loads(capsys.readouterr().out)
    pending = {r.id for r in demo.world.requests.values()
               if r.group_id == GROUP and r.state is wire.RequestState.PENDING}
    assert pending and {r["id"] for r in rows} == pending
    assert cli("ls", "requests", "--group", "ebame-2026") == 1  # a member there: not theirs to see


def test_usage_shows_quota_use_and_the_forecast(cli, demo, capsys) -> None:  # noqa: ANN001
    assert cli("ls", "usage", "-f", "json") == 0
    rows = json.loads(capsys.readouterr().out)
    expected = world_forecast(demo, GROUP)
    assert [r["resource"] for r in rows] == ["vCPU", "RAM", "storage"]
    for row, f in zip(rows, expected, strict=True):
        assert (row["quota"], row["used"], row["outlook"]) == (f.quota, f.current, f.outlook.value)
        assert row["forecast"] == f.verdict()
        assert row["reached_on"] == (f.reached_on.isoformat() if f.reached_on else None)
    assert cli("ls", "usage") == 0
    table = capsys.readouterr().out
    assert table.startswith(f"{GROUP}: quota, use now") and expected[0].verdict()[:30] in table


def test_a_members_usage_counts_every_members_live_vms(cli, demo, capsys) -> None:  # noqa: ANN001
    assert cli("ls", "usage", "--group", "ebame-2026", "-f", "json") == 0
    out = capsys.readouterr()
    live = [d for d in demo.world.deployments.values() if d.group_id == "ebame-2026" and not d.state.is_final]
    assert any(d.owner != "demo" for d in live)
    used = {r["resource"]: r["used"] for r in json.loads(out.out)}
    assert used == {"vCPU": sum(d.vcpu for d in live), "RAM": sum(d.ram_gb for d in live),
                    "storage": sum(d.disk_gb for d in live)}
    assert "its usage record is your own only" in out.err


def test_a_failed_source_is_one_stderr_line_never_in_the_json(cli, demo, capsys) -> None:  # noqa: ANN001
    assert cli("ls", "vms") == 0
    capsys.readouterr()
    demo.set_fault("ifb-bird-stack", "down")
    assert cli("ls", "vms", "--refresh", "-f", "json") == 0
    out, err = capsys.readouterr()
    assert isinstance(json.loads(out), list)
    assert [line for line in err.splitlines()] == [line for line in err.splitlines() if "ifb-bird-stack" in line]
    assert len(err.splitlines()) == 1 and "cannot connect" in err


def test_stale_data_is_said_on_stderr(cli, demo, capsys) -> None:  # noqa: ANN001
    assert cli("ls", "apps", "-f", "csv") == 0
    first = capsys.readouterr().out
    demo.clock.advance(600)  # ten minutes without a refresh: older than 3 refresh intervals
    assert cli("ls", "apps", "-f", "csv") == 0
    out, err = capsys.readouterr()
    assert out == first
    assert err.splitlines() == ["biosphere-tui: warning: portal.catalogue: data 10 min old (--refresh to update)"]
    assert cli("ls", "apps", "--refresh", "-f", "csv") == 0
    assert capsys.readouterr().err == ""


def test_portal_down_and_no_cache_is_exit_5(cli, demo, capsys) -> None:  # noqa: ANN001
    demo.set_fault("portal", "down")
    assert cli("ls", "vms", "-f", "json") == 5
    out, err = capsys.readouterr()
    assert out == "" and "no data" in err and "portal.deployments" in err


def test_portal_down_with_a_cache_lists_it_and_says_so(cli, demo, capsys) -> None:  # noqa: ANN001
    assert cli("ls", "apps", "-f", "json") == 0
    before = json.loads(capsys.readouterr().out)
    demo.set_fault("portal", "down")
    assert cli("ls", "apps", "--refresh", "-f", "json") == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == before
    assert "catalogue" in err and "data" in err and len(err.splitlines()) == 1


def test_unknown_group_is_exit_3(cli, capsys) -> None:  # noqa: ANN001
    assert cli("ls", "usage", "--group", "nope") == 3
    assert "no group 'nope' among yours" in capsys.readouterr().err


def test_bad_format_is_a_usage_error(cli, capsys) -> None:  # noqa: ANN001
    with pytest.raises(SystemExit) as stop:
        cli("ls", "vms", "-f", "yaml")
    assert stop.value.code == 2


def test_ls_as_a_real_process_pipes_csv(cli, demo) -> None:  # noqa: ANN001
    done = subprocess.run([sys.executable, "-m", "biosphere_tui", "--config", str(cli.config), "ls", "sites",
                           "-f", "csv"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NO_PROXY": "127.0.0.1,localhost"})
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert {r["id"] for r in rows} == set(demo.world.sites) and "Traceback" not in done.stderr
