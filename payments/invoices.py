"""A paid booking's invoice and, when its refund is processed, its credit note: each
issued once per booking in its seller's own series (``storage.invoices``), kept on the
booking as printed, drawn as a PDF (``payments.invoice_pdf``) and carried by an outbox
message that is rendered when the outbox delivers it (off the webhook's path, however
often it is sent).

A weekly series has one invoice, issued on its first week and listing every week's
date; any week's invoice is the series' (the same number and PDF). A week's refund gets
a credit note of its own that reduces the series' invoice.

What a document prints is decided when its number is issued and stored with it: the
seller's name, address and GSTIN, the place of supply (the room's state), the SAC, the
rate, the treatment (CGST + SGST or UTGST within the seller's state, IGST across
states, nothing for a seller not registered under GST) and the amounts. A later change
of the room's seller or rate changes later documents, never an issued one."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date
from typing import Any

from domain.clock import Clock
from domain.gst.credit import credit_note_tax
from domain.gst.gstin import parse_gstin
from domain.gst.states import State, StateNotFoundError, state_by_code
from domain.gst.supply import Treatment, supply_of_room
from domain.gst.tax import TaxBreakdown, tax_inside_lines
from domain.ledger import returned_paise
from domain.privacy import is_pseudonym
from domain.refund_status import RefundStatus
from domain.words import invoice
from payments.invoice_pdf import (
    CreditNoteData,
    InvoiceData,
    InvoiceLine,
    Party,
    render_credit_note_pdf,
    render_invoice_pdf,
)
from storage.booking_service import BookingService
from storage.invoices import DocumentKind, issue_document, platform_invoice_date
from storage.models import BookedSlot, Booking, PaymentEntry, RefundEntry, Room, User, to_ms
from storage.moves import MOVE_REFUND_REASON
from storage.outbox import enqueue
from storage.sellers import DEFAULT_CREDIT_NOTE_PREFIX, room_sac, room_state, seller_by_id, seller_of
from storage.series import series_of
from storage.users import user_by_id

INVOICE_ATTACHMENT = "invoice:"
"""An outbox ``attachment`` of ``invoice:<booking id>`` is this booking's invoice PDF."""
CREDIT_NOTE_ATTACHMENT = "credit_note:"
"""``credit_note:<booking id>``: the credit note of this booking's refund."""


