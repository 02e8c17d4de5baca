"""A state is coloured by the theme's own colours ($success, $error…), in every theme, and a
change of theme (ctrl+p, "Change theme") recolours the screen shown at once."""

from __future__ import annotations

from collections import Counter

from pilot_support import settle
from rich.color import Color as RichColor
from textual.color import Color
from textual.geometry import Region
from textual.widget import Widget

from biosphere_tui.app import BiosphereApp
from biosphere_tui.config import Config
from biosphere_tui.screens.sites import SiteTable
from biosphere_tui.widgets.freshness import FreshnessBar
from biosphere_tui.widgets.vm_table import VmTable

THEMES = ("nord", "textual-light", "gruvbox")


def drawn_colour(widget: Widget, word: str) -> RichColor | None:
    """The colour ``word`` is drawn in on most rows of ``widget`` (the cursor's row has its own), as
    the terminal gets it: the rendered segments."""
    found = Counter(segment.style.color for strip in widget.render_lines(Region(0, 0, *widget.size))
                    for segment in strip if segment.text.strip() == word and segment.style is not None)
    return found.most_common(1)[0][0] if found else None


def theme_colour(app: BiosphereApp, variable: str) -> tuple[int, int, int]:
    """The theme's colour as Textual's CSS has it (``$success``: the theme's, rounded by its colour system)."""
    return Color.parse(app.get_css_variables()[variable]).rgb


def rgb(colour: RichColor | None) -> tuple[int, int, int] | None:
    return None if colour is None else tuple(colour.get_truecolor())  # type: ignore[return-value]


async def test_states_take_the_colours_of_each_theme(synced: Config, make_app) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await settle(app, pilot)
        sites = app.screen.query_one(SiteTable)
        for theme in THEMES:
            app.theme = theme
            await settle(app, pilot)
            assert rgb(drawn_colour(sites, "up")) == theme_colour(app, "success"), theme
            assert rgb(drawn_colour(app.screen.query_one(FreshnessBar), "●")) == theme_colour(app, "success"), theme
        await pilot.press("3")  # myVM, shown after the change: its Ready VMs too
        await settle(app, pilot)
        vms = app.screen.query_one(VmTable)
        assert rgb(drawn_colour(vms, "Ready")) == theme_colour(app, "success")
        app.theme = "nord"
        await settle(app, pilot)
        assert rgb(drawn_colour(vms, "Ready")) == theme_colour(app, "success") == Color.parse("#A3BE8C").rgb



async def test_the_favourites_filter_is_said_in_the_theme_s_warning_colour(synced: Config, make_app) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(app, pilot)
        app.theme = "nord"
        await pilot.press("2", "f", "F")  # star the first appliance, show the starred only
        await settle(app, pilot)
        filters = app.screen.query_one("#filters")
        assert rgb(drawn_colour(filters, "★ favourites only")) == theme_colour(app, "warning")
