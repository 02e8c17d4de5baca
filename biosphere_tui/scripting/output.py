"""Rows out as an aligned table (for people), JSON or CSV (for programs).

A listing gives its rows as dicts with stable keys (``fields``) and the columns its table shows.
JSON: a list of objects, dates and times in ISO 8601, lists as arrays. CSV: a header row, lists
joined with ``;``. On a terminal the table fits its width by cutting the widest cut-able columns,
with an ellipsis; piped or redirected, nothing is cut.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

FORMATS = ("table", "json", "csv")
Row = Mapping[str, Any]
GAP = "  "


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Row], object]
    right: bool = False  # numbers
    cut: bool = True  # may be shortened to fit the width
    least: int = 8  # if cut, not below this width (nor below its header's)


def field(key: str, header: str | None = None, *, right: bool = False, cut: bool = True, least: int = 8) -> Column:
    """A column showing one field of the row as is."""
    return Column(header or key.upper(), lambda row: row[key], right, cut, least)


def plain(value: object) -> object:
    """A JSON-able value: ISO dates and times, lists for tuples, an enum's value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    return value


def text(value: object) -> str:
    """A value in a table or CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, tuple | list):
        return "; ".join(text(v) for v in value)
    return str(plain(value))


def to_json(rows: Sequence[Row], fields: Sequence[str]) -> str:
    return json.dumps([{k: plain(row[k]) for k in fields} for row in rows], ensure_ascii=False, indent=2)


def to_csv(rows: Sequence[Row], fields: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([plain(row[k]) if isinstance(row[k], datetime | date) else text(row[k]) for k in fields])
    return out.getvalue().rstrip("\n")


def _cut(value: str, width: int) -> str:
    return value if len(value) <= width else value[: max(width - 1, 0)] + "…"


def to_table(rows: Sequence[Row], columns: Sequence[Column], width: int) -> str:
    cells = [[text(c.value(row)) for c in columns] for row in rows]
    widths = [max([len(c.header), *(len(line[i]) for line in cells)]) for i, c in enumerate(columns)]
    floor = [max(len(c.header), c.least) if c.cut else widths[i] for i, c in enumerate(columns)]
    while sum(widths) + len(GAP) * (len(widths) - 1) > width:
        room = [i for i in range(len(widths)) if widths[i] > floor[i]]
        if not room:
            break
        widest = max(room, key=lambda i: widths[i])
        widths[widest] -= 1

    def line(values: Sequence[str]) -> str:
        parts = [_cut(v, w).rjust(w) if c.right else _cut(v, w).ljust(w) for v, w, c in zip(values, widths, columns)]
        return GAP.join(parts).rstrip()

    return "\n".join([line([c.header for c in columns]), *(line(values) for values in cells)])


def render(fmt: str, rows: Sequence[Row], fields: Sequence[str], columns: Sequence[Column]) -> str:
    if fmt == "json":
        return to_json(rows, fields)
    if fmt == "csv":
        return to_csv(rows, fields)
    width = shutil.get_terminal_size((80, 24)).columns if sys.stdout.isatty() else sys.maxsize
    return to_table(rows, columns, width)
