"""Payments for bookings: the single code path for links, webhook events, refunds and
invoices. Dialogs, the webhook, jobs and owner tools all call this service.

Money safety rests on the same two database guarantees as bookings: a Razorpay event
is recorded under its unique event id, and every change to a booking's payment or
refund state is one conditional update, so a replayed or racing event, a job and a
user change it once. Refund requests also carry an idempotency key, so even a
retried request after a timeout cannot pay twice.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain.booking_status import BookingStatus
from domain.clock import Clock
from domain.errors import SlotsTakenError
from domain.payment_fit import Refusal, refusal_before_settling
from domain.refund_status import RefundStatus, refunded_paise
from payments import messages
from payments.gateway import (
    GatewayError,
    GatewayTimeoutError,
    PaymentGateway,
    PaymentLink,
    PaymentLinkRequest,
)
from payments.invoice_pdf import InvoiceData, InvoiceLine, render_invoice_pdf
from storage.booking_service import BookingService, parse_object_id
from storage.invoices import invoice_number_for
from storage.models import Booking, Room, User, to_ms
from storage.outbox import enqueue
from storage.payment_events import claim_event, finish_event, forget_event
from storage.payment_records import (
    claim_refund,
    refund_accepted,
    refund_news,
    refund_not_needed,
    refund_request_failed,
    refunds_to_retry,
    store_link,
)

log = logging.getLogger(__name__)

REFUND_LEASE_MS = 120_000
INVOICE_ATTACHMENT = "invoice:"
"""A refund claimed this long ago and not settled (its process died) may be claimed again;
the idempotency key makes the second request return the first refund."""


@dataclass(frozen=True)
class PaymentLinkView:
    url: str
    amount_paise: int
    hold_expires_at: datetime


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


class PaymentService:
    def __init__(
        self,
        gateway: PaymentGateway,
        clock: Clock,
        bookings: BookingService,
        *,
        public_base_url: str,
        bot_username: str = "jamroom_bot",
    ) -> None:
        self.gateway = gateway
        self.clock = clock
        self.bookings = bookings
        self.public_base_url = public_base_url.rstrip("/")
        self.bot_username = bot_username
        self._background: set[asyncio.Task[None]] = set()

    @property
    def callback_url(self) -> str:
        return f"{self.public_base_url}/payments/callback"

    # ---- links ---------------------------------------------------------------------

    async def ensure_payment_link(self, booking: Booking, room: Room, user: User) -> PaymentLinkView:
        """The booking's payment link, created once. Raises GatewayError when the
        gateway fails; the booking keeps its hold, so the musician can retry."""
        existing = booking.payment.get("link_url")
        if existing:
            return PaymentLinkView(existing, booking.amount_paise, booking.hold_expires_at)
        request = PaymentLinkRequest(
            booking_id=str(booking.id),
            reference_id=booking.code,
            amount_paise=booking.amount_paise,
            description=f"{room.name} · {booking.day:%d %b %Y} · {len(booking.slots)} slot(s)"[:2048],
            expire_by=booking.hold_expires_at + timedelta(minutes=1),
            callback_url=self.callback_url,
            customer_name=user.display_name,
            customer_contact=None,
            notes={"booking_id": str(booking.id), "booking_code": booking.code, "room": room.slug},
        )
        link = await self._new_or_earlier_link(booking, request)
        stored = await store_link(booking.id, link.id, link.short_url)
        if stored is None:
            # Another confirm of the same booking stored its link first: keep that one, and
            # cancel ours unless it is the same link (both found the one made earlier).
            fresh = await self.bookings.booking(booking.id)
            if fresh.payment.get("link_id") != link.id:
                await self._cancel_quietly(link.id)
            return PaymentLinkView(fresh.payment["link_url"], fresh.amount_paise, fresh.hold_expires_at)
        return PaymentLinkView(link.short_url, booking.amount_paise, booking.hold_expires_at)

    async def _new_or_earlier_link(self, booking: Booking, request: PaymentLinkRequest) -> PaymentLink:
        """A new link, or the one an earlier attempt made: a create that timed out at our
        side may have made it, and its reference (the booking code) cannot be used twice,
        so the retry is refused ("already exists") and finds it by that reference."""
        try:
            return await self.gateway.create_link(request)
        except GatewayTimeoutError:
            raise  # asking again now would likely time out too; Try again will find it
        except GatewayError:
            earlier = await self.gateway.find_link(booking.code)
            if earlier is None or not _payable_for(earlier, booking):
                raise
            log.info("payment link for %s was made by an earlier attempt: %s", booking.code, earlier.id)
            return earlier

    async def cancel_link_for(self, booking: Booking) -> None:
        """Cancel the booking's link after its hold ended, so it cannot be paid late."""
        link_id = booking.payment.get("link_id")
        if link_id:
            await self._cancel_quietly(link_id)

    async def _cancel_quietly(self, link_id: str) -> None:
        try:
            await self.gateway.cancel_link(link_id)
        except GatewayError as error:
            log.warning("could not cancel payment link %s: %s", link_id, error)

    # ---- webhook events ------------------------------------------------------------

    async def handle_event(self, event_id: str, payload: dict[str, Any]) -> str:
        """Process one verified Razorpay event once; returns a short outcome for the log.
        Database errors propagate (the webhook answers 503 and Razorpay retries)."""
        event = str(payload.get("event", ""))
        reference = _reference_of(payload)
        if not await claim_event(event_id, event, reference, self.clock.now()):
            return "duplicate"
        try:
            outcome = await self._dispatch(event, payload)
        except BaseException:
            await forget_event(event_id)
            raise
        await finish_event(event_id, outcome)
        return outcome

    async def _dispatch(self, event: str, payload: dict[str, Any]) -> str:
        entities = payload.get("payload") or {}
        match event:
            case "payment_link.paid":
                link = _entity(entities, "payment_link")
                payment = _entity(entities, "payment")
                paid = Paid(
                    reference=str(link.get("reference_id", "")),
                    link_id=link.get("id"),
                    payment_id=str(payment.get("id", "")),
                    amount_paise=int(payment.get("amount") or link.get("amount_paid") or 0),
                    currency=str(payment.get("currency") or link.get("currency") or ""),
                )
                return await self.settle_paid(paid)
            case "payment_link.expired" | "payment_link.cancelled":
                return await self._link_closed(_entity(entities, "payment_link"))
            case "payment.failed":
                return await self._payment_failed(entities)
            case "refund.processed" | "refund.failed":
                return await self._refund_settled(
                    _entity(entities, "refund"), processed=event == "refund.processed"
                )
        return "ignored"

    async def settle_paid(self, paid: Paid) -> str:
        """Money arrived for a booking: confirm it, or refund it in full and say why."""
        booking = await Booking.find_one(Booking.code == paid.reference)
        if booking is None:
            log.warning("payment %s for unknown reference %r", paid.payment_id, paid.reference)
            return "unknown booking"
        room = await self.bookings.room(booking.room_id)
        if booking.payment_id == paid.payment_id:
            # Razorpay retries an event we did not finish: if the process died between
            # recording the payment and queueing the messages, queue them now (each is
            # queued once, under its dedupe key, so nothing is sent twice).
            await self._announce_again(booking, room)
            return "already settled"
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
                return "confirmed"
            booking = await self.bookings.booking(booking.id)  # it moved meanwhile: look again
            if booking.payment_id == paid.payment_id:
                return "already settled"
        if booking.status is BookingStatus.EXPIRED and not booking.payment_id:
            return await self._late_payment(booking, room, paid)
        if booking.status is BookingStatus.CANCELLED and not booking.payment_id:
            return await self._refuse(booking, room, paid, Refusal.BOOKING_CANCELLED)
        return await self._extra_payment(booking, room, paid)

    async def _late_payment(self, booking: Booking, room: Room, paid: Paid) -> str:
        try:
            revived = await self.bookings.confirm_late_payment(booking, paid.record)
        except SlotsTakenError:
            return await self._refuse(booking, room, paid, Refusal.SLOTS_TAKEN)
        if revived is None:
            return "already settled"
        await self._announce_confirmed(revived, room)
        return "confirmed late"

    async def _refuse(self, booking: Booking, room: Room, paid: Paid, refusal: Refusal) -> str:
        """Money that cannot buy its booking: record it with a full refund due, in the
        update that closes a held booking, then tell both sides and refund at once."""
        refund = {
            "due_paise": paid.amount_paise,
            "percent": 100,
            "status": RefundStatus.DUE.value,
            "reason": refusal.value,
        }
        refused = await self.bookings.refuse_payment(
            booking,
            paid.record,
            refund,
            close_as=BookingStatus.CANCELLED if refusal is Refusal.WRONG_AMOUNT else BookingStatus.EXPIRED,
            reason=messages.REFUSAL_REASONS[refusal],
        )
        if refused is None:
            current = await self.bookings.booking(booking.id)
            if current.payment_id == paid.payment_id:
                return "already settled"
            return await self._extra_payment(current, room, paid)
        log.warning("payment %s for %s refused (%s): refunding it", paid.payment_id, booking.code, refusal)
        await self._announce_refusal(refused, room)
        self._refund_in_background(refused)
        return f"refunded: {refusal.value.replace('_', ' ')}"

    async def _announce_again(self, booking: Booking, room: Room) -> None:
        if _refusal_of(booking) is not None:
            await self._announce_refusal(booking, room)
        elif booking.status in (BookingStatus.NOT_STARTED, BookingStatus.ONGOING):
            await self._announce_confirmed(booking, room)

    async def _announce_refusal(self, booking: Booking, room: Room) -> None:
        refusal = _refusal_of(booking)
        if refusal is None:
            return
        now = self.clock.now()
        payment = booking.payment
        paid_paise = int(payment.get("amount_paid_paise") or booking.refund.get("due_paise") or 0)
        currency = str(payment.get("currency") or "INR")
        await enqueue(
            booking.user_id,
            messages.refused_musician(booking, room, refusal, paid_paise, currency),
            dedupe_key=f"{booking.id}:refused",
            now=now,
        )
        for owner_id in room.owner_ids:
            await enqueue(
                owner_id,
                messages.refused_owner(booking, room, refusal, paid_paise, currency),
                dedupe_key=f"{booking.id}:refused:owner:{owner_id}",
                now=now,
            )

    async def _extra_payment(self, booking: Booking, room: Room, paid: Paid) -> str:
        """A payment for a booking that already records another one cannot be recorded
        on it: the room is told, so a person refunds it from the dashboard."""
        log.warning(
            "payment %s for %s, which records payment %s: the owner is asked to refund it",
            paid.payment_id,
            booking.code,
            booking.payment_id,
        )
        now = self.clock.now()
        for owner_id in room.owner_ids:
            await enqueue(
                owner_id,
                messages.extra_payment_owner(
                    booking, room, paid.payment_id, paid.amount_paise, paid.currency
                ),
                dedupe_key=f"{booking.id}:extra:{paid.payment_id}:owner:{owner_id}",
                now=now,
            )
        return "extra payment flagged"

    async def _announce_confirmed(self, booking: Booking, room: Room) -> None:
        now = self.clock.now()
        musician = await User.get(booking.user_id)
        await enqueue(
            booking.user_id,
            messages.confirmed(booking, room),
            dedupe_key=f"{booking.id}:confirmed",
            now=now,
            location=_venue(room),
        )
        await self.send_invoice(booking, dedupe_key=f"{booking.id}:invoice")
        for owner_id in room.owner_ids:
            await enqueue(
                owner_id,
                messages.owner_new_booking(booking, room, musician),
                dedupe_key=f"{booking.id}:paid:owner:{owner_id}",
                now=now,
            )

    async def _link_closed(self, link: dict[str, Any]) -> str:
        booking = await Booking.find_one(Booking.code == str(link.get("reference_id", "")))
        if booking is None or booking.status is not BookingStatus.PENDING_PAYMENT:
            return "nothing to expire"
        expired = await self.bookings.expire_now(booking)
        if expired is None:
            return "nothing to expire"
        room = await self.bookings.room(expired.room_id)
        await enqueue(
            expired.user_id,
            messages.hold_expired(expired, room),
            dedupe_key=f"{expired.id}:expired",
            now=self.clock.now(),
        )
        return "expired"

    async def _payment_failed(self, entities: dict[str, Any]) -> str:
        payment = _entity(entities, "payment")
        notes = payment.get("notes") if isinstance(payment.get("notes"), dict) else {}
        reference = notes.get("booking_code") or _entity(entities, "payment_link").get("reference_id")
        booking = await Booking.find_one(Booking.code == str(reference)) if reference else None
        if booking is None or booking.status is not BookingStatus.PENDING_PAYMENT:
            return "failure ignored"
        room = await self.bookings.room(booking.room_id)
        await enqueue(
            booking.user_id,
            messages.payment_failed(booking, room, payment.get("error_description")),
            dedupe_key=f"{booking.id}:failed:{payment.get('id', '')}",
            now=self.clock.now(),
        )
        return "failure told"

    async def _refund_settled(self, refund: dict[str, Any], *, processed: bool) -> str:
        """Razorpay's word on a refund, recorded with its amount whether or not our own
        record of asking for it is written yet (see storage.payment_records)."""
        payment_id = str(refund.get("payment_id", ""))
        booking = await Booking.find_one(Booking.payment_id == payment_id) if payment_id else None
        if booking is None:
            return "unknown refund"
        status = RefundStatus.PROCESSED if processed else RefundStatus.FAILED
        amount = int(refund.get("amount") or booking.refund.get("amount_paise") or 0)
        updated = await refund_news(booking.id, status, str(refund.get("id", "")), amount)
        if updated is None:
            current = await self.bookings.booking(booking.id)
            return f"refund already {current.refund.get('status', status.value)}"
        now = self.clock.now()
        if processed:
            text = messages.refund_processed(updated, amount)
            await enqueue(updated.user_id, text, dedupe_key=f"{updated.id}:refund:processed", now=now)
            return "refund processed"
        room = await self.bookings.room(updated.room_id)
        text = messages.refund_failed_musician(updated, amount)
        await enqueue(updated.user_id, text, dedupe_key=f"{updated.id}:refund:failed", now=now)
        for owner_id in room.owner_ids:
            await enqueue(
                owner_id,
                messages.refund_failed_owner(updated, room, amount),
                dedupe_key=f"{updated.id}:refund:failed:owner:{owner_id}",
                now=now,
            )
        return "refund failed"

    # ---- reconciliation ------------------------------------------------------------

    async def reconcile(self, booking: Booking) -> str:
        """Settle a booking whose link was paid but whose webhook has not come, by asking
        the gateway; the same path as the webhook."""
        link_id = booking.payment.get("link_id")
        if not link_id:
            return "no link"
        link = await self.gateway.fetch_link(link_id)
        if link.status == "paid" and link.payment_id:
            return await self.settle_paid(_paid_from_link(link))
        if link.status in ("expired", "cancelled"):
            return await self._link_closed({"reference_id": link.reference_id})
        return f"link {link.status}"

    # ---- refunds -------------------------------------------------------------------

    async def refund_due(self, booking: Booking) -> str:
        """Pay the refund the booking records as due, at most once. A gateway failure
        leaves it due for the retry job; nothing is lost."""
        if not booking.payment_id:
            await refund_not_needed(booking.id)
            return "nothing paid"
        now_ms = to_ms(self.clock.now()) or 0
        current = await claim_refund(booking.id, now_ms, REFUND_LEASE_MS)
        if current is None:
            return "not due"
        amount = int(current.refund.get("due_paise", 0))
        try:
            refund = await self.gateway.refund(current.payment_id or "", amount, f"refund-{current.id}")
        except GatewayError as error:
            await refund_request_failed(current.id, str(error))
            log.warning("refund for %s failed, will retry: %s", current.code, error)
            return "retry later"
        status = RefundStatus.PROCESSED if refund.status == "processed" else RefundStatus.PENDING
        recorded = await refund_accepted(current.id, status, refund.id, refund.amount_paise)
        if recorded is None:
            # Razorpay's webhook about this refund came first and recorded it; its message
            # went out then, and "initiated" after "processed" would only confuse.
            after = await self.bookings.booking(current.id)
            return str(after.refund.get("status", status.value))
        await enqueue(
            current.user_id,
            messages.refund_started(current, refund.amount_paise),
            dedupe_key=f"{current.id}:refund:started",
            now=self.clock.now(),
        )
        return status.value

    async def retry_due_refunds(self, limit: int = 50) -> int:
        """Refunds left due (a gateway failure, a crash): try each again. For a job."""
        done = 0
        for booking in await refunds_to_retry(limit):
            if await self.refund_due(booking) in (RefundStatus.PROCESSED, RefundStatus.PENDING):
                done += 1
        return done

    def _refund_in_background(self, booking: Booking) -> None:
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

    # ---- invoices ------------------------------------------------------------------

    async def invoice_document(
        self, booking: Booking, *, room: Room | None = None, buyer: User | None = None
    ) -> tuple[str, bytes, str]:
        """(file name, PDF bytes, invoice number); the number is allocated once per booking.
        Pass the room and buyer when the caller has them, to save two reads."""
        room = room or await self.bookings.room(booking.room_id)
        buyer = buyer or await User.get(booking.user_id)
        issued_on = (booking.paid_at or self.clock.now()).astimezone(room.zone).date()
        number, issued = await invoice_number_for(booking, issued_on)
        data = InvoiceData(
            number=number,
            issue_date=issued,
            seller_name=room.business_name or room.name,
            seller_address=room.address,
            seller_gstin=room.gstin,
            buyer_name=buyer.display_name if buyer else "Musician",
            buyer_username=buyer.username if buyer else None,
            booking_code=booking.code,
            room_name=room.name,
            session_date=booking.day,
            timezone=room.timezone,
            lines=[
                InvoiceLine(
                    description=f"Rehearsal slot, {room.name}",
                    start=s.start,
                    end=s.end,
                    rate_paise=s.price_paise * 60 // max(1, int((s.end - s.start).total_seconds() // 60)),
                    amount_paise=s.price_paise,
                )
                for s in booking.slots
            ],
            total_paise=booking.amount_paise,
            amount_paid_paise=int(booking.payment.get("amount_paid_paise", booking.amount_paise)),
            payment_id=booking.payment_id or "",
            refunds=_refund_rows(booking),
        )
        pdf = await asyncio.to_thread(render_invoice_pdf, data)
        return f"invoice-{number.replace('/', '-')}.pdf", pdf, number

    async def send_invoice(self, booking: Booking, *, dedupe_key: str | None = None) -> bool:
        """Queue the invoice to the musician; a re-send uses a fresh dedupe key. The PDF
        is made, and its number taken, when the outbox delivers it
        (``render_attachment``): off the webhook's path, and once per booking however
        often it is sent."""
        now = self.clock.now()
        return await enqueue(
            booking.user_id,
            "",
            dedupe_key=dedupe_key or f"{booking.id}:invoice:resend:{to_ms(now)}",
            now=now,
            attachment=f"{INVOICE_ATTACHMENT}{booking.id}",
        )

    async def render_attachment(self, attachment: str) -> tuple[str, bytes, str]:
        """(file name, PDF, caption) for an outbox ``attachment`` this service queued."""
        kind, _, booking_id = attachment.partition(":")
        if f"{kind}:" != INVOICE_ATTACHMENT:
            raise ValueError(f"unknown attachment {attachment!r}")
        booking = await self.bookings.booking(booking_id)
        name, pdf, number = await self.invoice_document(booking)
        return name, pdf, messages.invoice_caption(booking, number)


