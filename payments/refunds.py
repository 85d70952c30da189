"""Refunds at the gateway, one ledger entry at a time (``domain.ledger``): owed (DUE),
asked for once (REQUESTING, under a lease and the entry's key as idempotency key),
accepted (PENDING), then PROCESSED or FAILED by Razorpay's word, which may come before
our own record of asking (``domain.refund_status``).

A gateway failure leaves the entry DUE for the retry job; a process that dies while
asking leaves it REQUESTING until its lease runs out and another asks again with the
same idempotency key, so Razorpay pays it once.

Every request carries ``notes: {booking_id, key}``, which Razorpay echoes on the refund
entity and its webhooks: a webhook finds its entry by them, else by the refund's id or
its payment (``domain.ledger.match_refund``)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import partial
from typing import Any

from domain.clock import Clock
from domain.ledger import OPEN, legacy_refund_key, match_refund
from domain.payment_fit import Refusal
from domain.payment_outcomes import REFUND_ALREADY, Outcome
from domain.refund_status import RefundStatus
from domain.words import musician, owner
from payments.gateway import GatewayError, PaymentGateway
from payments.invoices import Invoices
from payments.payouts import Payouts
from storage.announcements import announce
from storage.background import BackgroundWork
from storage.booking_service import BookingService
from storage.bookings import booking_by_id
from storage.ids import parse_object_id
from storage.models import Booking, RefundEntry, to_ms
from storage.payment_records import (
    bookings_paid_by,
    claim_refund,
    is_refund_key,
    record_outside_refund,
    refund_accepted,
    refund_news,
    refund_not_needed,
    refund_request_failed,
    refunds_settled,
    refunds_to_retry,
)

log = logging.getLogger(__name__)

REFUND_LEASE_MS = 120_000
"""A refund claimed this long ago and not settled (its process died) may be claimed again;
the idempotency key makes the second request return the first refund."""


def idempotency_key(booking: Booking, entry: RefundEntry) -> str:
    """The entry's key: one per entry, so every request for it is one refund."""
    return entry.key


def refund_notes(booking: Booking, entry: RefundEntry) -> dict[str, str]:
    """What the gateway keeps on the refund and echoes in its webhooks."""
    return {"booking_id": str(booking.id), "key": entry.key}


def owed_in_full(paid_paise: int, refusal: Refusal) -> dict[str, Any]:
    """The refund of money that cannot buy its booking: all of it, due now."""
    return {
        "due_paise": paid_paise,
        "percent": 100,
        "status": RefundStatus.DUE.value,
        "reason": refusal.value,
    }


def _news_key(booking: Booking, entry_key: str, news: str) -> str:
    """The dedupe key of news about one refund entry (``<booking id>:`` is announce's)."""
    return (
        f"refund:{news}" if entry_key == legacy_refund_key(str(booking.id)) else f"refund:{news}:{entry_key}"
    )


