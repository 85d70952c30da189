"""The owner dialogs through the real dispatcher and database: the room menu, the
schedule with its Calendar, a booking's details, cancelling as the room, blocks,
room settings (with validation) and refusals for anyone who does not own the room."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from aiogram.fsm.storage.base import BaseStorage
from aiogram.methods import SendDocument, SendPhoto
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from domain.booking_status import BookingStatus
from domain.errors import RoomPausedError, SlotsTakenError
from storage.booking_service import BookingService
from storage.database import Database
from storage.demo import DEMO_ROOMS
from storage.holds import HoldClaim
from storage.models import Booking, Room, SlotClaim, User
from storage.outbox import OutboxMessage, guard_verdict
from tests.dialog_support import Musician, RecordingPayments, make_dispatcher, make_services, slot_keys

DAY = date(2026, 11, 26)  # a Thursday, tomorrow by the test clock


@pytest.fixture
def payments() -> RecordingPayments:
    return RecordingPayments()


@pytest.fixture
def people(
    db: Database,
    clock,
    service: BookingService,
    room: Room,
    user: User,
    payments: RecordingPayments,
    dialog_storage: BaseStorage,
) -> dict[str, Musician]:
    dispatcher, manager = make_dispatcher(make_services(db, clock, service, payments), dialog_storage)
    return {
        "owner": Musician(dispatcher, manager, user_id=9001, name="Ravi"),
        "musician": Musician(dispatcher, manager, user_id=user.id, name="Asha"),
        "other_owner": Musician(dispatcher, manager, user_id=7007, name="Meera"),
    }


async def paid_booking(service: BookingService, room: Room, user: User, *hours: int) -> Booking:
    booking = await service.create_booking(user.id, room.id, DAY, slot_keys(room, DAY, *hours))
    paid = await service.confirm_payment(booking, {"payment_id": "pay_1"})
    assert paid is not None
    return paid


async def fresh(room: Room) -> Room:
    stored = await Room.get(room.id)
    assert stored is not None
    return stored


async def open_menu(owner: Musician) -> None:
    await owner.send("/owner")
    assert "Bass Cave Studio" in owner.text


async def test_schedule_shows_the_days_bookings_and_a_bookings_contact(
    people: dict[str, Musician], service: BookingService, room: Room, user: User
) -> None:
    booking = await paid_booking(service, room, user, 18, 19)
    owner = people["owner"]
    await open_menu(owner)
    await owner.tap("📅 Schedule")
    assert "Wed 25 Nov 2026" in owner.text
    assert "No bookings." in owner.text
    await owner.tap("Day ›")
    assert "Thu 26 Nov 2026" in owner.text
    assert booking.code in owner.text
    assert "18:00–20:00" in owner.text
    assert 'href="tg://user?id=1001"' in owner.text
    await owner.tap("📆 Pick")
    await owner.tap_day(DAY + timedelta(days=3))
    assert "Sun 29 Nov 2026" in owner.text
    assert booking.code not in owner.text
    await owner.tap("📆 Pick")
    await owner.tap_day(DAY)
    await owner.tap("18:00–20:00 · Asha.*")
    assert f"Booking {booking.code}" in owner.text
    assert "@asha_drums" in owner.text
    assert "Payment <code>pay_1</code>" in owner.text


async def test_the_room_cancels_a_booking_with_a_reason_and_a_full_refund(
    people: dict[str, Musician], service: BookingService, room: Room, user: User, payments: RecordingPayments
) -> None:
    booking = await paid_booking(service, room, user, 12)
    owner = people["owner"]
    await open_menu(owner)
    await owner.tap("📅 Schedule")
    await owner.tap("Day ›")
    await owner.tap("12:00–13:00 .*")
    await owner.tap(".*Cancel booking.*")
    await owner.send("no")
    assert "reason in a few words" in owner.bot.sent_texts()[-1]
    await owner.send("Water leak in the studio")
    assert "refund <b>₹600</b> in full" in owner.text
    await owner.tap("‹ No, keep it")
    assert (await service.booking(booking.id)).status is BookingStatus.NOT_STARTED
    await owner.tap(".*Cancel booking.*")
    await owner.send("Water leak in the studio")
    await owner.tap("Yes, cancel and refund")
    assert f"Cancelled <code>{booking.code}</code>" in owner.text
    ended = await service.booking(booking.id)
    assert ended.status is BookingStatus.TERMINATED
    assert ended.refund["due_paise"] == ended.amount_paise
    assert ended.cancel_reason == "Water leak in the studio"
    assert payments.refunds == [booking.code]
    assert await SlotClaim.find({"booking_id": str(booking.id)}).count() == 0
    told = await OutboxMessage.find_one(OutboxMessage.dedupe_key == f"{booking.id}:terminated")
    assert told is not None
    assert told.chat_id == user.id
    assert "Water leak in the studio" in told.text
    assert await guard_verdict(told, 0) == "send"


async def test_a_musicians_cancellation_tells_the_owner_the_refund(
    people: dict[str, Musician], service: BookingService, room: Room, user: User, payments: RecordingPayments
) -> None:
    booking = await paid_booking(service, room, user, 18)  # ₹800, more than 24 h ahead: full refund
    musician = people["musician"]
    await musician.send("/bookings")
    await musician.tap(f"{booking.code}.*")
    await musician.tap(".*Cancel this booking")
    await musician.tap("Yes, cancel it")
    told = await OutboxMessage.find_one(OutboxMessage.dedupe_key == f"{booking.id}:cancelled:owner:9001")
    assert told is not None
    assert told.chat_id == 9001
    assert "Refund to the musician: ₹800; you keep ₹0." in told.text
    assert await guard_verdict(told, 0) == "send"
    assert payments.refunds == [booking.code]


async def test_blocks_by_tap_and_by_day_never_touch_a_booking(
    people: dict[str, Musician], service: BookingService, room: Room, user: User
) -> None:
    await paid_booking(service, room, user, 12)
    owner = people["owner"]
    await open_menu(owner)
    await owner.tap("🚫 Block slots")
    await owner.tap("Day ›")
    assert "🎸 12:00–13:00" in owner.button_texts()
    await owner.tap("🟢 15:00–16:00")
    assert "⛔ Blocked 15:00–16:00." in owner.text
    with pytest.raises(SlotsTakenError):
        await service.create_booking(user.id, room.id, DAY, slot_keys(room, DAY, 15))
    await owner.tap("⛔ 15:00–16:00")
    assert "15:00–16:00 is free for bookings again." in owner.text
    await owner.tap("🎸 12:00–13:00")
    assert "booked by a musician" in owner.bot.alerts()[-1]
    await owner.tap("⛔ Block the day")
    offers = await service.offers(room, DAY)
    assert {o.state.value for o in offers} == {"blocked", "taken"}
    assert "The 1 booked slot(s) stay booked." in owner.text
    await owner.tap("🟢 Free the day")
    assert "Freed 11 slot(s)" in owner.text
    assert await SlotClaim.find({"kind": "block"}).count() == 0


async def test_a_notice_shows_on_the_screen_after_the_tap_and_on_no_later_one(
    people: dict[str, Musician], room: Room
) -> None:
    owner = people["owner"]
    await open_menu(owner)
    await owner.tap("🚫 Block slots")
    await owner.tap("Day ›")
    await owner.tap("🟢 15:00–16:00")
    assert "⛔ Blocked 15:00–16:00." in owner.text
    await owner.tap("Day ›")
    assert "Blocked 15:00–16:00" not in owner.text
    await owner.tap("‹ Day")
    assert "⛔ 15:00–16:00" in owner.button_texts()
    assert "Blocked 15:00–16:00" not in owner.text
    await owner.tap("📅 Schedule")
    await owner.tap("‹ Room")
    await owner.tap("⚙️ Room settings")
    await owner.tap("💵 Price")
    await owner.send("700")
    assert "✅ Price set to ₹700/h." in owner.text
    await owner.tap("🌙 Peak price")
    await owner.tap("‹ Settings")
    assert "Price: ₹700/h" in owner.text
    assert "✅ Price set" not in owner.text
    await owner.tap("💵 Price")
    await owner.send("cheap")
    assert "whole rupees per hour" in owner.bot.sent_texts()[-1]
    await owner.send("650")
    assert "✅ Price set to ₹650/h." in owner.text
    await owner.send("stray text on the menu")
    assert "✅ Price set" not in owner.text


async def test_settings_validate_what_the_owner_types(people: dict[str, Musician], room: Room) -> None:
    owner = people["owner"]
    await open_menu(owner)
    await owner.tap("⚙️ Room settings")
    assert "Price: ₹600/h" in owner.text
    await owner.tap("💵 Price")
    await owner.send("cheap")
    assert "whole rupees per hour" in owner.bot.sent_texts()[-1]
    await owner.send('{"$gt": ""}')
    assert "whole rupees per hour" in owner.bot.sent_texts()[-1]
    assert (await fresh(room)).hourly_paise == 60000
    await owner.send("₹700")
    assert "✅ Price set to ₹700/h." in owner.text
    assert (await fresh(room)).hourly_paise == 70000
    await owner.tap("🌙 Peak price")
    await owner.send("650")
    assert "peak price cannot be lower" in owner.text
    assert (await fresh(room)).peak_hourly_paise == 80000
    await owner.tap("⏰ Peak hours")
    await owner.send("7pm to late")
    assert "like 18:00-23:00" in owner.bot.sent_texts()[-1]
    await owner.send("19:00-01:00")
    stored = await fresh(room)
    assert (stored.peak_starts, stored.peak_ends) == ("19:00", "01:00")
    await owner.tap("📅 Weekend prices")
    assert not (await fresh(room)).weekends_are_peak
    await owner.tap("📝 Description")
    await owner.send("x" * 5000)
    assert "under 800 characters" in owner.bot.sent_texts()[-1]
    await owner.send("Two drum kits & a <b>Marshall</b> stack")
    assert "Two drum kits &amp; a &lt;b&gt;Marshall" in owner.text
    assert (await fresh(room)).description == "Two drum kits & a <b>Marshall</b> stack"
    await owner.tap("🖼 Photo")
    await owner.send("here it is")
    assert "as a photo" in owner.bot.sent_texts()[-1]
    await owner.send_photo("AgACphoto42")
    assert (await fresh(room)).photo_file_id == "AgACphoto42"


async def test_opening_hours_per_weekday_and_pausing(
    people: dict[str, Musician], service: BookingService, room: Room, user: User
) -> None:
    owner = people["owner"]
    await open_menu(owner)
    await owner.tap("⚙️ Room settings")
    await owner.tap("🕘 Opening hours")
    await owner.tap("Sat–Sun")
    await owner.send("closed")
    assert "✅ Sat–Sun: closed." in owner.text
    saturday = date(2026, 11, 28)
    assert await service.offers(await fresh(room), saturday) == []
    await owner.tap("🕘 Opening hours")
    await owner.tap("Fri")
    await owner.send("20:00-09:00")  # would run into Saturday's... which is now closed: fine
    await owner.tap("🕘 Opening hours")
    await owner.tap("Thu")
    await owner.send("10:00-23:00")
    assert "✅ Thu: 10:00–23:00." in owner.text
    assert len(await service.offers(await fresh(room), DAY)) == 13
    await owner.tap("🕘 Opening hours")
    await owner.tap("Sat–Sun")
    await owner.send("06:00-22:00")  # Friday's session runs until 09:00 Saturday
    assert "clash" in owner.bot.sent_texts()[-1]
    assert "5" not in (await fresh(room)).opening_hours
    await owner.tap("‹ Days")
    await owner.tap("‹ Settings")
    await owner.tap("⏸ Pause bookings")
    assert "Paused" in owner.text
    with pytest.raises(RoomPausedError):
        await service.create_booking(user.id, room.id, DAY, slot_keys(room, DAY, 12))
    await owner.tap("▶️ Take bookings again")
    assert (await fresh(room)).active


async def test_a_new_slot_length_leaves_booked_days_as_they_were(
    people: dict[str, Musician], service: BookingService, room: Room, user: User
) -> None:
    booking = await paid_booking(service, room, user, 18)
    owner = people["owner"]
    await open_menu(owner)
    await owner.tap("⚙️ Room settings")
    await owner.tap("⏱ Slot length")
    await owner.tap("90 min")
    assert "Slots are now 90 minutes long." in owner.text
    assert "keep their old slots: 26/11" in owner.text
    stored = await fresh(room)
    assert stored.slot_minutes == 90
    assert stored.kept_grids == {"2026-11-26": "10:00-22:00/60"}
    booked_day = await service.offers(stored, DAY)
    assert {o.slot.minutes for o in booked_day} == {60}
    assert [o.state.value for o in booked_day if o.slot.key == booking.slots[0].slot.key] == ["taken"]
    next_week = await service.offers(stored, DAY + timedelta(days=7))
    assert {o.slot.minutes for o in next_week} == {90}


async def test_overlapping_claims_are_refused_even_without_a_kept_grid(
    service: BookingService, room: Room, user: User
) -> None:
    """The safety net under kept grids: a slot that overlaps a claim with another start
    is shown taken and cannot be booked or blocked."""
    await paid_booking(service, room, user, 18)  # 18:00–19:00
    await Room.get_pymongo_collection().update_one(
        {"_id": room.id}, {"$set": {"opening_hours.3": "09:30-21:30"}}
    )  # half-hour offset grid, as a racing settings change could leave it
    shifted = await fresh(room)
    states = {o.slot.label(shifted.zone): o.state.value for o in await service.offers(shifted, DAY)}
    assert states["17:30–18:30"] == "taken"
    assert states["18:30–19:30"] == "taken"
    assert states["19:30–20:30"] == "free"
    overlapping = [k for k in (o.slot.key for o in await service.offers(shifted, DAY)) if k.endswith("1300Z")]
    with pytest.raises(SlotsTakenError):
        await service.create_booking(user.id, room.id, DAY, overlapping)
    with pytest.raises(SlotsTakenError):
        await service.block_slots(shifted, DAY, overlapping, owner_id=9001)
    assert await SlotClaim.count() == 1
    # The refused confirm wrote its booking while it looked for overlaps: gone again,
    # with the musician's unpaid hold.
    assert await Booking.find_all().count() == 1
    assert await HoldClaim.count() == 0


async def test_no_one_else_reaches_a_rooms_owner_dialogs(
    people: dict[str, Musician], service: BookingService, room: Room, user: User
) -> None:
    booking = await paid_booking(service, room, user, 12)
    await people["musician"].send("/owner")
    assert "This menu is for room owners" in people["musician"].bot.sent_texts()[-1]
    theirs = [await Room(**{**DEMO_ROOMS[n], "owner_ids": [7007]}).insert() for n in (1, 2)]
    intruder = people["other_owner"]
    await intruder.send("/owner")
    assert "Your rooms" in intruder.text
    own_button = next(b for b in intruder.buttons() if b.text.startswith(theirs[0].name))
    assert own_button.callback_data
    assert str(theirs[0].id) in own_button.callback_data
    tampered = own_button.callback_data.replace(str(theirs[0].id), str(room.id))
    forged = intruder.last.model_copy(
        update={
            "reply_markup": InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        InlineKeyboardButton(
                            text="forged",
                            callback_data=tampered,
                        )
                    ]
                ]
            )
        }
    )
    await intruder.tap("forged", forged)
    assert intruder.bot.alerts()[-1] == "Only the owner of this room can do that."
    await intruder.send("/owner")
    await intruder.tap(re.escape(theirs[0].name) + ".*")
    await intruder.tap("📅 Schedule")
    schedule = intruder.last
    await intruder.tap("Day ›", schedule)
    assert booking.code not in intruder.text
    assert (await service.booking(booking.id)).status is BookingStatus.NOT_STARTED


async def test_earnings_a_chosen_months_csv_the_heatmap_and_the_share_link(
    people: dict[str, Musician], service: BookingService, room: Room, user: User
) -> None:
    await paid_booking(service, room, user, 18, 19)
    owner = people["owner"]
    await open_menu(owner)
    await owner.tap("💰 Earnings")
    assert "This month: <b>₹1,600</b> · 1 booking(s)" in owner.text
    await owner.tap("‹ Room")
    await owner.tap("📄 Bookings CSV")
    assert owner.button_texts()[:2] == ["November 2026", "October 2026"]
    await owner.tap("November 2026")
    await owner.tap("📄 Bookings CSV")
    await owner.tap("October 2026")
    documents = [c for c in owner.bot.calls if isinstance(c, SendDocument)]
    assert [d.document.filename for d in documents] == [  # type: ignore[union-attr]
        "bass-cave-indiranagar-2026-11.csv",
        "bass-cave-indiranagar-2026-10.csv",
    ]
    assert [d.caption for d in documents] == [
        "Bass Cave Studio: 1 booking(s) in November 2026",
        "Bass Cave Studio: 0 booking(s) in October 2026",
    ]
    await owner.tap("🔥 How full")
    photos = [c for c in owner.bot.calls if isinstance(c, SendPhoto)]
    assert len(photos) == 1
    assert photos[0].photo.data.startswith(b"\x89PNG")  # type: ignore[union-attr]
    await owner.tap("🔗 Share link")
    assert "https://t.me/jamroom_bot?start=room_bass-cave-indiranagar" in owner.bot.sent_texts()[-1]
    assert "Bass Cave Studio" in owner.text  # the menu is shown again below
