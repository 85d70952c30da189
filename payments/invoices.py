"""A paid booking's invoice: its number (taken once per booking), its PDF, and the
outbox message that carries it, rendered when the outbox delivers it (off the
webhook's path, however often it is sent).

A weekly series has one invoice, numbered on its first week, listing every week's date;
any week's invoice is the series' (the same number and PDF)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from domain.clock import Clock
from domain.words import invoice
from payments.invoice_pdf import InvoiceData, InvoiceLine, render_invoice_pdf
from storage.booking_service import BookingService
from storage.invoices import invoice_number_for
from storage.models import BookedSlot, Booking, Room, User, to_ms
from storage.outbox import enqueue
from storage.series import series_of
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
        """(file name, PDF bytes, invoice number); the number is allocated once per booking
        (once per series, on its first week). Pass the room and buyer when the caller has
        them, to save two reads."""
        weeks = await series_of(booking)
        lead = weeks[0]
        room = room or await self.bookings.room(lead.room_id)
        buyer = buyer or await user_by_id(lead.user_id)
        issued_on = (lead.paid_at or self.clock.now()).astimezone(room.zone).date()
        number, issued = await invoice_number_for(lead, issued_on)
        payment = lead.payments[0] if lead.payments else None
        data = InvoiceData(
            number=number,
            issue_date=issued,
            seller_name=room.business_name or room.name,
            seller_address=room.address,
            seller_gstin=room.gstin,
            buyer_name=buyer.display_name if buyer else invoice.BUYER_UNKNOWN,
            buyer_username=buyer.username if buyer else None,
            booking_code=lead.series.code if lead.series else lead.code,
            room_name=room.name,
            session_date=lead.day,
            timezone=room.timezone,
            lines=_series_lines(weeks, room) if lead.series else [_slot_line(s, room) for s in lead.slots],
            total_paise=sum(week.amount_paise for week in weeks),
            amount_paid_paise=payment.paid_paise if payment else lead.amount_paise,
            payment_id=lead.payment_id or "",
            refunds=_refund_rows(weeks),
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


def _rate(price_paise: int, minutes: float) -> int:
    return int(price_paise * 60 // max(1, int(minutes)))


def _slot_line(slot: BookedSlot, room: Room) -> InvoiceLine:
    minutes = (slot.end - slot.start).total_seconds() // 60
    return InvoiceLine(
        description=invoice.slot_item(room.name),
        start=slot.start,
        end=slot.end,
        rate_paise=_rate(slot.price_paise, minutes),
        amount_paise=slot.price_paise,
    )


def _series_lines(weeks: Sequence[Booking], room: Room) -> list[InvoiceLine]:
    """One line per week of a series: its date, its session, its price."""
    return [
        InvoiceLine(
            description=invoice.week_item(week.day, room.name),
            start=week.starts_at,
            end=week.ends_at,
            rate_paise=_rate(week.amount_paise, (week.ends_at - week.starts_at).total_seconds() // 60),
            amount_paise=week.amount_paise,
        )
        for week in weeks
    ]


def _refund_rows(weeks: Sequence[Booking]) -> list[tuple[str, int, str]]:
    """The invoice's refund lines: only money that went back (a failed refund is not one),
    each refund of the booking (of every week of a series) on its own line."""
    return [
        (entry.refund_id, entry.amount_paise, entry.status.value)
        for week in weeks
        for entry in week.refunds.values()
        if entry.refund_id and entry.status.money_returned and entry.amount_paise
    ]
