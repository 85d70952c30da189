"""Invoice and credit-note numbers: each seller's gapless series per financial year, one
number per booking under concurrent requests, retries, a crash between the two steps
and several processes; the platform-wide numbers issued before sellers stay."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, date, datetime

import pytest
from beanie import PydanticObjectId

from domain.gst.numbers import parse_document_number
from domain.invoice_numbers import financial_year, format_invoice_number, gst_split, parse_invoice_number
from storage.database import Database
from storage.invoices import (
    DocumentCounter,
    DocumentKind,
    Invoice,
    counter_id,
    issue_document,
    take_next,
)
from storage.models import BookedSlot, Booking, Room, User, utc_now
from tests.payment_support import PaymentWorld, held_booking, pdf_text

ISSUED = date(2026, 11, 25)


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


def test_numbers_of_the_platform_wide_series_format_and_parse() -> None:
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


async def issue(
    booking: Booking,
    *,
    seller: str = "owner:9001",
    kind: DocumentKind = DocumentKind.INVOICE,
    on: date = ISSUED,
    prefix: str = "JR",
) -> str:
    document = await issue_document(
        booking.id, kind, seller_id=seller, prefix=prefix, issued_on=on, facts={"total_paise": 100}
    )
    return document["number"]


def sequence_of(number: str) -> int:
    return parse_document_number(number).sequence


async def numbers_on_bookings(kind: DocumentKind = DocumentKind.INVOICE) -> dict[str, str]:
    stored = await Booking.get_pymongo_collection().find({}, {kind.number_field: 1}).to_list()
    return {str(b["_id"]): b[kind.number_field] for b in stored if b.get(kind.number_field)}


async def test_concurrent_invoices_take_every_number_once_without_gaps(db: Database) -> None:
    bookings = [fake_booking(i) for i in range(40)]
    await Booking.insert_many(bookings)
    asked = [b for b in bookings for _ in range(3)]  # every booking asked three times at once
    numbers = await asyncio.gather(*(issue(b) for b in asked))
    by_booking: dict[str, set[str]] = {}
    for booking, number in zip(asked, numbers, strict=True):
        by_booking.setdefault(str(booking.id), set()).add(number)
    assert all(len(given) == 1 for given in by_booking.values())
    stored = await numbers_on_bookings()
    assert {k: {v} for k, v in stored.items()} == by_booking
    assert sorted(sequence_of(n) for n in stored.values()) == list(range(1, 41))
    assert all(n.startswith("JR/26-27/") and len(n) == 15 for n in stored.values())
    counter = await DocumentCounter.get(counter_id("owner:9001", "2026-27", DocumentKind.INVOICE))
    assert counter is not None
    assert counter.value == 40


async def test_one_booking_asked_many_times_at_once_gets_one_number(db: Database) -> None:
    booking, follower = fake_booking(7), fake_booking(8)
    await Booking.insert_many([booking, follower])
    results = await asyncio.gather(*(issue(booking) for _ in range(15)))
    assert set(results) == {"JR/26-27/000001"}
    assert await issue(follower) == "JR/26-27/000002"
    assert await issue(booking) == "JR/26-27/000001"  # a retry later: the same number


async def test_a_crash_between_taking_a_number_and_storing_it_loses_nothing(db: Database) -> None:
    crashed, next_one = fake_booking(1), fake_booking(2)
    await Booking.insert_many([crashed, next_one])
    key = counter_id("owner:9001", "2026-27", DocumentKind.INVOICE)
    await DocumentCounter(id=key).insert()
    document = {"number": "JR/26-27/000001", "sequence": 1, "total_paise": 100}
    # Step 1 of an issue whose process died before step 2: the counter names the booking,
    # the booking holds no number.
    assert await take_next(key, 0, {"booking_id": str(crashed.id), "document": document})
    assert (await Booking.get(crashed.id)).invoice_number is None  # type: ignore[union-attr]

    assert await issue(next_one) == "JR/26-27/000002"  # finishes the crashed issue first
    assert (await Booking.get(crashed.id)).invoice_number == "JR/26-27/000001"  # type: ignore[union-attr]
    assert await issue(crashed) == "JR/26-27/000001"  # its own retry gets the number it was given
    assert sorted(sequence_of(n) for n in (await numbers_on_bookings()).values()) == [1, 2]


async def test_the_crashed_booking_itself_retrying_gets_its_number(db: Database) -> None:
    crashed = fake_booking(1)
    await crashed.insert()
    key = counter_id("owner:9001", "2026-27", DocumentKind.INVOICE)
    await DocumentCounter(id=key).insert()
    document = {"number": "JR/26-27/000001", "sequence": 1, "total_paise": 100}
    assert await take_next(key, 0, {"booking_id": str(crashed.id), "document": document})
    assert await asyncio.gather(*(issue(crashed) for _ in range(5))) == ["JR/26-27/000001"] * 5
    counter = await DocumentCounter.get(key)
    assert counter is not None
    assert counter.value == 1


async def test_each_seller_year_and_kind_has_its_own_series(db: Database) -> None:
    bookings = [fake_booking(i) for i in range(5)]
    await Booking.insert_many(bookings)
    assert await issue(bookings[0], seller="gstin:29ABCDE1234F1ZW", prefix="BC") == "BC/26-27/000001"
    assert await issue(bookings[1], seller="gstin:29ABCDE1234F1ZW", prefix="BC") == "BC/26-27/000002"
    assert await issue(bookings[2], seller="owner:5") == "JR/26-27/000001"  # another seller
    assert await issue(bookings[3], seller="owner:5", on=date(2027, 4, 1)) == "JR/27-28/000001"
    credit = await issue(
        bookings[0], seller="gstin:29ABCDE1234F1ZW", kind=DocumentKind.CREDIT_NOTE, prefix="CN"
    )
    assert credit == "CN/26-27/000001"
    stored = await Booking.get(bookings[0].id)
    assert stored is not None
    assert (stored.invoice_number, stored.credit_note_number) == ("BC/26-27/000001", "CN/26-27/000001")


async def test_a_number_from_before_sellers_stays_with_its_booking(db: Database) -> None:
    booking = fake_booking(3)
    booking.invoice_number = "JR/2026-27/000042"
    await booking.insert()
    await Invoice(
        id="JR/2026-27/000042",
        booking_id=str(booking.id),
        financial_year="2026-27",
        sequence=42,
        issued_on="2026-11-20",
        created_at=utc_now(),
    ).insert()
    assert await issue(booking) == "JR/2026-27/000042"
    counter = await DocumentCounter.get(counter_id("owner:9001", "2026-27", DocumentKind.INVOICE))
    assert counter is not None
    assert counter.value == 0  # no number of the new series was taken for it


ISSUER = """
import asyncio, json, sys
from datetime import date
from beanie import PydanticObjectId
from storage.database import open_database
from storage.invoices import DocumentKind, issue_document

