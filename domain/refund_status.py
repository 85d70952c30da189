"""A refund's life as data, like the booking's (``domain.booking_status``).

We and Razorpay both write to the one refund a booking records: we when we ask for it
and when the gateway answers, Razorpay through ``refund.processed`` / ``refund.failed``
webhooks, which can arrive before our own answer is stored. So a state may be reached
from every state that can precede it in either order, and each writer says what it
knows (the refund's id and amount), never what it assumes.

    (none) --a refund is owed--> DUE --we ask--> REQUESTING --accepted--> PENDING --> PROCESSED
                                  |  ^              |  \\--answered processed-------------^
                                  |  `--failed------'   \\
                                  |                      `--Razorpay's word first--> PROCESSED / FAILED
                                  `--nothing was paid--> NOT_NEEDED
    FAILED --a later refund of the payment was paid--> PROCESSED
    (none) --refunded outside the bot (the dashboard)--> PROCESSED / FAILED
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class RefundStatus(StrEnum):
    DUE = "due"
    """Owed to the musician and not yet asked for (or the last request failed)."""
    REQUESTING = "requesting"
    """A process is asking the gateway; after a lease another may ask again (the
    idempotency key makes both requests one refund)."""
    PENDING = "pending"
    """The gateway accepted it; the bank is paying."""
    PROCESSED = "processed"
    FAILED = "failed"
    """The bank refused it; the room's owner must act."""
    NOT_NEEDED = "not_needed"
    """Nothing was paid, so nothing comes back."""

    @property
    def money_returned(self) -> bool:
        """Whether this refund's amount has left the room's takings."""
        return self in RETURNED


R = RefundStatus

ALLOWED: dict[RefundStatus | None, frozenset[RefundStatus]] = {
    None: frozenset({R.DUE, R.PROCESSED, R.FAILED}),
    R.DUE: frozenset({R.REQUESTING, R.NOT_NEEDED, R.PROCESSED, R.FAILED}),
    R.REQUESTING: frozenset({R.REQUESTING, R.DUE, R.PENDING, R.PROCESSED, R.FAILED}),
    R.PENDING: frozenset({R.PROCESSED, R.FAILED}),
    R.FAILED: frozenset({R.PROCESSED}),
    R.PROCESSED: frozenset(),
    R.NOT_NEEDED: frozenset(),
}
"""``None`` is a booking with no refund record at all."""

RETURNED = frozenset({R.PENDING, R.PROCESSED})


def can_become(current: RefundStatus | None, target: RefundStatus) -> bool:
    return target in ALLOWED[current]


def sources_of(target: RefundStatus) -> list[RefundStatus | None]:
    """Every state ``target`` may be reached from: the condition of the one update that
    moves a refund there, whichever writer comes first."""
    return [state for state, targets in ALLOWED.items() if target in targets]


def parse_refund_status(raw: object) -> RefundStatus | None:
    """The stored status, or None for a booking without a refund record."""
    return RefundStatus(raw) if raw else None


def refunded_paise(record: Mapping[str, Any]) -> int:
    """What a booking's refund record has returned to the musician: its amount once the
    gateway accepted it; nothing while it is only owed, or after it failed."""
    status = parse_refund_status(record.get("status"))
    if status is None or not status.money_returned:
        return 0
    return int(record.get("amount_paise") or 0)
