"""Forms validate like the server: each field's problem under it, cleared once fixed, the contract's
bounds; the toast names the fields; a key typed in a form never switches screens or quits.
Fields are filled at once except where the keys are what is tested (the lines marked "typed")."""

from __future__ import annotations

from pilot_support import set_filter, settle
from screen_text import text_of
from test_groups import fill_on, open_groups
from textual.widgets import Button, Input, Label

from biosphere_tui.models.membership import GROUP_REQUEST_MAXIMUM
from biosphere_tui.screens.group_request import GroupRequestScreen
from biosphere_tui.screens.launch import LaunchScreen
from biosphere_tui.widgets.fit_matrix import FitMatrix

REQUEST_GROUP = "POST /api/v1/cloudweb_account/groups"


def problem(form: GroupRequestScreen, field: str) -> Label:
    return form.query_one(f"#{field}-problem", Label)


def shown(label: Label) -> str:
    return " ".join(text_of(label).split()) if label.display else ""


async def test_group_request_errors_stand_under_their_fields_and_clear_when_fixed(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(80, 24), notifications=True, message_hook=toasts) as pilot:
        await open_groups(app, pilot)
        before = demo.portal.service.hits[REQUEST_GROUP]
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, GroupRequestScreen)
        await fill_on(pilot, "plankton-rna", "Plankton transcriptomics survey", "2027-01-01", "2026-06-30")
        await pilot.press("tab")  # past the funding choice
        await fill_on(pilot, "RNA-Seq of 400 plankton samples")
        await pilot.press(*"64256", "tab")  # typed: digits in a field go into it, switching no screen
        await fill_on(pilot, "512", "2000")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and demo.portal.service.hits[REQUEST_GROUP] == before  # nothing sent

        vcpu, end = problem(form, "vcpu"), problem(form, "end_date")
        assert shown(vcpu) == "a whole number, at least 1 and at most 4,096"
        assert shown(end) == "the end must come after the start"
        others = [label for label in form.query(".problem").results(Label) if label not in (vcpu, end)]
        assert not any(label.display for label in others)
        for label, field in ((vcpu, "#vcpu"), (end, "#end_date")):  # each under its own field, whole
            above = form.query_one(field).region
            assert label.region.y >= above.bottom and above.x <= label.region.x < above.right
            assert label.region.right <= above.right + 1
        assert not vcpu.region.overlaps(end.region)
        assert toasts.messages[-1] == "2 fields need attention: end date, vCPU"

        form.query_one("#vcpu", Input).focus()
        await fill_on(pilot, "64")  # fixed: its error goes at once, the other stays
        assert not vcpu.display and shown(end) == "the end must come after the start"

        form.query_one("#send", Button).focus()
        await pilot.pause()
        await pilot.press("3", "q")  # a digit typed with a button focused: no screen switch, no quit
        await pilot.pause()
        assert app.screen is form and app.current_mode == "groups" and app.is_running

        form.query_one("#end_date", Input).focus()
        await fill_on(pilot, "2027-12-31")
        assert not end.display
        await pilot.press("ctrl+s")
        await settle(app, pilot, lambda: bool(demo.world.group_requests))
        assert demo.portal.service.hits[REQUEST_GROUP] == before + 1
        [recorded] = demo.world.group_requests.values()
        assert recorded["vcpu"] == 64 <= GROUP_REQUEST_MAXIMUM["vcpu"]


async def test_one_wrong_field_is_named_in_the_singular(synced, make_app, demo, toasts) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(80, 24), notifications=True, message_hook=toasts) as pilot:
        await open_groups(app, pilot)
        await pilot.press("n")
        await fill_on(pilot, "plankton-rna", "Plankton survey", "2027-01-01", "2027-12-31")
        await pilot.press("tab")
        await fill_on(pilot, "RNA-Seq", "64", "512", "0")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert toasts.messages[-1] == "1 field needs attention: storage"


async def test_digits_in_the_launch_form_do_not_switch_screens(synced, make_app, demo) -> None:  # noqa: ANN001
    app = make_app(synced)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await set_filter(pilot, "RStudio")
        await pilot.press("enter", "l")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, LaunchScreen) and form.query_one(FitMatrix).has_focus
        await pilot.press("3", "9", "q")
        await pilot.pause()
        assert app.screen is form and app.current_mode == "catalogue"
        name = form.query_one("#name", Input)
        await pilot.press("shift+tab", "shift+tab")  # from the matrix back to the name field
        assert name.has_focus
        await pilot.press("ctrl+a", "ctrl+k", *"ap2-q", "tab", "tab")  # typed: the form's keys (a, p, 2, q) go into it
        await pilot.pause()
        assert name.value == "ap2-q" and form.query_one(FitMatrix).has_focus
        assert app.screen is form and app.current_mode == "catalogue" and app.is_running
        await pilot.press("escape", "3")  # out of the form, the digits switch screens again
        await pilot.pause()
        assert app.current_mode == "myvm"
