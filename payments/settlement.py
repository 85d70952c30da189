"""What the gateway's news means for a booking: money arrived (confirm it, or refund it
in full and say why), a payment failed (tell the musician), a link closed unpaid (the
hold ends). The webhook's events and reconciliation both come here, so a booking
settles the same way however the news reached us.

A weekly series is paid by one link whose reference is the series' code: its money
settles week by week (each week confirmed, or its share refunded when its slots went
meanwhile or its session is over), and the musician and the owners hear of the series
once, when every week records the payment.

Every change is one conditional update in storage, and every message is queued once
under its dedupe key, so a replayed or racing delivery changes nothing twice."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from domain.booking_status import BookingStatus
from domain.clock import Clock
from domain.codes import is_series_code
from domain.errors import SlotsTakenError
from domain.ledger import PaymentPurpose
from domain.moves import ChangeReference, parse_change_reference
from domain.payment_fit import Refusal, refusal_before_settling
from domain.payment_outcomes import REFUNDED, Outcome
from domain.words import musician, owner
from payments.invoices import Invoices
from payments.payouts import Payouts
from payments.refunds import Refunds, owed_in_full
from storage.announcements import announce
from storage.booking_service import BookingService
from storage.bookings import booking_by_code
from storage.calendar_messages import send_calendar_file, send_series_calendar_file
from storage.models import Booking, PaymentEntry, Room
from storage.moves import CHANGE_REFUSED, SessionChanges, change_purpose
from storage.outbox import enqueue
from storage.payment_records import bookings_paid_by
from storage.series import news_key, series_weeks
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
        """What the gateway said, in the shape of a payment record before the ledger."""
        return {
            "payment_id": self.payment_id,
            "amount_paid_paise": self.amount_paise,
            "currency": self.currency,
            "link_id": self.link_id,
        }

    def entry(self, share_paise: int, purpose: PaymentPurpose, clock: Clock) -> PaymentEntry:
        """This payment in a booking's ledger, ``share_paise`` of it the booking's."""
        return PaymentEntry(
            payment_id=self.payment_id,
            link_id=self.link_id,
            reference=self.reference,
            share_paise=share_paise,
            paid_paise=self.amount_paise,
            currency=self.currency,
            paid_at=clock.now(),
            purpose=purpose,
        )


class Settlement:
    def __init__(
        self,
        clock: Clock,
        bookings: BookingService,
        *,
        refunds: Refunds,
        invoices: Invoices,
        payouts: Payouts | None = None,
    ) -> None:
        self.clock = clock
        self.bookings = bookings
        self.refunds = refunds
        self.invoices = invoices
        self.changes = SessionChanges(bookings)
        self.payouts = payouts
        """Pays the room's owner out of the payment (None: payouts are off, the sandbox)."""

    # ---- money arrived -------------------------------------------------------------

    async def settle_paid(self, paid: Paid) -> Outcome:
        """Money arrived for a booking or a series: confirm it, or refund it in full (or a
        series' weeks that cannot be had) and say why; then pay the owners their share of
        what the bookings recorded (again on a replay, which changes nothing twice). Money
        for a move or an extra hour (a change's reference) is ``_settle_change``'s."""
        outcome = await self._settle_paid(paid)
        if self.payouts is not None:
            self.payouts.pay_in_background(await bookings_paid_by(paid.payment_id))
        return outcome

    async def _settle_paid(self, paid: Paid) -> Outcome:
        change = parse_change_reference(paid.reference)
        if change is not None:
            return await self._settle_change(paid, change)
        if is_series_code(paid.reference):
            weeks = await series_weeks(paid.reference)
            if weeks:
                return await self._settle_series(weeks, paid)
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
        entry = paid.entry(booking.amount_paise, PaymentPurpose.BOOKING, self.clock)
        if booking.status is BookingStatus.PENDING_PAYMENT:
            confirmed = await self.bookings.confirm_payment(booking, entry)
            if confirmed is not None:
                await self._announce_confirmed(confirmed, room)
                return Outcome.CONFIRMED
            booking = await self.bookings.booking(booking.id)  # it moved meanwhile: look again
            if booking.payment_id == paid.payment_id:
                return Outcome.ALREADY_SETTLED
        if booking.status is BookingStatus.EXPIRED and not booking.payment_id:
            return await self._late_payment(booking, room, paid, entry)
        if booking.status is BookingStatus.CANCELLED and not booking.payment_id:
            return await self._refuse(booking, room, paid, Refusal.BOOKING_CANCELLED)
        return await self._extra_payment(booking, room, paid)

    async def _late_payment(self, booking: Booking, room: Room, paid: Paid, entry: PaymentEntry) -> Outcome:
        try:
            revived = await self.bookings.confirm_late_payment(booking, entry)
        except SlotsTakenError:
            return await self._refuse(booking, room, paid, Refusal.SLOTS_TAKEN)
        if revived is None:
            return Outcome.ALREADY_SETTLED
        await self._announce_confirmed(revived, room)
        return Outcome.CONFIRMED_LATE

    async def _refuse(self, booking: Booking, room: Room, paid: Paid, refusal: Refusal) -> Outcome:
        """Money that cannot buy its booking: record it with a full refund due, in the
        update that closes a held booking, then tell both sides and refund at once."""
        refused = await self._record_refusal(booking, paid, refusal, paid.amount_paise)
        if refused is None:
            current = await self.bookings.booking(booking.id)
            if current.payment_id == paid.payment_id:
                return Outcome.ALREADY_SETTLED
            return await self._extra_payment(current, room, paid)
        log.warning("payment %s for %s refused (%s): refunding it", paid.payment_id, booking.code, refusal)
        await self._announce_refusal(refused, room)
        self.refunds.refund_in_background(refused)
        return REFUNDED[refusal]

    async def _record_refusal(
        self, booking: Booking, paid: Paid, refusal: Refusal, share_paise: int
    ) -> Booking | None:
        """Record ``share_paise`` of the payment on ``booking`` with all of it owed back."""
        purpose = PaymentPurpose.SERIES if booking.series else PaymentPurpose.BOOKING
        return await self.bookings.refuse_payment(
            booking,
            paid.entry(share_paise, purpose, self.clock),
            owed_in_full(share_paise, refusal),
            close_as=BookingStatus.CANCELLED if refusal is Refusal.WRONG_AMOUNT else BookingStatus.EXPIRED,
            reason=owner.REFUSAL_REASONS[refusal],
        )

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
            owners=partial(
                owner.extra_payment, booking, room, paid.payment_id, paid.amount_paise, paid.currency
            ),
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
        paid_paise, currency = _payment_of(booking)
        if booking.series is not None:
            await announce(
                booking,
                room,
                musician=partial(musician.series_refused, booking, room, refusal, paid_paise, currency),
                owners=partial(owner.refused_series_payment, booking, room, refusal, paid_paise, currency),
                key="refused",
                now=self.clock.now(),
            )
            return
        await announce(
            booking,
            room,
            musician=partial(musician.refused, booking, room, refusal, paid_paise, currency),
            owners=partial(owner.refused_payment, booking, room, refusal, paid_paise, currency),
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
            musician=partial(musician.confirmed, booking, room),
            key="confirmed",
            now=now,
            location=_venue(room),
        )
        await self.invoices.send_invoice(booking, dedupe_key=f"{booking.id}:invoice")
        # Its own moment, after the invoice's: the outbox sends a chat's messages in the
        # order of their moments, and the confirmation says the invoice comes next.
        await send_calendar_file(booking, room, now=self.clock.now())
        await announce(
            booking, room, owners=partial(owner.new_booking, booking, room, who), key="paid", now=now
        )

    # ---- a weekly series' money ----------------------------------------------------

    async def _settle_series(self, weeks: list[Booking], paid: Paid) -> Outcome:
        """One payment for every week of a series. Money that cannot buy the series (the
        wrong amount, currency or link; every session over) is refunded in full on its
        first week, the held weeks closed. Otherwise each week not yet settled takes its
        share: confirmed, or refunded when it cannot be had (its slots went after the hold,
        its session is over, the series was given up). Told once, when every week records
        the payment."""
        lead = weeks[0]
        room = await self.bookings.room(lead.room_id)
        others = {b.payment_id for b in weeks if b.payment_id and b.payment_id != paid.payment_id}
        if others:
            return await self._extra_payment(lead, room, paid)
        if all(b.payment_id == paid.payment_id for b in weeks):
            await self._announce_series(weeks, room, paid)
            return Outcome.ALREADY_SETTLED
        whole = refusal_before_settling(
            price_paise=sum(b.amount_paise for b in weeks),
            paid_paise=paid.amount_paise,
            currency=paid.currency,
            same_link=_same_link(lead, paid),
            session_ends_at=max(b.ends_at for b in weeks),
            now=self.clock.now(),
        )
        if whole is not None:
            return await self._refuse_series(weeks, room, paid, whole)
        changed = [
            await self._settle_week(week, paid) for week in weeks if week.payment_id != paid.payment_id
        ]
        settled = await series_weeks(lead.series.code if lead.series else paid.reference)
        refused = [b for b in settled if b.payment_id == paid.payment_id and _refusal_of(b) is not None]
        for week in refused:
            self.refunds.refund_in_background(week)
        await self._announce_series(settled, room, paid)
        if not any(changed):
            return Outcome.ALREADY_SETTLED
        if refused:
            return Outcome.SERIES_PARTLY_REFUNDED
        late = any(b.status is BookingStatus.EXPIRED for b in weeks)
        return Outcome.CONFIRMED_LATE if late else Outcome.CONFIRMED

    async def _settle_week(self, week: Booking, paid: Paid) -> bool:
        """This week's share of the series' payment: confirmed, or recorded with all of it
        owed back. False when another delivery settled it first."""
        entry = paid.entry(week.amount_paise, PaymentPurpose.SERIES, self.clock)
        refusal: Refusal | None = None
        if self.clock.now() >= week.ends_at:
            refusal = Refusal.SESSION_OVER
        elif week.status is BookingStatus.PENDING_PAYMENT:
            if await self.bookings.confirm_payment(week, entry) is not None:
                return True
            week = await self.bookings.booking(week.id)
            if week.payment_id == paid.payment_id:
                return False
        if refusal is None and week.status is BookingStatus.EXPIRED:
            try:
                return await self.bookings.confirm_late_payment(week, entry) is not None
            except SlotsTakenError:
                refusal = Refusal.SLOTS_TAKEN
        if refusal is None:
            refusal = Refusal.BOOKING_CANCELLED  # given up before it was paid
        return await self._record_refusal(week, paid, refusal, week.amount_paise) is not None

    async def _refuse_series(self, weeks: list[Booking], room: Room, paid: Paid, refusal: Refusal) -> Outcome:
        """The payment cannot buy the series: all of it goes back, recorded on the first
        week; the weeks still held are let go."""
        lead = weeks[0]
        if lead.payment_id == paid.payment_id:
            await self._announce_refusal(lead, room)
            return Outcome.ALREADY_SETTLED
        refused = await self._record_refusal(lead, paid, refusal, paid.amount_paise)
        if refused is None:
            current = await self.bookings.booking(lead.id)
            if current.payment_id == paid.payment_id:
                return Outcome.ALREADY_SETTLED
            return await self._extra_payment(current, room, paid)
        for week in weeks[1:]:
            if week.status is BookingStatus.PENDING_PAYMENT:
                await self.bookings.transition(
                    week,
                    BookingStatus.PENDING_PAYMENT,
                    BookingStatus.CANCELLED if refusal is Refusal.WRONG_AMOUNT else BookingStatus.EXPIRED,
                    extra={"cancelled_at": self.clock.now(), "cancel_reason": owner.REFUSAL_REASONS[refusal]},
                )
        log.warning(
            "payment %s for series %s refused (%s): refunding it", paid.payment_id, paid.reference, refusal
        )
        await self._announce_refusal(refused, room)
        self.refunds.refund_in_background(refused)
        return REFUNDED[refusal]

    async def _announce_series(self, weeks: list[Booking], room: Room, paid: Paid) -> None:
        """Once every week records the payment: the musician hears which weeks are theirs
        (and which are refunded, why), the invoice and one calendar file of the weeks
        follow, then the owners' news."""
        if not weeks or any(b.payment_id != paid.payment_id for b in weeks):
            return
        lead = weeks[0]
        kept = [b for b in weeks if _refusal_of(b) is None]
        lost = [(b, refusal) for b in weeks if (refusal := _refusal_of(b)) is not None]
        now = self.clock.now()
        who = await user_by_id(lead.user_id)
        await announce(
            lead,
            room,
            musician=partial(musician.series_confirmed, kept, lost, room, paid.amount_paise),
            key="confirmed",
            now=now,
            location=_venue(room) if kept else None,
        )
        if kept:
            await self.invoices.send_invoice(lead, dedupe_key=f"{lead.id}:invoice")
            await send_series_calendar_file(kept, now=self.clock.now())  # after the invoice, as a booking's
            await announce(lead, room, owners=partial(owner.new_series, kept, room, who), key="paid", now=now)

    # ---- a move's or an extra hour's difference -------------------------------------

    async def _settle_change(self, paid: Paid, reference: ChangeReference) -> Outcome:
        """The difference for a booking's pending move or extra hour: applied with the
        payment in one update (then the old slots go, the owners and the musician are told,
        the invoice is issued again and the calendar file sent again); money that cannot buy
        it (it lapsed, or not the amount asked) is recorded and refunded in full."""
        booking = await booking_by_code(reference.booking_code)
        if booking is None:
            log.warning("payment %s for unknown change %r", paid.payment_id, paid.reference)
            return Outcome.UNKNOWN_BOOKING
        if any(p.payment_id == paid.payment_id for p in booking.payments):
            return Outcome.ALREADY_SETTLED
        room = await self.bookings.room(booking.room_id)
        pending = booking.change
        fits = (
            pending is not None
            and pending.reference == paid.reference
            and paid.amount_paise == pending.due_paise
            and paid.currency == booking.currency
            and (not pending.link_id or not paid.link_id or pending.link_id == paid.link_id)
        )
        purpose = change_purpose(reference.kind)
        if fits and pending is not None:
            changed = await self.changes.apply_paid(
                booking, paid.entry(pending.due_paise, purpose, self.clock)
            )
            if changed is not None:
                await self.announce_change(booking, changed, room)
                return Outcome.CHANGE_APPLIED
            booking = await self.bookings.booking(booking.id)
            if any(p.payment_id == paid.payment_id for p in booking.payments):
                return Outcome.ALREADY_SETTLED
        refused = await self.changes.record_refused_payment(
            booking, paid.entry(paid.amount_paise, purpose, self.clock), CHANGE_REFUSED
        )
        if refused is None:
            return Outcome.ALREADY_SETTLED
        log.warning("payment %s for %s cannot buy it: refunding it", paid.payment_id, paid.reference)
        await announce(
            refused,
            room,
            musician=partial(musician.change_payment_refunded, refused, reference.kind, paid.amount_paise),
            key=f"change-refused:{paid.payment_id}",
            now=self.clock.now(),
        )
        self.refunds.refund_in_background(refused)
        return Outcome.CHANGE_REFUNDED

    async def announce_change(
        self, before: Booking, after: Booking, room: Room, refund_paise: int = 0
    ) -> None:
        """A move or an extra hour applied: the musician's news, the invoice issued again
        for the new times and the calendar file (same UID, higher SEQUENCE); then the
        owners' "moved from ... to ..."."""
        now = self.clock.now()
        who = await user_by_id(after.user_id)
        step = after.calendar_sequence
        if after.starts_at != before.starts_at or after.day != before.day:
            told, owners = (
                partial(musician.session_moved, before, after, room, refund_paise),
                partial(owner.session_moved, before, after, room, who),
            )
        else:
            told = partial(musician.hour_added, after, room)
            owners = partial(owner.hour_added, before, after, room, who)
        await announce(after, room, musician=told, key=f"changed:{step}", now=now)
        await self.invoices.send_invoice(after, dedupe_key=f"{after.id}:invoice:{step}")
        await send_calendar_file(after, room, now=self.clock.now())
        await announce(after, room, owners=owners, key=f"changed:{step}:news", now=now)

    # ---- no money ------------------------------------------------------------------

    async def link_closed(self, reference: str) -> Outcome:
        """The link expired or was cancelled unpaid: the hold of its booking (or of every
        week of its series) ends now."""
        held = await self._held_by(reference)
        expired = [b for b in [await self.bookings.expire_now(b) for b in held] if b is not None]
        if not expired:
            return Outcome.NOTHING_TO_EXPIRE
        first = expired[0]
        room = await self.bookings.room(first.room_id)
        text = partial(musician.hold_expired, first, room)
        if first.series is None:
            await announce(first, room, musician=text, key="expired", now=self.clock.now())
        else:  # one message for the series, under the key the clock's expiry uses too
            await enqueue(first.user_id, text, dedupe_key=news_key(first, "expired"), now=self.clock.now())
        return Outcome.EXPIRED

    async def payment_failed(self, reference: str | None, payment_id: str, reason: str | None) -> Outcome:
        """A payment for a held booking (or series) did not go through: the musician may
        try again."""
        held = await self._held_by(reference) if reference else []
        if not held:
            return Outcome.FAILURE_IGNORED
        booking = held[0]
        room = await self.bookings.room(booking.room_id)
        await announce(
            booking,
            room,
            musician=partial(musician.payment_failed, booking, room, reason),
            key=f"failed:{payment_id}",
            now=self.clock.now(),
        )
        return Outcome.FAILURE_TOLD

    async def _held_by(self, reference: str) -> list[Booking]:
        """The bookings a link's reference holds unpaid: its booking, or its series' weeks."""
        if is_series_code(reference):
            found = await series_weeks(reference)
        else:
            booking = await booking_by_code(reference)
            found = [booking] if booking else []
        return [b for b in found if b.status is BookingStatus.PENDING_PAYMENT]


def _same_link(booking: Booking, paid: Paid) -> bool:
    ours = booking.payment.get("link_id")
    return not ours or not paid.link_id or ours == paid.link_id


def _refusal_of(booking: Booking) -> Refusal | None:
    """Why the booking's recorded payment is being refunded in full, if it is."""
    for entry in booking.refunds.values():
        if entry.reason in set(Refusal):
            return Refusal(entry.reason)
    return None


def _payment_of(booking: Booking) -> tuple[int, str]:
    """(the whole payment, its currency) of the booking's first payment."""
    if booking.payments:
        first = booking.payments[0]
        return first.paid_paise, first.currency
    return booking.refund.get("due_paise", 0), "INR"


def _venue(room: Room) -> dict[str, Any] | None:
    if room.latitude is None or room.longitude is None:
        return None
    return {
        "latitude": room.latitude,
        "longitude": room.longitude,
        "title": room.name,
        "address": room.address,
    }
