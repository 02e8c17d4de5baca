"""``biosphere-tui ls idle``: the idle VM finder's rows on the demo world, and piping them into ``delete``."""

from __future__ import annotations

import json
import sys

from world_idle import seeded_idle

GROUP = "marine-meta"


def test_the_groups_idle_vms_with_what_they_give_back(cli, demo, capsys) -> None:  # noqa: ANN001
    assert cli("ls", "idle", "--all", "--group", GROUP, "-f", "json") == 0
    rows = json.loads(capsys.readouterr().out)
    expected = seeded_idle(demo, GROUP)
    assert len(expected) >= 3 and {r["id"] for r in rows} == expected
    assert {r["owner"] for r in rows} > {"demo"}  # every member's, for its admin
    for row in rows:
        dep = demo.world.deployments[row["id"]]
        assert (row["name"], row["owner"], row["vcpu"], row["ram_gb"]) == (dep.name, dep.owner, dep.vcpu, dep.ram_gb)
        assert row["kind"] in ("no activity", "shut off") and row["why"] and row["disk_gb"] > 0
    assert {r["kind"] for r in rows} == {"no activity", "shut off"}
    assert [r["since"] for r in rows] == sorted(r["since"] for r in rows)  # idle longest first


def test_the_table_adds_up_what_deleting_gives_back(cli, demo, capsys, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("COLUMNS", "80")  # on an 80-column terminal (piped, nothing is cut)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert cli("ls", "idle", "--all", "--group", GROUP) == 0
    lines = capsys.readouterr().out.splitlines()
    deps = [demo.world.deployments[i] for i in seeded_idle(demo, GROUP)]
    assert lines[0].split()[:3] == ["NAME", "OWNER", "WHY"] and len(lines) == len(deps) + 2
    assert lines[-1].startswith(f"Deleting all {len(deps)} would give back {sum(d.vcpu for d in deps)} vCPU, "
                                f"{sum(d.ram_gb for d in deps)} GB RAM, ")
    assert all(len(line) <= 80 for line in lines)


def test_without_all_only_mine_and_members_may_not_see_the_groups(cli, demo, capsys) -> None:  # noqa: ANN001
    assert cli("ls", "idle", "--group", GROUP, "-f", "json") == 0
    assert {r["id"] for r in json.loads(capsys.readouterr().out)} == seeded_idle(demo, GROUP, owner="demo")
    assert cli("ls", "idle", "--all", "--group", "ebame-2026") == 1
    assert "only the admins of ebame-2026" in capsys.readouterr().err


def test_idle_ids_piped_into_delete(cli, demo, capsys) -> None:  # noqa: ANN001
    """As the README shows: ``ls idle -f json | jq -r '.[].id' | xargs -r biosphere-tui delete --yes``."""
    assert cli("ls", "idle", "--group", GROUP, "-f", "json") == 0
    ids = [r["id"] for r in json.loads(capsys.readouterr().out)]
    assert ids
    assert cli("delete", *ids, "--yes") == 0
    assert capsys.readouterr().out.count("deleted ") == len(ids)
    assert all(demo.sites[d.site].state.servers[d.server_id].deleted for d in (demo.world.deployments[i] for i in ids))
    assert cli("ls", "idle", "--group", GROUP, "-f", "json") == 0
    assert json.loads(capsys.readouterr().out) == []
