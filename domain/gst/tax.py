"""The tax inside a tax-inclusive price, in integer paise, at a rate in basis points
(1800 = 18%).

A room's price is what the musician pays, GST included. Taking it apart:

- IGST: ``igst = round(price * rate / (10000 + rate))``, ``taxable = price - igst``.
- CGST + SGST (or UTGST): each half is ``round(price * rate / (2 * (10000 + rate)))``
  and ``taxable = price - cgst - sgst``. The two halves are always equal, as the law
  levies the same rate for each: when the exact tax is an odd number of paise (59 paise
  at 18% hold 9), the odd paisa is not given to one of the halves; the taxable value
  takes the rounding instead (49 + 5 + 5). Each tax stays within a paisa of its rate
  applied to the printed taxable value.
- A seller not registered under GST: the whole price is the value, no tax at all.

``round`` is half up. In every case ``taxable + cgst + sgst + igst == price`` exactly.

An invoice with several lines (sessions) is taxed line by line and its totals are the
sums of its lines, as an e-invoice's item list and totals are (its totals must equal
the sum of the items). So every printed line adds up, and a credit note for a whole
line is that line exactly; the total tax may differ from the tax of the total price by
a few paise (at most one per line, and one more).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.gst.supply import Treatment

BASIS_POINTS = 10_000
"""100% in basis points."""


@dataclass(frozen=True)
class TaxBreakdown:
    """A tax-inclusive amount taken apart; ``sgst_paise`` is UTGST under ``INTRA_UT``."""

    treatment: Treatment
    rate_bp: int
    taxable_paise: int
    cgst_paise: int = 0
    sgst_paise: int = 0
    igst_paise: int = 0

    @property
    def tax_paise(self) -> int:
        return self.cgst_paise + self.sgst_paise + self.igst_paise

    @property
    def price_paise(self) -> int:
        return self.taxable_paise + self.tax_paise


@dataclass(frozen=True)
class InvoiceTax:
    """The lines of one invoice, each taken apart, and their totals."""

    lines: tuple[TaxBreakdown, ...]
    total: TaxBreakdown


def tax_inside(price_paise: int, rate_bp: int, treatment: Treatment) -> TaxBreakdown:
    """Taxable value and taxes inside ``price_paise`` (GST included)."""
    _check(price_paise, rate_bp)
    if not treatment.is_taxed:
        return TaxBreakdown(treatment, 0, price_paise)
    if treatment.splits_in_halves:
        half = _round_half_up(price_paise * rate_bp, 2 * (BASIS_POINTS + rate_bp))
        return TaxBreakdown(treatment, rate_bp, price_paise - 2 * half, cgst_paise=half, sgst_paise=half)
    igst = _round_half_up(price_paise * rate_bp, BASIS_POINTS + rate_bp)
    return TaxBreakdown(treatment, rate_bp, price_paise - igst, igst_paise=igst)


def tax_inside_lines(prices_paise: Iterable[int], rate_bp: int, treatment: Treatment) -> InvoiceTax:
    """Each line taken apart on its own; the total is the sum of the lines."""
    lines = tuple(tax_inside(price, rate_bp, treatment) for price in prices_paise)
    total = TaxBreakdown(
        treatment,
        rate_bp if treatment.is_taxed else 0,
        sum(line.taxable_paise for line in lines),
        cgst_paise=sum(line.cgst_paise for line in lines),
        sgst_paise=sum(line.sgst_paise for line in lines),
        igst_paise=sum(line.igst_paise for line in lines),
    )
    return InvoiceTax(lines, total)


def _check(price_paise: int, rate_bp: int) -> None:
    if price_paise < 0:
        raise ValueError("a price cannot be negative")
    if not 0 <= rate_bp <= BASIS_POINTS:
        raise ValueError("a GST rate is between 0 and 10000 basis points")


def _round_half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)
