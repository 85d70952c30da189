"""What a booking records of its money: its payment link, its payments and its refunds
(the ledger, ``domain.ledger``), each change one conditional update of one booking.

A refund entry moves only along ``domain.refund_status``: the update that takes it to a
state accepts every state that may precede it, so our own record of a refund and
Razorpay's webhooks about it can land in either order, and whoever comes second changes
nothing it should not. Entries live at ``refunds.<key>``: the embedded database updates
paths into subdocuments but not members of lists (``storage.models``).

``refund_due_ms`` tells the refund job which bookings owe a refund; every update that
leaves an entry owed sets it and bumps ``refund_version``, and the job clears it only
while the version is the one it read, so an entry owed meanwhile is never forgotten."""

from __future__ import annotations

import logging
import re
from enum import StrEnum
from typing import Any

from beanie import PydanticObjectId
from pymongo import ReturnDocument

from domain.ledger import OPEN
from domain.refund_status import RefundStatus, sources_of
from storage.models import Booking, PaymentEntry, RefundEntry, legacy_ledger

log = logging.getLogger(__name__)

SAFE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,120}$")
"""A refund key that can be a field name (no dots, no ``$``): ours always are; one that
arrived in a webhook's notes is checked before it reaches a query."""


def _collection() -> Any:
    return Booking.get_pymongo_collection()


def is_refund_key(key: object) -> bool:
    return isinstance(key, str) and bool(SAFE_KEY.match(key))


def _entry(key: str) -> str:
    if not is_refund_key(key):
        raise ValueError(f"not a refund key: {key!r}")
    return f"refunds.{key}"


def _may_become(key: str, target: RefundStatus) -> dict[str, Any]:
    """The entry exists and is in a state that may precede ``target``."""
    sources = [state.value for state in sources_of(target) if state is not None]
    return {f"{_entry(key)}.key": key, f"{_entry(key)}.status": {"$in": sources}}


async def _moved(query: dict[str, Any], changes: dict[str, Any], **more: Any) -> Booking | None:
    raw = await _collection().find_one_and_update(
        query, {"$set": changes, **more}, return_document=ReturnDocument.AFTER
    )
    return Booking.model_validate(raw) if raw else None


def leasable(path: str, due: StrEnum, requesting: StrEnum, now_ms: int, lease_ms: int) -> dict[str, Any]:
    """The condition to take the right to ask the gateway for the entry at ``path``
    (a refund, a transfer, a reversal): it is ``due``, or another process took it
    (``requesting``) over ``lease_ms`` ago and never answered: it died."""
    return {
        "$or": [
            {f"{path}.status": due.value},
            {f"{path}.status": requesting.value, f"{path}.claimed_ms": {"$lte": now_ms - lease_ms}},
        ]
    }


def owes_refunds(now_ms: int) -> dict[str, Any]:
    """The update parts that tell the refund job this booking owes a refund."""
    return {"$set": {"refund_due_ms": now_ms}, "$inc": {"refund_version": 1}}


def ledger_fields(payments: list[PaymentEntry]) -> dict[str, Any]:
    """The ``$set`` of a booking's whole payment list (and what reads it by one field)."""
    return {
        "payments": [p.model_dump() for p in payments],
        "payment_count": len(payments),
        "payment_id": payments[0].payment_id if payments else None,
    }


def refund_fields(entries: list[RefundEntry]) -> dict[str, Any]:
    """The ``$set`` of new refund entries."""
    return {_entry(e.key): e.model_dump() for e in entries}


def ledger_as_read(booking: Booking, entries: list[RefundEntry]) -> dict[str, Any]:
    """The condition that ``booking``'s payments are still those read and the keys of the
    new refund ``entries`` still free: a refund worked out from a read holds only then."""
    return {"payment_count": len(booking.payments), **_keys_free(entries)}


def _keys_free(entries: list[RefundEntry]) -> dict[str, Any]:
    """The condition that no refund entry has any of these entries' keys yet."""
    return {_entry(e.key): {"$exists": False} for e in entries}


