"""The ``advise`` and ``class`` commands against the demo cloud: output, exit codes, what the demo world holds."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from biosphere_tui.cli import main
from biosphere_tui.demo import contract as wire

TRAINING_RNA = "219"


@pytest.fixture
def config_file(demo, tmp_path: Path) -> str:  # noqa: ANN001
    path = demo.write_config(tmp_path / "cfg")
    with (tmp_path / "cfg" / "config.toml").open("a") as extra:
        extra.write(f'\n[cache]\npath = "{tmp_path / "c.sqlite"}"\n')
    return str(path)


def named(demo, prefix: str) -> list:  # noqa: ANN001
    return sorted((d for d in demo.world.deployments.values() if d.name.startswith(prefix)), key=lambda d: d.name)


def test_advise_prints_the_matrix_and_the_recommendation(config_file: str, demo, capsys) -> None:  # noqa: ANN001
    assert main(["--config", config_file, "advise", "biopipes", "--group", "marine-meta"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("BioPipes #119 (needs 2 vCPU, 8 GB RAM) for marine-meta:")
    assert "ifb.m4.16xlarge on every site: needs 3680 GB storage, the group has" in out
    assert "ifb.m4.medium on every site: flavour too small for this appliance: needs 2 vCPU and 8 GB RAM" in out
    [last] = [line for line in out.splitlines() if line.startswith("Recommended: ")]
    assert "/ ifb.m4.large — exactly the 2 vCPU / 8 GB needed; site up and fresh" in last
    assert last.split(" / ")[0].removeprefix("Recommended: ") in {s.spec.platform for s in demo.world.sites.values()}


def test_advise_json_follows_an_outage(config_file: str, demo, capsys) -> None:  # noqa: ANN001
    for site in demo.world.sites:
        if site != "ifb-bird-stack":
            demo.world.set_availability(site, wire.Availability.MAINTENANCE, "Upgrade.")
    assert main(["--config", config_file, "advise", "119", "-f", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["recommendation"]["site"] == "ifb-bird-stack" and data["recommendation"]["flavor"] == "ifb.m4.large"
    cell = next(c for c in data["matrix"] if c["site"] == "ifb-core-cloud" and c["flavor"] == "ifb.m4.large")
    assert cell["fits"] is False and cell["reasons"] == ["site in maintenance: Upgrade."]


def test_advise_exit_codes_nothing_fits_and_unknown(config_file: str, demo, capsys) -> None:  # noqa: ANN001
    for site in demo.world.sites:
        demo.world.set_availability(site, wire.Availability.DOWN, "Storm.")
    assert main(["--config", config_file, "advise", "biopipes"]) == 1
    assert "Nothing fits now for marine-meta." in capsys.readouterr().out
    assert main(["--config", config_file, "advise", "no-such-thing"]) == 3
    assert capsys.readouterr().err.strip() == "biosphere-tui: no appliance 'no-such-thing' in the catalogue (give its id or name)"


def test_class_launch_waits_until_ready_and_writes_the_csv(config_file: str, demo, tmp_path: Path, capsys,  # noqa: ANN001
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("biosphere_tui.scripting.act.pause", lambda seconds: demo.clock.advance(seconds * 6))
    target = tmp_path / "class.csv"
    code = main(["--config", config_file, "class", TRAINING_RNA, "--count", "3", "--pattern", "rnaseq-{n:02}",
                 "--group", "ebame-2026", "--csv", str(target), "--yes", "--wait"])
    out = capsys.readouterr().out
    assert code == 0, out
    deps = named(demo, "rnaseq-")
    assert [d.name for d in deps] == ["rnaseq-01", "rnaseq-02", "rnaseq-03"]
    assert all(d.state is wire.DeploymentState.READY and d.ip and d.group_id == "ebame-2026" for d in deps)
    assert "rnaseq-01, rnaseq-02 … rnaseq-03 (3 VMs)" in out and "3/3 ready" in out
    assert oct(target.stat().st_mode & 0o777) == "0o600" and f"3 VMs written to {target}" in out
    rows = list(csv.DictReader(target.open()))
    assert [r["name"] for r in rows] == ["rnaseq-01", "rnaseq-02", "rnaseq-03"]
    for row, dep in zip(rows, deps, strict=True):
        [secret] = [p.value for p in dep.parameters if p.secret]
        assert (row["ip"], row["ssh"], row["password"], row["state"]) == (dep.ip, f"ssh ubuntu@{dep.ip}", secret, "Ready")
        assert row["url"] == f"https://{dep.name}.{dep.site}.biosphere.example/"
        assert secret not in out  # the CSV has it, the terminal does not


def test_class_too_large_for_the_quota_is_refused_and_nothing_is_created(config_file: str, demo, capsys) -> None:  # noqa: ANN001
    before = len(demo.world.deployments)
    code = main(["--config", config_file, "class", TRAINING_RNA, "-n", "100", "-p", "tp-{n:03}", "-g", "ebame-2026",
                 "--flavour", "ifb.tr.xlarge", "--yes"])
    err = capsys.readouterr().err
    assert code == 1 and len(demo.world.deployments) == before
    assert "cannot launch the class: 100 × ifb.tr.xlarge need 800 vCPU" in err and "Nothing was launched." in err


def test_class_bad_pattern_and_no_confirmation(config_file: str, demo, capsys) -> None:  # noqa: ANN001
    before = len(demo.world.deployments)
    assert main(["--config", config_file, "class", TRAINING_RNA, "-n", "3", "-p", "RNA_{n}", "-g", "ebame-2026"]) == 2
    assert capsys.readouterr().err.strip() == "biosphere-tui: name 'RNA_1': must start with a letter a–z"
    assert main(["--config", config_file, "class", TRAINING_RNA, "-n", "3", "-p", "rna-{n}", "-g", "ebame-2026"]) == 4
    assert "add --yes" in capsys.readouterr().err  # stdin is no terminal: nothing is launched without --yes
    assert len(demo.world.deployments) == before


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """A real terminal on stdin (a pseudo-terminal): ``answer(text)`` types a line into it."""
    master, slave = os.openpty()
    with os.fdopen(slave, "r") as tty:
        monkeypatch.setattr("sys.stdin", tty)
        yield lambda text: os.write(master, f"{text}\n".encode())
    os.close(master)


@pytest.mark.parametrize("answer", ["n", ""])
def test_class_answered_n_at_the_terminal_launches_nothing(config_file: str, demo, capsys, terminal,  # noqa: ANN001
                                                           answer: str) -> None:
    before = set(demo.world.deployments)
    terminal(answer)
    assert main(["--config", config_file, "class", TRAINING_RNA, "-n", "3", "-p", "tp-{n}", "-g", "ebame-2026"]) == 4
    err = capsys.readouterr().err
    assert "Launch these 3 VMs? [y/N]" in err and "not confirmed: nothing was done" in err
    assert set(demo.world.deployments) == before


def test_class_answered_y_at_the_terminal_launches_it(config_file: str, demo, capsys, terminal) -> None:  # noqa: ANN001
    terminal("y")
    assert main(["--config", config_file, "class", TRAINING_RNA, "-n", "3", "-p", "tp-{n}", "-g", "ebame-2026"]) == 0
    assert "Launch these 3 VMs? [y/N]" in capsys.readouterr().err
    assert [d.name for d in named(demo, "tp-")] == ["tp-1", "tp-2", "tp-3"]


def squeeze(demo, site_id: str, free_vcpu: int) -> None:  # noqa: ANN001
    """Other projects take all but ``free_vcpu`` of the site's vCPU."""
    site = demo.world.sites[site_id]
    free = demo.world.capacity(site_id)["vcpu"].free
    site.others = (site.others[0] + free - free_vcpu, *site.others[1:])
    demo.world.touch()  # changed behind the world's methods: the portal's ETags must change


