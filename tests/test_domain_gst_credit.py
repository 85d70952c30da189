"""A credit note's taxes never exceed its invoice's, however the paise round, and a GST
rate as typed. Pure rules, no database."""

from __future__ import annotations

import random

import pytest

from domain.gst.credit import credit_note_tax
from domain.gst.rates import RateProblem, RateRefusedError, parse_rate_percent
from domain.gst.supply import Treatment
from domain.gst.tax import TaxBreakdown, tax_inside, tax_inside_lines

TAXED = [Treatment.INTRA_STATE, Treatment.INTRA_UT, Treatment.INTER_STATE]


def test_a_full_refund_credits_exactly_what_the_invoice_charged() -> None:
    invoice = tax_inside_lines([60000, 80000, 59], 1800, Treatment.INTRA_STATE).total
    assert credit_note_tax(invoice, invoice.price_paise) == invoice


def test_half_of_a_two_slot_invoice() -> None:
    invoice = tax_inside_lines([60000, 60000], 1800, Treatment.INTRA_STATE).total
    assert (invoice.taxable_paise, invoice.cgst_paise) == (101696, 9152)
    credit = credit_note_tax(invoice, 60000)
    assert (credit.taxable_paise, credit.cgst_paise, credit.sgst_paise, credit.igst_paise) == (
        50848,
        4576,
        4576,
        0,
    )


def test_an_odd_paisa_of_tax_goes_to_the_taxable_value_so_the_halves_stay_equal() -> None:
    invoice = tax_inside(11800, 1800, Treatment.INTRA_STATE)  # 10000 + 900 + 900
    credit = credit_note_tax(invoice, 5901)  # taxable floor(10000 * 5901 / 11800) = 5000, tax 901
    assert (credit.taxable_paise, credit.cgst_paise, credit.sgst_paise) == (5001, 450, 450)


@pytest.mark.parametrize("kind", [*TAXED, Treatment.NOT_REGISTERED])
def test_credit_notes_never_exceed_the_invoices_tax_or_value(kind: Treatment) -> None:
    """Thousands of invoices of several sessions, and refunds of every size up to the
    whole: each tax and the taxable value stay within the invoice's, the parts add up to
    the refund, and CGST equals SGST."""
    rng = random.Random(18)
    for _ in range(3000):
        prices = [rng.choice([1, 59, 45000, 60000, 80000, 99999, 135000]) for _ in range(rng.randint(1, 8))]
        rate = rng.choice([500, 1200, 1800, 2800, 25])
        invoice = tax_inside_lines(prices, rate, kind).total
        total = invoice.price_paise
        for refund in {0, 1, total // 2, total - 1, total, rng.randint(0, total)}:
            credit = credit_note_tax(invoice, refund)
            assert credit.price_paise == refund
            assert credit.treatment is kind
            assert 0 <= credit.cgst_paise <= invoice.cgst_paise
            assert 0 <= credit.sgst_paise <= invoice.sgst_paise
            assert 0 <= credit.igst_paise <= invoice.igst_paise
            assert 0 <= credit.taxable_paise <= invoice.taxable_paise
            assert credit.cgst_paise == credit.sgst_paise
            if not kind.is_taxed:
                assert credit.tax_paise == 0


def test_a_credit_note_cannot_give_back_more_than_the_invoice() -> None:
    invoice = TaxBreakdown(Treatment.INTER_STATE, 1800, 100, igst_paise=18)
    for refund in (-1, 119):
        with pytest.raises(ValueError):
            credit_note_tax(invoice, refund)


@pytest.mark.parametrize(
    ("typed", "bp"), [("18", 1800), ("18%", 1800), (" 5 ", 500), ("0.25", 25), ("40", 4000)]
)
def test_gst_rates_as_typed(typed: str, bp: int) -> None:
    assert parse_rate_percent(typed) == bp


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", RateProblem.NOT_A_NUMBER),
        ("eighteen", RateProblem.NOT_A_NUMBER),
        ("nan", RateProblem.NOT_A_NUMBER),
        ("0", RateProblem.OUT_OF_RANGE),
        ("-18", RateProblem.OUT_OF_RANGE),
        ("41", RateProblem.OUT_OF_RANGE),
        ("18.125", RateProblem.TOO_PRECISE),
    ],
)
def test_bad_gst_rates_are_refused(typed: str, problem: RateProblem) -> None:
    with pytest.raises(RateRefusedError) as refused:
        parse_rate_percent(typed)
    assert refused.value.problem is problem