class Refunds:
    def __init__(
        self,
        gateway: PaymentGateway,
        clock: Clock,
        bookings: BookingService,
        *,
        credit_notes: Invoices | None = None,
        payouts: Payouts | None = None,
    ) -> None:
        self.gateway = gateway
        self.clock = clock
        self.bookings = bookings
        self.credit_notes = credit_notes
        """Issues a processed refund's credit note (``Invoices.send_credit_note``)."""
        self.payouts = payouts
        """Settles the owner's transfer before a refund of its payment begins, and reverses
        the owner's part after (None: payouts are off)."""
        self.background = BackgroundWork()

    def _now_ms(self) -> int:
        return to_ms(self.clock.now()) or 0

    async def refund_due(self, booking: Booking) -> Outcome | RefundStatus:
        """Pay every refund the booking owes, each at most once: the refunds' state once
        asked for (the last one's, or RETRY_LATER when the gateway failed any), or why
        nothing was asked. A gateway failure leaves the entry due for the retry job."""
        current = await self.bookings.booking(booking.id)
        owed = current.open_refunds
        if not current.payments:
            for entry in owed:
                await refund_not_needed(current.id, entry.key)
            await refunds_settled(await self.bookings.booking(booking.id))
            return Outcome.NOTHING_PAID
        if not owed:
            await refunds_settled(current)
            return Outcome.NOT_DUE
        outcomes = [await self._ask(current, entry) for entry in owed]
        await refunds_settled(await self.bookings.booking(booking.id))
        if Outcome.RETRY_LATER in outcomes:
            return Outcome.RETRY_LATER
        asked = [o for o in outcomes if isinstance(o, RefundStatus)]
        return asked[-1] if asked else outcomes[-1]

    async def _ask(self, booking: Booking, entry: RefundEntry) -> Outcome | RefundStatus:
        if not entry.payment_id:
            await refund_not_needed(booking.id, entry.key)
            return Outcome.NOTHING_PAID
        if self.payouts is not None and not await self.payouts.before_refund(entry.payment_id):
            log.info("refund %s for %s waits for the owner's transfer", entry.key, booking.code)
            return Outcome.RETRY_LATER
        claimed = await claim_refund(booking.id, entry.key, self._now_ms(), REFUND_LEASE_MS)
        if claimed is None:
            return Outcome.NOT_DUE
        entry = claimed.refunds[entry.key]
        try:
            refund = await self.gateway.refund(
                entry.payment_id or "",
                entry.amount_paise,
                idempotency_key(claimed, entry),
                notes=refund_notes(claimed, entry),
            )
        except GatewayError as error:
            await refund_request_failed(claimed.id, entry.key, str(error), self._now_ms())
            log.warning("refund %s for %s failed, will retry: %s", entry.key, claimed.code, error)
            return Outcome.RETRY_LATER
        status = RefundStatus.PROCESSED if refund.status == "processed" else RefundStatus.PENDING
        recorded = await refund_accepted(claimed.id, entry.key, status, refund.id, refund.amount_paise)
        if recorded is None:
            # Razorpay's webhook about this refund came first and recorded it; its message
            # went out then, and "initiated" after "processed" would only confuse.
            after = await self.bookings.booking(claimed.id)
            await self._reverse_payout(after)
            return after.refunds[entry.key].status
        await announce(
            claimed,
            None,
            musician=partial(musician.refund_started, claimed, refund.amount_paise),
            key=_news_key(claimed, entry.key, "started"),
            now=self.clock.now(),
        )
        if status is RefundStatus.PROCESSED:
            await self._credit_note(recorded)
        await self._reverse_payout(recorded)
        return status

    async def _reverse_payout(self, booking: Booking) -> None:
        """The owner gives back their part of what the gateway took back (quietly: what
        fails stays due for the payout job)."""
        if self.payouts is None:
            return
        try:
            await self.payouts.after_refund(booking)
        except Exception:
            log.exception("reversal for %s failed; the payout job tries again", booking.code)

    async def _credit_note(self, booking: Booking) -> None:
        """The credit note follows the refund's message in the chat, once per booking."""
        if self.credit_notes is not None:
            await self.credit_notes.send_credit_note(booking)

    async def retry_due_refunds(self, limit: int = 50) -> int:
        """Refunds left due (a gateway failure, a crash): try each again. For a job."""
        done = 0
        for booking in await refunds_to_retry(self._now_ms(), limit):
            if not any(entry.status in OPEN for entry in booking.refunds.values()):
                await refunds_settled(booking)
                continue
            if await self.refund_due(booking) in (RefundStatus.PROCESSED, RefundStatus.PENDING):
                done += 1
        return done

    def refund_in_background(self, booking: Booking) -> None:
        """Webhooks must answer within seconds; the refund call to the gateway runs after.
        If it fails or the process dies, the refund stays due for the retry job."""
        self.background.start(
            self.refund_due(booking),
            lambda: log.exception("background refund for %s failed; it stays due", booking.code),
        )

    # ---- Razorpay's word -----------------------------------------------------------

    async def gateway_says(
        self,
        payment_id: str,
        refund_id: str,
        amount_paise: int,
        *,
        processed: bool,
        notes: Mapping[str, Any] | None = None,
    ) -> Outcome:
        """Razorpay's word on a refund of ``payment_id`` (``amount_paise`` 0 when it names
        none), recorded on its ledger entry whether or not our own record of asking for it
        is written yet (see storage.payment_records). The entry is the one its ``notes``
        name; else the one with its refund id or the one waiting for its payment's word;
        else, for a refund made in Razorpay's dashboard, a new entry of the one booking
        that records the payment."""
        status = RefundStatus.PROCESSED if processed else RefundStatus.FAILED
        found = await self._entry_named(notes or {}, payment_id)
        if found is None:
            found = await self._entry_of_payment(payment_id, refund_id, status)
        if found is None:
            return Outcome.UNKNOWN_REFUND
        booking, key = found
        if key is None:  # news to the ledger: recorded as Razorpay tells it, in one update
            key = outside_key(booking, refund_id)
            outside = RefundEntry(
                key=key,
                payment_id=payment_id,
                amount_paise=amount_paise,
                percent=0,
                status=status,
                refund_id=refund_id,
            )
            updated = await record_outside_refund(booking, outside)
            amount = amount_paise
        else:
            amount = amount_paise or booking.refunds[key].amount_paise
            updated = await refund_news(booking.id, key, status, refund_id, amount)
        if updated is None:
            current = await self.bookings.booking(booking.id)
            return REFUND_ALREADY[current.refunds[key].status]
        await refunds_settled(updated)
        now = self.clock.now()
        if processed:
            text = partial(musician.refund_processed, updated, amount)
            await announce(updated, None, musician=text, key=_news_key(updated, key, "processed"), now=now)
            await self._credit_note(updated)
            await self._reverse_payout(updated)
            return Outcome.REFUND_PROCESSED
        room = await self.bookings.room(updated.room_id)
        await announce(
            updated,
            room,
            musician=partial(musician.refund_failed, updated, amount),
            owners=partial(owner.refund_failed, updated, room, amount),
            key=_news_key(updated, key, "failed"),
            now=now,
        )
        return Outcome.REFUND_FAILED

    async def _entry_named(self, notes: Mapping[str, Any], payment_id: str) -> tuple[Booking, str] | None:
        """The entry our request's notes name, if the booking records it for this payment."""
        booking_id = parse_object_id(str(notes.get("booking_id") or ""))
        key = notes.get("key")
        if booking_id is None or not is_refund_key(key):
            return None
        booking = await booking_by_id(booking_id)
        if booking is None or key not in booking.refunds:
            return None
        if booking.refunds[key].payment_id not in (None, payment_id):
            return None
        return booking, str(key)

    async def _entry_of_payment(
        self, payment_id: str, refund_id: str, status: RefundStatus
    ) -> tuple[Booking, str | None] | None:
        """A refund without our notes (asked for before the ledger, or in the dashboard):
        its entry, or (booking, None) for a refund the ledger does not know."""
        paid = await bookings_paid_by(payment_id) if payment_id else []
        if not paid:
            return None
        ledgers = {str(b.id): list(b.refunds.values()) for b in paid}
        match = match_refund(ledgers, refund_id=refund_id, payment_id=payment_id, target=status)
        if match is None:
            log.warning(
                "refund %s of payment %s matches several bookings: not recorded", refund_id, payment_id
            )
            return None
        return next(b for b in paid if str(b.id) == match.owner), match.key


def outside_key(booking: Booking, refund_id: str) -> str:
    """The entry key of a refund made outside the bot: named by its refund id, so a
    repeated webhook finds it."""
    key = f"outside-{refund_id}"
    return key if is_refund_key(key) else f"outside-{len(booking.refunds) + 1}"
