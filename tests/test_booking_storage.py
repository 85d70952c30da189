"""Storage's reads of bookings, rooms and users, and the clock's bookkeeping writes,
against the real wire-protocol database: the conditional ones change a booking once
however many processes race."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from beanie import PydanticObjectId
from pymongo.errors import DuplicateKeyError

from domain.booking_status import BookingStatus
from storage.booking_service import BookingService
from storage.bookings import (
    booking_by_code,
    bookings_on,
    claim_reconcile_check,
    mark_reminder_sent,
    status_of,
    unpaid_holds,
)
from storage.models import Booking, Room, User
from storage.outbox import enqueue, is_queued
from storage.rooms import active_rooms, add_room, all_rooms, room_by_slug
from storage.users import user_by_id, users_by_ids
from tests.conftest import NOW, make_user
from tests.dialog_support import slot_keys

TOMORROW = date(2026, 11, 26)
LATER_MS = 1_900_000_000_000


async def stored(booking: Booking) -> Booking:
    found = await Booking.get(booking.id)
    assert found is not None
    return found


async def test_one_of_many_racing_readers_claims_a_reconcile_check(
    service: BookingService, room: Room, user: User
) -> None:
    held = await service.create_booking(user.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 12))
    readers = [await stored(held) for _ in range(8)]  # each process read the hold before claiming
    won = await asyncio.gather(
        *(claim_reconcile_check(b, next_check_ms=LATER_MS + n) for n, b in enumerate(readers))
    )
    assert sum(won) == 1
    winner = won.index(True)
    assert (await stored(held)).payment["check_after_ms"] == LATER_MS + winner
    assert not await claim_reconcile_check(readers[0], next_check_ms=LATER_MS + 100)  # read before the claim
    again = await stored(held)
    assert await claim_reconcile_check(again, next_check_ms=LATER_MS + 200)
    assert (await stored(held)).payment["check_after_ms"] == LATER_MS + 200


async def test_a_paid_booking_is_not_claimed_for_a_reconcile_check(
    service: BookingService, room: Room, user: User
) -> None:
    held = await service.create_booking(user.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 12))
    paid = await service.confirm_payment(held, {"payment_id": "pay_1"})
    assert paid is not None
    assert not await claim_reconcile_check(held, next_check_ms=LATER_MS)
    assert "check_after_ms" not in (await stored(held)).payment
    assert await unpaid_holds() == []


async def test_a_reminder_is_noted_once_however_often_it_is_marked(
    service: BookingService, room: Room, user: User
) -> None:
    booking = await service.create_booking(user.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 12))
    await asyncio.gather(*(mark_reminder_sent(booking, "24h") for _ in range(5)))
    await mark_reminder_sent(booking, "1h")
    await mark_reminder_sent(booking, "24h")
    assert (await stored(booking)).reminders_sent == ["24h", "1h"]


async def test_status_of_reads_the_stored_status(service: BookingService, room: Room, user: User) -> None:
    booking = await service.create_booking(user.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 12))
    assert await status_of(booking.id) is BookingStatus.PENDING_PAYMENT
    await service.expire_now(booking)
    assert await status_of(booking.id) is BookingStatus.EXPIRED  # the copy in hand still says pending
    assert await status_of(None) is None
    assert await status_of(PydanticObjectId()) is None


async def test_a_days_bookings_are_its_rooms_by_start_cancelled_ones_too(
    service: BookingService, room: Room, user: User
) -> None:
    other = await make_user(1002, "Ravi")
    late = await service.create_booking(user.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 18))
    early = await service.create_booking(other.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 11))
    await service.cancel_by_musician(early.id, other.id)
    await service.create_booking(
        other.id, room.id, date(2026, 11, 27), slot_keys(room, date(2026, 11, 27), 12)
    )
    assert [b.id for b in await bookings_on(room, TOMORROW)] == [early.id, late.id]
    assert await bookings_on(room, date(2026, 11, 28)) == []
    assert (await booking_by_code(late.code)).id == late.id  # type: ignore[union-attr]
    assert await booking_by_code("JR-NOSUCH") is None


async def test_users_by_ids_returns_the_registered_ones(user: User) -> None:
    ravi = await make_user(1002, "Ravi")
    found = await users_by_ids([ravi.id, 4242, user.id, ravi.id])
    assert {k: v.first_name for k, v in found.items()} == {1001: "Asha", 1002: "Ravi"}
    assert await users_by_ids([]) == {}
    assert (await user_by_id(1002)).first_name == "Ravi"  # type: ignore[union-attr]
    assert await user_by_id(4242) is None


async def test_rooms_by_slug_paused_ones_too_and_a_slug_is_taken_once(room: Room) -> None:
    paused = await add_room(
        "quiet-corner",
        {
            "name": "Quiet Corner",
            "city": "Bengaluru",
            "address": "1 MG Road",
            "hourly_paise": 40000,
            "peak_hourly_paise": 50000,
            "active": False,
        },
    )
    assert (await room_by_slug("quiet-corner")).id == paused.id  # type: ignore[union-attr]
    assert await room_by_slug("no-such-room") is None
    assert [r.slug for r in await active_rooms("Bengaluru")] == [room.slug]
    assert [r.slug for r in await all_rooms()] == [room.slug, "quiet-corner"]
    with pytest.raises(DuplicateKeyError):
        await add_room(
            "quiet-corner",
            {"name": "Again", "city": "Pune", "address": "x", "hourly_paise": 1, "peak_hourly_paise": 1},
        )


async def test_a_queued_message_is_known_by_its_dedupe_key(db: object) -> None:
    assert not await is_queued("digest:9001:2026-11-25")
    assert await enqueue(9001, "Good morning", dedupe_key="digest:9001:2026-11-25", now=NOW)
    assert await is_queued("digest:9001:2026-11-25")
