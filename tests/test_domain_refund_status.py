"""The refund's life as a table, and the payment rules that decide a refund in full."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from domain.payment_fit import Refusal, refusal_before_settling
from domain.refund_status import ALLOWED, RefundStatus, can_become, sources_of

R = RefundStatus
LEGAL = {
    (None, R.DUE),  # a cancellation or a refused payment owes a refund
    (None, R.PROCESSED),  # refunded outside the bot, reported by webhook
    (None, R.FAILED),
    (R.DUE, R.REQUESTING),
    (R.DUE, R.NOT_NEEDED),
    (R.DUE, R.PROCESSED),  # our request timed out, yet Razorpay refunded and said so
    (R.DUE, R.FAILED),
    (R.REQUESTING, R.REQUESTING),  # the asking process died; another takes over
    (R.REQUESTING, R.DUE),
    (R.REQUESTING, R.PENDING),
    (R.REQUESTING, R.PROCESSED),  # the gateway's answer, or a webhook that beat it
    (R.REQUESTING, R.FAILED),
    (R.PENDING, R.PROCESSED),
    (R.PENDING, R.FAILED),
    (R.FAILED, R.PROCESSED),  # refunded again from the dashboard
}
STATES: list[RefundStatus | None] = [None, *R]


def test_the_table_is_exactly_the_documented_life() -> None:
    assert {(c, t) for c, targets in ALLOWED.items() for t in targets} == LEGAL


@pytest.mark.parametrize(("current", "target"), list(product(STATES, R)), ids=str)
def test_a_refund_moves_only_along_its_life(current: RefundStatus | None, target: RefundStatus) -> None:
    assert can_become(current, target) is ((current, target) in LEGAL)


def test_processed_money_never_becomes_a_failure_again() -> None:
    assert ALLOWED[R.PROCESSED] == frozenset()
    assert R.PROCESSED not in sources_of(R.FAILED)


def test_a_webhook_may_record_processed_before_our_own_record() -> None:
    assert set(sources_of(R.PROCESSED)) == {None, R.DUE, R.REQUESTING, R.PENDING, R.FAILED}


ENDS = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("paid", "currency", "same_link", "now", "refusal"),
    [
        (60000, "INR", True, ENDS - timedelta(hours=5), None),
        (60000, "INR", True, ENDS - timedelta(minutes=1), None),  # the session has not ended yet
        (60000, "INR", True, ENDS, Refusal.SESSION_OVER),
        (60000, "INR", True, ENDS + timedelta(hours=3), Refusal.SESSION_OVER),
        (100, "INR", True, ENDS - timedelta(hours=5), Refusal.WRONG_AMOUNT),
        (60001, "INR", True, ENDS - timedelta(hours=5), Refusal.WRONG_AMOUNT),
        (60000, "USD", True, ENDS - timedelta(hours=5), Refusal.WRONG_AMOUNT),
        (60000, "INR", False, ENDS - timedelta(hours=5), Refusal.WRONG_AMOUNT),
        (100, "INR", True, ENDS + timedelta(hours=3), Refusal.WRONG_AMOUNT),
    ],
)
def test_what_refuses_a_payment(
    paid: int, currency: str, same_link: bool, now: datetime, refusal: Refusal | None
) -> None:
    assert (
        refusal_before_settling(
            price_paise=60000,
            paid_paise=paid,
            currency=currency,
            same_link=same_link,
            session_ends_at=ENDS,
            now=now,
        )
        is refusal
    )
