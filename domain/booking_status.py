"""The booking's life (DESIGN.md) as data, so every change is checked against it.

    PENDING_PAYMENT --paid--> NOT_STARTED --start--> ONGOING --end--> COMPLETED
          |    \\                 |   \\
          |     `--musician abandons the hold--> CANCELLED
          | hold/link expired     |    `--owner terminates--> TERMINATED
          v                       `--musician cancels--> CANCELLED
       EXPIRED --paid late, every slot still free--> NOT_STARTED
"""

from __future__ import annotations

from enum import StrEnum

from domain.errors import IllegalTransitionError


class BookingStatus(StrEnum):
    PENDING_PAYMENT = "PENDING_PAYMENT"
    NOT_STARTED = "NOT_STARTED"
    ONGOING = "ONGOING"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    TERMINATED = "TERMINATED"
    EXPIRED = "EXPIRED"


S = BookingStatus

ALLOWED: dict[BookingStatus, frozenset[BookingStatus]] = {
    S.PENDING_PAYMENT: frozenset({S.NOT_STARTED, S.EXPIRED, S.CANCELLED}),
    S.NOT_STARTED: frozenset({S.ONGOING, S.CANCELLED, S.TERMINATED}),
    S.ONGOING: frozenset({S.COMPLETED, S.TERMINATED}),
    S.EXPIRED: frozenset({S.NOT_STARTED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.TERMINATED: frozenset(),
}

HOLDS_SLOTS = frozenset({S.PENDING_PAYMENT, S.NOT_STARTED, S.ONGOING, S.COMPLETED})
"""Statuses whose booking owns its slot claims; moving out of them releases the claims."""

ACTIVE = frozenset({S.PENDING_PAYMENT, S.NOT_STARTED, S.ONGOING})
PAID_NOT_OVER = frozenset({S.NOT_STARTED, S.ONGOING})
"""Paid, and not over, cancelled or ended: a session still to be played."""
FINAL = frozenset(s for s, targets in ALLOWED.items() if not targets)
PAID = frozenset({S.NOT_STARTED, S.ONGOING, S.COMPLETED, S.CANCELLED, S.TERMINATED})


def can_transition(current: BookingStatus, target: BookingStatus) -> bool:
    return target in ALLOWED[current]


def check_transition(current: BookingStatus, target: BookingStatus) -> BookingStatus:
    """``target`` when the life allows it; otherwise IllegalTransitionError."""
    if not can_transition(current, target):
        raise IllegalTransitionError(current.value, target.value)
    return target


def releases_slots(current: BookingStatus, target: BookingStatus) -> bool:
    return current in HOLDS_SLOTS and target not in HOLDS_SLOTS
