"""What the snapshot tests share: one small and one large terminal, and steady API latencies.

Each screen is snapshotted once per size (pytest-textual-snapshot keeps the images in
``__snapshots__/<test file>/``); a snapshot at another size or in another state says why.
"""

from __future__ import annotations

import pytest
from textual.app import App
from textual.widgets import Input

from biosphere_tui.cache.db import connect
from biosphere_tui.config import Config

SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 48)])


def steady_latency(config: Config) -> None:
    """Real request times vary from run to run: pin them for the snapshots."""
    db = connect(config.cache_path)
    with db.conn:
        db.execute("UPDATE freshness SET duration = 0.042 WHERE source LIKE 'site.%'")
        db.execute("UPDATE site_history SET latency_ms = 42")
    db.close()


def still_cursors(app: App) -> None:
    """An input's cursor blinks on a timer: a picture taken at any moment must not depend on it."""
    for field in app.screen.query(Input):
        field.cursor_blink = False
