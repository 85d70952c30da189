"""A booking is one session (issue 16 §0). New bookings with gaps are refused (see
test_room_rules_service.py and test_room_rules_dialogs.py); a booking stored with a gap
before that still reads right: every surface that names its times names each run, never
one span over the hours nobody booked, and those hours stay free for others."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from aiogram.fsm.storage.base import BaseStorage

from domain.booking_status import BookingStatus
from domain.words import musician as musician_words
from domain.words import owner as owner_words
from domain.words.formats import booking_times, session_span
from storage.booking_service import BookingService
from storage.database import Database
from storage.models import BookedSlot, Booking, Room, SlotClaim, User, room_day_key
from tests.dialog_support import Musician, RecordingPayments, make_dispatcher, make_services, slot_keys

THURSDAY = date(2026, 11, 26)


async def old_booking_with_a_gap(service: BookingService, room: Room, user: User) -> Booking:
    """12:00–13:00 and 18:00–19:00 in one paid booking, as the bot stored them before gaps
    were refused: claims on the two slots only, one span from first start to last end."""
    noon = await service.create_booking(user.id, room.id, THURSDAY, slot_keys(room, THURSDAY, 12))
    evening = await service.create_booking(user.id, room.id, THURSDAY, slot_keys(room, THURSDAY, 18))
    slots = [*noon.slots, *evening.slots]
    await Booking.get_pymongo_collection().delete_one({"_id": evening.id})
    await SlotClaim.get_pymongo_collection().update_many(
        {"booking_id": str(evening.id)}, {"$set": {"booking_id": str(noon.id)}}
    )
    await Booking.get_pymongo_collection().update_one(
        {"_id": noon.id},
        {
            "$set": {
                "slots": [BookedSlot.model_dump(s) for s in slots],
                "amount_paise": sum(s.price_paise for s in slots),
                "ends_at": slots[-1].end,
                "room_day": room_day_key(room.id, THURSDAY),
            },
            "$unset": {"refund_tiers": ""},
        },
    )
    paid = await service.confirm_payment(await service.booking(noon.id), {"payment_id": "pay_old"})
    assert paid is not None
    return paid


async def test_an_old_booking_with_a_gap_names_each_run_wherever_its_times_are_said(
    service: BookingService, room: Room, user: User
) -> None:
    booking = await old_booking_with_a_gap(service, room, user)
    runs = "12:00–13:00 and 18:00–19:00"
    assert booking_times(booking, room.zone) == runs
    assert session_span(booking, room.zone) == f"Thu 26 Nov 2026, {runs}"
    for text in (
        musician_words.confirmed(booking, room),
        musician_words.reminder(booking, room, timedelta(hours=1)),
        owner_words.new_booking(booking, room, user),
        owner_words.daily_digest(THURSDAY, [(room, [booking])]),
    ):
        assert runs in text
        assert "12:00–19:00" not in text
    offers = {o.slot.key: o.state.value for o in await service.offers(room, THURSDAY)}
    between = slot_keys(room, THURSDAY, 13, 14, 15, 16, 17)
    assert [offers[k] for k in between] == ["free"] * 5


@pytest.fixture
def people(
    db: Database, clock, service: BookingService, room: Room, user: User, dialog_storage: BaseStorage
) -> dict[str, Musician]:
    dispatcher, manager = make_dispatcher(
        make_services(db, clock, service, RecordingPayments()), dialog_storage
    )
    return {
        "owner": Musician(dispatcher, manager, user_id=9001, name="Ravi"),
        "musician": Musician(dispatcher, manager, user_id=user.id, name="Asha"),
    }


async def test_the_schedule_and_my_bookings_show_an_old_booking_as_its_runs(
    people: dict[str, Musician], service: BookingService, room: Room, user: User
) -> None:
    booking = await old_booking_with_a_gap(service, room, user)
    owner, musician = people["owner"], people["musician"]
    await owner.send("/owner")
    await owner.tap("📅 Schedule")
    await owner.tap("Day ›")
    assert f"• 12:00–13:00 and 18:00–19:00 <code>{booking.code}</code>" in owner.text
    await owner.tap("12:00–13:00 and 18:00–19:00 · Asha.*")
    assert "📅 Thu 26 Nov 2026, 12:00–13:00 and 18:00–19:00" in owner.text
    await musician.send("/bookings")
    assert "Thu 26 Nov 2026, 12:00–13:00 and 18:00–19:00 (2 slots)" in musician.text


async def test_the_monitor_takes_an_old_booking_with_a_gap_from_its_first_start_to_its_last_end(
    service: BookingService, clock, room: Room, user: User
) -> None:
    booking = await old_booking_with_a_gap(service, room, user)
    clock.set(booking.slots[0].start)
    assert await service.due_bookings(BookingStatus.NOT_STARTED) == [booking]
    started = await service.start_session(booking)
    assert started is not None
    clock.set(booking.slots[0].end + timedelta(hours=1))
    assert await service.due_bookings(BookingStatus.ONGOING) == []
    clock.set(booking.slots[-1].end)
    completed = await service.complete_session(started)
    assert completed is not None
    assert completed.status is BookingStatus.COMPLETED
