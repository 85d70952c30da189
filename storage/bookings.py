"""Reads of bookings for screens and jobs, and the clock's bookkeeping on them
(reminders sent, reconcile checks claimed). Status changes are not here: they are
``BookingService``'s conditional updates, and a booking's money is
``storage.payment_records``'.

Every query leans on one selective single-field index (``code``, ``room_day``,
``due_ms``, ``status``, ``_id``): NX-27017's planner uses no compound index."""

from __future__ import annotations

from datetime import date, datetime

from beanie import PydanticObjectId

from domain.booking_status import BookingStatus
from storage.models import Booking, Room, room_day_key
from storage.times import to_ms


async def booking_by_id(booking_id: PydanticObjectId) -> Booking | None:
    return await Booking.get(booking_id)


async def booking_by_code(code: str) -> Booking | None:
    """The booking with this code (``JR-XXXXXX``), as musicians and owners quote it."""
    return await Booking.find_one(Booking.code == code)


async def bookings_on(room: Room, day: date) -> list[Booking]:
    """Every booking of ``room`` on ``day`` (its business day), expired and cancelled
    ones too, by start time."""
    found = await Booking.find({"room_day": room_day_key(room.id, day)}).to_list()
    return sorted(found, key=lambda b: b.starts_at)


async def bookings_due_by(moment: datetime) -> list[Booking]:
    """Bookings whose next moment (hold expiry, session start or end) comes by
    ``moment``: ``due_ms`` alone, since only active bookings carry one (see
    ``BookingService.due_bookings``); callers check the status."""
    return await Booking.find({"due_ms": {"$lte": to_ms(moment)}}).to_list()


async def unpaid_holds() -> list[Booking]:
    """Every booking waiting for its payment: the status index, since holds are few
    (minutes each), unlike bookings."""
    return await Booking.find({"status": BookingStatus.PENDING_PAYMENT.value}).to_list()


async def delete_refused(booking_ids: list[PydanticObjectId]) -> None:
    """Delete the bookings a refused confirm wrote a moment before it was refused: they
    were never shown to anyone and have no payment link, so nothing refers to them."""
    await Booking.get_pymongo_collection().delete_many(
        {"_id": {"$in": booking_ids}, "status": BookingStatus.PENDING_PAYMENT.value}
    )


async def status_of(booking_id: PydanticObjectId | None) -> BookingStatus | None:
    """The booking's status as stored now (its status field only); None when there is
    no such booking."""
    if booking_id is None:
        return None
    raw = await Booking.get_pymongo_collection().find_one({"_id": booking_id}, {"status": 1})
    return BookingStatus(raw["status"]) if raw else None


async def mark_reminder_sent(booking: Booking, label: str) -> None:
    """Note that the ``label`` reminder (e.g. ``"24h"``) is queued, so later ticks skip it."""
    await Booking.get_pymongo_collection().update_one(
        {"_id": booking.id}, {"$addToSet": {"reminders_sent": label}}
    )


async def claim_reconcile_check(booking: Booking, *, next_check_ms: int) -> bool:
    """Take the turn to ask the gateway about an unpaid hold's link, and put the next
    turn off until ``next_check_ms``. Of several processes that read the same booking,
    one wins: the update matches only while the hold is unpaid and its check time is
    still the one read (``booking.payment["check_after_ms"]``, None before the first)."""
    seen = booking.payment.get("check_after_ms")
    claimed = await Booking.get_pymongo_collection().update_one(
        {"_id": booking.id, "status": BookingStatus.PENDING_PAYMENT.value, "payment.check_after_ms": seen},
        {"$set": {"payment.check_after_ms": next_check_ms}},
    )
    return claimed.modified_count > 0
