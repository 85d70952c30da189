from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from domain.booking_status import ALLOWED, BookingStatus, check_transition, releases_slots
from domain.codes import ALPHABET, is_booking_code, new_booking_code
from domain.errors import IllegalTransitionError
from domain.refund import RefundPolicy, RefundTier

S = BookingStatus
LEGAL = {
    (S.PENDING_PAYMENT, S.NOT_STARTED),
    (S.PENDING_PAYMENT, S.EXPIRED),
    (S.PENDING_PAYMENT, S.CANCELLED),
    (S.NOT_STARTED, S.ONGOING),
    (S.NOT_STARTED, S.CANCELLED),
    (S.NOT_STARTED, S.TERMINATED),
    (S.ONGOING, S.COMPLETED),
    (S.ONGOING, S.TERMINATED),
    (S.EXPIRED, S.NOT_STARTED),
}


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_legal_transitions_are_allowed(current: S, target: S) -> None:
    assert check_transition(current, target) is target


@pytest.mark.parametrize(("current", "target"), sorted(set(product(S, S)) - LEGAL), ids=lambda s: s.value)
def test_every_other_transition_raises(current: S, target: S) -> None:
    with pytest.raises(IllegalTransitionError) as raised:
        check_transition(current, target)
    assert raised.value.current == current.value
    assert raised.value.target == target.value


def test_the_table_is_exactly_the_documented_life() -> None:
    assert {(c, t) for c, targets in ALLOWED.items() for t in targets} == LEGAL


@pytest.mark.parametrize(
    ("current", "target", "frees"),
    [
        (S.PENDING_PAYMENT, S.EXPIRED, True),
        (S.PENDING_PAYMENT, S.CANCELLED, True),
        (S.NOT_STARTED, S.CANCELLED, True),
        (S.NOT_STARTED, S.TERMINATED, True),
        (S.ONGOING, S.TERMINATED, True),
        (S.PENDING_PAYMENT, S.NOT_STARTED, False),
        (S.NOT_STARTED, S.ONGOING, False),
        (S.ONGOING, S.COMPLETED, False),
        (S.EXPIRED, S.NOT_STARTED, False),
    ],
)
def test_which_changes_free_the_slots(current: S, target: S, frees: bool) -> None:
    assert releases_slots(current, target) is frees


SESSION = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)
POLICY = RefundPolicy()


@pytest.mark.parametrize(
    ("notice", "percent", "amount"),
    [
        (timedelta(days=3), 100, 160000),
        (timedelta(hours=24), 100, 160000),
        (timedelta(hours=24) - timedelta(seconds=1), 50, 80000),
        (timedelta(hours=6), 50, 80000),
        (timedelta(hours=6) - timedelta(seconds=1), 0, 0),
        (timedelta(0), 0, 0),
        (-timedelta(hours=1), 0, 0),
    ],
)
def test_default_refund_policy_boundaries(notice: timedelta, percent: int, amount: int) -> None:
    quote = POLICY.quote(160000, SESSION, SESSION - notice)
    assert (quote.percent, quote.amount_paise) == (percent, amount)


def test_partial_refunds_round_down_to_whole_paise() -> None:
    assert POLICY.quote(99999, SESSION, SESSION - timedelta(hours=7)).amount_paise == 49999


def test_refund_policy_is_configurable() -> None:
    policy = RefundPolicy.parse("48:100, 12:75, 2:25")
    assert policy.tiers == (
        RefundTier(timedelta(hours=48), 100),
        RefundTier(timedelta(hours=12), 75),
        RefundTier(timedelta(hours=2), 25),
    )
    assert policy.quote(1000, SESSION, SESSION - timedelta(hours=3)).percent == 25
    assert "no refund after that" in policy.describe()


@pytest.mark.parametrize("bad", ["24", "24:abc", "x:100", "24:150", "-1:50"])
def test_malformed_refund_policy_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        RefundPolicy.parse(bad)


def test_booking_codes_are_short_unambiguous_and_varied() -> None:
    codes = {new_booking_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(is_booking_code(c) for c in codes)
    assert not set("".join(c[3:] for c in codes)) - set(ALPHABET)
    assert not {"0", "O", "1", "I", "L"} & set("".join(codes))
    assert not is_booking_code("JR-0OIL11")
