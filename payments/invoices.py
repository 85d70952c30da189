"""A paid booking's invoice: its number (taken once per booking), its PDF, and the
outbox message that carries it, rendered when the outbox delivers it (off the
webhook's path, however often it is sent)."""

from __future__ import annotations

import asyncio

from domain.clock import Clock
from domain.refund_status import refunded_paise
from domain.words import invoice
from payments.invoice_pdf import InvoiceData, InvoiceLine, render_invoice_pdf
from storage.booking_service import BookingService
from storage.invoices import invoice_number_for
from storage.models import Booking, Room, User, to_ms
from storage.outbox import enqueue
from storage.users import user_by_id

INVOICE_ATTACHMENT = "invoice:"
"""An outbox ``attachment`` of ``invoice:<booking id>`` is this booking's invoice PDF."""


class Invoices:
    def __init__(self, clock: Clock, bookings: BookingService) -> None:
        self.clock = clock
        self.bookings = bookings

    async def invoice_document(
        self, booking: Booking, *, room: Room | None = None, buyer: User | None = None
    ) -> tuple[str, bytes, str]:
        """(file name, PDF bytes, invoice number); the number is allocated once per booking.
        Pass the room and buyer when the caller has them, to save two reads."""
        room = room or await self.bookings.room(booking.room_id)
        buyer = buyer or await user_by_id(booking.user_id)
        issued_on = (booking.paid_at or self.clock.now()).astimezone(room.zone).date()
        number, issued = await invoice_number_for(booking, issued_on)
        data = InvoiceData(
            number=number,
            issue_date=issued,
            seller_name=room.business_name or room.name,
            seller_address=room.address,
            seller_gstin=room.gstin,
            buyer_name=buyer.display_name if buyer else invoice.BUYER_UNKNOWN,
            buyer_username=buyer.username if buyer else None,
            booking_code=booking.code,
            room_name=room.name,
            session_date=booking.day,
            timezone=room.timezone,
            lines=[
                InvoiceLine(
                    description=invoice.slot_item(room.name),
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
        is made, and its number taken, when the outbox delivers it (``render_attachment``)."""
        now = self.clock.now()
        return await enqueue(
            booking.user_id,
            "",
            dedupe_key=dedupe_key or f"{booking.id}:invoice:resend:{to_ms(now)}",
            now=now,
            attachment=f"{INVOICE_ATTACHMENT}{booking.id}",
        )

    async def render_attachment(self, attachment: str) -> tuple[str, bytes, str]:
        """(file name, PDF, caption) for an outbox ``attachment`` queued by ``send_invoice``."""
        kind, _, booking_id = attachment.partition(":")
        if f"{kind}:" != INVOICE_ATTACHMENT:
            raise ValueError(f"unknown attachment {attachment!r}")
        booking = await self.bookings.booking(booking_id)
        name, pdf, number = await self.invoice_document(booking)
        return name, pdf, invoice.caption(booking, number)


def _refund_rows(booking: Booking) -> list[tuple[str, int, str]]:
    """The invoice's refund lines: only money that went back (a failed refund is not one)."""
    refund = booking.refund
    returned = refunded_paise(refund)
    if not refund.get("id") or not returned:
        return []
    return [(str(refund["id"]), returned, str(refund.get("status", "")))]