async def main(uri, name, ids):
    database = await open_database(uri, data_dir=None, database_name=name)
    try:
        got = await asyncio.gather(*(
            issue_document(PydanticObjectId(i), DocumentKind.INVOICE, seller_id="owner:9001",
                           prefix="JR", issued_on=date(2026, 11, 25), facts={"total_paise": 100})
            for i in ids))
        print(json.dumps({i: d["number"] for i, d in zip(ids, got)}))
    finally:
        await database.close()

asyncio.run(main(sys.argv[1], sys.argv[2], json.loads(sys.argv[3])))
"""


async def test_several_processes_issue_each_booking_one_number_and_skip_none(db: Database) -> None:
    bookings = [fake_booking(i) for i in range(30)]
    await Booking.insert_many(bookings)
    ids = json.dumps([str(b.id) for b in bookings])
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", ISSUER, db.uri, db.db.name, ids, stdout=subprocess.PIPE
        )
        for _ in range(3)
    ]
    outputs = [json.loads((await p.communicate())[0]) for p in processes]
    assert all(p.returncode == 0 for p in processes)
    assert outputs[0] == outputs[1] == outputs[2]  # every process was told the same number
    assert outputs[0] == await numbers_on_bookings()
    assert sorted(sequence_of(n) for n in outputs[0].values()) == list(range(1, 31))


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
    assert first[2] == second[2] == numbered.invoice_number == "JR/26-27/000001"
    assert numbered.invoice["seller_id"] == "gstin:29ABCDE1234F1ZW"  # the room's own GSTIN
    text, reader = pdf_text(first[1])
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    assert booking.code in text
    assert "Asha" in text
    assert first[0] == "invoice-JR-26-27-000001.pdf"
