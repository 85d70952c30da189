"""The names of a booking's and a refund's states, as musicians and owners read them.

Keyed by the states' stored values (``BookingStatus`` and ``RefundStatus`` are str
enums, so either looks them up); this module imports nothing, so the refusals can name
a state (tests/test_words.py checks every state has its name)."""

from __future__ import annotations

from domain.words.language import N_, _, speaks_when_read

BOOKING_STATUS_NAMES = {
    "PENDING_PAYMENT": N_("waiting for payment"),
    "NOT_STARTED": N_("confirmed"),
    "ONGOING": N_("in session now"),
    "COMPLETED": N_("completed"),
    "CANCELLED": N_("cancelled"),
    "TERMINATED": N_("cancelled by the room"),
    "EXPIRED": N_("expired (not paid in time)"),
}

REFUND_STATUS_NAMES = {
    "due": N_("due"),
    "requesting": N_("requesting"),
    "pending": N_("pending"),
    "processed": N_("processed"),
    "failed": N_("failed"),
    "not_needed": N_("not_needed"),
}


def status_name(status: str) -> str:
    """A booking's state: ``confirmed``, ``waiting for payment``..."""
    return _(BOOKING_STATUS_NAMES[status])


def refund_status_name(status: object) -> str:
    """A refund's stored state (``refund["status"]``, due when unset) by name, plain
    text; a state this bot does not know is shown as stored."""
    raw = str(status or "due")
    return _(REFUND_STATUS_NAMES.get(raw, raw))


speaks_when_read(__name__)
