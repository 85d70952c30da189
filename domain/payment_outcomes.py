"""What handling a payment did: the webhook's answer to Razorpay (and its log line), what
reconciliation and the refund job count, and what tests assert on.

The values are the words the webhook has always answered with, so Razorpay's delivery
log and our own logs read the same as before they were an enum."""

from __future__ import annotations

from enum import StrEnum

from domain.payment_fit import Refusal
from domain.refund_status import RefundStatus


class Outcome(StrEnum):
    # the event itself
    DUPLICATE = "duplicate"
    """Its event id was processed already: a retry or a racing delivery."""
    IGNORED = "ignored"
    """An event the bot does not act on."""

    # money arrived for a booking
    UNKNOWN_BOOKING = "unknown booking"
    CONFIRMED = "confirmed"
    CONFIRMED_LATE = "confirmed late"
    """Paid after the hold expired, and every slot was still free."""
    ALREADY_SETTLED = "already settled"
    """This payment is recorded already (its messages are queued again, once each)."""
    REFUNDED_WRONG_AMOUNT = "refunded: wrong amount"
    REFUNDED_SESSION_OVER = "refunded: session over"
    REFUNDED_SLOTS_TAKEN = "refunded: slots taken"
    REFUNDED_BOOKING_CANCELLED = "refunded: booking cancelled"
    SERIES_PARTLY_REFUNDED = "confirmed in part: refunded the rest"
    """A weekly series' payment: some weeks confirmed, the shares of weeks it could no
    longer buy refunded."""
    CHANGE_APPLIED = "move or extra hour applied"
    """The difference for a pending move or extra hour arrived and the session changed."""
    CHANGE_REFUNDED = "refunded: move or extra hour not to be had"
    """Money for a move or an extra hour that lapsed (or not the amount asked): refunded."""
    EXTRA_PAYMENT_FLAGGED = "extra payment flagged"
    """A second payment for a booking that records one: the owner is asked to refund it."""

    # a link closed unpaid, a payment failed
    EXPIRED = "expired"
    NOTHING_TO_EXPIRE = "nothing to expire"
    FAILURE_TOLD = "failure told"
    FAILURE_IGNORED = "failure ignored"

    # Razorpay's word on a refund
    UNKNOWN_REFUND = "unknown refund"
    REFUND_PROCESSED = "refund processed"
    REFUND_FAILED = "refund failed"
    REFUND_ALREADY_PROCESSED = "refund already processed"
    REFUND_ALREADY_FAILED = "refund already failed"
    REFUND_ALREADY_NOT_NEEDED = "refund already not_needed"

    # the gateway asked about a booking's link (reconciliation)
    NO_LINK = "no link"
    LINK_CREATED = "link created"
    LINK_PARTIALLY_PAID = "link partially_paid"
    LINK_PAID = "link paid"
    """Paid, but the gateway names no payment yet: asked again on the next round."""
    LINK_UNKNOWN = "link in a state the bot does not know"

    # asking the gateway for a refund (otherwise the refund's new RefundStatus)
    NOTHING_PAID = "nothing paid"
    NOT_DUE = "not due"
    """Not owed, or another process is asking for it."""
    RETRY_LATER = "retry later"
    """The gateway failed; the refund stays due for the retry job."""

    @property
    def confirmed_or_expired(self) -> bool:
        """The hold ended as a booking (paid, even late) or as expired: what reconciling
        a hold counts as settled."""
        return self in (
            Outcome.CONFIRMED,
            Outcome.CONFIRMED_LATE,
            Outcome.SERIES_PARTLY_REFUNDED,
            Outcome.EXPIRED,
        )


REFUNDED: dict[Refusal, Outcome] = {
    Refusal.WRONG_AMOUNT: Outcome.REFUNDED_WRONG_AMOUNT,
    Refusal.SESSION_OVER: Outcome.REFUNDED_SESSION_OVER,
    Refusal.SLOTS_TAKEN: Outcome.REFUNDED_SLOTS_TAKEN,
    Refusal.BOOKING_CANCELLED: Outcome.REFUNDED_BOOKING_CANCELLED,
}
"""A refused payment, refunded in full, by why it was refused."""

REFUND_ALREADY: dict[RefundStatus, Outcome] = {
    RefundStatus.PROCESSED: Outcome.REFUND_ALREADY_PROCESSED,
    RefundStatus.FAILED: Outcome.REFUND_ALREADY_FAILED,
    RefundStatus.NOT_NEEDED: Outcome.REFUND_ALREADY_NOT_NEEDED,
}
"""Razorpay's word on a refund that changed nothing, by the state the refund was already
in: the states a refund cannot be moved to processed or failed from."""

LINK_STATUS: dict[str, Outcome] = {
    "created": Outcome.LINK_CREATED,
    "partially_paid": Outcome.LINK_PARTIALLY_PAID,
    "paid": Outcome.LINK_PAID,
}
"""A link the gateway says is still open, or paid without a payment, by its status."""
