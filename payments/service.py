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

from pymongo import ReturnDocument

from domain.booking_status import BookingStatus
from domain.clock import Clock
from domain.errors import SlotsTakenError
from payments import messages
from payments.gateway import GatewayError, PaymentGateway, PaymentLink, PaymentLinkRequest
from payments.invoice_pdf import InvoiceData, InvoiceLine, render_invoice_pdf
from storage.booking_service import BookingService, parse_object_id
from storage.invoices import invoice_number_for
from storage.models import Booking, Room, User, to_ms
from storage.outbox import enqueue
from storage.payment_events import claim_event, finish_event, forget_event

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
        link = await self.gateway.create_link(request)
        stored = await Booking.get_pymongo_collection().find_one_and_update(
            {"_id": booking.id, "payment.link_id": {"$exists": False}},
            {"$set": {"payment.link_id": link.id, "payment.link_url": link.short_url}},
            return_document=ReturnDocument.AFTER,
        )
        if stored is None:
            # Another confirm of the same booking won the race: keep its link, drop ours.
            await self._cancel_quietly(link.id)
            fresh = await self.bookings.booking(booking.id)
            return PaymentLinkView(fresh.payment["link_url"], fresh.amount_paise, fresh.hold_expires_at)
        return PaymentLinkView(link.short_url, booking.amount_paise, booking.hold_expires_at)

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
        """Money arrived for a booking: confirm it, or keep the money safe and say why."""
        booking = await Booking.find_one(Booking.code == paid.reference)
        if booking is None:
            log.warning("payment %s for unknown reference %r", paid.payment_id, paid.reference)
            return "unknown booking"
        room = await self.bookings.room(booking.room_id)
        if booking.payment_id == paid.payment_id:
            if booking.status in (BookingStatus.NOT_STARTED, BookingStatus.ONGOING):
                # Razorpay retries an event we did not finish: if the process died between
                # confirming and queueing the messages, queue them now (each is queued once,
                # under its dedupe key, so nothing is sent twice).
                await self._announce_confirmed(booking, room)
            return "already settled"
        link_id = booking.payment.get("link_id")
        if (
            paid.amount_paise != booking.amount_paise
            or paid.currency != "INR"
            or (link_id and paid.link_id and link_id != paid.link_id)
        ):
            return await self._mismatch(booking, room, paid)
        record = {
            "payment_id": paid.payment_id,
            "amount_paid_paise": paid.amount_paise,
            "link_id": paid.link_id,
        }
        if booking.status is BookingStatus.PENDING_PAYMENT:
            confirmed = await self.bookings.confirm_payment(booking, record)
            if confirmed is not None:
                await self._announce_confirmed(confirmed, room)
                return "confirmed"
            booking = await self.bookings.booking(booking.id)  # it moved meanwhile: look again
        if booking.status is BookingStatus.EXPIRED:
            return await self._late_payment(booking, room, record)
        if booking.status is BookingStatus.CANCELLED and not booking.payment_id:
            return await self._refund_unwanted_payment(booking, room, record, late=False)
        log.info(
            "payment %s for %s in status %s: nothing to do", paid.payment_id, booking.code, booking.status
        )
        return "already settled"

    async def _late_payment(self, booking: Booking, room: Room, record: dict[str, Any]) -> str:
        try:
            revived = await self.bookings.confirm_late_payment(booking, record)
        except SlotsTakenError:
            return await self._refund_unwanted_payment(booking, room, record, late=True)
        if revived is None:
            return "already settled"
        await self._announce_confirmed(revived, room)
        return "confirmed late"

    async def _refund_unwanted_payment(
        self, booking: Booking, room: Room, record: dict[str, Any], *, late: bool
    ) -> str:
        """Money for a booking that cannot be honoured: record it and refund it all."""
        refund = {"due_paise": record["amount_paid_paise"], "percent": 100, "status": "due", "reason": "late"}
        marked = await Booking.get_pymongo_collection().find_one_and_update(
            {"_id": booking.id, "payment_id": None},
            {
                "$set": {
                    "payment_id": record["payment_id"],
                    "payment": {**booking.payment, **record},
                    "refund": refund,
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        if marked is None:
            return "already settled"
        updated = Booking.model_validate(marked)
        now = self.clock.now()
        text = (
            messages.late_payment_refunded_musician(updated, room)
            if late
            else (messages.cancelled_hold_paid_musician(updated))
        )
        await enqueue(updated.user_id, text, dedupe_key=f"{updated.id}:late-refund", now=now)
        for owner_id in room.owner_ids:
            await enqueue(
                owner_id,
                messages.late_payment_refunded_owner(updated, room),
                dedupe_key=f"{updated.id}:late-refund:owner:{owner_id}",
                now=now,
            )
        self._refund_in_background(updated)
        return "refunded late payment"

    async def _mismatch(self, booking: Booking, room: Room, paid: Paid) -> str:
        collection = Booking.get_pymongo_collection()
        result = await collection.update_one(
            {"_id": booking.id, "flags": {"$nin": ["payment_mismatch"]}},
            {
                "$addToSet": {"flags": "payment_mismatch"},
                "$set": {
                    "payment.mismatch": {
                        "payment_id": paid.payment_id,
                        "amount_paise": paid.amount_paise,
                        "currency": paid.currency,
                        "link_id": paid.link_id,
                    }
                },
            },
        )
        if not result.modified_count:
            return "mismatch already flagged"
        log.warning("payment %s for %s does not match the booking", paid.payment_id, booking.code)
        now = self.clock.now()
        await enqueue(
            booking.user_id,
            messages.mismatch_musician(booking, paid.amount_paise, paid.currency),
            dedupe_key=f"{booking.id}:mismatch",
            now=now,
        )
        for owner_id in room.owner_ids:
            await enqueue(
                owner_id,
                messages.mismatch_owner(booking, room, paid.amount_paise, paid.currency, paid.payment_id),
                dedupe_key=f"{booking.id}:mismatch:owner:{owner_id}",
                now=now,
            )
        return "mismatch flagged"

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
        payment_id = str(refund.get("payment_id", ""))
        booking = await Booking.find_one(Booking.payment_id == payment_id) if payment_id else None
        if booking is None:
            return "unknown refund"
        status = "processed" if processed else "failed"
        refund_id = str(refund.get("id", ""))
        result = await Booking.get_pymongo_collection().update_one(
            {"_id": booking.id, "refund.status": {"$nin": [status]}},
            {"$set": {"refund.status": status, "refund.id": refund_id}},
        )
        if not result.modified_count:
            return f"refund already {status}"
        amount = int(refund.get("amount") or booking.refund.get("amount_paise") or 0)
        now = self.clock.now()
        if processed:
            text = messages.refund_processed(booking, amount)
            await enqueue(booking.user_id, text, dedupe_key=f"{booking.id}:refund:processed", now=now)
            return "refund processed"
        room = await self.bookings.room(booking.room_id)
        text = messages.refund_failed_musician(booking, amount)
        await enqueue(booking.user_id, text, dedupe_key=f"{booking.id}:refund:failed", now=now)
        for owner_id in room.owner_ids:
            await enqueue(
                owner_id,
                messages.refund_failed_owner(booking, room, amount),
                dedupe_key=f"{booking.id}:refund:failed:owner:{owner_id}",
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
            await Booking.get_pymongo_collection().update_one(
                {"_id": booking.id, "refund.status": "due"}, {"$set": {"refund.status": "not_needed"}}
            )
            return "nothing paid"
        now_ms = to_ms(self.clock.now()) or 0
        claimed = await Booking.get_pymongo_collection().find_one_and_update(
            {
                "_id": booking.id,
                "$or": [
                    {"refund.status": "due"},
                    {"refund.status": "requesting", "refund.claimed_ms": {"$lte": now_ms - REFUND_LEASE_MS}},
                ],
            },
            {"$set": {"refund.status": "requesting", "refund.claimed_ms": now_ms}},
            return_document=ReturnDocument.AFTER,
        )
        if claimed is None:
            return "not due"
        current = Booking.model_validate(claimed)
        amount = int(current.refund.get("due_paise", 0))
        try:
            refund = await self.gateway.refund(current.payment_id or "", amount, f"refund-{current.id}")
        except GatewayError as error:
            await Booking.get_pymongo_collection().update_one(
                {"_id": current.id, "refund.status": "requesting"},
                {
                    "$set": {"refund.status": "due", "refund.last_error": str(error)[:300]},
                    "$inc": {"refund.attempts": 1},
                },
            )
            log.warning("refund for %s failed, will retry: %s", current.code, error)
            return "retry later"
        status = "processed" if refund.status == "processed" else "pending"
        await Booking.get_pymongo_collection().update_one(
            {"_id": current.id, "refund.status": "requesting"},
            {
                "$set": {
                    "refund.status": status,
                    "refund.id": refund.id,
                    "refund.amount_paise": refund.amount_paise,
                }
            },
        )
        await enqueue(
            current.user_id,
            messages.refund_started(current, refund.amount_paise),
            dedupe_key=f"{current.id}:refund:started",
            now=self.clock.now(),
        )
        return status

    async def retry_due_refunds(self, limit: int = 50) -> int:
        """Refunds left due (a gateway failure, a crash): try each again. For a job."""
        due = await Booking.find({"refund.status": {"$in": ["due", "requesting"]}}).limit(limit).to_list()
        done = 0
        for booking in due:
            if await self.refund_due(booking) in ("processed", "pending"):
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


def _paid_from_link(link: PaymentLink) -> Paid:
    return Paid(
        reference=link.reference_id,
        link_id=link.id,
        payment_id=link.payment_id or "",
        amount_paise=link.amount_paid_paise,
        currency=link.currency,
    )


def _refund_rows(booking: Booking) -> list[tuple[str, int, str]]:
    refund = booking.refund
    if not refund.get("id"):
        return []
    return [(str(refund["id"]), int(refund.get("amount_paise", 0)), str(refund.get("status", "")))]


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
