"""The owner's share of a payment (Razorpay Route) and what a refund reverses from it."""

from __future__ import annotations

import random

import pytest

from domain.payouts import (
    OwnerShare,
    PayoutProblem,
    PayoutRefusedError,
    owner_share,
    reversal_owed,
)


def owed(transfer: int, paid: int, refunded: int, reversed_: int) -> int:
    return reversal_owed(
        transfer_paise=transfer, paid_paise=paid, refunded_paise=refunded, reversed_paise=reversed_
    )


@pytest.mark.parametrize(
    ("paid", "commission_bp", "commission", "transfer"),
    [
        (120000, 0, 0, 120000),
        (120000, 1000, 12000, 108000),
        (120000, 250, 3000, 117000),
        (99999, 1000, 9999, 90000),  # 9999.9 rounds down: the owner keeps the odd paisa
        (1, 5000, 0, 1),
        (3, 3333, 0, 3),
        (120000, 10000, 120000, 0),
        (0, 1000, 0, 0),
    ],
)
def test_the_owner_gets_the_price_minus_the_commission(
    paid: int, commission_bp: int, commission: int, transfer: int
) -> None:
    assert owner_share(paid, commission_bp) == OwnerShare(paid, commission, transfer)


def test_commission_and_transfer_always_make_the_payment_and_never_exceed_the_rate() -> None:
    for paid in [*range(2000), *range(2000, 5_000_000, 7919)]:
        for commission_bp in (0, 1, 99, 250, 1000, 1999, 3333, 9999, 10000):
            share = owner_share(paid, commission_bp)
            assert share.commission_paise + share.transfer_paise == paid
            assert share.commission_paise * 10_000 <= paid * commission_bp
            assert (share.commission_paise + 1) * 10_000 > paid * commission_bp


def test_the_default_commission_is_nothing() -> None:
    assert owner_share(120000).transfer_paise == 120000


def test_a_whole_payment_kept_as_commission_transfers_nothing() -> None:
    assert not owner_share(120000, 10000).transfers_anything
    assert owner_share(120000, 9999).transfers_anything


@pytest.mark.parametrize(("paid", "commission_bp"), [(100, -1), (100, 10001)])
def test_a_commission_outside_0_to_100_percent_is_refused(paid: int, commission_bp: int) -> None:
    with pytest.raises(PayoutRefusedError) as refused:
        owner_share(paid, commission_bp)
    assert refused.value.problem is PayoutProblem.COMMISSION_OUT_OF_RANGE


def test_a_negative_payment_is_refused() -> None:
    with pytest.raises(PayoutRefusedError) as refused:
        owner_share(-1, 0)
    assert refused.value.problem is PayoutProblem.NEGATIVE_AMOUNT


def test_a_full_refund_reverses_the_whole_transfer() -> None:
    assert owed(108000, 120000, 120000, 0) == 108000


def test_a_half_refund_reverses_half_of_the_owners_part() -> None:
    assert owed(108000, 120000, 60000, 0) == 54000


def test_rounding_keeps_the_reversal_at_or_below_the_owners_part() -> None:
    # 1/3 of 100000 paise is 33333.33: the owner gives back 33333 now, the rest later.
    first = owed(100000, 120000, 40000, 0)
    assert first == 33333
    second = owed(100000, 120000, 80000, first)
    assert second == 33333
    third = owed(100000, 120000, 120000, first + second)
    assert third == 33334
    assert first + second + third == 100000


def test_asking_again_after_a_reversal_was_recorded_asks_for_nothing() -> None:
    first = owed(90000, 100000, 50000, 0)
    again = owed(90000, 100000, 50000, first)
    assert (first, again) == (45000, 0)


def test_nothing_transferred_nothing_reversed() -> None:
    assert owed(0, 100000, 100000, 0) == 0
    assert owed(0, 0, 0, 0) == 0


def test_many_partial_refunds_never_reverse_more_than_the_transfer_and_a_full_one_reverses_it_all() -> None:
    rng = random.Random(20261130)
    for _ in range(3000):
        paid = rng.choice([1, 2, 3, 99, 100, 101, 59999, 60000, 120000, rng.randint(1, 10_000_000)])
        commission_bp = rng.choice([0, 0, 1, 250, 1000, 3333, 9999, 10000])
        transfer = owner_share(paid, commission_bp).transfer_paise
        refunded = reversed_ = 0
        for _ in range(rng.randint(1, 8)):
            if refunded == paid:
                break
            refund = rng.randint(1, paid - refunded)
            refunded += refund
            reversal = owed(transfer, paid, refunded, reversed_)
            assert reversal >= 0
            reversed_ += reversal
            assert reversed_ <= transfer
            assert reversed_ * paid <= transfer * refunded  # never more than the owner's part
            assert (reversed_ + 1) * paid > transfer * refunded  # and less than a paisa short of it
        final = owed(transfer, paid, paid, reversed_)
        assert reversed_ + final == transfer


def test_every_split_of_a_small_payment_into_refunds_adds_up() -> None:
    paid, transfer = 7, 5

    def splits(left: int) -> list[list[int]]:
        if left == 0:
            return [[]]
        return [[first, *rest] for first in range(1, left + 1) for rest in splits(left - first)]

    every = splits(paid)
    assert len(every) == 2 ** (paid - 1)
    for split in every:
        refunded = reversed_ = 0
        for refund in split:
            refunded += refund
            reversed_ += owed(transfer, paid, refunded, reversed_)
            assert reversed_ <= transfer
        assert reversed_ == transfer, split


@pytest.mark.parametrize(
    ("transfer", "paid", "refunded", "reversed_", "problem"),
    [
        (100, 100, 101, 0, PayoutProblem.REFUND_EXCEEDS_PAYMENT),
        (101, 100, 50, 0, PayoutProblem.TRANSFER_EXCEEDS_PAYMENT),
        (100, 100, 50, 101, PayoutProblem.REVERSAL_EXCEEDS_TRANSFER),
        (100, 100, -1, 0, PayoutProblem.NEGATIVE_AMOUNT),
        (-1, 100, 0, 0, PayoutProblem.NEGATIVE_AMOUNT),
    ],
)
def test_amounts_that_cannot_belong_to_one_payment_are_refused(
    transfer: int, paid: int, refunded: int, reversed_: int, problem: PayoutProblem
) -> None:
    with pytest.raises(PayoutRefusedError) as refused:
        owed(transfer, paid, refunded, reversed_)
    assert refused.value.problem is problem
