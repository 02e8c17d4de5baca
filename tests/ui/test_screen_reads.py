"""A screen reads the cache once each time it is shown (Textual announces some shows more than once),
and shows what a refresh wrote while the user was on another screen."""

from __future__ import annotations

from collections import Counter

import pytest
from pilot_support import settle
from screen_text import text_of

from biosphere_tui.app import BiosphereApp
from biosphere_tui.cache import reader
from biosphere_tui.config import Config
from biosphere_tui.screens.base import BiosphereScreen
from biosphere_tui.screens.registry import SCREENS
from biosphere_tui.widgets.summary import Summary


def count_reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Each read of a screen (its sources' freshness, then its body), counted by the screen's class."""
    reads: Counter[str] = Counter()
    reload = BiosphereScreen.reload

    def counting(screen: BiosphereScreen) -> None:
        reads[type(screen).__name__] += 1
        reload(screen)

    monkeypatch.setattr(BiosphereScreen, "reload", counting)
    return reads


async def shown(app: BiosphereApp, pilot, key: str, reads: Counter[str]) -> dict[str, int]:  # noqa: ANN001
    """The reads that pressing ``key`` cost, once the screen it shows has settled."""
    reads.clear()
    await pilot.press(key)
    await settle(app, pilot)
    return dict(reads)


async def test_each_screen_is_read_once_when_first_shown_and_once_when_shown_again(
        synced: Config, make_app, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    reads = count_reads(monkeypatch)
    app = make_app(synced)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert dict(reads) == {"HomeScreen": 1}  # not once as it mounts and again as Textual resumes it
        for nav in SCREENS[1:]:  # a mode's first show: Textual posts two ScreenResume after its Mount
            name = nav.target.rpartition(":")[2]
            assert await shown(app, pilot, nav.key, reads) == {name: 1}, nav.title
        assert await shown(app, pilot, "1", reads) == {"HomeScreen": 1}  # back to a screen already shown
        assert await shown(app, pilot, "2", reads) == {"CatalogueScreen": 1}
        assert await shown(app, pilot, "l", reads) == {"LaunchScreen": 1}  # a screen pushed on top
        assert type(app.screen).__name__ == "LaunchScreen"
        assert await shown(app, pilot, "escape", reads) == {"CatalogueScreen": 1}  # shown again when the form closes
        assert type(app.screen).__name__ == "CatalogueScreen"


async def test_a_refresh_while_on_another_screen_is_shown_on_the_way_back(
        synced: Config, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        summary = app.screen.query_one(Summary)
        before = text_of(summary)
        await pilot.press("5")  # Sites: Home is not on the screen stack, a refresh does not reload it
        await settle(app, pilot)
        states = reader.vm_state_counts(app.cache)
        demo.clock.advance(30)  # some VMs change state (a Finalizing one goes Done)
        app.request_refresh()
        await settle(app, pilot, lambda: app.refreshes >= 1)
        assert reader.vm_state_counts(app.cache) != states  # the refresh wrote new states in the cache
        assert text_of(summary) == before  # Home, not shown, was not read
        await pilot.press("1")
        await settle(app, pilot)
        assert app.screen.query_one(Summary) is summary and text_of(summary) != before
