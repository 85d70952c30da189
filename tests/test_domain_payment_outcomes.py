"""Outcomes are an enum whose words are the ones the webhook always answered with."""

from __future__ import annotations

import pytest

from domain.payment_fit import Refusal
from domain.payment_outcomes import LINK_STATUS, REFUND_ALREADY, REFUNDED, Outcome
from domain.refund_status import ALLOWED, RefundStatus, sources_of


@pytest.mark.parametrize("outcome", list(Outcome))
def test_reconciliation_counts_what_it_counted_when_outcomes_were_strings(outcome: Outcome) -> None:
    # jobs.lifecycle used to count ``outcome.startswith("confirmed") or outcome == "expired"``
    assert outcome.confirmed_or_expired == (outcome.startswith("confirmed") or outcome == "expired")


@pytest.mark.parametrize("refusal", list(Refusal))
def test_a_refused_payment_is_answered_as_before(refusal: Refusal) -> None:
    assert REFUNDED[refusal] == f"refunded: {refusal.value.replace('_', ' ')}"


@pytest.mark.parametrize("reported", [RefundStatus.PROCESSED, RefundStatus.FAILED])
def test_every_state_a_refund_webhook_can_find_unchanged_has_an_answer(reported: RefundStatus) -> None:
    """Razorpay's word changes nothing when the refund cannot move to ``reported``; it
    is then in one of these states, or one they lead to, and each has its outcome."""
    stuck = {state for state in ALLOWED if state is not None and state not in sources_of(reported)}
    reachable = set(stuck)
    for state in stuck:
        reachable |= ALLOWED[state]
    assert reachable <= set(REFUND_ALREADY)
    for state in reachable:
        assert REFUND_ALREADY[state] == f"refund already {state.value}"


@pytest.mark.parametrize("status", ["created", "partially_paid", "paid"])
def test_an_open_link_is_answered_as_before(status: str) -> None:
    assert LINK_STATUS[status] == f"link {status}"
