"""The names of a booking's and a refund's states, as musicians and owners read them.

Keyed by the states' stored values (``BookingStatus`` and ``RefundStatus`` are str
enums, so either looks them up); this module imports nothing, so the refusals can name
a state (tests/test_words.py checks every state has its name)."""

from __future__ import annotations

BOOKING_STATUS_NAMES = {
    "PENDING_PAYMENT": "waiting for payment",
    "NOT_STARTED": "confirmed",
    "ONGOING": "in session now",
    "COMPLETED": "completed",
    "CANCELLED": "cancelled",
    "TERMINATED": "cancelled by the room",
    "EXPIRED": "expired (not paid in time)",
}

REFUND_STATUS_NAMES = {
    "due": "due",
    "requesting": "requesting",
    "pending": "pending",
    "processed": "processed",
    "failed": "failed",
    "not_needed": "not_needed",
}


def status_name(status: str) -> str:
    """A booking's state: ``confirmed``, ``waiting for payment``..."""
    return BOOKING_STATUS_NAMES[status]


def refund_status_name(status: object) -> str:
    """A refund's stored state (``refund["status"]``, due when unset) by name, plain
    text; a state this bot does not know is shown as stored."""
    raw = str(status or "due")
    return REFUND_STATUS_NAMES.get(raw, raw)
