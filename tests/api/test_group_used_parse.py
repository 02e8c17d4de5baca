"""The group's optional ``used`` figure (the whole group's quota use): present, absent, malformed."""

from __future__ import annotations

from typing import Any

import pytest

from biosphere_tui.api import portal_parse
from biosphere_tui.api.fields import ShapeError
from biosphere_tui.models.groups import Quota


def _group(**extra: Any) -> dict[str, Any]:
    return {"id": "ebame-2026", "name": "ebame-2026", "full_name": "EBAME 2026", "kind": "training",
            "role": "member", "quota": {"vcpu": 400, "ram_gb": 1600, "storage_gb": 8000},
            "start_date": "2026-01-01", "end_date": "2026-12-31", "funding": "training", **extra}


def test_the_group_wide_use_is_read_when_sent() -> None:
    got = portal_parse.group(_group(used={"vcpu": 120, "ram_gb": 480, "storage_gb": 0}))
    assert got.used == Quota(120, 480, 0) and got.quota == Quota(400, 1600, 8000)


@pytest.mark.parametrize("raw", [{}, {"used": None}])
def test_an_older_portal_without_it_leaves_it_unknown(raw: dict[str, Any]) -> None:
    assert portal_parse.group(_group(**raw)).used is None


@pytest.mark.parametrize(("used", "message"), [
    ("120", "group.used should be an object, got str"),
    ({"vcpu": 1, "ram_gb": 2}, "group.used.storage_gb is missing"),
    ({"vcpu": 1.5, "ram_gb": 2, "storage_gb": 3}, "group.used.vcpu should be a whole number"),
])
def test_a_malformed_figure_is_a_shape_error_naming_the_field(used: Any, message: str) -> None:
    with pytest.raises(ShapeError, match=message):
        portal_parse.group(_group(used=used))
