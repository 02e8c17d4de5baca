"""Moving around: number keys, ``:`` jump, ``?`` help, Esc back, the command palette."""

from __future__ import annotations

from pilot_support import settle


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


async def test_header_names_the_group_and_its_pending_requests(synced, make_app, demo) -> None:  # noqa: ANN001
    pending = sum(1 for r in demo.world.requests.values() if r.group_id == "marine-meta" and r.state.value == "pending")
    app = make_app(synced)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert app.sub_title == f"marine-meta (admin) · {pending} pending requests"
        app.choose_group("ebame-2026")
        await pilot.pause()
        assert app.sub_title == "ebame-2026 (member)"


async def test_palette_lists_every_screen(synced, make_app) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for name in ("Home", "Catalogue", "myVM", "Members", "Sites", "Consumption", "Groups"):
            assert f"Go to {name}" in titles
        assert "Refresh now" in titles


async def test_partial_refreshes_do_not_postpone_the_full_one(synced, demo) -> None:  # noqa: ANN001
    """A launch polls two sources every few seconds; every source must still refresh on its interval
    (on a hand-driven clock: the schedule's time moves only when the test says)."""
    from dataclasses import replace

    from manual_timers import ManualTimers
    from pilot_support import settle, wait_refreshes

    from biosphere_tui.app import BiosphereApp
    from biosphere_tui.cache import reader

    timers = ManualTimers()
    app = BiosphereApp(replace(synced, refresh_interval=30.0), now=demo.clock.now, timers=timers)
    members: set[object] = set()  # when portal.members was asked: only a full refresh asks it
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_refreshes(app, pilot, 1)
        for _ in range(20):  # a partial refresh every 4 s for longer than two intervals
            demo.clock.advance(4)
            timers.advance(4)
            app.request_refresh({"portal.deployments"})
            await settle(app, pilot)
            members |= {r.last_attempt for r in reader.freshness(app.cache) if r.source == "portal.members"}
    assert len(members) >= 3, members  # at the start, then after 30 s and 60 s at least


async def test_help_lists_each_action_once_and_only_keys_a_terminal_can_send(synced, make_app) -> None:  # noqa: ANN001
    from screen_text import text_of

    app = make_app(synced)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("3", "slash")  # the filter Input focused: Textual's own copy key is active
        await pilot.press("escape")
        await pilot.press("question_mark")
        keys = text_of(app.screen.query_one("#keys"))
        assert "super" not in keys
        quit_rows = [line for line in keys.splitlines() if line.rstrip().endswith("Quit")]
        assert len(quit_rows) == 1 and quit_rows[0].split()[:2] == ["q", "^q"]


async def test_a_theme_chosen_in_the_palette_is_kept_for_next_time(synced, make_app) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        assert app.theme != "nord"
        await pilot.press("ctrl+p")
        await pilot.press(*"theme")
        await pilot.press("enter")  # "Change theme" opens the list of themes
        await pilot.pause()
        await pilot.press(*"nord")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.theme == "nord"
    again = make_app(synced)
    async with again.run_test(size=(120, 36)) as pilot:
        await settle(again, pilot)
        assert again.theme == "nord"
