"""Formatters of the scripted listings: JSON, CSV and a table that fits the width."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

from biosphere_tui.models.states import SiteState
from biosphere_tui.scripting.output import field, render, to_csv, to_json, to_table

ROWS = [
    {"id": "a", "name": "a-very-long-name-that-will-not-fit-anywhere", "state": SiteState.UP, "tags": ("x", "y"),
     "ip": None, "at": datetime(2026, 11, 25, 9, 30, tzinfo=UTC), "day": date(2027, 1, 12), "n": 1234},
    {"id": "b", "name": "short", "state": SiteState.DOWN, "tags": (), "ip": "10.0.0.1",
     "at": datetime(2026, 11, 24, 8, 0, tzinfo=UTC), "day": None, "n": 5},
]
FIELDS = ("id", "name", "state", "tags", "ip", "at", "day", "n")


def test_json_has_stable_keys_iso_dates_and_arrays() -> None:
    rows = json.loads(to_json(ROWS, FIELDS))
    assert [list(r) for r in rows] == [list(FIELDS)] * 2
    assert rows[0]["at"] == "2026-11-25T09:30:00+00:00" and rows[0]["day"] == "2027-01-12"
    assert rows[0]["tags"] == ["x", "y"] and rows[0]["ip"] is None and rows[1]["day"] is None
    assert rows[0]["state"] == "up" and rows[0]["n"] == 1234


def test_csv_has_a_header_and_plain_cells() -> None:
    rows = list(csv.reader(io.StringIO(to_csv(ROWS, FIELDS))))
    assert rows[0] == list(FIELDS)
    assert rows[1] == ["a", ROWS[0]["name"], "up", "x; y", "", "2026-11-25T09:30:00+00:00", "2027-01-12", "1234"]
    assert rows[2][3] == "" and rows[2][4] == "10.0.0.1"


def test_table_cuts_the_widest_column_to_fit() -> None:
    columns = (field("id", cut=False), field("name"), field("state", cut=False), field("n", right=True, cut=False))
    lines = to_table(ROWS, columns, width=30).splitlines()
    assert all(len(line) <= 30 for line in lines)
    assert lines[0].split() == ["ID", "NAME", "STATE", "N"]
    assert "…" in lines[1] and lines[1].startswith("a   a-very") and lines[1].endswith("1234")
    assert lines[2].endswith("   5")  # numbers to the right
    wide = to_table(ROWS, columns, width=200).splitlines()
    assert ROWS[0]["name"] in wide[1]


def test_a_table_cuts_to_the_terminal_but_not_when_piped(monkeypatch, capsys) -> None:  # noqa: ANN001
    import sys

    columns = [field("id"), field("name"), field("state"), field("ip")]
    monkeypatch.setenv("COLUMNS", "30")
    piped = render("table", ROWS, FIELDS, columns)
    assert "a-very-long-name-that-will-not-fit-anywhere" in piped and "…" not in piped
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    shown = render("table", ROWS, FIELDS, columns)
    assert "…" in shown and all(len(line) <= 30 for line in shown.splitlines())
