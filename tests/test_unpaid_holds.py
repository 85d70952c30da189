"""At most MAX_UNPAID_HOLDS bookings per musician wait for payment at once, however
many confirms race; a hold comes back when its booking is paid, cancelled or expires,
or when a crash left it behind."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
from aiogram.fsm.storage.base import BaseStorage
from beanie import PydanticObjectId

from bot.config import Settings
from bot.services import booking_rules
from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from domain.errors import SlotsTakenError, TooManyUnpaidHoldsError
from storage.booking_service import BookingRules, BookingService
from storage.database import Database
from storage.holds import HoldClaim
from storage.models import Booking, Room, SlotClaim, User, to_ms
from tests.conftest import make_user
from tests.dialog_support import (
    Musician,
    RecordingPayments,
    make_dispatcher,
    make_services,
    open_day,
    slot_keys,
)

TOMORROW = date(2026, 11, 26)  # Thursday, Bass Cave open 10:00–22:00 IST
LATER = date(2026, 11, 30)  # Monday, open 10:00–22:00


async def hold(service: BookingService, user: User, room: Room, hour: int, day: date = TOMORROW) -> Booking:
    return await service.create_booking(user.id, room.id, day, slot_keys(room, day, hour))


async def everything() -> dict[str, list[dict[str, Any]]]:
    return {
        "bookings": await Booking.get_pymongo_collection().find({}).sort("_id").to_list(),
        "slot_claims": await SlotClaim.get_pymongo_collection().find({}).sort("_id").to_list(),
        "hold_claims": await HoldClaim.get_pymongo_collection().find({}).sort("_id").to_list(),
    }


async def test_a_third_unpaid_hold_is_refused_and_changes_nothing(
    service: BookingService, room: Room, user: User
) -> None:
    await hold(service, user, room, 12)
    await hold(service, user, room, 14)
    before = await everything()
    with pytest.raises(TooManyUnpaidHoldsError) as refused:
        await hold(service, user, room, 16)
    assert "You already have 2 bookings that wait for payment" in str(refused.value)
    assert "📋 My bookings" in str(refused.value)
    assert await everything() == before
    rival = await make_user(2002)
    assert (await hold(service, rival, room, 16)).status is BookingStatus.PENDING_PAYMENT


async def test_many_concurrent_confirms_by_one_musician_hold_at_most_the_limit(
    service: BookingService, room: Room, user: User
) -> None:
    hours = [(day, hour) for day in (TOMORROW, LATER) for hour in range(10, 22)]

    async def confirm(day: date, hour: int) -> str:
        try:
            await hold(service, user, room, hour, day)
        except TooManyUnpaidHoldsError:
            return "refused"
        return "held"

    results = await asyncio.gather(*(confirm(day, hour) for day, hour in hours))
    assert results.count("held") == 2
    assert await Booking.find(Booking.user_id == user.id).count() == 2
    assert await SlotClaim.count() == 2  # the refused ones gave back every slot they touched
    assert await HoldClaim.count() == 2


async def test_paying_cancelling_or_expiring_gives_the_hold_back(
    service: BookingService, clock: ManualClock, room: Room, user: User
) -> None:
    paid = await hold(service, user, room, 10)
    cancelled = await hold(service, user, room, 11)
    with pytest.raises(TooManyUnpaidHoldsError):
        await hold(service, user, room, 12)
    assert await service.confirm_payment(paid, {"payment_id": "pay_1", "amount_paid_paise": 60000})
    third = await hold(service, user, room, 12)
    with pytest.raises(TooManyUnpaidHoldsError):
        await hold(service, user, room, 13)
    await service.cancel_by_musician(cancelled.id, user.id)
    await hold(service, user, room, 13)
    with pytest.raises(TooManyUnpaidHoldsError):
        await hold(service, user, room, 14)
    clock.advance(minutes=16)
    assert await service.expire_hold(third) is not None
    assert (await hold(service, user, room, 14)).status is BookingStatus.PENDING_PAYMENT


async def test_a_hold_left_behind_by_a_crash_is_taken_over(
    service: BookingService, clock: ManualClock, room: Room, user: User
) -> None:
    live = await hold(service, user, room, 12)
    # A process took a hold, then died before writing its booking.
    orphan = {"_id": f"{user.id}|1", "user_id": user.id, "booking_id": str(PydanticObjectId())}
    await HoldClaim.get_pymongo_collection().insert_one({**orphan, "created_ms": to_ms(clock.now())})
    with pytest.raises(TooManyUnpaidHoldsError):  # too young to tell from a confirm in flight
        await hold(service, user, room, 14)
    clock.advance(minutes=3)
    taken_over = await hold(service, user, room, 14)
    assert {c.booking_id for c in await HoldClaim.find_all().to_list()} == {str(live.id), str(taken_over.id)}
    # A process expired a hold, then died before giving its claim back.
    await Booking.get_pymongo_collection().update_one(
        {"_id": live.id}, {"$set": {"status": BookingStatus.EXPIRED.value}}
    )
    assert (await hold(service, user, room, 16)).status is BookingStatus.PENDING_PAYMENT


async def test_the_clock_frees_holds_left_behind(
    service: BookingService, clock: ManualClock, room: Room, user: User
) -> None:
    await HoldClaim.get_pymongo_collection().insert_one(
        {"_id": f"{user.id}|0", "user_id": user.id, "booking_id": str(PydanticObjectId()), "created_ms": 0}
    )
    live = await hold(service, user, room, 12)
    assert await service.release_stale_claims() == 1
    assert [c.booking_id for c in await HoldClaim.find_all().to_list()] == [str(live.id)]


async def test_a_refused_slot_claim_gives_the_hold_back(
    service: BookingService, room: Room, user: User
) -> None:
    rival = await make_user(2002)
    await hold(service, rival, room, 12)
    with pytest.raises(SlotsTakenError):
        await hold(service, user, room, 12)
    assert await HoldClaim.find(HoldClaim.user_id == user.id).count() == 0


def test_the_limit_is_a_setting() -> None:
    assert booking_rules(Settings(_env_file=None)).max_unpaid_holds == 2  # type: ignore[call-arg]
    settings = Settings(_env_file=None, max_unpaid_holds=5)  # type: ignore[call-arg]
    assert booking_rules(settings).max_unpaid_holds == 5


async def test_a_limit_of_one_says_so(db: Database, clock: ManualClock, room: Room, user: User) -> None:
    service = BookingService(clock, BookingRules(max_unpaid_holds=1))
    await hold(service, user, room, 12)
    with pytest.raises(TooManyUnpaidHoldsError, match="one booking that waits for payment"):
        await hold(service, user, room, 14)


async def test_the_confirm_screen_refuses_kindly_and_points_at_my_bookings(
    db: Database,
    clock: ManualClock,
    service: BookingService,
    room: Room,
    user: User,
    dialog_storage: BaseStorage,
) -> None:
    await hold(service, user, room, 12)
    await hold(service, user, room, 14, LATER)
    dispatcher, manager = make_dispatcher(
        make_services(db, clock, service, RecordingPayments()), dialog_storage
    )
    chat = Musician(dispatcher, manager, user_id=user.id, name="Asha")
    await open_day(chat, TOMORROW)
    await chat.tap_slot(slot_keys(room, TOMORROW, 17)[0])
    await chat.tap("Review.*")
    await chat.tap("✅ Confirm")
    assert "You already have 2 bookings that wait for payment" in chat.text
    assert "17:00–18:00" in chat.text  # still the review of the same choice
    assert await Booking.find(Booking.user_id == user.id).count() == 2
    await chat.tap("📋 My bookings")
    assert "Your upcoming bookings" in chat.text
    pending = await Booking.find(Booking.user_id == user.id).sort("starts_at").first_or_none()
    assert pending is not None
    await service.cancel_by_musician(pending.id, user.id)
    await open_day(chat, TOMORROW)
    await chat.tap_slot(slot_keys(room, TOMORROW, 17)[0])
    await chat.tap("Review.*")
    await chat.tap("✅ Confirm")
    assert "waits for payment" not in chat.text
    assert await Booking.find(Booking.user_id == user.id, Booking.status == "PENDING_PAYMENT").count() == 2
