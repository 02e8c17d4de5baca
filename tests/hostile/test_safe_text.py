"""The sanitising boundary: what ``clean`` does, that the parsers and errors use it, and that a
cache written before it is cleaned when opened."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given

from biosphere_tui import errors
from biosphere_tui.api import openstack_parse, portal_parse
from biosphere_tui.cache import reader
from biosphere_tui.cache.db import open_cache
from biosphere_tui.cache.schema import migrations
from biosphere_tui.safe_text import NAME_LIMIT, TEXT_LIMIT, clean
from hostile.payloads import PAYLOADS, RAW_CONTROL, hostile_text


def test_controls_become_visible_pictures_and_bidi_a_replacement() -> None:
    assert clean(PAYLOADS["osc52_clipboard"]) == "qc␛]52;c;aWQK␇␛]0;owned␇"
    assert clean("a\u202eb\x9bc\ud800d\x7f") == "a�b�c�d␡"
    assert clean("l1\r\nl2\tx") == "l1␍␊l2␉x"
    assert clean("l1\r\nl2\tx", multiline=True, limit=TEXT_LIMIT) == "l1\nl2␉x"
    assert clean("[/] Pw[i]9x[red]Q 🧬") == "[/] Pw[i]9x[red]Q 🧬"  # markup and emoji are not controls


@given(hostile_text())
def test_clean_output_is_inert_bounded_and_stable(value: str) -> None:
    once = clean(value)
    assert not RAW_CONTROL.search(once) and "\n" not in once and "\t" not in once
    assert len(once) <= NAME_LIMIT and clean(once) == once
    once.encode("utf-8")  # no lone surrogate left to crash a print


def test_parsers_clean_every_text_they_read() -> None:
    raw = PAYLOADS["osc52_clipboard"]
    server = openstack_parse.server({
        "id": "s1", "name": raw, "status": "ACTIVE", "created": "2026-01-01T00:00:00Z", "updated": "2026-01-01T00:00:00Z",
        "flavor": {"original_name": raw, "vcpus": 1, "ram": 1024, "disk": 10}, "metadata": {raw: raw},
        "addresses": {"n": [{"addr": raw, "version": 4}]}, "fault": {"message": raw},
    }, "site")
    assert {server.name, server.flavor, server.ip, server.fault, *server.metadata, *server.metadata.values()} == {clean(raw)}
    request = portal_parse.membership_request({
        "id": "r", "group_id": "g", "username": "u", "name": raw, "email": "e", "message": "hi\r\nthere\x1b[2J",
        "created": "2026-01-01T00:00:00Z", "state": "pending"})
    assert request.name == clean(raw) and request.message == "hi\nthere␛[2J"


def test_every_domain_error_message_is_clean() -> None:
    error = errors.Forbidden("portal", f"maintenance{PAYLOADS['fake_ok_line']}")
    assert not RAW_CONTROL.search(str(error)) and error.message == clean(f"maintenance{PAYLOADS['fake_ok_line']}")


def test_a_cache_written_before_is_cleaned_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    from sqlite_utils import Database

    old = Database(path)
    migrations.apply(old, stop_before="m011_safe_text")
    raw = PAYLOADS["osc52_clipboard"]
    old.execute("INSERT INTO groups (id, name, full_name, kind, role, quota_vcpu, quota_ram_gb, quota_storage_gb, "
                "start_date, end_date, funding) VALUES ('g', ?, ?, 'project', 'admin', 1, 2, 3, '2026-01-01', "
                "'2026-12-31', '')", [raw, raw])
    old.execute("INSERT INTO requests (id, group_id, username, name, email, message, created, state) "
                "VALUES ('r', 'g', 'u', ?, 'e', ?, '2026-01-01T00:00:00+00:00', 'pending')", [raw, "a\nb\x1b"])
    old.execute("INSERT INTO deployments (id, name, access, parameters) VALUES ('d', 'vm', ?, ?)",
                ['[{"kind":"ssh","url":"ssh://u\\u001b@h"}]', '[{"name":"password","value":"x\\u009by","secret":true}]'])
    old.conn.commit()
    old.close()
    db = open_cache(path).db
    (group,) = reader.groups(db)
    assert group.name == group.full_name == clean(raw)
    assert db.execute("SELECT name, message FROM requests").fetchone() == (clean(raw), "a\nb␛")
    access, params = db.execute("SELECT access, parameters FROM deployments").fetchone()
    assert json.loads(access)[0]["url"] == "ssh://u␛@h" and json.loads(params)[0]["value"] == "x�y"


def test_json_output_escapes_what_a_terminal_would_obey() -> None:
    from biosphere_tui.scripting.output import json_text

    assert json_text({"a": "x\x9b\u202eé"}) == '{\n  "a": "x\\u009b\\u202eé"\n}'
