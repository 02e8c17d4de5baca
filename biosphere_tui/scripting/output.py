"""Rows out as an aligned table (for people), JSON or CSV (for programs).

A listing gives its rows as dicts with stable keys (``fields``) and the columns its table shows.
JSON: a list of objects, dates and times in ISO 8601, lists as arrays, every control and bidi
character escaped (``\u009b``), other text as it is. CSV: a header row, lists joined with ``;``,
a cell a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) prefixed
with ``'``; numbers stay numbers. On a terminal the table fits its width by cutting the widest
cut-able columns, with an ellipsis; piped or redirected, nothing is cut.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from biosphere_tui.rules.export import csv_cell

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


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
"""What ``json.dumps(ensure_ascii=False)`` leaves raw and a terminal would obey (it escapes C0)."""


def json_text(value: object) -> str:
    """``value`` as indented JSON, readable (accents as they are) and inert (controls escaped)."""
    raw = json.dumps(value, ensure_ascii=False, indent=2)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", raw)


def to_json(rows: Sequence[Row], fields: Sequence[str]) -> str:
    return json_text([{k: plain(row[k]) for k in fields} for row in rows])


def _csv(value: object) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value  # a number, negative or not, stays a number
    return csv_cell(plain(value) if isinstance(value, datetime | date) else text(value))


def to_csv(rows: Sequence[Row], fields: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([_csv(row[k]) for k in fields])
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
        parts = [_cut(v, w).rjust(w) if c.right else _cut(v, w).ljust(w)
                 for v, w, c in zip(values, widths, columns, strict=False)]
        return GAP.join(parts).rstrip()

    return "\n".join([line([c.header for c in columns]), *(line(values) for values in cells)])


def render(fmt: str, rows: Sequence[Row], fields: Sequence[str], columns: Sequence[Column]) -> str:
    if fmt == "json":
        return to_json(rows, fields)
    if fmt == "csv":
        return to_csv(rows, fields)
    width = shutil.get_terminal_size((80, 24)).columns if sys.stdout.isatty() else sys.maxsize
    return to_table(rows, columns, width)