def _entity(entities: dict[str, Any], name: str) -> dict[str, Any]:
    wrapper = entities.get(name) or {}
    entity = wrapper.get("entity") if isinstance(wrapper, dict) else None
    return entity if isinstance(entity, dict) else {}


def _reference_of(payload: dict[str, Any]) -> str | None:
    entities = payload.get("payload") or {}
    link = _entity(entities, "payment_link")
    return str(link["reference_id"]) if link.get("reference_id") else None


def _same_link(booking: Booking, paid: Paid) -> bool:
    ours = booking.payment.get("link_id")
    return not ours or not paid.link_id or ours == paid.link_id


def _refusal_of(booking: Booking) -> Refusal | None:
    """Why the booking's recorded payment is being refunded in full, if it is."""
    reason = booking.refund.get("reason")
    return Refusal(reason) if reason in set(Refusal) else None


def _payable_for(link: PaymentLink, booking: Booking) -> bool:
    """A link found by the booking's reference that can still take (or took) its money."""
    return link.amount_paise == booking.amount_paise and link.status in ("created", "paid", "partially_paid")


def _paid_from_link(link: PaymentLink) -> Paid:
    return Paid(
        reference=link.reference_id,
        link_id=link.id,
        payment_id=link.payment_id or "",
        amount_paise=link.amount_paid_paise,
        currency=link.currency,
    )


def _refund_rows(booking: Booking) -> list[tuple[str, int, str]]:
    """The invoice's refund lines: only money that went back (a failed refund is not one)."""
    refund = booking.refund
    returned = refunded_paise(refund)
    if not refund.get("id") or not returned:
        return []
    return [(str(refund["id"]), returned, str(refund.get("status", "")))]


def _venue(room: Room) -> dict[str, Any] | None:
    if room.latitude is None or room.longitude is None:
        return None
    return {
        "latitude": room.latitude,
        "longitude": room.longitude,
        "title": room.name,
        "address": room.address,
    }


def booking_id_from(raw: str) -> Any:
    return parse_object_id(raw)
