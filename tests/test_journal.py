"""The action journal file, how a result becomes an entry, and the API requests an action notes."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from biosphere_tui import errors
from biosphere_tui.actions import NO_RIGHT, Actions, Outcome
from biosphere_tui.config import Config
from biosphere_tui.demo import contract as wire
from biosphere_tui.i18n import set_language
from biosphere_tui.local.journal import FAILED, OK, PARTLY, Entry, ItemResult, Journal, entry
from biosphere_tui.rules import titles

AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
GROUP = "marine-meta"


def test_entries_come_back_newest_first_and_the_file_is_private(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "data" / "journal.jsonl")
    first = Entry(AT, "demo", "Deleting 1 VM", OK, "", ("DELETE /monitor/deployments/d-1",),
                  (ItemResult("d-1", True, "done"),))
    second = Entry(AT, "demo", "Asking to join bird-lab", FAILED, "cannot connect", ())
    journal.append(first)
    journal.append(second)
    assert journal.entries() == ([("2", second), ("1", first)], 0)
    assert journal.path.stat().st_mode & 0o777 == 0o600


def test_a_missing_journal_is_empty_and_damaged_lines_are_counted(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    assert journal.entries() == ([], 0)
    journal.path.write_text("{broken\n")
    journal.append(Entry(AT, "demo", "x", OK, "", ()))
    found, unreadable = journal.entries()
    assert [key for key, _ in found] == ["2"] and unreadable == 1


def test_a_title_is_kept_in_no_language_and_shown_in_the_reader_s(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    try:
        set_language("fr")  # written while the app spoke French
        journal.append(entry(AT, "demo", titles.deleting_vms(2), [], result=[Outcome("a", True, "done")]))
        journal.path.open("a").write(Entry(AT, "demo", "Suppression de 1 VM", OK, "", ()).to_json() + "\n")
        set_language("en")
        (_, old_style), (_, neutral) = journal.entries()[0]  # newest first
        assert neutral.action == "Deleting 2 VMs" and neutral.shown == "Deleting 2 VMs"
        assert old_style.shown == "Suppression de 1 VM"  # an entry of an older version: as it was written
        set_language("fr")
        assert journal.entries()[0][1][1].shown == "Suppression de 2 VM"
    finally:
        set_language("en")


@pytest.mark.parametrize("title", [
    {"text": "{x.__class__}", "values": {"x": "a"}},  # reaches into an object: refused
    {"text": "Deleting {vms}", "values": {}},  # a placeholder without its value
    {"text": "Deleting {vms}", "values": {"vms": {"n": "many"}}},
    "Deleting 1 VM",
])
def test_a_damaged_title_falls_back_to_the_action_as_written(tmp_path: Path, title: object) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    line = json.loads(Entry(AT, "demo", "Deleting 1 VM", OK, "", ()).to_json())
    journal.path.write_text(json.dumps({**line, "title": title}) + "\n")
    [(_, read)] = journal.entries()[0]
    assert read.title is None and read.shown == "Deleting 1 VM"


def test_results_become_verdicts() -> None:
    both = [Outcome("a", True, "done"), Outcome("b", False, "gone")]
    assert entry(AT, "u", "t", [], result=both).result == PARTLY
    assert entry(AT, "u", "t", [], result=both).message == "1 of 2 done"
    assert entry(AT, "u", "t", [], result=both[:1]).result == OK
    assert entry(AT, "u", "t", [], result=both[1:]).result == FAILED
    refused = entry(AT, "u", "t", [], result=errors.Invalid("portal", "over quota"))
    assert (refused.result, refused.message) == (FAILED, "over quota")
    assert entry(AT, "u", "t", [], error="timeout").result == FAILED
    assert entry(AT, "u", "t", [], result="grq-7").message == "the portal answered with id grq-7"


def pending(demo) -> list[str]:  # noqa: ANN001
    found = [r for r in demo.world.requests.values() if r.group_id == GROUP and r.state is wire.RequestState.PENDING]
    return [r.id for r in sorted(found, key=lambda r: (r.created, r.id))]


def test_an_action_notes_its_write_requests_without_the_token(demo_config: Config, demo) -> None:  # noqa: ANN001
    first, second = pending(demo)[:2]
    actions = Actions(demo_config)
    outcomes = asyncio.run(actions.reject(GROUP, [first], "Wrong team"))
    assert outcomes[0].ok
    assert actions.sent == [f'POST /cloudweb_account/groups/{GROUP}/requests/{first}/reject {{"reason":"Wrong team"}}']
    reads = Actions(demo_config)
    asyncio.run(reads.deployment(next(iter(demo.world.deployments))))
    assert reads.sent == []  # reads are not actions
    assert demo.token not in repr(actions.sent)
    assert demo.world.requests[second].state is wire.RequestState.PENDING


def test_a_refusal_for_lack_of_rights_is_said_plainly(demo_config: Config, demo) -> None:  # noqa: ANN001
    first = pending(demo)[0]
    demo.set_fault("portal", "forbidden")
    outcomes = asyncio.run(Actions(demo_config).approve(GROUP, [first]))
    assert not outcomes[0].ok and outcomes[0].message.startswith(NO_RIGHT)
    assert "Forbidden" in outcomes[0].message  # and the portal's own words
    with pytest.raises(errors.Forbidden, match=f"^portal: {NO_RIGHT}"):
        asyncio.run(Actions(demo_config).join("bird-lab", "hello"))
    demo.set_fault("portal", "none")
    assert demo.world.requests[first].state is wire.RequestState.PENDING
