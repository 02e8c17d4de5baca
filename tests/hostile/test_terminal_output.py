"""Defects 4 and 5: what ``sync``, ``doctor`` and ``ls`` print of hostile server data.

Each test replays the attack against the demo cloud on loopback with the hostile value
injected into its portal, then reads what the command printed.
"""

from __future__ import annotations

import csv
import io
import json

import pytest

from hostile.payloads import ATTACKS, PAYLOADS, RAW_CONTROL
from hostile.text_support import fail_with, inject

FAKE_OK = "boom\r\x1b[1A\x1b[2Kok   portal.status     0.01 s      8 rows"


def printed(capsys: pytest.CaptureFixture[str]) -> str:
    out = capsys.readouterr()
    return out.out + out.err


def test_sync_keeps_a_failing_sources_line_intact(cli, demo, capsys) -> None:  # noqa: ANN001
    fail_with(demo, "/cloud/system_status", 500, FAKE_OK)
    assert cli("sync") == 1
    out = printed(capsys)
    assert not RAW_CONTROL.search(out) and not any(a in out for a in ATTACKS)
    [line] = [x for x in out.splitlines() if "portal.status" in x.split("boom")[0]]
    assert line.startswith("FAIL portal.status") and line.endswith("boom␍␛[1A␛[2Kok   portal.status     0.01 s      8 rows")
    assert not any(x.startswith("ok   portal.status") for x in out.splitlines())


def test_doctor_keeps_the_portals_failure_visible(cli, demo, capsys) -> None:  # noqa: ANN001
    fail_with(demo, "/me", 403, FAKE_OK)
    assert cli("doctor") == 1
    out = printed(capsys)
    assert not RAW_CONTROL.search(out)
    [line] = [x for x in out.splitlines() if "portal answers" in x]
    assert line.startswith("FAIL portal answers: ") and "␛[2Kok   portal.status" in line


@pytest.mark.parametrize("fmt", ["table", "csv"])
@pytest.mark.parametrize("name", ["osc52_clipboard", "csi_clear", "c1_csi", "bidi_override", "fake_ok_line", "newlines"])
def test_ls_prints_vm_names_inert(cli, demo, capsys, fmt: str, name: str) -> None:  # noqa: ANN001
    inject(demo, PAYLOADS[name])
    assert cli("ls", "vms", "--refresh", "-f", fmt) == 0
    out = printed(capsys)
    assert not RAW_CONTROL.search(out) and not any(a in out for a in ATTACKS)
    assert "\r" not in out


def test_json_stays_exact_and_inert(cli, demo, capsys) -> None:  # noqa: ANN001
    """JSON carries the (cleaned) names exactly; control and bidi characters only as escapes."""
    inject(demo, "évolution\u202e[/]")
    assert cli("ls", "vms", "--refresh", "-f", "json") == 0
    out = capsys.readouterr().out
    assert "\u202e" not in out
    assert {"évolution\ufffd[/]"} <= {vm["name"] for vm in json.loads(out)}


FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_csv_cells_never_start_a_formula(cli, demo, capsys, formula: str) -> None:  # noqa: ANN001
    inject(demo, formula)
    assert cli("ls", "vms", "--refresh", "-f", "csv") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    hostile = [r for r in rows if formula in r["name"]]
    assert hostile and all(r["name"] == f"'{formula}" for r in hostile)
    for row in rows:
        assert not any(v.startswith(("=", "+", "@", "\t", "\r")) for v in row.values())
        assert row["vcpu"].isdigit()  # numbers stay numbers


def test_csv_keeps_negative_numbers_numeric() -> None:
    from biosphere_tui.scripting.output import to_csv

    assert to_csv([{"n": -3, "x": 2.5, "s": "-3"}], ["n", "x", "s"]).splitlines()[1] == "-3,2.5,'-3"
