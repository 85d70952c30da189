"""The booking service against the real wire-protocol database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from beanie import PydanticObjectId

from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from domain.errors import (
    BookingNotCancellableError,
    DateInPastError,
    IllegalTransitionError,
    NoSlotsChosenError,
    NoSuchSlotError,
    NotYourBookingError,
    RoomClosedError,
    RoomNotFoundError,
    RoomPausedError,
    SlotsNotBookableError,
    SlotsTakenError,
    TooManySlotsError,
    UnknownUserError,
)
from domain.slots import slot_key
from storage.booking_service import BookingService
from storage.models import Booking, Room, SlotClaim, User
from tests.conftest import make_user

TOMORROW = date(2026, 11, 26)  # Thursday, open 10:00–22:00 IST


def keys(room: Room, day: date, *hours: int) -> list[str]:
    return [slot_key(datetime.combine(day, time(h), tzinfo=room.zone).astimezone(UTC)) for h in hours]


async def snapshot() -> tuple[list[dict], list[dict]]:
    bookings = await Booking.get_pymongo_collection().find({}).sort("_id").to_list()
    claims = await SlotClaim.get_pymongo_collection().find({}).sort("_id").to_list()
    return bookings, claims


async def test_booking_holds_slots_with_price_and_deadline(
    service: BookingService, room: Room, user: User
) -> None:
    booking = await service.create_booking(user.id, room.id, TOMORROW, keys(room, TOMORROW, 17, 18))
    assert booking.status is BookingStatus.PENDING_PAYMENT
    assert [s.price_paise for s in booking.slots] == [60000, 80000]  # 18:00 is peak
    assert booking.amount_paise == 140000
    assert booking.hold_expires_at == service.clock.now() + timedelta(minutes=15)
    assert booking.due_at == booking.hold_expires_at
    assert booking.code.startswith("JR-")
    claims = await SlotClaim.find(SlotClaim.booking_id == str(booking.id)).to_list()
    assert sorted(c.start for c in claims) == booking.slot_starts
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert stored.starts_at.tzinfo is not None


async def test_second_claim_of_a_slot_loses_and_names_it(
    service: BookingService, room: Room, user: User
) -> None:
    rival = await make_user(1002)
    await service.create_booking(user.id, room.id, TOMORROW, keys(room, TOMORROW, 12, 13))
    before = await snapshot()
    with pytest.raises(SlotsTakenError) as raised:
        await service.create_booking(rival.id, room.id, TOMORROW, keys(room, TOMORROW, 13, 14))
    assert [s.astimezone(room.zone).hour for s in raised.value.starts] == [13]
    assert await snapshot() == before  # the 14:00 claim it won was given back


async def test_offers_read_claims_fresh(service: BookingService, room: Room, user: User) -> None:
    first = await service.offers(room, TOMORROW)
    assert all(o.bookable for o in first)
    await service.create_booking(user.id, room.id, TOMORROW, keys(room, TOMORROW, 15))
    second = {o.slot.key: o.state.value for o in await service.offers(room, TOMORROW)}
    assert second[keys(room, TOMORROW, 15)[0]] == "taken"
    assert list(second.values()).count("free") == len(first) - 1


@pytest.mark.parametrize(
    ("day", "hours", "error"),
    [
        (date(2026, 11, 24), (12,), DateInPastError),
        (date(2026, 12, 7), (12,), None),  # a Monday, open
        (TOMORROW, (), NoSlotsChosenError),
        (TOMORROW, (10, 11, 12, 13, 14, 15, 16, 17, 18), TooManySlotsError),
        (TOMORROW, (8,), NoSuchSlotError),  # before opening
        (TOMORROW, (22,), NoSuchSlotError),  # the 22:00 slot would end after closing
    ],
)
async def test_bad_requests_change_nothing(
    service: BookingService, room: Room, user: User, day: date, hours: tuple[int, ...], error: type | None
) -> None:
    before = await snapshot()
    if error is None:
        await service.create_booking(user.id, room.id, day, keys(room, day, *hours))
        return
    with pytest.raises(error):
        await service.create_booking(user.id, room.id, day, keys(room, day, *hours))
    assert await snapshot() == before


async def test_tampered_slot_keys_and_ids_are_refused(
    service: BookingService, room: Room, user: User
) -> None:
    before = await snapshot()
    with pytest.raises(NoSuchSlotError):
        await service.create_booking(user.id, room.id, TOMORROW, ["20261126T0430Z;x", "{'$gt': ''}"])
    with pytest.raises(NoSuchSlotError):
        await service.create_booking(
            user.id, room.id, TOMORROW, ["20261126T0445Z"]
        )  # 10:15, not a slot start
    with pytest.raises(RoomNotFoundError):
        await service.create_booking(user.id, "not-an-id", TOMORROW, keys(room, TOMORROW, 12))
    with pytest.raises(RoomNotFoundError):
        await service.create_booking(user.id, PydanticObjectId(), TOMORROW, keys(room, TOMORROW, 12))
    with pytest.raises(UnknownUserError):
        await service.create_booking(4242, room.id, TOMORROW, keys(room, TOMORROW, 12))
    with pytest.raises(UnknownUserError):  # first, so the bot registers them and tries again
        await service.create_booking(4242, "not-an-id", TOMORROW, keys(room, TOMORROW, 12))
    assert await snapshot() == before


async def test_closed_days_beyond_horizon_and_paused_rooms(
    service: BookingService, room: Room, user: User
) -> None:
    tuesday_room = await Room(
        slug="weekdays",
        name="W",
        city="Pune",
        address="a",
        hourly_paise=100,
        peak_hourly_paise=100,
        opening_hours={"0": "10:00-12:00"},
    ).insert()
    with pytest.raises(RoomClosedError):
        await service.create_booking(user.id, tuesday_room.id, TOMORROW, keys(tuesday_room, TOMORROW, 10))
    far = service.today(room) + timedelta(days=service.rules.horizon_days + 1)
    with pytest.raises(RoomClosedError):
        await service.create_booking(user.id, room.id, far, keys(room, far, 12))
    await Room.find_one(Room.id == room.id).update({"$set": {"active": False}})
    with pytest.raises(RoomPausedError):
        await service.create_booking(user.id, room.id, TOMORROW, keys(room, TOMORROW, 12))
    assert await Booking.count() == 0


async def test_slots_that_started_or_start_too_soon_are_refused(
    service: BookingService, clock: ManualClock, room: Room, user: User
) -> None:
    today = service.today(room)  # Wednesday 10:00 IST now
    with pytest.raises(SlotsNotBookableError):
        await service.create_booking(user.id, room.id, today, keys(room, today, 10))
    clock.set(datetime.combine(today, time(10, 45), tzinfo=room.zone))
    with pytest.raises(SlotsNotBookableError):
        await service.create_booking(user.id, room.id, today, keys(room, today, 11))  # 15 min away
    booking = await service.create_booking(user.id, room.id, today, keys(room, today, 12))
    assert booking.status is BookingStatus.PENDING_PAYMENT


async def test_expiry_frees_the_slots_for_the_next_booking(
    service: BookingService, clock: ManualClock, room: Room, user: User
) -> None:
    rival = await make_user(1002)
    held = await service.create_booking(user.id, room.id, TOMORROW, keys(room, TOMORROW, 19, 20))
    assert await service.expire_hold(held) is None  # the hold has not run out yet
    clock.advance(minutes=15)
    assert await service.due_bookings(BookingStatus.PENDING_PAYMENT) == [held]
    expired = await service.expire_hold(held)
    assert expired is not None
    assert expired.status is BookingStatus.EXPIRED
    assert expired.due_at is None
    assert await service.expire_hold(held) is None  # a second expiry changes nothing
    assert await SlotClaim.find(SlotClaim.booking_id == str(held.id)).count() == 0
    again = await service.create_booking(rival.id, room.id, TOMORROW, keys(room, TOMORROW, 19, 20))
    assert again.user_id == rival.id


async def test_musician_cancellation_quotes_the_policy_and_frees_slots(
    service: BookingService, clock: ManualClock, room: Room, user: User
) -> None:
    booking = await service.create_booking(user.id, room.id, TOMORROW, keys(room, TOMORROW, 12))
    paid = await service.confirm_payment(booking, {"payment_id": "pay_1"})
    assert paid is not None
    assert paid.status is BookingStatus.NOT_STARTED
    assert paid.due_at == paid.starts_at
    clock.set(paid.starts_at - timedelta(hours=10))
    outcome = await service.cancel_by_musician(str(paid.id), user.id)
    assert (outcome.refund.percent, outcome.refund.amount_paise) == (50, 30000)
    assert outcome.booking.status is BookingStatus.CANCELLED
    assert outcome.booking.refund == {"due_paise": 30000, "percent": 50, "status": "due"}
    assert await SlotClaim.count() == 0
    with pytest.raises(BookingNotCancellableError):
        await service.cancel_by_musician(str(paid.id), user.id)


async def test_a_held_booking_can_be_abandoned_without_refund(
    service: BookingService, room: Room, user: User
) -> None:
    booking = await service.create_booking(user.id, room.id, TOMORROW, keys(room, TOMORROW, 12))
    outcome = await service.cancel_by_musician(booking.id, user.id)
    assert outcome.refund.amount_paise == 0
    assert outcome.booking.refund == {}
    assert await SlotClaim.count() == 0


async def test_someone_elses_booking_cannot_be_touched(
    service: BookingService, room: Room, user: User
) -> None:
    stranger = await make_user(1002)
    booking = await service.create_booking(user.id, room.id, TOMORROW, keys(room, TOMORROW, 12))
    before = await snapshot()
    with pytest.raises(NotYourBookingError):
        await service.cancel_by_musician(booking.id, stranger.id)
    with pytest.raises(NotYourBookingError):
        await service.booking_of_user(booking.id, stranger.id)
    assert await snapshot() == before


async def test_session_runs_from_start_to_end_on_the_clock(
    service: BookingService, clock: ManualClock, room: Room, user: User
) -> None:
    booking = await service.create_booking(user.id, room.id, TOMORROW, keys(room, TOMORROW, 12, 13))
    paid = await service.confirm_payment(booking, {"payment_id": "pay_1"})
    assert paid is not None
    assert await service.start_session(paid) is None  # not yet
    clock.set(paid.starts_at)
    assert [b.id for b in await service.due_bookings(BookingStatus.NOT_STARTED)] == [paid.id]
    ongoing = await service.start_session(paid)
    assert ongoing is not None
    assert ongoing.status is BookingStatus.ONGOING
    assert ongoing.due_at == paid.ends_at
    assert await service.complete_session(ongoing) is None
    clock.set(paid.ends_at)
    done = await service.complete_session(ongoing)
    assert done is not None
    assert done.status is BookingStatus.COMPLETED
    assert done.due_at is None
    assert await SlotClaim.count() == 2  # completed sessions keep their slots as history
    with pytest.raises(IllegalTransitionError):
        await service.transition(done, BookingStatus.COMPLETED, BookingStatus.ONGOING)


async def test_owner_termination_refunds_in_full(service: BookingService, room: Room, user: User) -> None:
    booking = await service.create_booking(user.id, room.id, TOMORROW, keys(room, TOMORROW, 12))
    with pytest.raises(BookingNotCancellableError):
        await service.terminate_by_owner(booking, owner_id=9001, reason="flood")
    paid = await service.confirm_payment(booking, {"payment_id": "pay_1"})
    assert paid is not None
    ended = await service.terminate_by_owner(paid, owner_id=9001, reason="Power cut in the building")
    assert ended.status is BookingStatus.TERMINATED
    assert ended.refund["due_paise"] == ended.amount_paise
    assert ended.cancel_reason == "Power cut in the building"
    assert await SlotClaim.count() == 0


async def test_late_payment_reclaims_free_slots_or_reports_taken_ones(
    service: BookingService, clock: ManualClock, room: Room, user: User
) -> None:
    rival = await make_user(1002)
    first = await service.create_booking(user.id, room.id, TOMORROW, keys(room, TOMORROW, 12))
    second = await service.create_booking(user.id, room.id, TOMORROW, keys(room, TOMORROW, 14))
    clock.advance(minutes=16)
    expired_first = await service.expire_hold(first)
    expired_second = await service.expire_hold(second)
    assert expired_first is not None
    assert expired_second is not None
    await service.create_booking(rival.id, room.id, TOMORROW, keys(room, TOMORROW, 14))
    revived = await service.confirm_late_payment(expired_first, {"payment_id": "pay_late"})
    assert revived is not None
    assert revived.status is BookingStatus.NOT_STARTED
    assert await SlotClaim.find(SlotClaim.booking_id == str(first.id)).count() == 1
    with pytest.raises(SlotsTakenError):
        await service.confirm_late_payment(expired_second, {"payment_id": "pay_late_2"})
    assert (await service.booking(second.id)).status is BookingStatus.EXPIRED


async def test_racing_transitions_change_a_booking_once(
    service: BookingService, room: Room, user: User
) -> None:
    import asyncio

    booking = await service.create_booking(user.id, room.id, TOMORROW, keys(room, TOMORROW, 12))
    results = await asyncio.gather(
        *[service.confirm_payment(booking, {"payment_id": f"pay_{i}"}) for i in range(10)],
        *[service.expire_now(booking) for _ in range(10)],
    )
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    final = await service.booking(booking.id)
    assert final.status is winners[0].status


async def test_blocks_use_the_same_claims(service: BookingService, room: Room, user: User) -> None:
    await service.create_booking(user.id, room.id, TOMORROW, keys(room, TOMORROW, 12))
    with pytest.raises(SlotsTakenError) as raised:
        await service.block_slots(room, TOMORROW, keys(room, TOMORROW, 11, 12), owner_id=9001)
    assert len(raised.value.starts) == 1
    await service.block_slots(room, TOMORROW, keys(room, TOMORROW, 15, 16), owner_id=9001, note="repairs")
    with pytest.raises(SlotsTakenError):
        await service.create_booking(user.id, room.id, TOMORROW, keys(room, TOMORROW, 16))
    states = {o.slot.key: o.state.value for o in await service.offers(room, TOMORROW)}
    assert states[keys(room, TOMORROW, 15)[0]] == "blocked"
    assert await service.unblock_slots(room, TOMORROW, keys(room, TOMORROW, 15, 16, 12)) == 2
    assert (
        await service.create_booking(user.id, room.id, TOMORROW, keys(room, TOMORROW, 16))
    ).amount_paise > 0


async def test_stale_claims_left_by_a_crash_are_released(
    service: BookingService, clock: ManualClock, room: Room, user: User
) -> None:
    orphan_key = keys(room, TOMORROW, 12)[0]
    await SlotClaim.get_pymongo_collection().insert_one(
        {
            "_id": f"{room.id}|{orphan_key}",
            "room_id": room.id,
            "room_day": f"{room.id}|{TOMORROW}",
            "start": datetime(2026, 11, 26, 6, 30, tzinfo=UTC),
            "end": datetime(2026, 11, 26, 7, 30, tzinfo=UTC),
            "kind": "booking",
            "booking_id": PydanticObjectId(),
            "created_at": clock.now(),
        }
    )
    live = await service.create_booking(user.id, room.id, TOMORROW, keys(room, TOMORROW, 14))
    assert await service.release_stale_claims() == 0  # too young to judge
    clock.advance(minutes=3)
    assert await service.release_stale_claims() == 1
    assert await SlotClaim.find(SlotClaim.booking_id == str(live.id)).count() == 1
