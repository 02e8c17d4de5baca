"""The stylesheet is parsed again when the theme or the sources change, and only then: Textual
re-parsed all of it twice at each screen's first visit, with nothing changed."""

from __future__ import annotations

from pilot_support import settle
from textual.color import Color

from biosphere_tui.config import Config
from biosphere_tui.widgets.stylesheet import StylesheetParsedOnChange


def _colour(sheet: StylesheetParsedOnChange, selector: str) -> Color:
    return next(rule.styles.color for rule in sheet.rules if rule.selectors == selector)


def test_rules_are_kept_until_the_variables_or_the_sources_change() -> None:
    sheet = StylesheetParsedOnChange(variables={"accent": "red"})
    sheet.add_source("Label { color: $accent; }", read_from=("test", "Label"))
    sheet.parse()
    parsed = sheet.rules
    sheet.set_variables({"accent": "red"})
    sheet.reparse()
    assert sheet.rules is parsed
    sheet.set_variables({"accent": "blue"})
    sheet.reparse()
    assert sheet.rules is not parsed and _colour(sheet, "Label") == Color.parse("blue")
    sheet.add_source("Static { color: $accent; }", read_from=("test", "Static"))
    sheet.reparse()
    assert (_colour(sheet, "Label"), _colour(sheet, "Static")) == (Color.parse("blue"), Color.parse("blue"))


async def test_a_theme_chosen_before_a_screen_is_first_shown_styles_it(synced: Config, make_app) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        for theme, key in (("nord", "6"), ("textual-light", "7"), ("gruvbox", "6")):
            app.theme = theme
            await settle(app, pilot)
            await pilot.press(key)
            await settle(app, pilot)
            background = Color.parse(app.get_css_variables()["background"])
            assert app.screen.styles.background == background, (theme, type(app.screen).__name__)
            assert app.screen.styles.background != Color.parse("#000000")