class Invoices:
    def __init__(self, clock: Clock, bookings: BookingService) -> None:
        self.clock = clock
        self.bookings = bookings

    # ---- the invoice -------------------------------------------------------------------

    async def issued_invoice(
        self,
        booking: Booking,
        *,
        room: Room | None = None,
        buyer: User | None = None,
        weeks: Sequence[Booking] | None = None,
    ) -> dict[str, Any]:
        """The booking's invoice as printed (a series': its first week's), issued now if
        it has none yet. ``weeks``: the series' weeks when the caller has read them."""
        weeks = weeks or await series_of(booking)
        booking = weeks[0]
        room = room or await self.bookings.room(booking.room_id)
        if booking.invoice:
            return booking.invoice
        buyer = buyer or await user_by_id(booking.user_id)
        facts = await self._invoice_facts(weeks, room, buyer)
        seller_id, prefix = facts.pop("seller_id"), facts.pop("prefix")
        issued = await issue_document(
            booking.id,
            DocumentKind.INVOICE,
            seller_id=seller_id,
            prefix=prefix,
            issued_on=self._paid_on(booking, room),
            facts=facts,
        )
        if "treatment" in issued:
            return issued
        # Numbered in the platform-wide series used before sellers: that number and date,
        # with what the room's seller prints now.
        number = issued["number"]
        issued_on = await platform_invoice_date(number) or self._paid_on(booking, room)
        return {**facts, "seller_id": seller_id, "number": number, "issued_on": issued_on.isoformat()}

    async def invoice_document(
        self, booking: Booking, *, room: Room | None = None, buyer: User | None = None
    ) -> tuple[str, bytes, str]:
        """(file name, PDF bytes, invoice number); the number is issued once per booking
        (once per series, on its first week). Pass the room and buyer when the caller has
        them, to save two reads."""
        weeks = await series_of(booking)
        lead = weeks[0]
        room = room or await self.bookings.room(lead.room_id)
        document = await self.issued_invoice(lead, room=room, buyer=buyer, weeks=weeks)
        payment = lead.payments[0] if lead.payments else None
        data = InvoiceData(
            number=document["number"],
            issue_date=date.fromisoformat(document["issued_on"]),
            seller=_party(document["seller"]),
            recipient=_party(document["recipient"]),
            booking_code=lead.series.code if lead.series else lead.code,
            room_name=room.name,
            session_date=lead.day,
            timezone=room.timezone,
            lines=_series_lines(weeks, room) if lead.series else [_slot_line(s, room) for s in lead.slots],
            tax=breakdown(document),
            place_of_supply=_state(document.get("place_of_supply")),
            sac=document["sac"],
            amount_paid_paise=_amount_paid(lead, payment),
            payment_id=lead.payment_id or "",
            refunds=_refund_rows(weeks),
        )
        pdf = await asyncio.to_thread(render_invoice_pdf, data)
        number = document["number"]
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

    # ---- the credit note ---------------------------------------------------------------

    async def send_credit_note(self, booking: Booking) -> bool:
        """Queue the credit note of the booking's processed refund, once per booking. Only
        a booking that was confirmed (and so invoiced) gets one: money refused before it
        bought anything had no invoice to reduce."""
        if booking.paid_at is None or _processed_refund(booking) is None or not _credited_paise(booking):
            return False
        if is_pseudonym(booking.user_id):
            # The musician deleted their data: nobody to send it to, but the refund
            # still gets its credit note, issued now (tax law keeps it).
            await self.issued_credit_note(booking)
            return False
        now = self.clock.now()
        return await enqueue(
            booking.user_id,
            "",
            dedupe_key=f"{booking.id}:credit_note",
            now=now,
            attachment=f"{CREDIT_NOTE_ATTACHMENT}{booking.id}",
        )

    async def issued_credit_note(self, booking: Booking, *, room: Room | None = None) -> dict[str, Any]:
        """The credit note of the booking's refund as printed, issued now if it has none:
        in the series of the seller that issued the invoice, whose figures it reduces."""
        if booking.credit_note:
            return booking.credit_note
        room = room or await self.bookings.room(booking.room_id)
        invoiced = await self.issued_invoice(booking, room=room)  # a series': its first week's
        refunded = min(_credited_paise(booking), int(invoiced["total_paise"]))
        if refunded <= 0:
            raise ValueError(f"booking {booking.code} has no processed refund to credit")
        credit = credit_note_tax(breakdown(invoiced), refunded)
        seller_id = invoiced.get("seller_id") or (await seller_of(room)).id
        seller = await seller_by_id(seller_id)
        facts = {
            **{key: invoiced[key] for key in ("seller", "recipient", "place_of_supply", "sac")},
            **_amounts(credit),
            "invoice_number": invoiced["number"],
            "invoice_date": invoiced["issued_on"],
            "refund_id": _processed_refund(booking) or "",
        }
        return await issue_document(
            booking.id,
            DocumentKind.CREDIT_NOTE,
            seller_id=seller_id,
            prefix=seller.credit_note_prefix if seller else DEFAULT_CREDIT_NOTE_PREFIX,
            issued_on=self.clock.now().astimezone(room.zone).date(),
            facts=facts,
        )

    async def credit_note_document(self, booking: Booking) -> tuple[str, bytes, str]:
        """(file name, PDF bytes, caption) of the booking's credit note."""
        room = await self.bookings.room(booking.room_id)
        document = await self.issued_credit_note(booking, room=room)
        data = CreditNoteData(
            number=document["number"],
            issue_date=date.fromisoformat(document["issued_on"]),
            invoice_number=document["invoice_number"],
            invoice_date=date.fromisoformat(document["invoice_date"]),
            seller=_party(document["seller"]),
            recipient=_party(document["recipient"]),
            booking_code=booking.code,
            room_name=room.name,
            session_date=booking.day,
            place_of_supply=_state(document.get("place_of_supply")),
            sac=document["sac"],
            tax=breakdown(document),
            refund_id=document["refund_id"],
        )
        pdf = await asyncio.to_thread(render_credit_note_pdf, data)
        number = document["number"]
        caption = invoice.credit_note_caption(
            booking, number, document["invoice_number"], int(document["total_paise"])
        )
        return f"credit-note-{number.replace('/', '-')}.pdf", pdf, caption

    # ---- at delivery -------------------------------------------------------------------

    async def render_attachment(self, attachment: str) -> tuple[str, bytes, str]:
        """(file name, PDF, caption) for an outbox ``attachment`` queued here."""
        kind, _, booking_id = attachment.partition(":")
        if f"{kind}:" not in (INVOICE_ATTACHMENT, CREDIT_NOTE_ATTACHMENT):
            raise ValueError(f"unknown attachment {attachment!r}")
        booking = await self.bookings.booking(booking_id)
        if f"{kind}:" == CREDIT_NOTE_ATTACHMENT:
            return await self.credit_note_document(booking)
        name, pdf, number = await self.invoice_document(booking)
        return name, pdf, invoice.caption(booking, number)

    # ---- what an invoice prints ----------------------------------------------------------

    def _paid_on(self, booking: Booking, room: Room) -> date:
        return (booking.paid_at or self.clock.now()).astimezone(room.zone).date()

    async def _invoice_facts(
        self, weeks: Sequence[Booking], room: Room, buyer: User | None
    ) -> dict[str, Any]:
        """What the invoice of a booking (``weeks``: it alone, or a series' weeks, its
        first one first) prints, decided once, when it is issued."""
        booking = weeks[0]
        seller = await seller_of(room)
        place = room_state(room, seller)
        given = booking.gst_recipient
        recipient_gstin = parse_gstin(given["gstin"]) if given.get("gstin") else None
        treatment = Treatment.NOT_REGISTERED
        if seller.gstin is not None:
            supply = supply_of_room(
                seller=seller.gstin, room_state=place or seller.gstin.state, recipient=recipient_gstin
            )
            treatment = supply.treatment
        prices = [s.price_paise for week in weeks for s in week.slots]
        tax = tax_inside_lines(prices, room.gst_rate_bp, treatment).total
        return {
            "seller_id": seller.id,
            "prefix": seller.invoice_prefix,
            "seller": {
                "name": seller.legal_name,
                "address": seller.address,
                "gstin": str(seller.gstin) if seller.gstin else None,
                "state_code": seller.state.code if seller.state else None,
            },
            "recipient": {
                "name": given.get("name") or (buyer.display_name if buyer else invoice.BUYER_UNKNOWN),
                "gstin": str(recipient_gstin) if recipient_gstin else None,
                "state_code": recipient_gstin.state.code if recipient_gstin else None,
                "username": buyer.username if buyer else None,
            },
            "place_of_supply": place.code if place else None,
            "sac": room_sac(room),
            **_amounts(tax),
        }


