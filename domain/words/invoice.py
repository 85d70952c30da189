"""The invoice: the words printed on its PDF (``payments.invoice_pdf``) and the caption
of the message that carries it. Plain text: the PDF is drawn, not parsed as HTML."""

from __future__ import annotations

from datetime import date

from domain.words.facts import BookingFacts
from domain.words.formats import day, day_month_year
from domain.words.statuses import refund_status_name

TAX_INVOICE = "TAX INVOICE"
"""The heading when the seller has a GSTIN."""
INVOICE = "INVOICE"
FROM = "From"
BILLED_TO = "Billed to"
ITEM = "Item"
TIME = "Time"
RATE_PER_HOUR = "Rate / hour"
AMOUNT = "Amount"
TAXABLE_VALUE = "Taxable value"
TOTAL_WITH_TAX = "Total (tax inclusive)"
TOTAL = "Total"
THANKS = "Thank you for rehearsing with us. Issued by JamRoom bot on behalf of the seller."
BUYER_UNKNOWN = "Musician"
"""The buyer's name when the musician's record is gone."""


def title(number: str) -> str:
    """The PDF's document title."""
    return f"Invoice {number}"


def number_line(number: str) -> str:
    return f"Invoice no. {number}"


def issued(on: date) -> str:
    return f"Issued {day_month_year(on)}"


def seller_gstin(gstin: str) -> str:
    return f"GSTIN {gstin}"


def buyer_telegram(username: str) -> str:
    return f"Telegram @{username}"


def booking_line(code: str, room_name: str, session_day: date) -> str:
    return f"Booking {code} · {room_name} · {day(session_day)}"


def slot_item(room_name: str) -> str:
    """An invoice line's description: one slot in the room."""
    return f"Rehearsal slot, {room_name}"


def week_item(session_day: date, room_name: str) -> str:
    """An invoice line's description for one week of a weekly series."""
    return f"{day_month_year(session_day)} · {room_name}"


def cgst(rate_percent: float) -> str:
    return f"CGST {rate_percent:g}%"


def sgst(rate_percent: float) -> str:
    return f"SGST {rate_percent:g}%"


def amount_paid(payment_id: str) -> str:
    return f"Amount paid (payment {payment_id})"


def refund_row(refund_id: str, status: str) -> str:
    """``status``: the refund's state as stored (``processed``...)."""
    return f"Refund {refund_id} ({refund_status_name(status)})"


def caption(booking: BookingFacts, number: str) -> str:
    """The chat message that carries the PDF."""
    if booking.series is not None:
        return f"Invoice {number} for the weekly booking {booking.series.code}"
    return f"Invoice {number} for booking {booking.code}"
