"""Whether money that arrived for a booking can still buy it, and if not, why.

Money that cannot buy its booking is refunded in full at once; the reason decides what
the musician and the owner are told."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

BOOKING_CURRENCY = "INR"


class Refusal(StrEnum):
    WRONG_AMOUNT = "wrong_amount"
    """Not the booking's price, not in rupees, or through another link than the booking's."""
    SESSION_OVER = "session_over"
    """The session had ended when the money arrived (a webhook delayed for hours)."""
    SLOTS_TAKEN = "slots_taken"
    """The hold had expired and someone else booked some of its slots since."""
    BOOKING_CANCELLED = "booking_cancelled"
    """The musician abandoned the hold before paying."""


def refusal_before_settling(
    *,
    price_paise: int,
    paid_paise: int,
    currency: str,
    same_link: bool,
    session_ends_at: datetime,
    now: datetime,
) -> Refusal | None:
    """What refuses a payment whatever the booking's state; None when it may buy it
    (the booking's state and its slots decide the rest)."""
    if paid_paise != price_paise or currency != BOOKING_CURRENCY or not same_link:
        return Refusal.WRONG_AMOUNT
    if now >= session_ends_at:
        return Refusal.SESSION_OVER
    return None
