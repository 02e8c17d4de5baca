"""VM names a live VM already bears: `launch` refuses them (exit 1) unless `--allow-duplicate`, and the
name it makes up when none is given is a free one. Nothing is sent to the portal when refused."""

from __future__ import annotations

from biosphere_tui.rules.naming import free_name, numbered

DEPLOY = "POST /api/v1/monitor/deployments"
ARGS = ("--site", "ifb-core-cloud", "--flavour", "ifb.m4.large")


def test_numbered_names_stay_within_the_portal_rule() -> None:
    base = "a" * 40
    assert free_name("rstudio", {"rstudio", "rstudio-2"}) == "rstudio-3"
    assert free_name("rstudio", set()) == "rstudio"
    assert all(len(name) <= 40 for name in numbered(base)) and numbered(base)[1] == "a" * 38 + "-2"


def test_a_live_vms_name_is_refused_unless_allowed(cli, demo, capsys) -> None:  # noqa: ANN001
    live = next(d for d in demo.world.deployments.values() if d.owner == "demo" and d.state.value == "Ready")
    finished = next(d for d in demo.world.deployments.values() if d.owner == "demo" and d.state.is_final)
    before = demo.portal.service.hits[DEPLOY]
    assert cli("launch", "BioPipes", *ARGS, "--name", live.name) == 1
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1
    assert f"VM name {live.name!r} is already the name of a live VM (demo, {live.site}, Ready)" in err
    assert "--allow-duplicate" in err and demo.portal.service.hits[DEPLOY] == before

    assert cli("launch", "BioPipes", *ARGS, "--name", finished.name) == 0  # a finished VM's name is free again
    assert cli("launch", "BioPipes", *ARGS, "--name", live.name, "--allow-duplicate") == 0
    assert demo.portal.service.hits[DEPLOY] == before + 2
    assert len([d for d in demo.world.deployments.values() if d.name == live.name]) == 2


def test_the_made_up_name_is_a_free_one(cli, demo, capsys) -> None:  # noqa: ANN001
    assert cli("launch", "BioPipes", *ARGS) == 0
    assert cli("launch", "BioPipes", *ARGS) == 0
    out = capsys.readouterr().out
    assert "launched biopipes (" in out and "launched biopipes-2 (" in out
