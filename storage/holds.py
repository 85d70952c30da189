"""Unpaid holds per musician, limited without transactions.

Every PENDING_PAYMENT booking owns one hold claim: a document whose ``_id`` is
``<user id>|<n>`` with ``n`` below the limit. A confirm takes the first free number,
and the database's unique ``_id`` lets one booking own each number, so however many
confirms of one musician race, at most ``limit`` bookings hold unpaid at once. A
booking leaving PENDING_PAYMENT (paid, expired, cancelled) gives its claim back. A
claim left behind by a crash (its booking never written, or no longer unpaid) is
recognised when the musician next needs it, and by the clock's stale-claims pass.

A weekly series is one hold: its claim is named by the series' code instead of a
booking, and is given back when none of its weeks waits for payment any more (each week
that leaves PENDING_PAYMENT looks after its own change, so the last one sees none)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from beanie import Document, Indexed, PydanticObjectId
from pymongo.errors import DuplicateKeyError

from domain.booking_status import BookingStatus
from domain.codes import is_series_code
from storage.models import Booking
from storage.times import to_ms

STALE_AFTER = timedelta(minutes=2)
"""A claim whose booking is still not written this long after it was taken was left by
a crash between the two inserts (they are milliseconds apart)."""


class HoldClaim(Document):
    id: str  # type: ignore[assignment]
    user_id: int
    booking_id: Annotated[str, Indexed()]
    """The unpaid booking's id, or a weekly series' code (all its weeks hold as one)."""
    created_ms: int

    class Settings:
        name = "hold_claims"


def _claim_ids(user_id: int, limit: int) -> list[str]:
    return [f"{user_id}|{n}" for n in range(limit)]


async def take_hold(user_id: int, booking_id: str, *, limit: int, now: datetime) -> bool:
    """Claim one of ``user_id``'s ``limit`` unpaid holds for ``booking_id`` (a booking's
    id, or a series' code); False when all are held by unpaid bookings."""
    for _ in range(2):
        if await _insert_first_free(user_id, booking_id, limit, now):
            return True
        if not await free_stale_holds(now, claim_ids=_claim_ids(user_id, limit)):
            return False
    return False


async def _insert_first_free(user_id: int, booking_id: str, limit: int, now: datetime) -> bool:
    collection = HoldClaim.get_pymongo_collection()
    for claim_id in _claim_ids(user_id, limit):
        document = {"_id": claim_id, "user_id": user_id, "booking_id": booking_id, "created_ms": to_ms(now)}
        try:
            await collection.insert_one(document)
        except DuplicateKeyError:
            continue
        return True
    return False


async def release_hold(booking_id: PydanticObjectId | str) -> None:
    await HoldClaim.get_pymongo_collection().delete_many({"booking_id": str(booking_id)})


async def _series_waits(series_code: str) -> bool:
    """Whether any week of the series still waits for its payment."""
    waiting = await Booking.get_pymongo_collection().find_one(
        {"series.code": series_code, "status": BookingStatus.PENDING_PAYMENT.value}, {"_id": 1}
    )
    return waiting is not None


async def release_series_hold(series_code: str) -> None:
    """Give the series' hold back once none of its weeks waits for payment."""
    if not await _series_waits(series_code):
        await release_hold(series_code)


async def free_stale_holds(now: datetime, *, claim_ids: list[str] | None = None) -> int:
    """Delete hold claims whose booking no longer waits for payment, or was never
    written; ``claim_ids`` narrows the look to one musician. Returns how many."""
    collection = HoldClaim.get_pymongo_collection()
    query = {"_id": {"$in": claim_ids}} if claim_ids is not None else {}
    cutoff = to_ms(now - STALE_AFTER) or 0
    freed = 0
    async for claim in collection.find(query):
        if is_series_code(claim["booking_id"]):
            stale = await _series_stale(claim["booking_id"], claim["created_ms"] <= cutoff)
        else:
            booking_id = PydanticObjectId(claim["booking_id"])
            booking = await Booking.get_pymongo_collection().find_one({"_id": booking_id}, {"status": 1})
            if booking is None:
                stale = claim["created_ms"] <= cutoff
            else:
                stale = booking["status"] != BookingStatus.PENDING_PAYMENT.value
        if stale:
            # Only this claim as it was read: a booking that took the number meanwhile keeps it.
            result = await collection.delete_one({"_id": claim["_id"], "booking_id": claim["booking_id"]})
            freed += result.deleted_count
    return freed


async def _series_stale(series_code: str, old: bool) -> bool:
    """A series' hold is stale once none of its weeks waits for payment, or when none was
    ever written and the claim is ``old``."""
    if await _series_waits(series_code):
        return False
    written = await Booking.get_pymongo_collection().find_one({"series.code": series_code}, {"_id": 1})
    return written is not None or old
