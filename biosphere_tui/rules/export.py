"""CSV export of consumption rows: one line per day, member and site, every metric; and the
rule every CSV cell of text follows so that a spreadsheet never runs it."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from biosphere_tui.local.private_files import write_private
from biosphere_tui.models.deployments import UsageDay

FIELDS = ("day", "member", "site", "vm_hours", "vcpu_hours", "ram_gb_hours", "disk_gb_hours", "gpu_hours")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """OWASP's CSV injection rule: text a spreadsheet would read as a formula (starting with
    ``=``, ``+``, ``-``, ``@``, tab or CR) gets a leading ``'``; numbers stay numbers."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def write_usage_csv(rows: Iterable[UsageDay], path: Path) -> int:
    """Write ``rows`` to ``path`` (replacing it, readable by its owner only) with a header line; returns how many rows."""
    count = 0
    with write_private(path, newline="") as handle:
        out = csv.writer(handle)
        out.writerow(FIELDS)
        for row in rows:
            out.writerow([row.day.isoformat(), *(csv_cell(getattr(row, name)) for name in FIELDS[1:])])
            count += 1
    return count