def breakdown(document: dict[str, Any]) -> TaxBreakdown:
    """The taxable value and taxes a stored invoice or credit note prints."""
    return TaxBreakdown(
        Treatment(document["treatment"]),
        int(document["rate_bp"]),
        int(document["taxable_paise"]),
        cgst_paise=int(document["cgst_paise"]),
        sgst_paise=int(document["sgst_paise"]),
        igst_paise=int(document["igst_paise"]),
    )


def _amounts(tax: TaxBreakdown) -> dict[str, Any]:
    return {
        "treatment": tax.treatment.value,
        "rate_bp": tax.rate_bp,
        "taxable_paise": tax.taxable_paise,
        "cgst_paise": tax.cgst_paise,
        "sgst_paise": tax.sgst_paise,
        "igst_paise": tax.igst_paise,
        "total_paise": tax.price_paise,
    }


def _state(code: str | None) -> State | None:
    if not code:
        return None
    try:
        return state_by_code(code)
    except StateNotFoundError:
        return None


def _party(stored: dict[str, Any]) -> Party:
    return Party(
        name=stored["name"],
        address=stored.get("address") or "",
        gstin=stored.get("gstin"),
        state=_state(stored.get("state_code")),
        username=stored.get("username"),
    )


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
    each refund of the booking (of every week of a series) on its own line; the difference
    a move to a cheaper time gave back is not one (the invoice prints the new price)."""
    return [
        (entry.refund_id, entry.amount_paise, entry.status.value)
        for week in weeks
        for entry in week.refunds.values()
        if entry.refund_id and entry.status.money_returned and entry.amount_paise and not _for_a_move(entry)
    ]


def _for_a_move(entry: RefundEntry) -> bool:
    """The difference a move to a cheaper time gave back: the invoice issued for the new
    time has the lower price already, so no credit note reduces it again."""
    return entry.reason == MOVE_REFUND_REASON


def _credited_paise(booking: Booking) -> int:
    """What went back that a credit note reduces the invoice by."""
    return returned_paise(e for e in booking.refunds.values() if not _for_a_move(e))


def _amount_paid(lead: Booking, first: PaymentEntry | None) -> int:
    """What the invoice says was paid: the first payment (a series' whole payment), and for
    a session moved or extended, what its payments brought less the difference a cheaper
    move gave back."""
    if first is None:
        return lead.amount_paise
    if len(lead.payments) == 1 and not any(_for_a_move(e) for e in lead.refunds.values()):
        return first.paid_paise
    moved_back = sum(
        e.amount_paise for e in lead.refunds.values() if _for_a_move(e) and e.status.money_returned
    )
    return lead.amount_paid_paise - moved_back


def _processed_refund(booking: Booking) -> str | None:
    """The id of the booking's latest processed refund that a credit note is for, if any."""
    processed = [
        e
        for e in booking.refunds.values()
        if e.status is RefundStatus.PROCESSED and e.refund_id and not _for_a_move(e)
    ]
    return processed[-1].refund_id if processed else None
