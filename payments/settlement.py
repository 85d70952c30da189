"""What the gateway's news means for a booking: money arrived (confirm it, or refund it
in full and say why), a payment failed (tell the musician), a link closed unpaid (the
hold ends). The webhook's events and reconciliation both come here, so a booking
settles the same way however the news reached us.

Every change is one conditional update in storage, and every message is queued once
under its dedupe key, so a replayed or racing delivery changes nothing twice."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from domain.booking_status import BookingStatus
from domain.clock import Clock
from domain.errors import SlotsTakenError
from domain.payment_fit import Refusal, refusal_before_settling
from domain.payment_outcomes import REFUNDED, Outcome
from domain.words import musician, owner
from payments.invoices import Invoices
from payments.refunds import Refunds, owed_in_full
from storage.announcements import announce
from storage.booking_service import BookingService
from storage.bookings import booking_by_code
from storage.calendar_messages import send_calendar_file
from storage.models import Booking, Room
from storage.users import user_by_id

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Paid:
    """What a gateway says was paid for a booking (from a webhook or a fetched link)."""

    reference: str
    link_id: str | None
    payment_id: str
    amount_paise: int
    currency: str

    @property
    def record(self) -> dict[str, Any]:
        """What the booking keeps of this payment."""
        return {
            "payment_id": self.payment_id,
            "amount_paid_paise": self.amount_paise,
            "currency": self.currency,
            "link_id": self.link_id,
        }


class Settlement:
    def __init__(
        self, clock: Clock, bookings: BookingService, *, refunds: Refunds, invoices: Invoices
    ) -> None:
        self.clock = clock
        self.bookings = bookings
        self.refunds = refunds
        self.invoices = invoices

    # ---- money arrived -------------------------------------------------------------

    async def settle_paid(self, paid: Paid) -> Outcome:
        """Money arrived for a booking: confirm it, or refund it in full and say why."""
        booking = await booking_by_code(paid.reference)
        if booking is None:
            log.warning("payment %s for unknown reference %r", paid.payment_id, paid.reference)
            return Outcome.UNKNOWN_BOOKING
        room = await self.bookings.room(booking.room_id)
        if booking.payment_id == paid.payment_id:
            # Razorpay retries an event we did not finish: if the process died between
            # recording the payment and queueing the messages, queue them now (each is
            # queued once, under its dedupe key, so nothing is sent twice).
            await self._announce_again(booking, room)
            return Outcome.ALREADY_SETTLED
        refusal = refusal_before_settling(
            price_paise=booking.amount_paise,
            paid_paise=paid.amount_paise,
            currency=paid.currency,
            same_link=_same_link(booking, paid),
            session_ends_at=booking.ends_at,
            now=self.clock.now(),
        )
        if refusal is not None:
            return await self._refuse(booking, room, paid, refusal)
        if booking.status is BookingStatus.PENDING_PAYMENT:
            confirmed = await self.bookings.confirm_payment(booking, paid.record)
            if confirmed is not None:
                await self._announce_confirmed(confirmed, room)
                return Outcome.CONFIRMED
            booking = await self.bookings.booking(booking.id)  # it moved meanwhile: look again
            if booking.payment_id == paid.payment_id:
                return Outcome.ALREADY_SETTLED
        if booking.status is BookingStatus.EXPIRED and not booking.payment_id:
            return await self._late_payment(booking, room, paid)
        if booking.status is BookingStatus.CANCELLED and not booking.payment_id:
            return await self._refuse(booking, room, paid, Refusal.BOOKING_CANCELLED)
        return await self._extra_payment(booking, room, paid)

    async def _late_payment(self, booking: Booking, room: Room, paid: Paid) -> Outcome:
        try:
            revived = await self.bookings.confirm_late_payment(booking, paid.record)
        except SlotsTakenError:
            return await self._refuse(booking, room, paid, Refusal.SLOTS_TAKEN)
        if revived is None:
            return Outcome.ALREADY_SETTLED
        await self._announce_confirmed(revived, room)
        return Outcome.CONFIRMED_LATE

    async def _refuse(self, booking: Booking, room: Room, paid: Paid, refusal: Refusal) -> Outcome:
        """Money that cannot buy its booking: record it with a full refund due, in the
        update that closes a held booking, then tell both sides and refund at once."""
        refused = await self.bookings.refuse_payment(
            booking,
            paid.record,
            owed_in_full(paid.amount_paise, refusal),
            close_as=BookingStatus.CANCELLED if refusal is Refusal.WRONG_AMOUNT else BookingStatus.EXPIRED,
            reason=owner.REFUSAL_REASONS[refusal],
        )
        if refused is None:
            current = await self.bookings.booking(booking.id)
            if current.payment_id == paid.payment_id:
                return Outcome.ALREADY_SETTLED
            return await self._extra_payment(current, room, paid)
        log.warning("payment %s for %s refused (%s): refunding it", paid.payment_id, booking.code, refusal)
        await self._announce_refusal(refused, room)
        self.refunds.refund_in_background(refused)
        return REFUNDED[refusal]

    async def _extra_payment(self, booking: Booking, room: Room, paid: Paid) -> Outcome:
        """A payment for a booking that already records another one cannot be recorded
        on it: the room is told, so a person refunds it from the dashboard."""
        log.warning(
            "payment %s for %s, which records payment %s: the owner is asked to refund it",
            paid.payment_id,
            booking.code,
            booking.payment_id,
        )
        await announce(
            booking,
            room,
            owners=owner.extra_payment(booking, room, paid.payment_id, paid.amount_paise, paid.currency),
            key=f"extra:{paid.payment_id}",
            now=self.clock.now(),
        )
        return Outcome.EXTRA_PAYMENT_FLAGGED

    async def _announce_again(self, booking: Booking, room: Room) -> None:
        if _refusal_of(booking) is not None:
            await self._announce_refusal(booking, room)
        elif booking.status in (BookingStatus.NOT_STARTED, BookingStatus.ONGOING):
            await self._announce_confirmed(booking, room)

    async def _announce_refusal(self, booking: Booking, room: Room) -> None:
        refusal = _refusal_of(booking)
        if refusal is None:
            return
        payment = booking.payment
        paid_paise = int(payment.get("amount_paid_paise") or booking.refund.get("due_paise") or 0)
        currency = str(payment.get("currency") or "INR")
        await announce(
            booking,
            room,
            musician=musician.refused(booking, room, refusal, paid_paise, currency),
            owners=owner.refused_payment(booking, room, refusal, paid_paise, currency),
            key="refused",
            now=self.clock.now(),
        )

    async def _announce_confirmed(self, booking: Booking, room: Room) -> None:
        """The confirmation, its invoice and its calendar file, to the musician; then the
        news to the owners."""
        now = self.clock.now()
        who = await user_by_id(booking.user_id)
        await announce(
            booking,
            room,
            musician=musician.confirmed(booking, room),
            key="confirmed",
            now=now,
            location=_venue(room),
        )
        await self.invoices.send_invoice(booking, dedupe_key=f"{booking.id}:invoice")
        # Its own moment, after the invoice's: the outbox sends a chat's messages in the
        # order of their moments, and the confirmation says the invoice comes next.
        await send_calendar_file(booking, room, now=self.clock.now())
        await announce(booking, room, owners=owner.new_booking(booking, room, who), key="paid", now=now)

    # ---- no money ------------------------------------------------------------------

    async def link_closed(self, reference: str) -> Outcome:
        """The booking's link expired or was cancelled unpaid: its hold ends now."""
        booking = await booking_by_code(reference)
        if booking is None or booking.status is not BookingStatus.PENDING_PAYMENT:
            return Outcome.NOTHING_TO_EXPIRE
        expired = await self.bookings.expire_now(booking)
        if expired is None:
            return Outcome.NOTHING_TO_EXPIRE
        room = await self.bookings.room(expired.room_id)
        await announce(
            expired, room, musician=musician.hold_expired(expired, room), key="expired", now=self.clock.now()
        )
        return Outcome.EXPIRED

    async def payment_failed(self, reference: str | None, payment_id: str, reason: str | None) -> Outcome:
        """A payment for a held booking did not go through: the musician may try again."""
        booking = await booking_by_code(reference) if reference else None
        if booking is None or booking.status is not BookingStatus.PENDING_PAYMENT:
            return Outcome.FAILURE_IGNORED
        room = await self.bookings.room(booking.room_id)
        await announce(
            booking,
            room,
            musician=musician.payment_failed(booking, room, reason),
            key=f"failed:{payment_id}",
            now=self.clock.now(),
        )
        return Outcome.FAILURE_TOLD


def _same_link(booking: Booking, paid: Paid) -> bool:
    ours = booking.payment.get("link_id")
    return not ours or not paid.link_id or ours == paid.link_id


def _refusal_of(booking: Booking) -> Refusal | None:
    """Why the booking's recorded payment is being refunded in full, if it is."""
    reason = booking.refund.get("reason")
    return Refusal(reason) if reason in set(Refusal) else None


def _venue(room: Room) -> dict[str, Any] | None:
    if room.latitude is None or room.longitude is None:
        return None
    return {
        "latitude": room.latitude,
        "longitude": room.longitude,
        "title": room.name,
        "address": room.address,
    }