def test_a_class_no_site_holds_is_spread_or_refused_on_a_pinned_site(config_file: str, demo, capsys) -> None:  # noqa: ANN001
    squeeze(demo, "meso-psmn-cirrus", 10)  # room for 2 × ifb.tr.large (4 vCPU)
    squeeze(demo, "ifb-genouest-genostack", 13)  # room for 3
    args = ["--config", config_file, "class", TRAINING_RNA, "-n", "5", "-p", "tp-{n}", "-g", "ebame-2026",
            "--flavour", "ifb.tr.large", "--yes"]
    assert main([*args, "--site", "meso-psmn-cirrus"]) == 1
    err = capsys.readouterr().err
    assert not named(demo, "tp-")
    assert ("CBPsmn has room for 2 of 5 × ifb.tr.large; spread over several sites instead: "
            "GenOuest ×3, CBPsmn ×2. Nothing was launched.") in err
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Plan: 5 × ifb.tr.large spread: GenOuest ×3, CBPsmn ×2" in out
    assert [(d.name, d.site) for d in named(demo, "tp-")] == [
        ("tp-1", "ifb-genouest-genostack"), ("tp-2", "ifb-genouest-genostack"), ("tp-3", "ifb-genouest-genostack"),
        ("tp-4", "meso-psmn-cirrus"), ("tp-5", "meso-psmn-cirrus")]
