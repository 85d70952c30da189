"""The invoice and the credit note: the words printed on their PDFs
(``payments.invoice_pdf``) and the captions of the messages that carry them. Plain text:
the PDF is drawn, not parsed as HTML (the captions are Telegram HTML)."""

from __future__ import annotations

from datetime import date

from domain.gst.states import State
from domain.gst.words import amount_in_words
from domain.words.facts import BookingFacts
from domain.words.formats import day, day_month_year, money
from domain.words.language import N_, _, speaks_when_read
from domain.words.statuses import refund_status_name

TAX_INVOICE = N_("TAX INVOICE")
"""The heading when the seller has a GSTIN."""
INVOICE = N_("INVOICE")
"""The heading when the seller is not registered under GST."""
CREDIT_NOTE = N_("CREDIT NOTE")
NOT_REGISTERED = N_("Not registered under GST")
"""The seller's line where a GSTIN would be."""
NO_GST_CHARGED = N_("No GST is charged: the seller is not registered under GST.")
REVERSE_CHARGE_NO = N_("Tax payable on reverse charge: No")
TOTAL_CREDITED = N_("Total credited (tax inclusive)")
TOTAL_CREDITED_UNTAXED = N_("Total credited")
FROM = N_("From")
BILLED_TO = N_("Billed to")
ITEM = N_("Item")
TIME = N_("Time")
RATE_PER_HOUR = N_("Rate / hour")
AMOUNT = N_("Amount")
TAXABLE_VALUE = N_("Taxable value")
TOTAL_WITH_TAX = N_("Total (tax inclusive)")
TOTAL = N_("Total")
THANKS = N_("Thank you for rehearsing with us. Issued by JamRoom bot on behalf of the seller.")
BUYER_UNKNOWN = N_("Musician")
"""The buyer's name when the musician's record is gone."""


def title(number: str) -> str:
    """The PDF's document title."""
    return _("Invoice {number}").format(number=number)


def number_line(number: str) -> str:
    return _("Invoice no. {number}").format(number=number)


def issued(on: date) -> str:
    return _("Issued {day}").format(day=day_month_year(on))


def gstin_line(gstin: str) -> str:
    return f"GSTIN {gstin}"


def buyer_telegram(username: str) -> str:
    return f"Telegram @{username}"


def booking_line(code: str, room_name: str, session_day: date) -> str:
    return _("Booking {code} · {room} · {day}").format(code=code, room=room_name, day=day(session_day))


def slot_item(room_name: str) -> str:
    """An invoice line's description: one slot in the room."""
    return _("Rehearsal slot, {room}").format(room=room_name)


def week_item(session_day: date, room_name: str) -> str:
    """An invoice line's description for one week of a weekly series."""
    return f"{day_month_year(session_day)} · {room_name}"


def percent(rate_bp: float) -> str:
    """``1800`` → ``18%``, ``250`` → ``2.5%``, ``62.5`` → ``0.625%``."""
    return f"{rate_bp / 100:g}%"


def cgst(rate_bp: float) -> str:
    """``rate_bp``: the CGST's own rate, half the GST rate."""
    return f"CGST {percent(rate_bp)}"


def sgst(rate_bp: float) -> str:
    return f"SGST {percent(rate_bp)}"


def utgst(rate_bp: float) -> str:
    return f"UTGST {percent(rate_bp)}"


def igst(rate_bp: float) -> str:
    return f"IGST {percent(rate_bp)}"


def state_line(state: State) -> str:
    """A party's state, as GST names it: ``State: Karnataka (29)``."""
    return _("State: {state} ({code})").format(state=state.name, code=state.code)


def place_of_supply(state: State) -> str:
    return _("Place of supply: {state} ({code})").format(state=state.name, code=state.code)


def sac_line(code: str) -> str:
    return f"SAC {code}"


def in_words(paise: int) -> str:
    return _("Amount in words: {amount}").format(amount=amount_in_words(paise))


def credit_note_number_line(number: str) -> str:
    return _("Credit note no. {number}").format(number=number)


def credit_note_title(number: str) -> str:
    """The credit note PDF's document title."""
    return _("Credit note {number}").format(number=number)


def against_invoice(number: str, issued_on: date) -> str:
    """The invoice a credit note reduces (CGST Rules, rule 53(1A))."""
    return _("Against invoice {number} of {day}").format(number=number, day=day_month_year(issued_on))


def credit_item(code: str) -> str:
    """The credit note's one line: what it gives back."""
    return _("Refund for booking {code}").format(code=code)


def credit_reason(refund_id: str) -> str:
    return _("Reason: booking cancelled, refunded as {refund}").format(refund=refund_id)


def amount_paid(payment_id: str) -> str:
    return _("Amount paid (payment {payment})").format(payment=payment_id)


def refund_row(refund_id: str, status: str) -> str:
    """``status``: the refund's state as stored (``processed``...)."""
    return _("Refund {refund} ({status})").format(refund=refund_id, status=refund_status_name(status))


def caption(booking: BookingFacts, number: str) -> str:
    """The chat message that carries the PDF."""
    if booking.series is not None:
        return _("Invoice {number} for the weekly booking {code}").format(
            number=number, code=booking.series.code
        )
    return _("Invoice {number} for booking {code}").format(number=number, code=booking.code)


def credit_note_caption(booking: BookingFacts, number: str, invoice_number: str, credited_paise: int) -> str:
    """The chat message that carries the credit note's PDF, after the refund's message."""
    return _("Credit note {number} for booking {code}: {amount} refunded, against invoice {invoice}").format(
        number=number, code=booking.code, amount=money(credited_paise), invoice=invoice_number
    )


speaks_when_read(__name__)
