"""The interface speaks British English everywhere, as its help does: a VM's "flavour", never
"flavor" beside it (the data keys, JSON keys and the ``--flavor`` alias stay as they are)."""

from __future__ import annotations

import re

import pytest
from pilot_support import settle
from screen_text import text_of

from biosphere_tui.config import Config
from biosphere_tui.screens.idle import IdleTable
from biosphere_tui.widgets.line_table import LineTable
from biosphere_tui.widgets.vm_table import VmTable


@pytest.mark.parametrize(("key", "table"), [("3", VmTable), ("9", IdleTable)])
async def test_every_column_says_flavour(synced: Config, make_app, key: str, table: type[LineTable]) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(220, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press(key)
        await settle(app, pilot)
        header = text_of(app.screen.query_one(table)).splitlines()[0]
        assert "flavour" in header
        assert not re.search(r"\bflavor", header)
