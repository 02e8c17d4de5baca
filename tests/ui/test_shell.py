"""Moving around: number keys, ``:`` jump, ``?`` help, Esc back, the command palette."""

from __future__ import annotations

from conftest import settle


async def test_jump_help_and_back(synced, make_app) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert app.current_mode == "home"
        await pilot.press("question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        assert type(app.screen).__name__ == "HomeScreen"
        await pilot.press("colon")
        await pilot.press(*"home")
        await pilot.press("enter")
        assert app.current_mode == "home"
