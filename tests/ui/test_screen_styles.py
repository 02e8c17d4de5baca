"""A screen looks the same whichever screens were shown before it: each screen's rules are its own.

Each screen once read its own ``.tcss`` at its first visit, and its rules named bare ids
(``#filters``, ``#about``, ``#buttons``…) that other screens use too: after the catalogue, the
images list's filter line took the catalogue's background; after the launch form, the class
launch form took its buttons' margins. Every rule of a screen's file is now scoped by its
screen's type (the file is still read at the screen's first visit: its ``CSS_PATH``).
"""

from __future__ import annotations

from pilot_support import settle

from biosphere_tui.config import Config


async def _form_look(synced: Config, make_app, before: list[str], key: str) -> str:  # noqa: ANN001
    """The picture of the form the catalogue opens with ``key``, after opening and leaving the forms
    ``before`` opens."""
    app = make_app(synced)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("2")
        await settle(app, pilot)
        catalogue = app.screen
        for other in before:
            await pilot.press(other)
            await settle(app, pilot, lambda: app.screen is not catalogue)
            await pilot.press("escape")
            await settle(app, pilot, lambda: app.screen is catalogue)
        await pilot.press(key)
        await settle(app, pilot, lambda: app.current_mode == "catalogue" and len(app.screen_stack) > 1)
        return app.export_screenshot()


async def test_the_launch_forms_look_the_same_whichever_was_opened_first(synced: Config, make_app) -> None:  # noqa: ANN001
    assert await _form_look(synced, make_app, ["enter"], "C") == await _form_look(synced, make_app, [], "C")
    assert await _form_look(synced, make_app, ["C"], "enter") == await _form_look(synced, make_app, [], "enter")
