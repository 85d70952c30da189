"""Invoice numbers per Indian financial year (April to March): ``JR/2026-27/000042``.

That number is 17 characters, one more than CGST Rules 46(b) allows; the GST-correct
series (``JR/26-27/000042``, per seller, invoices and credit notes) is
``domain.gst.numbers``, which also owns ``financial_year``."""

from __future__ import annotations

import re

from domain.gst.numbers import financial_year

__all__ = ["financial_year", "format_invoice_number", "gst_split", "parse_invoice_number"]

NUMBER = re.compile(r"^(?P<prefix>[A-Z]+)/(?P<fy>\d{4}-\d{2})/(?P<seq>\d{6,})$")


def format_invoice_number(fy: str, sequence: int, prefix: str = "JR") -> str:
    if sequence < 1:
        raise ValueError("invoice sequences start at 1")
    return f"{prefix}/{fy}/{sequence:06d}"


def parse_invoice_number(number: str) -> tuple[str, str, int]:
    """(prefix, financial year, sequence); ValueError when malformed."""
    match = NUMBER.match(number)
    if match is None:
        raise ValueError(f"not an invoice number: {number!r}")
    return match["prefix"], match["fy"], int(match["seq"])


def gst_split(total_paise: int, rate_percent: int) -> tuple[int, int, int]:
    """(taxable value, CGST, SGST) of a tax-inclusive total; the parts add up exactly."""
    taxable = (total_paise * 100 * 2 + (100 + rate_percent)) // (2 * (100 + rate_percent))
    tax = total_paise - taxable
    cgst = tax // 2
    return taxable, cgst, tax - cgst
