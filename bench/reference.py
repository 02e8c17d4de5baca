"""The programs the benches time biosphere-tui against, each run as its own process.

Usage: .venv/bin/python bench/reference.py bare [--rows 20] [--headless]
       .venv/bin/python bench/reference.py sdk SITE...   (OS_CLIENT_CONFIG_FILE names the clouds.yaml)

- ``bare``: a bare Textual app, Header, a DataTable of ``--rows`` rows of 8 cells ("cell R:C"), Footer;
  the baseline of a first paint (``bench/terminal.py`` in a pseudo-terminal). ``--headless`` paints
  it once at 160x48, prints ``PAINTED`` and exits (``bench/ui.py``).
- ``sdk``: what a program written with openstacksdk's Resource layer reads of each site, the sites one
  after the other, the reads ``biosphere-tui sync`` makes of a site: servers (with details), flavours,
  images, absolute limits. Prints a line per site: its name and how many of each it read.

Each imports only what it uses, so that neither pays for the other's imports.
"""

from __future__ import annotations

import argparse
from typing import Any


def bare(rows: int, headless: bool) -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer, Header

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield DataTable()
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns(*(f"col{i}" for i in range(8)))
            for r in range(rows):
                table.add_row(*(f"cell {r}:{c}" for c in range(8)))
            if headless:
                self.call_after_refresh(self.painted)

        def painted(self) -> None:
            print("PAINTED", flush=True)
            self.exit()

    if headless:
        Bare().run(headless=True, size=(160, 48))
    else:
        Bare().run()


def last_cell(rows: int) -> str:
    """The text of the bare app's last row, first column: once on screen, the table is painted."""
    return f"cell {rows - 1}:0"


def sdk(sites: list[str]) -> None:
    import openstack

    for site in sites:
        conn: Any = openstack.connect(cloud=site)
        servers = list(conn.compute.servers())
        flavors = list(conn.compute.flavors())
        images = list(conn.image.images())
        limits = conn.compute.get_limits().absolute
        print(site, f"{len(servers)} servers, {len(flavors)} flavors, {len(images)} images, "
                    f"{limits.total_cores_used}/{limits.max_total_cores} cores", flush=True)
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_subparsers(dest="program", required=True)
    table = which.add_parser("bare", help="a bare Textual app")
    table.add_argument("--rows", type=int, default=20)
    table.add_argument("--headless", action="store_true", help="paint once at 160x48, print PAINTED, exit")
    reads = which.add_parser("sdk", help="openstacksdk's Resource layer reading sites")
    reads.add_argument("sites", nargs="+")
    args = parser.parse_args()
    if args.program == "bare":
        bare(args.rows, args.headless)
    else:
        sdk(args.sites)


if __name__ == "__main__":
    main()
