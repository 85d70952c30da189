"""Owner reports as files: a month's bookings as CSV, occupancy as a heatmap PNG."""

from __future__ import annotations

import csv
import io
from functools import cache
from pathlib import Path
from typing import Any

import fontpkg_noto_sans_devanagari
import matplotlib

matplotlib.use("Agg")  # no screen on a server

import matplotlib.pyplot as plt
from matplotlib import font_manager

from domain.spreadsheet import as_text_cell
from domain.words import owner_screens as words
from domain.words.language import _
from storage.models import Booking, Room, User

CSV_COLUMNS = [
    "code",
    "date",
    "start",
    "end",
    "slots",
    "status",
    "amount_inr",
    "refunded_inr",
    "musician_id",
    "musician",
    "username",
    "payment_id",
    "invoice_number",
    "invoice_date",
    "taxable_inr",
    "cgst_inr",
    "sgst_or_utgst_inr",
    "igst_inr",
    "invoice_total_inr",
    "credit_note_number",
    "credit_note_date",
    "credit_taxable_inr",
    "credit_tax_inr",
    "credit_note_total_inr",
    "series",
]
"""A booking's row; its invoice's and credit note's columns are empty until issued (an
invoice numbered before sellers shows its number only)."""
HEATMAP_SIZE_INCHES = (8.0, 4.5)
HEATMAP_DPI = 150


def bookings_csv(room: Room, bookings: list[Booking], musicians: dict[int, User]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    zone = room.zone
    for b in bookings:
        who = musicians.get(b.user_id)
        row = [
            b.code,
            b.day.isoformat(),
            f"{b.starts_at.astimezone(zone):%H:%M}",
            f"{b.ends_at.astimezone(zone):%H:%M}",
            len(b.slots),
            b.status.value,
            f"{b.amount_paise / 100:.2f}",
            f"{b.refunded_paise / 100:.2f}",
            b.user_id,
            who.display_name if who else "",
            who.username or "" if who else "",
            b.payment_id or "",
            *_document_cells(b.invoice_number, b.invoice, ("cgst_paise", "sgst_paise", "igst_paise")),
            *_document_cells(b.credit_note_number, b.credit_note, ("tax",)),
            f"{b.series.code} {b.series.index + 1}/{b.series.count}" if b.series else "",
        ]
        # Every text cell, not only the names: the cheapest way to never miss one.
        writer.writerow([as_text_cell(cell) if isinstance(cell, str) else cell for cell in row])
    return buffer.getvalue().encode("utf-8-sig")  # Excel opens UTF-8 with a BOM correctly


def _inr(paise: Any) -> str:
    return "" if paise is None else f"{int(paise) / 100:.2f}"


def _document_cells(number: str | None, document: dict[str, Any], taxes: tuple[str, ...]) -> list[str]:
    """Number, date, taxable value, the ``taxes`` (``("tax",)``: all of them summed) and
    total of an issued invoice or credit note."""
    if not number:
        return [""] * (4 + len(taxes))
    if not document:
        return [number] + [""] * (3 + len(taxes))
    parts = ("cgst_paise", "sgst_paise", "igst_paise")
    tax_cells = (
        [_inr(sum(int(document.get(part, 0)) for part in parts))]
        if taxes == ("tax",)
        else [_inr(document.get(tax)) for tax in taxes]
    )
    return [
        number,
        str(document.get("issued_on", "")),
        _inr(document.get("taxable_paise")),
        *tax_cells,
        _inr(document.get("total_paise")),
    ]


@cache
def _fonts() -> dict[str, Any]:
    """Matplotlib's own sans-serif (DejaVu Sans), falling back glyph by glyph to Noto Sans
    Devanagari for Hindi labels."""
    for ttf in (Path(fontpkg_noto_sans_devanagari.ROOT) / "files").glob("NotoSansDevanagari*.ttf"):
        font_manager.fontManager.addfont(str(ttf))
    return {"font.family": ["sans-serif", fontpkg_noto_sans_devanagari.FAMILY]}  # DejaVu Sans first


def heatmap_png(room: Room, matrix: list[list[float]], weeks: int) -> bytes:
    """Weekdays × hours, each cell the share of that hour booked over ``weeks`` weeks."""
    share = [[min(1.0, hours / weeks) for hours in row] for row in matrix]
    with plt.rc_context(_fonts()):
        return _draw_heatmap(room, share, weeks)


def _draw_heatmap(room: Room, share: list[list[float]], weeks: int) -> bytes:
    figure, axes = plt.subplots(figsize=HEATMAP_SIZE_INCHES, dpi=HEATMAP_DPI)
    try:
        image = axes.imshow(share, cmap="YlOrRd", vmin=0, vmax=1, aspect="auto")
        axes.set_yticks(range(7), [_(name) for name in words.HEATMAP_WEEKDAYS], fontsize=11)
        axes.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)], fontsize=10)
        axes.set_xlabel(words.HEATMAP_HOURS_AXIS, fontsize=11)
        axes.set_title(words.heatmap_title(room, weeks), fontsize=13)
        figure.colorbar(image, ax=axes, label=words.HEATMAP_SCALE)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
