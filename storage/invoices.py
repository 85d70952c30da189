"""Invoice and credit-note numbers: each seller's own gapless series per financial year,
a number issued exactly once per booking, however many retries and processes ask.

One counter document per (seller, financial year, kind), ``_id``
``<seller>|<YYYY-YY>|<kind>``, holds the last sequence issued and *what it was issued
to* (``last``: the booking and the document as printed). Issuing is two writes:

1. the counter moves from ``n`` to ``n + 1`` by a conditional ``$inc`` (``value == n``),
   which also records the booking and its document in ``last``: of several processes
   reading ``n``, exactly one moves it, and the others look again;
2. the document is stored on the booking by a conditional ``$set`` (its number field
   is still empty), which cannot be repeated.

A process that dies between the two leaves the counter naming a booking that lacks its
number. Before anyone moves the counter again, they first finish that step for the
booking named in ``last`` (step 2 is safe to repeat: it changes nothing the second
time). So every sequence taken is stored on its booking, none is skipped, and a
booking's number is read back from the booking, never taken twice: the booking is read
*after* the counter's last issue is finished, so a booking that already holds a number
is always seen holding it. No transaction is needed.

Numbers issued before sellers existed (``JR/2026-27/000042``, one platform-wide series
in the ``invoices`` collection) stay on their bookings: a re-sent invoice shows the same
number and date. New numbers have the short year (``JR/26-27/000001``), so no new number
can equal an old one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from domain.booking_status import BookingStatus
from domain.gst.numbers import document_number, financial_year
from storage.ids import parse_object_id
from storage.models import Booking, Room, UtcDatetime, room_days_between, utc_now

MAX_TRIES = 1000
"""Lost races before giving up: each lost race means another booking got a number."""


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"

    @property
    def number_field(self) -> str:
        return f"{self.value}_number"

    @property
    def document_field(self) -> str:
        return self.value


class DocumentCounter(Document):
    """The last sequence a seller issued in a financial year, and to which booking."""

    id: str  # type: ignore[assignment]
    value: int = 0
    last: dict[str, Any] | None = None
    """``{"booking_id", "document"}`` of the last sequence taken."""
    updated_at: UtcDatetime = Field(default_factory=utc_now)

    class Settings:
        name = "document_counters"


class Invoice(Document):
    """An invoice number of the platform-wide series used before sellers (read only)."""

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
    """The platform-wide series' counter before sellers (read only)."""

    id: str  # type: ignore[assignment]
    value: int = 0

    class Settings:
        name = "invoice_counters"


def counter_id(seller_id: str, year: str, kind: DocumentKind) -> str:
    return f"{seller_id}|{year}|{kind.value}"


async def issue_document(
    booking_id: PydanticObjectId,
    kind: DocumentKind,
    *,
    seller_id: str,
    prefix: str,
    issued_on: date,
    facts: dict[str, Any],
) -> dict[str, Any]:
    """The booking's document of ``kind``, issued now with the next number of the
    seller's series for ``issued_on``'s financial year unless it has one already (then
    that one, whatever ``facts`` say now). ``facts`` is what the document prints."""
    year = financial_year(issued_on)
    counter_key = counter_id(seller_id, year, kind)
    for _ in range(MAX_TRIES):
        counter = await _counter(counter_key)
        if counter.get("last"):
            await _store(counter["last"], kind)
        issued = await _issued(booking_id, kind)
        if issued:
            return issued
        sequence = int(counter["value"]) + 1
        document = {
            **facts,
            "number": str(document_number(prefix, issued_on, sequence)),
            "sequence": sequence,
            "financial_year": year,
            "seller_id": seller_id,
            "issued_on": issued_on.isoformat(),
        }
        last = {"booking_id": str(booking_id), "document": document}
        if not await take_next(counter_key, int(counter["value"]), last):
            continue
        await _store(last, kind)
        return await _issued(booking_id, kind)
    raise RuntimeError(f"could not issue a {kind} number for {booking_id}")


async def take_next(counter_key: str, seen: int, last: dict[str, Any]) -> bool:
    """Step 1: move the counter from ``seen`` to ``seen + 1`` for ``last``; False when
    another process moved it first."""
    moved = await DocumentCounter.get_pymongo_collection().find_one_and_update(
        {"_id": counter_key, "value": seen},
        {"$inc": {"value": 1}, "$set": {"last": last, "updated_at": utc_now()}},
    )
    return moved is not None


async def _counter(counter_key: str) -> dict[str, Any]:
    counters = DocumentCounter.get_pymongo_collection()
    found = await counters.find_one({"_id": counter_key})
    if found is not None:
        return found
    with contextlib.suppress(DuplicateKeyError):  # another process made it first
        await counters.insert_one({"_id": counter_key, "value": 0, "last": None, "updated_at": utc_now()})
    return await counters.find_one({"_id": counter_key})


