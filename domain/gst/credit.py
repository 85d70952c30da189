"""The taxable value and taxes a credit note gives back when part or all of an invoice's
price is refunded (CGST Act s. 34: a credit note reduces the tax of the invoice it
names, so it can never give back more tax than the invoice charged).

The rule, in integer paise, for a refund ``R`` of an invoice of price ``P`` whose
printed taxable value is ``T``:

- a refund of the whole price credits exactly the invoice's figures, line for line
  summed (``R == P``): nothing is rounded twice;
- otherwise the credited taxable value is the invoice's taxable share of the refund,
  rounded *down*: ``floor(T * R / P)``, and the credited tax is the rest,
  ``R - taxable``. Because ``T/P`` is the invoice's own ratio, ``R - floor(T*R/P)``
  is at most ``R - (R - tax*R/P)``, i.e. never more than the invoice's tax (and the
  credited taxable value never more than its taxable value);
- CGST and SGST (or UTGST) are equal halves, as on the invoice: when the credited
  tax is an odd number of paise, the odd paisa goes to the taxable value (which stays
  below the invoice's, since ``R < P``), so each half is at most the invoice's half.
- A seller not registered under GST charged no tax: the refund is all value.

One booking has one refund, so one credit note: the bounds hold per credit note
against its invoice.
"""

from __future__ import annotations

from domain.gst.tax import TaxBreakdown


def credit_note_tax(invoice: TaxBreakdown, refunded_paise: int) -> TaxBreakdown:
    """What a credit note for ``refunded_paise`` of ``invoice``'s price gives back."""
    price = invoice.price_paise
    if not 0 <= refunded_paise <= price:
        raise ValueError("a credit note gives back between nothing and the invoice's price")
    if refunded_paise == price:
        return invoice
    treatment = invoice.treatment
    if not treatment.is_taxed or price == 0:
        return TaxBreakdown(treatment, invoice.rate_bp, refunded_paise)
    taxable = invoice.taxable_paise * refunded_paise // price
    tax = refunded_paise - taxable
    if treatment.splits_in_halves:
        half = tax // 2
        return TaxBreakdown(
            treatment, invoice.rate_bp, refunded_paise - 2 * half, cgst_paise=half, sgst_paise=half
        )
    return TaxBreakdown(treatment, invoice.rate_bp, taxable, igst_paise=tax)
