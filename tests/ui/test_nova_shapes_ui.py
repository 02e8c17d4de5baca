"""OpenStack-only myVM on the shapes real Nova sends: a server of a down cell (2.69) and a
512 MB flavour (m1.tiny) are shown as such, and the site is not failed by them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot_support import set_filter, settle
from screen_text import text_of
from sync_helpers_os import os_only_config

from biosphere_tui.cache import servers
from biosphere_tui.config import Config
from biosphere_tui.demo.site_state import FakeFlavor, FakeServer
from biosphere_tui.widgets.server_views import ServerDetailPane
from biosphere_tui.widgets.vm_table import VmTable

SITE = "ifb-bigest-cloud"


@pytest.fixture
def odd_site(demo, tmp_path: Path) -> tuple[Config, FakeServer, FakeServer]:  # noqa: ANN001
    """A site with an m1.tiny server and a server in a down cell, synced (every source must succeed)."""
    state = demo.sites[SITE].state
    state.add_flavor(FakeFlavor("tiny-1", "m1.tiny", 1, 512, 1))
    tiny = state.add_server(name="tiny-one", flavor_id="tiny-1", image_id=next(iter(state.images)), status="ACTIVE")
    down = next(s for s in state.servers.values() if not s.deleted and s.id != tiny.id)
    down.down_cell = True
    return os_only_config(demo, tmp_path), tiny, down


async def test_myvm_shows_a_down_cell_server_and_a_512_mb_flavour(odd_site, make_app) -> None:  # noqa: ANN001
    cfg, tiny, down = odd_site
    app = make_app(cfg)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        await settle(app, pilot)
        await set_filter(pilot, SITE)
        await pilot.press("enter")
        await settle(app, pilot)
        table = app.screen.query_one(VmTable)
        assert servers.server_key(SITE, down.id) in table.row_keys
        lines = text_of(table).splitlines()
        row = next(line for line in lines if "tiny-one" in line)
        assert "m1.tiny" in row and "512 MB" in row and "0 GB" not in row
        row = next(line for line in lines if "(unknown)" in line)
        assert "UNKNOWN" in row and "unknown" in row
        table.move_cursor(row=table.row_keys.index(servers.server_key(SITE, tiny.id)))
        await pilot.press("d")
        await settle(app, pilot)
        described = text_of(app.screen.query_one(ServerDetailPane))
        assert "m1.tiny · 1 vCPU · 512 MB RAM · 1 GB disk" in described
