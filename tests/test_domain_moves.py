"""The pure rules of moving a session and adding an hour (``domain.moves``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.booking_status import BookingStatus as S
from domain.moves import (
    ChangeKind,
    ExtendProblem,
    MoveProblem,
    change_reference,
    extend_problem,
    free_move_until,
    move_problem,
    parse_change_reference,
)
from domain.refund import RefundPolicy

STARTS = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=2)
FREE_UNTIL = STARTS - timedelta(hours=24)


@pytest.mark.parametrize(
    ("status", "paid", "series", "pending", "now", "problem"),
    [
        (S.NOT_STARTED, True, False, False, FREE_UNTIL, None),
        (S.NOT_STARTED, True, False, False, FREE_UNTIL + timedelta(seconds=1), MoveProblem.TOO_LATE),
        (S.PENDING_PAYMENT, False, False, False, FREE_UNTIL, MoveProblem.NOT_PAID),
        (S.NOT_STARTED, False, False, False, FREE_UNTIL, MoveProblem.NOT_PAID),
        (S.NOT_STARTED, True, False, False, STARTS, MoveProblem.STARTED),
        (S.ONGOING, True, False, False, STARTS, MoveProblem.STARTED),
        (S.COMPLETED, True, False, False, ENDS, MoveProblem.STARTED),
        (S.CANCELLED, True, False, False, FREE_UNTIL, MoveProblem.ENDED),
        (S.EXPIRED, False, False, False, FREE_UNTIL, MoveProblem.ENDED),
        (S.TERMINATED, True, False, False, FREE_UNTIL, MoveProblem.ENDED),
        (S.NOT_STARTED, True, True, False, FREE_UNTIL, MoveProblem.SERIES),
        (S.NOT_STARTED, True, False, True, FREE_UNTIL, MoveProblem.PENDING),
    ],
)
def test_when_a_session_can_move(
    status: S, paid: bool, series: bool, pending: bool, now: datetime, problem: MoveProblem | None
) -> None:
    found = move_problem(
        status,
        paid=paid,
        in_series=series,
        pending_change=pending,
        starts_at=STARTS,
        free_until=FREE_UNTIL,
        now=now,
    )
    assert found is problem


@pytest.mark.parametrize(
    ("status", "now", "pending", "problem"),
    [
        (S.NOT_STARTED, STARTS - timedelta(hours=1), False, None),
        (S.NOT_STARTED, STARTS - timedelta(hours=1, seconds=1), False, ExtendProblem.NOT_YET),
        (S.ONGOING, STARTS + timedelta(minutes=90), False, None),
        (S.ONGOING, ENDS, False, ExtendProblem.OVER),
        (S.COMPLETED, ENDS, False, ExtendProblem.OVER),
        (S.CANCELLED, STARTS - timedelta(minutes=10), False, ExtendProblem.OVER),
        (S.PENDING_PAYMENT, STARTS - timedelta(minutes=10), False, ExtendProblem.NOT_PAID),
        (S.ONGOING, STARTS, True, ExtendProblem.PENDING),
    ],
)
def test_when_an_hour_can_be_added(
    status: S, now: datetime, pending: bool, problem: ExtendProblem | None
) -> None:
    found = extend_problem(status, paid=True, pending_change=pending, starts_at=STARTS, ends_at=ENDS, now=now)
    assert found is problem


def test_moves_are_free_until_the_top_refund_tier() -> None:
    assert free_move_until(RefundPolicy.parse("6:50,24:100"), STARTS) == STARTS - timedelta(hours=24)
    assert free_move_until(RefundPolicy(()), STARTS) == STARTS


def test_a_change_reference_reads_back_and_nothing_else_does() -> None:
    reference = change_reference("JR-7F3K2Q", ChangeKind.MOVE, 3)
    assert reference == "JR-7F3K2Q-M3"
    parsed = parse_change_reference(reference)
    assert parsed is not None
    assert (parsed.booking_code, parsed.kind, parsed.number) == ("JR-7F3K2Q", ChangeKind.MOVE, 3)
    assert parse_change_reference("JR-7F3K2Q-X1").kind is ChangeKind.EXTENSION  # type: ignore[union-attr]
    for other in ("JR-7F3K2Q", "JW-7F3K2Q", "JR-7F3K2Q-M0", "JR-7F3K2Q-Q1", "", "JR-7F3K2Q-M1x"):
        assert parse_change_reference(other) is None
