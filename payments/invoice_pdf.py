"""One-page A4 invoice and credit-note PDFs with reportlab.

What a GST invoice must show (CGST Rules, rule 46) and a credit note (rule 53(1A)):
the seller's legal name, address, GSTIN and state; the number and date; the recipient
(and its GSTIN when it has one); place of supply with its state code; the SAC; the
taxable value and each tax with its rate; the total, in figures and in words; whether
tax is payable on reverse charge. A seller not registered under GST prints
"not registered under GST" and no tax lines. A credit note also names the invoice it
reduces, with its date.

Helvetica has no ₹, so the documents use DejaVu Sans, which matplotlib ships
(no system font needed). A document in Hindi (the words' language when it is drawn:
the recipient's) uses Noto Sans Devanagari from the ``fontpkg-noto-sans-devanagari``
package (SIL Open Font License; it has Latin letters and ₹ too), its words shaped with
HarfBuzz (``uharfbuzz``) so vowel signs and conjuncts sit where a reader expects them."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import fontpkg_noto_sans_devanagari
import matplotlib
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, shapeStr
from reportlab.pdfgen.canvas import Canvas

from domain.gst.states import State
from domain.gst.supply import Treatment
from domain.gst.tax import TaxBreakdown
from domain.money import format_inr
from domain.words import invoice as words
from domain.words.formats import time_span
from domain.words.language import Language, current_language

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
DEVANAGARI = "NotoSansDevanagari"
FONTS_BY_LANGUAGE = {Language.HINDI: {FONT: DEVANAGARI, BOLD: DEVANAGARI}}
"""The fonts a document in a language draws with instead of FONT and BOLD."""
WIDTH, HEIGHT = A4
LEFT, RIGHT = 20 * mm, WIDTH - 20 * mm
LINE = 13
ADDRESS_CHARACTERS = 42


@dataclass(frozen=True)
class Party:
    """The seller or the recipient as the document prints them."""

    name: str
    address: str = ""
    gstin: str | None = None
    state: State | None = None
    username: str | None = None


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
    seller: Party
    recipient: Party
    booking_code: str
    room_name: str
    session_date: date
    timezone: str
    lines: list[InvoiceLine]
    tax: TaxBreakdown
    """The totals: taxable value, taxes and the treatment they follow."""
    place_of_supply: State | None
    sac: str
    amount_paid_paise: int
    payment_id: str
    refunds: list[tuple[str, int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class CreditNoteData:
    number: str
    issue_date: date
    invoice_number: str
    invoice_date: date
    seller: Party
    recipient: Party
    booking_code: str
    room_name: str
    session_date: date
    place_of_supply: State | None
    sac: str
    tax: TaxBreakdown
    """What the credit note gives back: its taxable value, taxes and total."""
    refund_id: str


@cache
def register_fonts() -> None:
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    # Unshaped: shaping Latin would join "st" into a ligature that text extraction keeps.
    pdfmetrics.registerFont(TTFont(FONT, str(fonts / "DejaVuSans.ttf"), shapable=False))
    pdfmetrics.registerFont(TTFont(BOLD, str(fonts / "DejaVuSans-Bold.ttf"), shapable=False))
    (devanagari,) = (Path(fontpkg_noto_sans_devanagari.ROOT) / "files").glob("NotoSansDevanagari*.ttf")
    pdfmetrics.registerFont(TTFont(DEVANAGARI, str(devanagari), shapable=True))


def money(paise: int) -> str:
    return format_inr(paise, always_show_paise=True)


def render_invoice_pdf(invoice: InvoiceData) -> bytes:
    return _render(words.title(invoice.number), lambda canvas: _draw_invoice(canvas, invoice))


def render_credit_note_pdf(note: CreditNoteData) -> bytes:
    return _render(words.credit_note_title(note.number), lambda canvas: _draw_credit_note(canvas, note))


class _LanguageCanvas(Canvas):
    """A canvas that draws FONT and BOLD as the language's fonts, shaping what it writes
    in a font that needs it."""

    def __init__(self, buffer: io.BytesIO, fonts: dict[str, str]) -> None:
        super().__init__(buffer, pagesize=A4, pageCompression=1)
        self.fonts = fonts

    def setFont(self, psfontname: str, size: float, leading: float | None = None) -> None:  # noqa: N802
        super().setFont(self.fonts.get(psfontname, psfontname), size, leading)

    def _shaped(self, text: str) -> str:
        # The canvas keeps its current font in _fontname/_fontsize (reportlab has no public
        # getter); tests/test_i18n.py's Hindi invoice fails should that change.
        font = pdfmetrics.getFont(self._fontname)
        return shapeStr(text, self._fontname, self._fontsize) if getattr(font, "shapable", False) else text

    def drawString(self, x: float, y: float, text: str, *args: object, **kwargs: object) -> None:  # noqa: N802
        super().drawString(x, y, self._shaped(text), *args, **kwargs)

    def drawRightString(self, x: float, y: float, text: str, *args: object, **kwargs: object) -> None:  # noqa: N802
        super().drawRightString(x, y, self._shaped(text), *args, **kwargs)


def _render(title: str, draw: Callable[[Canvas], None]) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    canvas = _LanguageCanvas(buffer, FONTS_BY_LANGUAGE.get(current_language(), {}))
    canvas.setFont(FONT, 10)
    canvas.setTitle(title)
    draw(canvas)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# ---- the two documents -------------------------------------------------------------------


def _draw_invoice(c: Canvas, inv: InvoiceData) -> None:
    heading = words.TAX_INVOICE if inv.tax.treatment.is_taxed else words.INVOICE
    y = _header(c, heading, [words.number_line(inv.number), words.issued(inv.issue_date)])
    y = _parties(c, y, inv.seller, inv.recipient)
    y = _supply(c, y, inv.place_of_supply, inv.sac, inv.tax.treatment)
    c.drawString(LEFT, y, words.booking_line(inv.booking_code, inv.room_name, inv.session_date))
    y -= 10 * mm

    zone = ZoneInfo(inv.timezone)
    columns = (LEFT, LEFT + 80 * mm, LEFT + 140 * mm)
    c.setFont(BOLD, 10)
    c.drawString(columns[0], y, words.ITEM)
    c.drawString(columns[1], y, words.TIME)
    c.drawRightString(columns[2], y, words.RATE_PER_HOUR)
    c.drawRightString(RIGHT, y, words.AMOUNT)
    y -= 4
    c.line(LEFT, y, RIGHT, y)
    c.setFont(FONT, 10)
    for line in inv.lines:
        y -= 14
        c.drawString(columns[0], y, line.description[:44])
        c.drawString(columns[1], y, time_span(line.start, line.end, zone))
        c.drawRightString(columns[2], y, money(line.rate_paise))
        c.drawRightString(RIGHT, y, money(line.amount_paise))
    y -= 8
    c.line(LEFT, y, RIGHT, y)

    rows = _tax_rows(inv.tax, words.TOTAL_WITH_TAX, words.TOTAL)
    rows.append((words.amount_paid(inv.payment_id), money(inv.amount_paid_paise), False))
    rows += [(words.refund_row(rid, status), "-" + money(paise), False) for rid, paise, status in inv.refunds]
    y = _rows(c, y, rows)
    _closing(c, y, inv.tax)


def _draw_credit_note(c: Canvas, note: CreditNoteData) -> None:
    y = _header(
        c,
        words.CREDIT_NOTE,
        [
            words.credit_note_number_line(note.number),
            words.issued(note.issue_date),
            words.against_invoice(note.invoice_number, note.invoice_date),
        ],
    )
    y = _parties(c, y, note.seller, note.recipient)
    y = _supply(c, y, note.place_of_supply, note.sac, note.tax.treatment)
    c.drawString(LEFT, y, words.booking_line(note.booking_code, note.room_name, note.session_date))
    y -= 10 * mm

    c.setFont(BOLD, 10)
    c.drawString(LEFT, y, words.ITEM)
    c.drawRightString(RIGHT, y, words.AMOUNT)
    y -= 4
    c.line(LEFT, y, RIGHT, y)
    c.setFont(FONT, 10)
    y -= 14
    c.drawString(LEFT, y, words.credit_item(note.booking_code))
    c.drawRightString(RIGHT, y, money(note.tax.price_paise))
    y -= 14
    c.drawString(LEFT, y, words.credit_reason(note.refund_id))
    y -= 8
    c.line(LEFT, y, RIGHT, y)

    y = _rows(c, y, _tax_rows(note.tax, words.TOTAL_CREDITED, words.TOTAL_CREDITED_UNTAXED))
    _closing(c, y, note.tax)


# ---- their parts -----------------------------------------------------------------------


def _header(c: Canvas, heading: str, facts: list[str]) -> float:
    y = HEIGHT - 25 * mm
    c.setFont(BOLD, 20)
    c.drawString(LEFT, y, heading)
    c.setFont(FONT, 10)
    for i, text in enumerate(facts):
        c.drawRightString(RIGHT, y + 6 - 14 * i, text)
    return y - max(22 * mm, 14 * len(facts) + 8 * mm)


def _party_lines(party: Party, *, seller: bool) -> list[str]:
    lines = [party.name, *_wrap(party.address, ADDRESS_CHARACTERS)]
    if party.gstin:
        lines.append(words.gstin_line(party.gstin))
    elif seller:
        lines.append(words.NOT_REGISTERED)
    if party.state is not None:
        lines.append(words.state_line(party.state))
    if party.username:
        lines.append(words.buyer_telegram(party.username))
    return lines


def _parties(c: Canvas, y: float, seller: Party, recipient: Party) -> float:
    c.setFont(BOLD, 10)
    c.drawString(LEFT, y, words.FROM)
    c.drawString(WIDTH / 2, y, words.BILLED_TO)
    c.setFont(FONT, 10)
    left, right = _party_lines(seller, seller=True), _party_lines(recipient, seller=False)
    for i, text in enumerate(left):
        c.drawString(LEFT, y - LINE * (i + 1), text)
    for i, text in enumerate(right):
        c.drawString(WIDTH / 2, y - LINE * (i + 1), text)
    return y - LINE * (max(len(left), len(right)) + 2)


def _supply(c: Canvas, y: float, place: State | None, sac: str, treatment: Treatment) -> float:
    facts = [words.place_of_supply(place)] if place is not None else []
    facts.append(words.sac_line(sac))
    if treatment.is_taxed:
        facts.append(words.REVERSE_CHARGE_NO)
    for text in facts:
        c.drawString(LEFT, y, text)
        y -= LINE
    return y - LINE


def _tax_rows(tax: TaxBreakdown, total_taxed: str, total_untaxed: str) -> list[tuple[str, str, bool]]:
    if not tax.treatment.is_taxed:
        return [(total_untaxed, money(tax.price_paise), True)]
    rows = [(words.TAXABLE_VALUE, money(tax.taxable_paise), False)]
    half = tax.rate_bp / 2
    if tax.treatment is Treatment.INTER_STATE:
        rows.append((words.igst(tax.rate_bp), money(tax.igst_paise), False))
    else:
        second = words.utgst(half) if tax.treatment is Treatment.INTRA_UT else words.sgst(half)
        rows += [(words.cgst(half), money(tax.cgst_paise), False), (second, money(tax.sgst_paise), False)]
    rows.append((total_taxed, money(tax.price_paise), True))
    return rows


def _rows(c: Canvas, y: float, rows: list[tuple[str, str, bool]]) -> float:
    for label, value, bold in rows:
        y -= 15
        c.setFont(BOLD if bold else FONT, 10)
        c.drawRightString(RIGHT - 35 * mm, y, label)
        c.drawRightString(RIGHT, y, value)
    return y


def _closing(c: Canvas, y: float, tax: TaxBreakdown) -> None:
    c.setFont(FONT, 10)
    y -= 10 * mm
    for text in _wrap(words.in_words(tax.price_paise), 90):
        c.drawString(LEFT, y, text)
        y -= LINE
    if not tax.treatment.is_taxed:
        c.drawString(LEFT, y - 4, words.NO_GST_CHARGED)
    c.setFont(FONT, 8)
    c.drawString(LEFT, 20 * mm, words.THANKS)


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
