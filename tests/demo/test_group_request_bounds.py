"""The bounds of a new project group's resources: one set, in the contract, the demo portal and the app."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml

from biosphere_tui.models.membership import GROUP_REQUEST_MAXIMUM
from biosphere_tui.rules.group_draft import GroupDraft, check

SPEC = Path(__file__).resolve().parents[2] / "docs" / "portal-api.yaml"
BODY = {"short_name": "bounds-check", "full_name": "Bounds", "start_date": "2027-01-01", "end_date": "2027-12-31",
        "summary": "Checks the bounds.", "vcpu": 64, "ram_gb": 512, "storage_gb": 2000, "funding": "platform"}


def test_the_contract_states_the_bounds_the_app_uses() -> None:
    fields = yaml.safe_load(SPEC.read_text(encoding="utf-8"))["components"]["schemas"]["GroupCreate"]["properties"]
    assert {name: (fields[name]["minimum"], fields[name]["maximum"]) for name in GROUP_REQUEST_MAXIMUM} == {
        name: (1, most) for name, most in GROUP_REQUEST_MAXIMUM.items()}


@pytest.mark.parametrize("field", sorted(GROUP_REQUEST_MAXIMUM))
def test_the_portal_and_the_form_refuse_one_above_the_bound(demo, field: str) -> None:  # noqa: ANN001
    most = GROUP_REQUEST_MAXIMUM[field]
    url = f"{demo.portal_url}/cloudweb_account/groups"
    headers = {"Authorization": f"Bearer {demo.token}"}
    refused = httpx.post(url, json={**BODY, field: most + 1}, headers=headers)
    assert refused.status_code == 422 and refused.json()["error"]["field"] == field
    assert demo.world.group_requests == {}
    assert field in check(GroupDraft(**{**{k: str(v) for k, v in BODY.items()}, field: str(most + 1)}))
    assert check(GroupDraft(**{**{k: str(v) for k, v in BODY.items()}, field: str(most)})) == {}
    assert httpx.post(url, json={**BODY, field: most}, headers=headers).status_code == 202
