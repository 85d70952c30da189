"""Invoice numbers: sequential per Indian financial year, never reused, never skipped.

Each issued number is a document whose ``_id`` is the number and whose ``booking_id``
is unique. Taking a number is one insert: two bookings racing for one number make
one insert fail (it tries the next), and one booking asking twice gets its first
number back. A number exists only once it belongs to a booking, so none is skipped,
and no transaction is needed. A counter document keeps the highest issued sequence
as a hint of where to start.
"""

from __future__ import annotations

from datetime import date

from beanie import Document
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from domain.invoice_numbers import financial_year, format_invoice_number
from storage.models import Booking, UtcDatetime, utc_now

MAX_PROBES = 1000


class Invoice(Document):
    id: str  # type: ignore[assignment]
    booking_id: str
    financial_year: str
    sequence: int
    issued_on: str
    created_at: UtcDatetime

    class Settings:
        name = "invoices"
        indexes = [IndexModel([("booking_id", ASCENDING)], unique=True, name="booking_id_unique")]


class InvoiceCounter(Document):
    id: str  # type: ignore[assignment]
    value: int = 0

    class Settings:
        name = "invoice_counters"


async def invoice_number_for(booking: Booking, issued_on: date) -> tuple[str, date]:
    """The booking's invoice number and issue date, allocating them on first call."""
    if booking.invoice_number:
        existing = await Invoice.get_pymongo_collection().find_one({"_id": booking.invoice_number})
        return booking.invoice_number, date.fromisoformat(existing["issued_on"]) if existing else issued_on
    invoices = Invoice.get_pymongo_collection()
    found = await invoices.find_one({"booking_id": str(booking.id)})
    if found is None:
        found = await _allocate(str(booking.id), issued_on)
    await Booking.get_pymongo_collection().update_one(
        {"_id": booking.id}, {"$set": {"invoice_number": found["_id"]}}
    )
    return found["_id"], date.fromisoformat(found["issued_on"])


async def _allocate(booking_id: str, issued_on: date) -> dict:
    fy = financial_year(issued_on)
    counters = InvoiceCounter.get_pymongo_collection()
    invoices = Invoice.get_pymongo_collection()
    hint = await counters.find_one({"_id": fy})
    sequence = (hint["value"] if hint else 0) + 1
    for _ in range(MAX_PROBES):
        document = {
            "_id": format_invoice_number(fy, sequence),
            "booking_id": booking_id,
            "financial_year": fy,
            "sequence": sequence,
            "issued_on": issued_on.isoformat(),
            "created_at": utc_now(),
        }
        try:
            await invoices.insert_one(document)
        except DuplicateKeyError:
            mine = await invoices.find_one({"booking_id": booking_id})
            if mine is not None:
                return mine
            sequence += 1
            continue
        await counters.find_one_and_update(
            {"_id": fy}, {"$max": {"value": sequence}}, upsert=True, return_document=ReturnDocument.AFTER
        )
        return document
    raise RuntimeError("could not allocate an invoice number")
