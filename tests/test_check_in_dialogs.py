"""Check-in info in the dialogs (the real dispatcher, aiogram-dialog's test tools): the
owner sets it and the room's phone in Room settings, bad input is refused and changes
nothing, nobody else can set them; the phone is on the room card, the check-in info
never is, and My bookings shows it under a paid booking from two hours before its start,
as the room has it now."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram_dialog.test_tools.memory_storage import JsonMemoryStorage

from domain.check_in import MAX_CHECK_IN, SHOWN_BEFORE
from domain.clock import ManualClock
from storage.booking_service import BookingService
from storage.database import Database
from storage.demo import DEMO_ROOMS
from storage.models import Booking, Room, User
from storage.owners import grant_rooms, revoke_rooms
from tests.dialog_support import Musician, RecordingPayments, make_dispatcher, make_services, slot_keys

TOMORROW = date(2026, 11, 26)
CODE = "Door code 4471#, 2nd floor. Call Ravi on arrival."
MS = timedelta(milliseconds=1)


@pytest.fixture
def people(
    db: Database,
    clock: ManualClock,
    service: BookingService,
    room: Room,
    user: User,
    dialog_storage: BaseStorage,
) -> dict[str, Musician]:
    dispatcher, manager = make_dispatcher(
        make_services(db, clock, service, RecordingPayments()), dialog_storage
    )
    return {
        "owner": Musician(dispatcher, manager, user_id=9001, name="Ravi"),
        "co_owner": Musician(dispatcher, manager, user_id=9002, name="Kiran"),
        "musician": Musician(dispatcher, manager, user_id=user.id, name="Asha"),
        "other_owner": Musician(dispatcher, manager, user_id=7007, name="Meera"),
    }


async def fresh(room: Room) -> Room:
    stored = await Room.get(room.id)
    assert stored is not None
    return stored


async def open_settings(owner: Musician, room: Room) -> None:
    await owner.send("/owner")
    if "Your rooms" in owner.text:
        await owner.tap(re.escape(room.name) + ".*")
    await owner.tap("⚙️ Room settings")


async def set_check_in(owner: Musician, room: Room, text: str) -> None:
    await open_settings(owner, room)
    await owner.tap("🔑 Check-in info")
    await owner.send(text)


async def test_the_owner_sets_the_check_in_info_and_bad_input_changes_nothing(
    people: dict[str, Musician], room: Room
) -> None:
    owner = people["owner"]
    await open_settings(owner, room)
    assert "🔑 Check-in: not set" in owner.text
    await owner.tap("🔑 Check-in info")
    assert "Only paid bookings see it" in owner.text
    assert "Nothing is set yet." in owner.text
    await owner.send("x" * (MAX_CHECK_IN + 1))
    assert f"under {MAX_CHECK_IN} characters" in owner.bot.sent_texts()[-1]
    await owner.send("   ")
    assert "or - to remove" in owner.bot.sent_texts()[-1]
    assert (await fresh(room)).access_info == ""
    await owner.send(f"  {CODE}  ")
    assert "✅ Check-in info saved" in owner.text
    assert f"🔑 Check-in: set ({len(CODE)} characters)" in owner.text
    assert "4471" not in owner.text  # the menu says it is set, not what it is
    assert (await fresh(room)).access_info == CODE
    await owner.tap("🔑 Check-in info")
    assert "Door code 4471#" in owner.text  # the owner's own screen shows it, to change it
    await owner.send("<b>Gate</b> & shutter: 12")
    assert (await fresh(room)).access_info == "<b>Gate</b> & shutter: 12"
    await owner.tap("🔑 Check-in info")
    assert "&lt;b&gt;Gate&lt;/b&gt; &amp; shutter" in owner.text
    await owner.send("-")
    assert "✅ Check-in info removed." in owner.text
    assert (await fresh(room)).access_info == ""


async def test_the_phone_is_set_checked_and_on_the_room_card(people: dict[str, Musician], room: Room) -> None:
    owner, musician = people["owner"], people["musician"]
    await open_settings(owner, room)
    assert "📞 Phone: not set" in owner.text
    await owner.tap("📞 Phone")
    await owner.send("call the front desk")
    assert "like +91 98450 12345" in owner.bot.sent_texts()[-1]
    await owner.send("12345")
    assert "like +91 98450 12345" in owner.bot.sent_texts()[-1]
    assert (await fresh(room)).phone is None
    await owner.send("098450 12345")
    assert "✅ Phone number set: musicians see +919845012345 on the room card." in owner.text
    assert "📞 Phone: +919845012345" in owner.text
    assert (await fresh(room)).phone == "+919845012345"
    await musician.send(f"/start room_{room.slug}")
    assert "📞 +919845012345" in musician.text
    await owner.tap("📞 Phone")
    await owner.send("-")
    assert "Phone number removed" in owner.text
    assert (await fresh(room)).phone is None


async def test_the_room_card_never_shows_how_to_get_in(people: dict[str, Musician], room: Room) -> None:
    await set_check_in(people["owner"], room, CODE)
    musician = people["musician"]
    await musician.send(f"/start room_{room.slug}")
    assert "Bass Cave Studio" in musician.text
    assert "4471" not in musician.text
    await musician.send("/help")
    assert "Getting in" in musician.bot.sent_texts()[-1]
    assert "4471" not in musician.bot.sent_texts()[-1]


async def test_an_owner_of_another_room_cannot_set_them(people: dict[str, Musician], room: Room) -> None:
    intruder = people["other_owner"]
    theirs, _ = [await Room(**{**DEMO_ROOMS[n], "owner_ids": [7007]}).insert() for n in (1, 2)]
    await intruder.send("/owner")
    assert "Your rooms" in intruder.text
    own_room = intruder.last
    (button,) = [b for b in intruder.buttons() if b.callback_data and str(theirs.id) in b.callback_data]
    assert button.callback_data
    tampered = button.callback_data.replace(str(theirs.id), str(room.id))
    keyboard = [[InlineKeyboardButton(text="forged", callback_data=tampered)]]
    forged = own_room.model_copy(update={"reply_markup": InlineKeyboardMarkup(inline_keyboard=keyboard)})
    await intruder.tap("forged", forged)
    assert intruder.bot.alerts()[-1] == "Only the owner of this room can do that."
    # Their own room's screen sets their own room, never ours.
    await set_check_in(intruder, theirs, "Their code 9999")
    assert (await fresh(theirs)).access_info == "Their code 9999"
    assert (await fresh(room)).access_info == ""


async def test_an_owner_removed_while_typing_changes_nothing(people: dict[str, Musician], room: Room) -> None:
    await grant_rooms(9002, [room.id])
    co_owner = people["co_owner"]
    await open_settings(co_owner, room)
    await co_owner.tap("🔑 Check-in info")
    await revoke_rooms(9002, [room.id])  # the other owner takes them off the room meanwhile
    await co_owner.send("Code 0000")
    assert co_owner.bot.sent_texts()[-1] == "Only the owner of this room can do that."
    assert (await fresh(room)).access_info == ""


async def test_my_bookings_shows_it_under_a_paid_booking_from_two_hours_before(
    people: dict[str, Musician], clock: ManualClock, service: BookingService, room: Room, user: User
) -> None:
    await set_check_in(people["owner"], room, CODE)
    held = await service.create_booking(user.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 12, 13))
    musician = people["musician"]

    async def details(booking: Booking) -> str:
        await musician.send("/bookings")
        await musician.tap(f"{booking.code} .*")
        return musician.text

    clock.set(held.starts_at - timedelta(minutes=30))  # an unpaid hold is never told
    assert "4471" not in await details(held)
    clock.set(held.created_at)
    paid = await service.confirm_payment(held, {"payment_id": "pay_1"})
    assert paid is not None
    clock.set(paid.starts_at - SHOWN_BEFORE - MS)
    assert "4471" not in await details(paid)
    clock.set(paid.starts_at - SHOWN_BEFORE)
    shown = await details(paid)
    assert "🔑 <b>How to get in</b>" in shown
    assert "Door code 4471#, 2nd floor." in shown
    await set_check_in(people["owner"], room, "New code 5582")
    assert "5582" in await details(paid)  # as the room has it now, not as cached
    await service.start_session(paid)
    clock.set(paid.ends_at - MS)
    assert "5582" in await details(paid)
    clock.set(paid.ends_at)
    await service.complete_session(await service.booking(paid.id))
    await musician.send("/bookings")
    await musician.tap("Past")
    await musician.tap(f"{paid.code} .*")
    assert "5582" not in musician.text


async def test_the_dialog_state_keeps_no_copy_of_the_code(
    db: Database, clock: ManualClock, service: BookingService, room: Room
) -> None:
    """What the owner types is saved with the room and nowhere else: a text input would
    keep it in the owner's dialog state (stored in MongoDB by ``python -m bot``)."""
    storage = JsonMemoryStorage()
    dispatcher, manager = make_dispatcher(make_services(db, clock, service, RecordingPayments()), storage)
    owner = Musician(dispatcher, manager, user_id=9001, name="Ravi")
    await set_check_in(owner, room, CODE)
    assert (await fresh(room)).access_info == CODE
    await owner.tap("🔑 Check-in info")
    await owner.send("x" * (MAX_CHECK_IN + 1))
    await owner.send_photo("AgACphoto42")  # not text: refused, nothing changes
    assert "Send what musicians need to get in" in owner.bot.sent_texts()[-1]
    assert (await fresh(room)).access_info == CODE
    assert storage.storage
    assert not [record for record in storage.storage.values() if "4471" in record.data]
