"""The stylesheet is parsed again when the theme or the sources change, and only then: Textual
re-parsed all of it twice at each screen's first visit, with nothing changed. A screen's own rules
(its ``.tcss``) are read when it is first shown, and parsed alone then: the first frame waits for
Home's rules only."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from pilot_support import settle
from textual.color import Color
from textual.css import stylesheet as stylesheet_module
from textual.css.stylesheet import Stylesheet
from textual.screen import Screen

import biosphere_tui
from biosphere_tui.config import Config
from biosphere_tui.screens.registry import SCREENS
from biosphere_tui.widgets.stylesheet import StylesheetParsedOnChange

SCREEN_CSS = {str(p) for p in (Path(biosphere_tui.__file__).parent / "screens").glob("*.tcss")}


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


def test_sources_added_with_the_same_variables_are_parsed_alone() -> None:
    sheet = StylesheetParsedOnChange(variables={"accent": "red"})
    sheet.add_source("Label { color: $accent; }", read_from=("test", "Label"))
    sheet.parse()
    label = next(rule for rule in sheet.rules if rule.selectors == "Label")
    sheet.add_source("Static { color: $accent; }", read_from=("test", "Static"))
    sheet.reparse()
    assert next(rule for rule in sheet.rules if rule.selectors == "Label") is label  # not parsed again
    assert _colour(sheet, "Static") == Color.parse("red")
    sheet.set_variables({"accent": "blue"})
    sheet.reparse()
    assert (_colour(sheet, "Label"), _colour(sheet, "Static")) == (Color.parse("blue"), Color.parse("blue"))


async def test_a_screens_rules_are_read_when_it_is_first_shown(synced: Config, make_app) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        read = {path for path, _ in app.stylesheet.source}
        assert not read & SCREEN_CSS  # Home has none of its own: the first frame waits for no other screen's
        for nav in SCREENS[1:]:
            await pilot.press(nav.key)
            await settle(app, pilot, lambda mode=nav.mode: app.current_mode == mode)
            wanted = {str(path) for path in app.screen.css_path}
            assert wanted <= SCREEN_CSS, nav.mode
            assert wanted <= {path for path, _ in app.stylesheet.source}, nav.mode
            alone = Stylesheet(variables=app.get_css_variables())
            alone.read_all(sorted(wanted))
            assert {r.selectors for r in alone.rules} <= {r.selectors for r in app.stylesheet.rules}, nav.mode


async def test_a_first_visit_parses_the_screens_own_rules_once_and_restyles_as_any_other(
        synced: Config, make_app, monkeypatch) -> None:  # noqa: ANN001
    """Read by Textual once the screen is styled, a screen's rules made it parse the stylesheet and
    restyle every screen once more; read as the screen is made, they style it as it mounts."""
    parsed: list[str] = []
    restyled: list[object] = []
    parse = stylesheet_module.parse

    def counted_parse(scope: str, css: str, read_from: tuple[str, str], **options: object):  # noqa: ANN202
        parsed.append(read_from[0])
        return parse(scope, css, read_from, **options)

    monkeypatch.setattr(stylesheet_module, "parse", counted_parse)
    app = make_app(synced)
    update = app.stylesheet.update
    monkeypatch.setattr(app.stylesheet, "update", lambda root, animate=False: (restyled.append(root), update(root, animate)))
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        for nav in SCREENS[1:]:
            parsed.clear()
            restyled.clear()
            await pilot.press(nav.key)
            await settle(app, pilot, lambda mode=nav.mode: app.current_mode == mode)
            own = {str(path) for path in app.screen.css_path}
            assert sorted(path for path in parsed if path in SCREEN_CSS) == sorted(own), nav.mode  # each once
            assert not any(path.endswith("app.tcss") for path in parsed), nav.mode  # nothing parsed again
            assert restyled.count(app) <= 2, (nav.mode, len(restyled))  # App._init_mode's and switch_mode's


def test_every_screens_rules_are_some_screens_own() -> None:
    """A ``.tcss`` of screens/ that no screen names as its CSS_PATH would never be read."""
    claimed = set()
    for module in Path(biosphere_tui.__file__).parent.joinpath("screens").glob("*.py"):
        for found in vars(import_module(f"biosphere_tui.screens.{module.stem}")).values():
            if isinstance(found, type) and issubclass(found, Screen) and found.CSS_PATH:
                paths = found.CSS_PATH if isinstance(found.CSS_PATH, list) else [found.CSS_PATH]
                claimed |= {str(path) for path in paths}
    assert claimed == SCREEN_CSS


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
