"""One business day, whatever the calendar says: a room open Friday 10:00–02:00 owns
the 00:00 and 01:00 slots that fall on Saturday's date, for the owner's /block and
for musicians booking after midnight (the same ``Room.slots_on`` and business day)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from aiogram.fsm.storage.base import BaseStorage

from domain.availability import SlotState
from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from domain.errors import DateInPastError
from domain.slots import slot_key
from storage.booking_service import BookingService
from storage.database import Database
from storage.models import Booking, Room, SlotClaim, User
from tests.dialog_support import Musician, RecordingPayments, make_dispatcher, make_services, open_day

FRIDAY = date(2026, 11, 27)  # Bass Cave is open 10:00–02:00 on Fridays, 09:00–02:00 on Saturdays
SATURDAY = FRIDAY + timedelta(days=1)


def at(room: Room, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=room.zone).astimezone(UTC)


@pytest.fixture
def people(
    db: Database,
    clock: ManualClock,
    service: BookingService,
    room: Room,
    user: User,
    dialog_storage: BaseStorage,
) -> dict:
    dispatcher, manager = make_dispatcher(
        make_services(db, clock, service, RecordingPayments()), dialog_storage
    )
    return {
        "owner": Musician(dispatcher, manager, user_id=9001, name="Ravi"),
        "musician": Musician(dispatcher, manager, user_id=user.id, name="Asha"),
    }


async def test_block_names_friday_nights_slots_after_midnight_by_fridays_date(
    people: dict[str, Musician], service: BookingService, room: Room
) -> None:
    owner = people["owner"]
    await owner.send(f"/block {room.slug} {FRIDAY} 23:00,00:00,01:00")
    assert owner.bot.sent_texts()[-1] == "Blocked 3 slot(s) on 27 Nov for Bass Cave Studio."
    blocks = await SlotClaim.find({"kind": "block"}).to_list()
    assert sorted(c.start for c in blocks) == [
        at(room, FRIDAY, 23),
        at(room, SATURDAY, 0),
        at(room, SATURDAY, 1),
    ]
    states = {o.slot.label(room.zone): o.state for o in await service.offers(room, FRIDAY)}
    assert states["00:00–01:00"] is states["01:00–02:00"] is SlotState.BLOCKED
    await owner.send(f"/unblock {room.slug} {FRIDAY} 01:00")
    assert owner.bot.sent_texts()[-1] == "Unblocked 1 slot(s) on 27 Nov."
    await owner.send(f"/block {room.slug} {SATURDAY} 00:00")  # Saturday night's, on Sunday's date
    assert owner.bot.sent_texts()[-1] == "Blocked 1 slot(s) on 28 Nov for Bass Cave Studio."
    assert await SlotClaim.find({"kind": "block", "start": at(room, SATURDAY + timedelta(days=1), 0)}).count()
    await owner.send(f"/block {room.slug} {FRIDAY} 03:00")
    assert owner.bot.sent_texts()[-1] == (
        "No slot starts at 03:00 on Fri 27 Nov. Its slots start at 10:00, 11:00, 12:00, 13:00, 14:00, "
        "15:00, 16:00, 17:00, 18:00, 19:00, 20:00, 21:00, 22:00, 23:00, 00:00, 01:00."
    )
    assert await SlotClaim.find({"kind": "block"}).count() == 3


async def test_block_all_blocks_what_is_free_and_says_what_stays_booked(
    people: dict[str, Musician], service: BookingService, room: Room, user: User
) -> None:
    keys = [slot_key(at(room, FRIDAY, 18)), slot_key(at(room, FRIDAY, 19))]
    booking = await service.create_booking(user.id, room.id, FRIDAY, keys)
    assert await service.confirm_payment(booking, {"payment_id": "pay_1"})
    owner = people["owner"]
    await owner.send(f"/block {room.slug} {FRIDAY} all")
    assert owner.bot.sent_texts()[-1] == (
        "Blocked 14 slot(s) on 27 Nov for Bass Cave Studio. Booked, so not blocked: 18:00–19:00, 19:00–20:00."
    )
    states = [o.state for o in await service.offers(room, FRIDAY)]
    assert (states.count(SlotState.BLOCKED), states.count(SlotState.TAKEN)) == (14, 2)
    assert (await service.booking(booking.id)).status is BookingStatus.NOT_STARTED
    await owner.send(f"/block {room.slug} {FRIDAY} all")
    assert owner.bot.sent_texts()[-1] == (
        "There is no free slot left to block on 27 Nov. Booked, so not blocked: 18:00–19:00, 19:00–20:00."
    )
    await owner.send(f"/unblock {room.slug} {FRIDAY} all")
    assert owner.bot.sent_texts()[-1] == "Unblocked 14 slot(s) on 27 Nov."


async def test_at_ten_past_midnight_fridays_last_slot_is_still_friday_and_can_be_booked(
    service: BookingService, clock: ManualClock, room: Room, user: User
) -> None:
    clock.set(at(room, SATURDAY, 0, 10))
    assert service.today(room) == FRIDAY
    states = {o.slot.label(room.zone): o.state for o in await service.offers(room, FRIDAY)}
    assert (states["00:00–01:00"], states["01:00–02:00"]) == (SlotState.PAST, SlotState.FREE)
    booking = await service.create_booking(user.id, room.id, FRIDAY, [slot_key(at(room, SATURDAY, 1))])
    assert (booking.day, booking.starts_at) == (FRIDAY, at(room, SATURDAY, 1))
    clock.set(at(room, SATURDAY, 2))  # Friday's session is over: it is Saturday now
    assert service.today(room) == SATURDAY
    with pytest.raises(DateInPastError):
        await service.create_booking(user.id, room.id, FRIDAY, [slot_key(at(room, SATURDAY, 1))])


async def test_a_musician_books_fridays_one_oclock_slot_at_ten_past_midnight(
    people: dict[str, Musician], clock: ManualClock, room: Room
) -> None:
    clock.set(at(room, SATURDAY, 0, 10))
    chat = people["musician"]
    await open_day(chat, FRIDAY)
    assert "Fri 27 Nov 2026" in chat.text
    await chat.tap_slot(slot_key(at(room, SATURDAY, 1)))
    await chat.tap("Review.*")
    assert "01:00–02:00 — ₹800" in chat.text
    await chat.tap("✅ Confirm")
    booking = await Booking.find_one(Booking.user_id == chat.user_id)
    assert booking is not None
    assert f"Booking {booking.code}" in chat.text
    assert booking.starts_at == at(room, SATURDAY, 1)
