"""The names of a booking's and a refund's states, as musicians and owners read them."""

from __future__ import annotations

from domain.booking_status import BookingStatus
from domain.refund_status import RefundStatus

S = BookingStatus

BOOKING_STATUS_NAMES = {
    S.PENDING_PAYMENT: "waiting for payment",
    S.NOT_STARTED: "confirmed",
    S.ONGOING: "in session now",
    S.COMPLETED: "completed",
    S.CANCELLED: "cancelled",
    S.TERMINATED: "cancelled by the room",
    S.EXPIRED: "expired (not paid in time)",
}

REFUND_STATUS_NAMES = {
    RefundStatus.DUE: "due",
    RefundStatus.REQUESTING: "requesting",
    RefundStatus.PENDING: "pending",
    RefundStatus.PROCESSED: "processed",
    RefundStatus.FAILED: "failed",
    RefundStatus.NOT_NEEDED: "not_needed",
}


def status_name(status: BookingStatus) -> str:
    """``confirmed``, ``waiting for payment``..."""
    return BOOKING_STATUS_NAMES[status]


def refund_status_name(status: object) -> str:
    """A refund's stored state (``refund["status"]``, due when unset) by name, plain
    text; a state this bot does not know is shown as stored."""
    raw = str(status or RefundStatus.DUE.value)
    return REFUND_STATUS_NAMES[RefundStatus(raw)] if raw in set(RefundStatus) else raw
