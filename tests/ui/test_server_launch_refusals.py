"""A Nova launch the site refuses (OpenStack-only mode): the form says why and that nothing was launched,
keeps what the user typed, and the log line agrees with the journal entry."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from pilot_support import settle
from screen_text import text_of
from sync_helpers_os import os_only_config

from biosphere_tui.local import journal

pytestmark = [pytest.mark.filterwarnings("ignore::openstack.warnings.OpenStackDeprecationWarning"),
              pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")]

SITE = "ifb-bird-stack"


def _http500(demo) -> dict[str, str]:  # noqa: ANN001
    demo.set_fault(SITE, "http500")
    return {}


def _unknown_key(demo) -> dict[str, str]:  # noqa: ANN001
    return {"#key": "nobody-s-key"}


def _two_networks(demo) -> dict[str, str]:  # noqa: ANN001
    demo.sites[SITE].state.add_network("second-net")
    return {}


REFUSALS: dict[str, tuple[Callable[..., dict[str, str]], str]] = {
    "http500": (_http500, "the site failed (HTTP 500)"),
    "invalid key pair (400)": (_unknown_key, "Invalid key_name provided."),
    "several networks (409)": (_two_networks, "Multiple possible networks found, use a Network ID to be more specific."),
}


@pytest.fixture
def os_synced(demo, tmp_path: Path):  # noqa: ANN001, ANN201
    return os_only_config(demo, tmp_path)


@pytest.mark.parametrize("case", list(REFUSALS))
async def test_a_refused_launch_says_why_keeps_the_form_and_logs_what_the_journal_says(
        demo, os_synced, make_app, caplog: pytest.LogCaptureFixture, case: str) -> None:  # noqa: ANN001
    make_refusal, reason = REFUSALS[case]
    site = demo.sites[SITE].state
    before = set(site.servers)
    app = make_app(os_synced)
    caplog.set_level(logging.INFO, logger="biosphere_tui")
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await settle(app, pilot)
        image = next(iter(site.images.values()))
        images = app.screen.query_one("#images")
        images.move_cursor(row=images.get_row_index(image.name))
        await pilot.press("l")
        await settle(app, pilot)
        form = app.screen
        form.query_one("#site").value = SITE
        await settle(app, pilot)
        flavor = min(site.flavors.values(), key=lambda f: (f.vcpus, f.ram_mb)).id
        form.query_one("#flavor").value = flavor
        typed = {"#name": "refused-vm"} | make_refusal(demo)
        for selector, value in typed.items():
            form.query_one(selector).value = value
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot, lambda: not form.in_flight)

        assert app.screen is form and form.launched is None and form.query_one("#form").display
        verdict = text_of(form.query_one("#verdict"))
        assert f"✗ Not launched: {SITE} refused it: " in verdict and reason in verdict, verdict
        assert "Nothing was created; ctrl+s tries again." in verdict
        assert "Ready to launch." not in verdict
        assert {s: form.query_one(s).value for s in typed} == typed and form.query_one("#flavor").value == flavor
        assert not form.query_one("#launch").disabled
        assert set(site.servers) == before  # nothing was launched

    title = f"Launching refused-vm on {SITE}"
    entries, _ = app.journal.entries()
    entry = next(e for _, e in entries if e.action == title)
    assert entry.result == journal.FAILED and reason in entry.message
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith(title)]
    assert lines and all(": failed: " in line and reason in line for line in lines), lines
