"""The ledger's pure rules: a refund comes out of the newest payment first and never
asks back more of a payment than the booking's share of it; Razorpay's word on a refund
finds its entry, or says no one can tell."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from domain.ledger import (
    RefundMatch,
    RefundPart,
    allocate_refund,
    match_refund,
    next_refund_keys,
    paid_paise,
    refund_key,
    refundable_by_payment,
    returned_paise,
)
from domain.refund_status import RefundStatus

T0 = datetime(2026, 11, 25, 4, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Pay:
    payment_id: str
    share_paise: int
    paid_paise: int = 0
    currency: str = "INR"
    paid_at: datetime | None = T0


@dataclass(frozen=True)
class Back:
    payment_id: str | None
    amount_paise: int
    status: RefundStatus | None = RefundStatus.PROCESSED
    key: str = "k"
    refund_id: str | None = None


BOOKING = Pay("pay_booking", 60000, paid_at=T0)
DEARER_MOVE = Pay("pay_move", 20000, paid_at=T0 + timedelta(days=1))
EXTRA_HOUR = Pay("pay_hour", 30000, paid_at=T0 + timedelta(days=2))


def test_a_refund_comes_out_of_the_newest_payment_first() -> None:
    parts = allocate_refund(40000, [BOOKING, DEARER_MOVE, EXTRA_HOUR], [])
    assert parts == (RefundPart("pay_hour", 30000), RefundPart("pay_move", 10000))


def test_newest_is_by_when_paid_not_by_where_it_is_written() -> None:
    parts = allocate_refund(25000, [EXTRA_HOUR, BOOKING, DEARER_MOVE], [])
    assert parts == (RefundPart("pay_hour", 25000),)


def test_what_was_already_asked_back_from_a_payment_stays_out() -> None:
    earlier = [Back("pay_hour", 30000), Back("pay_move", 5000, RefundStatus.DUE)]
    parts = allocate_refund(40000, [BOOKING, DEARER_MOVE, EXTRA_HOUR], earlier)
    assert parts == (RefundPart("pay_move", 15000), RefundPart("pay_booking", 25000))


def test_a_failed_refund_still_holds_its_money_and_one_not_needed_does_not() -> None:
    failed = [Back("pay_booking", 60000, RefundStatus.FAILED)]
    assert allocate_refund(60000, [BOOKING], failed) == ()
    not_needed = [Back("pay_booking", 60000, RefundStatus.NOT_NEEDED)]
    assert allocate_refund(60000, [BOOKING], not_needed) == (RefundPart("pay_booking", 60000),)


def test_asked_for_more_than_is_left_it_gives_what_is_left() -> None:
    parts = allocate_refund(10**9, [BOOKING, DEARER_MOVE], [Back("pay_booking", 50000)])
    assert parts == (RefundPart("pay_move", 20000), RefundPart("pay_booking", 10000))
    assert allocate_refund(0, [BOOKING], []) == ()
    with pytest.raises(ValueError, match="negative"):
        allocate_refund(-1, [BOOKING], [])


def test_a_series_week_refunds_only_its_own_share_of_the_shared_payment() -> None:
    week = Pay("pay_series", 60000, paid_paise=240000)
    assert allocate_refund(60000, [week], []) == (RefundPart("pay_series", 60000),)
    assert allocate_refund(70000, [week], []) == (RefundPart("pay_series", 60000),)


def test_random_refund_splits_never_exceed_any_share() -> None:
    rng = random.Random(16)
    for _ in range(2000):
        payments = [
            Pay(f"pay_{n}", rng.randint(0, 90000), paid_at=T0 + timedelta(minutes=rng.randint(0, 5)))
            for n in range(rng.randint(1, 4))
        ]
        refunds: list[Back] = []
        for _ in range(rng.randint(1, 5)):
            parts = allocate_refund(rng.randint(0, 120000), payments, refunds)
            status = rng.choice(list(RefundStatus))
            refunds += [Back(p.payment_id, p.amount_paise, status) for p in parts]
        held = {p.payment_id: 0 for p in payments}
        for refund in refunds:
            if refund.status is not RefundStatus.NOT_NEEDED:
                held[refund.payment_id or ""] += refund.amount_paise
        assert all(held[p.payment_id] <= p.share_paise for p in payments)
        left = refundable_by_payment(payments, refunds)
        assert all(left[p.payment_id] == p.share_paise - held[p.payment_id] for p in payments)


def test_sums_read_shares_and_only_money_that_went_back() -> None:
    assert paid_paise([BOOKING, DEARER_MOVE]) == 80000
    refunds = [
        Back("pay_booking", 100, RefundStatus.DUE),
        Back("pay_booking", 200, RefundStatus.REQUESTING),
        Back("pay_booking", 400, RefundStatus.PENDING),
        Back("pay_booking", 800, RefundStatus.PROCESSED),
        Back("pay_booking", 1600, RefundStatus.FAILED),
        Back("pay_booking", 3200, RefundStatus.NOT_NEEDED),
    ]
    assert returned_paise(refunds) == 1200


def test_the_first_refund_keeps_the_key_it_had_before_the_ledger() -> None:
    assert refund_key("b1", 1) == "refund-b1"
    assert refund_key("b1", 3) == "refund-b1-3"
    assert next_refund_keys("b1", [], 2) == ["refund-b1", "refund-b1-2"]
    assert next_refund_keys("b1", ["refund-b1", "outside-rfnd_1"], 2) == ["refund-b1-2", "refund-b1-3"]


def test_razorpay_s_word_finds_its_entry_by_refund_id_then_by_the_one_waiting() -> None:
    ours = Back("pay_s", 60000, RefundStatus.PENDING, key="refund-w2", refund_id="rfnd_1")
    waiting = Back("pay_s", 30000, RefundStatus.REQUESTING, key="refund-w3")
    ledgers = {"w1": [], "w2": [ours], "w3": [waiting]}
    found = match_refund(ledgers, refund_id="rfnd_1", payment_id="pay_s", target=RefundStatus.PROCESSED)
    assert found == RefundMatch("w2", "refund-w2")
    found = match_refund(ledgers, refund_id="rfnd_2", payment_id="pay_s", target=RefundStatus.PROCESSED)
    assert found == RefundMatch("w3", "refund-w3")


def test_a_refund_several_entries_could_be_is_left_to_a_person() -> None:
    a = Back("pay_s", 60000, RefundStatus.DUE, key="refund-w1")
    b = Back("pay_s", 60000, RefundStatus.DUE, key="refund-w2")
    ledgers = {"w1": [a], "w2": [b]}
    assert (
        match_refund(ledgers, refund_id="rfnd_x", payment_id="pay_s", target=RefundStatus.PROCESSED) is None
    )
    # A series' shared payment refunded in the dashboard: which week's is it?
    assert (
        match_refund(
            {"w1": [], "w2": []}, refund_id="rfnd_x", payment_id="pay_s", target=RefundStatus.PROCESSED
        )
        is None
    )


def test_a_refund_the_ledger_never_asked_for_belongs_to_the_one_booking_paid() -> None:
    done = Back("pay_b", 60000, RefundStatus.PROCESSED, key="refund-b", refund_id="rfnd_1")
    found = match_refund(
        {"b": [done]}, refund_id="rfnd_dash", payment_id="pay_b", target=RefundStatus.PROCESSED
    )
    assert found == RefundMatch("b", None)
