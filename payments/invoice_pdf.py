"""One-page A4 invoice PDF with reportlab.

Helvetica has no ₹, so the invoice uses DejaVu Sans, which matplotlib ships
(no system font needed)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import matplotlib
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from domain.invoice_numbers import gst_split
from domain.money import format_inr
from domain.words import invoice as words
from domain.words.formats import time_span

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    start: datetime
    end: datetime
    rate_paise: int
    amount_paise: int


@dataclass(frozen=True)
class InvoiceData:
    number: str
    issue_date: date
    seller_name: str
    seller_address: str
    seller_gstin: str | None
    buyer_name: str
    buyer_username: str | None
    booking_code: str
    room_name: str
    session_date: date
    timezone: str
    lines: list[InvoiceLine]
    total_paise: int
    amount_paid_paise: int
    payment_id: str
    refunds: list[tuple[str, int, str]] = field(default_factory=list)
    gst_rate_percent: int = 18


@cache
def register_fonts() -> None:
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(fonts / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(fonts / "DejaVuSans-Bold.ttf")))


def money(paise: int) -> str:
    return format_inr(paise, always_show_paise=True)


def render_invoice_pdf(invoice: InvoiceData) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(words.title(invoice.number))
    _draw(canvas, invoice)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw(c: Canvas, inv: InvoiceData) -> None:
    width, height = A4
    left, right = 20 * mm, width - 20 * mm
    y = height - 25 * mm
    c.setFont(BOLD, 20)
    c.drawString(left, y, words.TAX_INVOICE if inv.seller_gstin else words.INVOICE)
    c.setFont(FONT, 10)
    c.drawRightString(right, y + 6, words.number_line(inv.number))
    c.drawRightString(right, y - 8, words.issued(inv.issue_date))
    y -= 22 * mm

    c.setFont(BOLD, 10)
    c.drawString(left, y, words.FROM)
    c.drawString(width / 2, y, words.BILLED_TO)
    c.setFont(FONT, 10)
    seller = [inv.seller_name, *_wrap(inv.seller_address, 48)]
    if inv.seller_gstin:
        seller.append(words.seller_gstin(inv.seller_gstin))
    buyer = [inv.buyer_name] + ([words.buyer_telegram(inv.buyer_username)] if inv.buyer_username else [])
    for i, text in enumerate(seller):
        c.drawString(left, y - 13 * (i + 1), text)
    for i, text in enumerate(buyer):
        c.drawString(width / 2, y - 13 * (i + 1), text)
    y -= 13 * (max(len(seller), len(buyer)) + 2)

    c.drawString(left, y, words.booking_line(inv.booking_code, inv.room_name, inv.session_date))
    y -= 12 * mm

    zone = ZoneInfo(inv.timezone)
    columns = (left, left + 80 * mm, left + 125 * mm)
    c.setFont(BOLD, 10)
    c.drawString(columns[0], y, words.ITEM)
    c.drawString(columns[1], y, words.TIME)
    c.drawRightString(columns[2] + 15 * mm, y, words.RATE_PER_HOUR)
    c.drawRightString(right, y, words.AMOUNT)
    y -= 4
    c.line(left, y, right, y)
    c.setFont(FONT, 10)
    for line in inv.lines:
        y -= 14
        c.drawString(columns[0], y, line.description[:44])
        c.drawString(columns[1], y, time_span(line.start, line.end, zone))
        c.drawRightString(columns[2] + 15 * mm, y, money(line.rate_paise))
        c.drawRightString(right, y, money(line.amount_paise))
    y -= 8
    c.line(left, y, right, y)

    rows: list[tuple[str, str, bool]] = []
    if inv.seller_gstin:
        taxable, cgst, sgst = gst_split(inv.total_paise, inv.gst_rate_percent)
        half = inv.gst_rate_percent / 2
        rows += [
            (words.TAXABLE_VALUE, money(taxable), False),
            (words.cgst(half), money(cgst), False),
            (words.sgst(half), money(sgst), False),
        ]
    rows.append((words.TOTAL_WITH_TAX if inv.seller_gstin else words.TOTAL, money(inv.total_paise), True))
    rows.append((words.amount_paid(inv.payment_id), money(inv.amount_paid_paise), False))
    rows += [(words.refund_row(rid, status), "-" + money(paise), False) for rid, paise, status in inv.refunds]
    for label, value, bold in rows:
        y -= 15
        c.setFont(BOLD if bold else FONT, 10)
        c.drawRightString(right - 35 * mm, y, label)
        c.drawRightString(right, y, value)

    c.setFont(FONT, 8)
    c.drawString(left, 20 * mm, words.THANKS)


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*lines, current] if current else lines
