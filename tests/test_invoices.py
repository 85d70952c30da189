"""Invoice numbering under concurrency and the PDF's contents, read back with pypdf."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from beanie import PydanticObjectId

from domain.invoice_numbers import financial_year, format_invoice_number, gst_split, parse_invoice_number
from payments.invoice_pdf import InvoiceData, InvoiceLine, render_invoice_pdf
from storage.database import Database
from storage.invoices import Invoice, invoice_number_for
from storage.models import BookedSlot, Booking, Room, User
from tests.payment_support import PaymentWorld, held_booking, pdf_text


@pytest.mark.parametrize(
    ("day", "fy"),
    [
        (date(2026, 11, 25), "2026-27"),
        (date(2027, 3, 31), "2026-27"),
        (date(2027, 4, 1), "2027-28"),
        (date(2026, 4, 1), "2026-27"),
        (date(2026, 3, 31), "2025-26"),
        (date(2099, 12, 31), "2099-00"),
    ],
)
def test_financial_year_runs_april_to_march(day: date, fy: str) -> None:
    assert financial_year(day) == fy


def test_numbers_format_and_parse() -> None:
    assert format_invoice_number("2026-27", 42) == "JR/2026-27/000042"
    assert parse_invoice_number("JR/2026-27/000042") == ("JR", "2026-27", 42)
    with pytest.raises(ValueError):
        format_invoice_number("2026-27", 0)
    with pytest.raises(ValueError):
        parse_invoice_number("JR-2026-42")


@pytest.mark.parametrize("total", [1, 99, 118, 100000, 141600, 99999, 123457])
def test_gst_split_adds_up_exactly(total: int) -> None:
    taxable, cgst, sgst = gst_split(total, 18)
    assert taxable + cgst + sgst == total
    assert abs(cgst - sgst) <= 1
    assert abs(taxable * 118 - total * 100) <= 118 // 2 + 1


def fake_booking(n: int) -> Booking:
    start = datetime(2026, 11, 26, 6, 30, tzinfo=UTC)
    return Booking(
        id=PydanticObjectId(),
        code=f"JR-T{n:05d}",
        user_id=1,
        room_id="r",
        day=date(2026, 11, 26),
        room_day="r|2026-11-26",
        slots=[BookedSlot(start=start, end=start, price_paise=100)],
        amount_paise=100,
        starts_at=start,
        ends_at=start,
        hold_expires_at=start,
    )


async def test_concurrent_numbering_has_no_gaps_and_no_repeats(db: Database) -> None:
    bookings = [fake_booking(i) for i in range(40)]
    await Booking.insert_many(bookings)
    issued = date(2026, 11, 25)
    numbers = await asyncio.gather(*(invoice_number_for(b, issued) for b in bookings))
    sequences = sorted(parse_invoice_number(n)[2] for n, _ in numbers)
    assert sequences == list(range(1, 41))
    again = await asyncio.gather(*(invoice_number_for(b, issued) for b in bookings[:10] for _ in range(3)))
    assert {n for n, _ in again} == {n for n, _ in numbers[:10]}
    assert await Invoice.count() == 40
    next_year = await invoice_number_for(fake_booking(99), date(2027, 4, 1))
    assert next_year[0] == "JR/2027-28/000001"


async def test_same_booking_asked_concurrently_gets_one_number(db: Database) -> None:
    booking = fake_booking(7)
    await booking.insert()
    results = await asyncio.gather(*(invoice_number_for(booking, date(2026, 11, 25)) for _ in range(15)))
    assert {n for n, _ in results} == {"JR/2026-27/000001"}
    assert await Invoice.count() == 1
    follower = await invoice_number_for(fake_booking(8), date(2026, 11, 25))
    assert follower[0] == "JR/2026-27/000002"


def invoice(gstin: str | None) -> InvoiceData:
    start = datetime(2026, 11, 26, 12, 30, tzinfo=UTC)  # 18:00 IST
    lines = [
        InvoiceLine("Rehearsal slot, Bass Cave Studio", start, start.replace(hour=13), 80000, 80000),
        InvoiceLine(
            "Rehearsal slot, Bass Cave Studio", start.replace(hour=13), start.replace(hour=14), 80000, 80000
        ),
    ]
    return InvoiceData(
        number="JR/2026-27/000042",
        issue_date=date(2026, 11, 25),
        seller_name="Bass Cave Music LLP",
        seller_address="1082 12th Main Rd, Indiranagar, Bengaluru 560038",
        seller_gstin=gstin,
        buyer_name="Asha Rao",
        buyer_username="asha_drums",
        booking_code="JR-7F3K2Q",
        room_name="Bass Cave Studio",
        session_date=date(2026, 11, 26),
        timezone="Asia/Kolkata",
        lines=lines,
        total_paise=160000,
        amount_paid_paise=160000,
        payment_id="pay_ABC123",
        refunds=[("rfnd_XYZ", 80000, "processed")],
    )


def test_the_invoice_pdf_says_what_was_bought_and_paid() -> None:
    text, reader = pdf_text(render_invoice_pdf(invoice("29ABCDE1234F1Z5")))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    for expected in (
        "TAX INVOICE",
        "JR/2026-27/000042",
        "JR-7F3K2Q",
        "Bass Cave Music LLP",
        "GSTIN 29ABCDE1234F1Z5",
        "Asha Rao",
        "@asha_drums",
        "18:00–19:00",
        "19:00–20:00",
        "₹1,600.00",
        "₹800.00",
        "Taxable value",
        "₹1,355.93",
        "CGST 9%",
        "SGST 9%",
        "₹122.03",
        "₹122.04",
        "pay_ABC123",
        "rfnd_XYZ",
    ):
        assert expected in text, expected


def test_without_gstin_there_is_no_tax_split() -> None:
    text, _ = pdf_text(render_invoice_pdf(invoice(None)))
    assert "TAX INVOICE" not in text
    assert "CGST" not in text
    assert "Total" in text
    assert "₹1,600.00" in text


async def test_the_invoice_for_a_paid_booking_keeps_its_number(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    payment_id = world.api.pay_link(booking.payment["link_id"])
    await world.post_event(world.api.paid_event(booking.payment["link_id"], payment_id))
    paid = await world.payments.bookings.booking(booking.id)
    first = await world.payments.invoice_document(paid)
    second = await world.payments.invoice_document(await world.payments.bookings.booking(booking.id))
    numbered = await world.payments.bookings.booking(booking.id)
    assert paid.invoice_number is None  # taken on the first invoice, not by the payment
    assert first[2] == second[2] == numbered.invoice_number == "JR/2026-27/000001"
    text, _ = pdf_text(first[1])
    assert booking.code in text
    assert "Asha" in text
    assert first[0] == "invoice-JR-2026-27-000001.pdf"
