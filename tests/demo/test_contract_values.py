"""The fake portal and the client keep their own copies of the contract's vocabulary: every
value the demo sends must be one the client's parser accepts, under the same name, and the
demo must be able to send every value the client knows (or the client's handling of it is
never exercised)."""

from __future__ import annotations

import pytest

from biosphere_tui.api import fields
from biosphere_tui.demo import contract
from biosphere_tui.models import membership, states
from biosphere_tui.rules.group_draft import FUNDINGS

PAIRS = [
    (contract.Role, states.Role),
    (contract.GroupKind, states.GroupKind),
    (contract.RequestState, states.RequestState),
    (contract.Availability, states.SiteState),
    (contract.DeploymentState, states.DeploymentState),
]


@pytest.mark.parametrize(("sent", "parsed"), PAIRS, ids=lambda enum: enum.__name__)
def test_each_value_the_demo_sends_parses_into_the_same_client_member(sent: type, parsed: type) -> None:
    for member in sent:
        got = fields.choice({"state": member.value}, "state", "reply", parsed)
        assert got is parsed[member.name], member


@pytest.mark.parametrize(("sent", "parsed"), PAIRS, ids=lambda enum: enum.__name__)
def test_the_demo_can_send_every_value_the_client_knows(sent: type, parsed: type) -> None:
    assert {m.value for m in parsed} == {m.value for m in sent}


def test_a_value_outside_the_contract_is_refused_by_the_client() -> None:
    """The check above means something: the parser refuses what the client does not know."""
    with pytest.raises(fields.ShapeError):
        fields.choice({"state": "Ready "}, "state", "reply", states.DeploymentState)


def test_the_final_states_agree() -> None:
    finals = {s.value for s in contract.DeploymentState if s.is_final}
    assert finals == {s.value for s in states.DeploymentState if s.is_final}


def test_the_group_request_limits_and_fundings_agree() -> None:
    assert contract.GROUP_REQUEST_MAXIMUM == membership.GROUP_REQUEST_MAXIMUM
    assert contract.FUNDINGS == tuple(value for value, _ in FUNDINGS)