# ---- the bookings a payment speaks of ------------------------------------------------


async def bookings_paid_by(payment_id: str) -> list[Booking]:
    """Every booking that records ``payment_id``: a booking, or a series' weeks. The first
    payment by its index; a later one (a move, an extension) by a scan, which only a refund
    made in Razorpay's dashboard for such a payment needs."""
    found = await Booking.find({"payment_id": payment_id}).to_list()
    if found:
        return found
    return await Booking.find({"payments": {"$elemMatch": {"payment_id": payment_id}}}).to_list()


async def booking_paid_by(payment_id: str) -> Booking | None:
    """The (first) booking that records ``payment_id``."""
    found = await bookings_paid_by(payment_id)
    return found[0] if found else None


# ---- the payment link --------------------------------------------------------------


async def store_link(booking_id: PydanticObjectId, link_id: str, url: str) -> Booking | None:
    """Keep ``link_id`` as the booking's link unless it already has one (a racing confirm
    stored its own first): None then."""
    return await _moved(
        {"_id": booking_id, "payment.link_id": {"$exists": False}},
        {"payment.link_id": link_id, "payment.link_url": url},
    )


async def copy_series_link(series_code: str, link_id: str, url: str) -> None:
    """Give every week of a series its lead's link (each pay screen and job reads its own)."""
    await _collection().update_many(
        {"series.code": series_code, "payment.link_id": {"$exists": False}},
        {"$set": {"payment.link_id": link_id, "payment.link_url": url}},
    )


# ---- payments --------------------------------------------------------------------------


async def add_payment(
    booking: Booking, entry: PaymentEntry, *, extra: dict[str, Any] | None = None
) -> Booking | None:
    """Record another payment of ``booking`` (a move's difference, an extra hour), with
    ``extra`` changes in the same update; None when the booking's payments changed since
    it was read (read it again) or it records this payment already."""
    if any(p.payment_id == entry.payment_id for p in booking.payments):
        return None
    return await _moved(
        {"_id": booking.id, "payment_count": len(booking.payments)},
        {**ledger_fields([*booking.payments, entry]), **(extra or {})},
    )


# ---- refunds -----------------------------------------------------------------------


async def add_refunds(
    booking: Booking, entries: list[RefundEntry], now_ms: int, *, condition: dict[str, Any] | None = None
) -> Booking | None:
    """Record new refund entries (owed), each unless its key exists; None when any does or
    ``condition`` fails."""
    query: dict[str, Any] = {"_id": booking.id, **(condition or {}), **_keys_free(entries)}
    owed = owes_refunds(now_ms)
    return await _moved(query, {**refund_fields(entries), **owed["$set"]}, **{"$inc": owed["$inc"]})


async def refund_not_needed(booking_id: PydanticObjectId, key: str) -> None:
    await _collection().update_one(
        {"_id": booking_id, **_may_become(key, RefundStatus.NOT_NEEDED)},
        {"$set": {f"{_entry(key)}.status": RefundStatus.NOT_NEEDED.value}},
    )


async def claim_refund(booking_id: PydanticObjectId, key: str, now_ms: int, lease_ms: int) -> Booking | None:
    """Take the right to ask the gateway for the entry ``key``: it is due, or another
    process took it over ``lease_ms`` ago and never answered (it died)."""
    path = _entry(key)
    return await _moved(
        {
            "_id": booking_id,
            **leasable(path, RefundStatus.DUE, RefundStatus.REQUESTING, now_ms, lease_ms),
        },
        {f"{path}.status": RefundStatus.REQUESTING.value, f"{path}.claimed_ms": now_ms},
    )


