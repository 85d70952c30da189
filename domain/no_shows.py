"""No-shows (issue 16 §7): the owner marks a paid session nobody came to, from the day
after it ends at the latest. The mark is only a record (no fee, nothing else changes),
so it can be undone within the same window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.booking_status import BookingStatus

NO_SHOW_WINDOW = timedelta(hours=24)
"""How long after a session's end its no-show can be marked or undone."""

PAID_SESSIONS = frozenset({BookingStatus.NOT_STARTED, BookingStatus.ONGOING, BookingStatus.COMPLETED})
"""A session someone paid for and nobody cancelled (the monitor may not have moved it on yet)."""


class NoShowProblem(StrEnum):
    NOT_PAID = "not_paid"
    NOT_OVER = "not_over"
    WINDOW_CLOSED = "window_closed"


def no_show_closes_at(ends_at: datetime) -> datetime:
    return ends_at + NO_SHOW_WINDOW


def no_show_problem(status: BookingStatus, ends_at: datetime, now: datetime) -> NoShowProblem | None:
    """Why a session's no-show cannot be marked or undone at ``now``; None when it can."""
    if status not in PAID_SESSIONS:
        return NoShowProblem.NOT_PAID
    if now < ends_at:
        return NoShowProblem.NOT_OVER
    if now > no_show_closes_at(ends_at):
        return NoShowProblem.WINDOW_CLOSED
    return None


@dataclass(frozen=True)
class NoShowRate:
    """Of ``sessions`` paid sessions that ended, ``no_shows`` were marked no-show."""

    sessions: int
    no_shows: int

    @property
    def percent(self) -> int | None:
        """Rounded to the nearest whole percent; None when no session ended."""
        if not self.sessions:
            return None
        return (self.no_shows * 200 + self.sessions) // (self.sessions * 2)