async def _store(last: dict[str, Any], kind: DocumentKind) -> None:
    """Step 2: the document on its booking, unless the booking has its number already."""
    document = last["document"]
    # A number a move superseded (``storage.moves``) is never stored on its booking again.
    await Booking.get_pymongo_collection().update_one(
        {
            "_id": PydanticObjectId(last["booking_id"]),
            kind.number_field: None,
            "$or": [
                {f"superseded_{kind.number_field}": None},
                {f"superseded_{kind.number_field}": {"$ne": document["number"]}},
            ],
        },
        {"$set": {kind.number_field: document["number"], kind.document_field: document}},
    )


async def _issued(booking_id: PydanticObjectId, kind: DocumentKind) -> dict[str, Any] | None:
    found = await Booking.get_pymongo_collection().find_one(
        {"_id": booking_id}, {kind.number_field: 1, kind.document_field: 1}
    )
    if found is None:
        raise LookupError(f"no booking {booking_id}")
    if not found.get(kind.number_field):
        return None
    return found.get(kind.document_field) or {"number": found[kind.number_field]}


async def platform_invoice_date(number: str) -> date | None:
    """The issue date of a number from the platform-wide series used before sellers."""
    found = await Invoice.get_pymongo_collection().find_one({"_id": number})
    return date.fromisoformat(found["issued_on"]) if found else None


# ---- what a room's documents add up to ------------------------------------------------


@dataclass(frozen=True)
class DocumentTotals:
    """A room's invoices or credit notes over some days: how many, and their sums."""

    count: int = 0
    taxable_paise: int = 0
    tax_paise: int = 0
    total_paise: int = 0

    def plus(self, document: dict[str, Any]) -> DocumentTotals:
        tax = sum(int(document.get(part, 0)) for part in ("cgst_paise", "sgst_paise", "igst_paise"))
        return DocumentTotals(
            self.count + 1,
            self.taxable_paise + int(document["taxable_paise"]),
            self.tax_paise + tax,
            self.total_paise + int(document["total_paise"]),
        )


@dataclass(frozen=True)
class BookingDocuments:
    """The invoice and credit note issued for one booking of a room (as printed)."""

    day: date
    invoice: dict[str, Any]
    credit_note: dict[str, Any]


async def documents_between(room: Room, first: date, last: date) -> list[BookingDocuments]:
    """The issued documents of the room's sessions from ``first`` to ``last``, in one
    query (the ``room_day`` keys, as earnings select them): callers total them per period."""
    found = (
        await Booking.get_pymongo_collection()
        .find(
            {"room_day": room_days_between(room.id, first, last), "invoice_number": {"$type": "string"}},
            {"day": 1, "invoice": 1, "credit_note": 1},
        )
        .to_list()
    )
    return [
        BookingDocuments(_as_date(b["day"]), b.get("invoice") or {}, b.get("credit_note") or {})
        for b in found
    ]


def document_totals(
    documents: Iterable[BookingDocuments], kind: DocumentKind, first: date, last: date
) -> DocumentTotals:
    """What the documents of ``kind`` for sessions from ``first`` to ``last`` add up to;
    an invoice numbered before sellers (it stored no amounts) is not counted."""
    totals = DocumentTotals()
    for booking in documents:
        document = booking.invoice if kind is DocumentKind.INVOICE else booking.credit_note
        if first <= booking.day <= last and "total_paise" in document and "taxable_paise" in document:
            totals = totals.plus(document)
    return totals


def _as_date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else date.fromisoformat(str(value)[:10])


def issued_document(booking: Booking, kind: DocumentKind) -> dict[str, Any]:
    """What the booking records of its document of ``kind`` (empty when none)."""
    return booking.invoice if kind is DocumentKind.INVOICE else booking.credit_note


# ---- the recipient, before paying ------------------------------------------------------


async def set_gst_recipient(booking_id: str, user_id: int, details: dict[str, str]) -> bool:
    """Keep the GSTIN and name the musician gave (``{}``: none) for the booking's invoice,
    while it waits for payment and is the musician's; False, and nothing changed, else."""
    object_id = parse_object_id(booking_id)
    if object_id is None:
        return False
    changed = await Booking.get_pymongo_collection().update_one(
        {
            "_id": object_id,
            "user_id": user_id,
            "status": BookingStatus.PENDING_PAYMENT.value,
            "invoice_number": None,
        },
        {"$set": {"gst_recipient": details}},
    )
    return changed.matched_count == 1