async def refund_request_failed(booking_id: PydanticObjectId, key: str, error: str, now_ms: int) -> None:
    """The gateway refused or did not answer: due again, for the retry job."""
    path = _entry(key)
    owed = owes_refunds(now_ms)
    await _collection().update_one(
        {"_id": booking_id, f"{path}.status": RefundStatus.REQUESTING.value},
        {
            "$set": {
                f"{path}.status": RefundStatus.DUE.value,
                f"{path}.last_error": error[:300],
                **owed["$set"],
            },
            "$inc": {f"{path}.attempts": 1, **owed["$inc"]},
        },
    )


async def refund_accepted(
    booking_id: PydanticObjectId, key: str, status: RefundStatus, refund_id: str, amount_paise: int
) -> Booking | None:
    """The gateway's answer to our request; None when Razorpay's webhook said more first
    (the webhook wrote the refund's id and amount, so nothing is lost)."""
    path = _entry(key)
    return await _moved(
        {"_id": booking_id, f"{path}.status": RefundStatus.REQUESTING.value},
        {
            f"{path}.status": status.value,
            f"{path}.refund_id": refund_id,
            f"{path}.amount_paise": amount_paise,
        },
    )


async def refund_news(
    booking_id: PydanticObjectId, key: str, status: RefundStatus, refund_id: str, amount_paise: int
) -> Booking | None:
    """Razorpay says the refund was processed or failed, with its amount: recorded from
    whatever state may lead there (our own record may not be written yet). None when
    it is already there, or past it (a failure reported after the money arrived)."""
    path = _entry(key)
    return await _moved(
        {"_id": booking_id, **_may_become(key, status)},
        {
            f"{path}.status": status.value,
            f"{path}.refund_id": refund_id,
            f"{path}.amount_paise": amount_paise,
        },
    )


async def record_outside_refund(booking: Booking, entry: RefundEntry) -> Booking | None:
    """A refund the ledger did not ask for (made in Razorpay's dashboard), as Razorpay
    reported it; None when another delivery recorded it first."""
    return await _moved(
        {"_id": booking.id, **_keys_free([entry])},
        refund_fields([entry]),
    )


async def refunds_to_retry(now_ms: int, limit: int) -> list[Booking]:
    """Bookings that owe a refund, by the one indexed field the job needs."""
    return (
        await Booking.find({"refund_due_ms": {"$lte": now_ms}}).sort("refund_due_ms").limit(limit).to_list()
    )


async def refunds_settled(booking: Booking) -> bool:
    """The refund job is done with ``booking`` as read: nothing owed. Stops looking at it
    unless an entry became owed since it was read (its version moved). True when cleared."""
    if any(entry.status in OPEN for entry in booking.refunds.values()):
        return False
    done = await _collection().update_one(
        {"_id": booking.id, "refund_version": booking.refund_version},
        {"$set": {"refund_due_ms": None}},
    )
    return done.modified_count > 0


# ---- bookings stored before the ledger ------------------------------------------------


async def migrate_to_ledger() -> int:
    """Rewrite bookings stored before the ledger in its shape (``models.legacy_ledger``),
    each with one update conditional on still having the old shape: running it again, or
    in several processes at once, changes nothing more. Returns how many were rewritten."""
    collection = _collection()
    moved = 0
    legacy = {
        "$or": [
            {"refund.status": {"$exists": True}},
            {"payment_id": {"$type": "string"}, "payment_count": {"$exists": False}},
        ]
    }
    async for raw in collection.find(legacy):
        shaped = legacy_ledger(raw)
        changes = {
            "payments": shaped.get("payments", []),
            "payment_count": shaped.get("payment_count", 0),
            "refunds": shaped.get("refunds", {}),
        }
        if shaped.get("refund_due_ms") is not None:
            changes["refund_due_ms"] = shaped["refund_due_ms"]
        done = await collection.update_one(
            {"_id": raw["_id"], "payment_count": {"$exists": False}},
            {"$set": changes, "$unset": {"refund": ""}},
        )
        moved += done.modified_count
    if moved:
        log.info("moved %d bookings to the money ledger", moved)
    return moved
