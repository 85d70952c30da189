"""A refund's life at the gateway: owed (DUE), asked for once (REQUESTING, under a lease
and an idempotency key), accepted (PENDING), then PROCESSED or FAILED by Razorpay's
word, which may come before our own record of asking (``domain.refund_status``).

A gateway failure leaves the refund DUE for the retry job; a process that dies while
asking leaves it REQUESTING until its lease runs out and another asks again with the
same idempotency key, so Razorpay pays it once."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from domain.clock import Clock
from domain.payment_fit import Refusal
from domain.payment_outcomes import REFUND_ALREADY, Outcome
from domain.refund_status import RefundStatus, parse_refund_status
from domain.words import musician, owner
from payments.gateway import GatewayError, PaymentGateway
from payments.invoices import Invoices
from storage.announcements import announce
from storage.booking_service import BookingService
from storage.models import Booking, to_ms
from storage.payment_records import (
    booking_paid_by,
    claim_refund,
    refund_accepted,
    refund_news,
    refund_not_needed,
    refund_request_failed,
    refunds_to_retry,
)

log = logging.getLogger(__name__)

REFUND_LEASE_MS = 120_000
"""A refund claimed this long ago and not settled (its process died) may be claimed again;
the idempotency key makes the second request return the first refund."""


def idempotency_key(booking: Booking) -> str:
    """One per booking: a booking owes one refund, so every request for it is one refund."""
    return f"refund-{booking.id}"


def owed_in_full(paid_paise: int, refusal: Refusal) -> dict[str, Any]:
    """The refund record of money that cannot buy its booking: all of it, due now."""
    return {
        "due_paise": paid_paise,
        "percent": 100,
        "status": RefundStatus.DUE.value,
        "reason": refusal.value,
    }


class Refunds:
    def __init__(
        self,
        gateway: PaymentGateway,
        clock: Clock,
        bookings: BookingService,
        *,
        credit_notes: Invoices | None = None,
    ) -> None:
        self.gateway = gateway
        self.clock = clock
        self.bookings = bookings
        self.credit_notes = credit_notes
        """Issues a processed refund's credit note (``Invoices.send_credit_note``)."""
        self._background: set[asyncio.Task[None]] = set()

    async def refund_due(self, booking: Booking) -> Outcome | RefundStatus:
        """Pay the refund the booking records as due, at most once: the refund's state
        once asked for, or why nothing was asked. A gateway failure leaves it due for
        the retry job; nothing is lost."""
        if not booking.payment_id:
            await refund_not_needed(booking.id)
            return Outcome.NOTHING_PAID
        now_ms = to_ms(self.clock.now()) or 0
        current = await claim_refund(booking.id, now_ms, REFUND_LEASE_MS)
        if current is None:
            return Outcome.NOT_DUE
        amount = int(current.refund.get("due_paise", 0))
        try:
            refund = await self.gateway.refund(current.payment_id or "", amount, idempotency_key(current))
        except GatewayError as error:
            await refund_request_failed(current.id, str(error))
            log.warning("refund for %s failed, will retry: %s", current.code, error)
            return Outcome.RETRY_LATER
        status = RefundStatus.PROCESSED if refund.status == "processed" else RefundStatus.PENDING
        recorded = await refund_accepted(current.id, status, refund.id, refund.amount_paise)
        if recorded is None:
            # Razorpay's webhook about this refund came first and recorded it; its message
            # went out then, and "initiated" after "processed" would only confuse.
            after = await self.bookings.booking(current.id)
            return parse_refund_status(after.refund.get("status")) or status
        await announce(
            current,
            None,
            musician=musician.refund_started(current, refund.amount_paise),
            key="refund:started",
            now=self.clock.now(),
        )
        if status is RefundStatus.PROCESSED:
            await self._credit_note(recorded)
        return status

    async def _credit_note(self, booking: Booking) -> None:
        """The credit note follows the refund's message in the chat, once per booking."""
        if self.credit_notes is not None:
            await self.credit_notes.send_credit_note(booking)

    async def retry_due_refunds(self, limit: int = 50) -> int:
        """Refunds left due (a gateway failure, a crash): try each again. For a job."""
        done = 0
        for booking in await refunds_to_retry(limit):
            if await self.refund_due(booking) in (RefundStatus.PROCESSED, RefundStatus.PENDING):
                done += 1
        return done

    def refund_in_background(self, booking: Booking) -> None:
        """Webhooks must answer within seconds; the refund call to the gateway runs after.
        If it fails or the process dies, the refund stays due for the retry job."""
        task = asyncio.create_task(self._refund_logged(booking))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _refund_logged(self, booking: Booking) -> None:
        try:
            await self.refund_due(booking)
        except Exception:
            log.exception("background refund for %s failed; it stays due", booking.code)

    async def drain(self) -> None:
        """Wait for background refunds (tests, shutdown)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    async def gateway_says(
        self, payment_id: str, refund_id: str, amount_paise: int, *, processed: bool
    ) -> Outcome:
        """Razorpay's word on a refund of ``payment_id`` (``amount_paise`` 0 when it names
        none), recorded with its amount whether or not our own record of asking for it is
        written yet (see storage.payment_records)."""
        booking = await booking_paid_by(payment_id) if payment_id else None
        if booking is None:
            return Outcome.UNKNOWN_REFUND
        status = RefundStatus.PROCESSED if processed else RefundStatus.FAILED
        amount = amount_paise or int(booking.refund.get("amount_paise") or 0)
        updated = await refund_news(booking.id, status, refund_id, amount)
        if updated is None:
            current = await self.bookings.booking(booking.id)
            return REFUND_ALREADY[parse_refund_status(current.refund.get("status")) or status]
        now = self.clock.now()
        if processed:
            text = musician.refund_processed(updated, amount)
            await announce(updated, None, musician=text, key="refund:processed", now=now)
            await self._credit_note(updated)
            return Outcome.REFUND_PROCESSED
        room = await self.bookings.room(updated.room_id)
        await announce(
            updated,
            room,
            musician=musician.refund_failed(updated, amount),
            owners=owner.refund_failed(updated, room, amount),
            key="refund:failed",
            now=now,
        )
        return Outcome.REFUND_FAILED
