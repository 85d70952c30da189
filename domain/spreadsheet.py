"""Text that goes into a spreadsheet the owner opens (the bookings CSV).

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula (and treat a leading tab or carriage return the same way), so a
musician named ``=HYPERLINK(...)`` would become a live link or worse in the owner's
sheet. Such a cell is kept as text by a leading apostrophe, which the sheet shows
as the plain value (OWASP's advice for CSV injection)."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text_cell(value: str) -> str:
    """``value`` as a cell no spreadsheet runs as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
