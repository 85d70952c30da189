"""The booking dialog driven through the real dispatcher: /start → room → day →
slots → review → confirm → payment step, on the real wire-protocol database."""

from __future__ import annotations

from datetime import date

import pytest
from aiogram.fsm.storage.base import BaseStorage
from aiogram_dialog.utils import CB_SEP
from aiogram_dialog.widgets.kbd.calendar_kbd import raw_from_date

from domain.availability import SlotOffer
from domain.booking_status import BookingStatus
from domain.slots import slot_key
from storage.booking_service import BookingRules, BookingService
from storage.database import Database
from storage.models import Booking, Room, User
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


@pytest.fixture
def payments() -> RecordingPayments:
    return RecordingPayments()


@pytest.fixture
def chat(
    db: Database, clock, service: BookingService, room: Room, payments, dialog_storage: BaseStorage
) -> Musician:
    dispatcher, manager = make_dispatcher(make_services(db, clock, service, payments), dialog_storage)
    return Musician(dispatcher, manager, user_id=1001, name="Asha")


async def test_full_booking_path_ends_at_the_payment_button(chat: Musician, room: Room) -> None:
    await chat.send("/start")
    assert "Hi Asha!" in chat.text
    assert chat.button_texts() == [
        "🎸 Find a room",
        "🔎 Free slots",
        "📅 My bookings",
        "ℹ️ Help",
        "🌐 Language · भाषा",
    ]
    await chat.tap("🎸 Find a room")
    assert chat.button_texts()[0] == "Bengaluru · 1 room"
    await chat.tap("Bengaluru.*")
    await chat.tap("Bass Cave Studio.*")
    assert "Bass Cave Studio" in chat.text
    assert "₹600/h · peak ₹800/h" in chat.text
    assert "Mon–Thu 10:00–22:00" in chat.text
    await chat.tap("📅 Book")
    assert "Which day" in chat.text
    await chat.tap_day(TOMORROW)
    assert "Thu 26 Nov 2026" in chat.text
    first, second = slot_keys(room, TOMORROW, 17, 18)
    await chat.tap_slot(first)
    await chat.tap_slot(second)
    assert "total <b>₹1,400</b>" in chat.text
    await chat.tap("Review.*")
    assert "17:00–18:00 — ₹600" in chat.text
    assert "18:00–19:00 — ₹800" in chat.text
    assert (
        "Full refund if you cancel by 17:00 on Wed 25 Nov (IST); 50% back if you cancel by "
        "11:00 on Thu 26 Nov (IST); no refund after that."
    ) in chat.text
    await chat.tap("✅ Confirm")

    booking = await Booking.find_one(Booking.user_id == 1001)
    assert booking is not None
    assert booking.status is BookingStatus.PENDING_PAYMENT
    assert booking.amount_paise == 140000
    assert f"Booking {booking.code}" in chat.text
    assert "held until <b>10:15 on Wed 25 Nov (IST)</b>" in chat.text
    pay = next(b for b in chat.buttons() if b.text == "💳 Pay ₹1,400")
    assert pay.url == f"https://pay.example/l/{booking.code}"


async def test_start_registers_the_musician(chat: Musician) -> None:
    await chat.send("/start")
    user = await User.get(1001)
    assert user is not None
    assert user.first_name == "Asha"


async def test_back_navigation_keeps_the_choice_and_cancel_returns_to_the_room(
    chat: Musician, room: Room
) -> None:
    await open_day(chat, TOMORROW)
    first, second = slot_keys(room, TOMORROW, 11, 12)
    await chat.tap_slot(first)
    await chat.tap_slot(second)
    await chat.tap("Review.*")
    assert "Please check your booking" in chat.text
    await chat.tap("‹ Slots")
    assert "Chosen: 2 slot(s)" in chat.text
    assert sum(t.startswith("✅") for t in chat.button_texts()) == 2
    await chat.tap("‹ Date")
    assert "Which day" in chat.text
    await chat.tap("‹ Back to the room")
    assert "📍 2nd floor" in chat.text
    await chat.tap("‹ Rooms")
    assert "Rehearsal rooms in <b>Bengaluru</b>" in chat.text
    await chat.tap("‹ Cities")
    await chat.tap("‹ Menu")
    assert "Hi Asha!" in chat.text
    assert await Booking.find_all().count() == 0


async def test_no_more_than_the_slot_limit_can_be_chosen(chat: Musician, room: Room, service) -> None:
    await open_day(chat, TOMORROW)
    keys = slot_keys(room, TOMORROW, *range(10, 22))
    for key in keys[: service.rules.max_slots + 1]:
        await chat.tap_slot(key)
    assert f"Chosen: {service.rules.max_slots} slot(s)" in chat.text
    assert chat.bot.alerts()[-1] == "You can book at most 8 slots at once."


async def test_taken_slots_are_shown_but_cannot_be_chosen(chat: Musician, room: Room, service) -> None:
    rival = await make_user(2002, "Ravi")
    taken = slot_keys(room, TOMORROW, 12)
    await service.create_booking(rival.id, room.id, TOMORROW, taken)
    await open_day(chat, TOMORROW)
    assert "✕ 12:00–13:00 · booked" in chat.button_texts()
    assert "10:00–11:00 · ₹600" in chat.button_texts()
    await chat.tap_slot(taken[0])
    assert "can't be booked: it is booked" in chat.bot.alerts()[-1]
    assert "Chosen:" not in chat.text


async def test_slot_taken_while_choosing_is_dropped_and_nothing_is_booked(
    chat: Musician, room: Room, service
) -> None:
    rival = await make_user(2002, "Ravi")
    mine, contested = slot_keys(room, TOMORROW, 17, 18)
    await open_day(chat, TOMORROW)
    await chat.tap_slot(mine)
    await chat.tap_slot(contested)
    await chat.tap("Review.*")
    await service.create_booking(rival.id, room.id, TOMORROW, [contested])

    await chat.tap("✅ Confirm")

    assert "Sorry, 18:00 was just taken by another musician" in chat.text
    assert "Chosen: 1 slot(s) · total <b>₹600</b>" in chat.text
    assert "✅ 17:00–18:00 · ₹600" in chat.button_texts()
    assert "✕ 18:00–19:00 · booked" in chat.button_texts()
    assert await Booking.find(Booking.user_id == 1001).count() == 0
    await chat.tap("Review.*")
    await chat.tap("✅ Confirm")
    booking = await Booking.find_one(Booking.user_id == 1001)
    assert booking is not None
    assert [slot_key(s.start) for s in booking.slots] == [mine]
    assert booking.amount_paise == 60000


async def test_closed_and_out_of_range_days_are_refused_with_a_reason(
    db: Database, clock, service: BookingService, room: Room, payments, dialog_storage: BaseStorage
) -> None:
    hours = dict(room.opening_hours)
    del hours["4"]  # closed on Fridays
    await room.set({Room.opening_hours: hours})
    dispatcher, manager = make_dispatcher(make_services(db, clock, service, payments), dialog_storage)
    chat = Musician(dispatcher, manager, user_id=1001, name="Asha")
    friday = date(2026, 11, 27)
    await open_day(chat, friday)
    assert "Struck-through days are closed." in chat.text
    assert "Bass Cave Studio is closed on Fridays" in chat.bot.alerts()[-1]
    assert "Which day" in chat.text
    day_button = next(
        b
        for b in chat.buttons()
        if b.callback_data and b.callback_data.endswith(f"calendar:{raw_from_date(friday)}")
    )
    assert day_button.text == "2\u03367\u0336"


async def test_without_a_payment_service_the_hold_is_explained_and_no_pay_button(
    db: Database, clock, service: BookingService, room: Room, dialog_storage: BaseStorage
) -> None:
    dispatcher, manager = make_dispatcher(make_services(db, clock, service, None), dialog_storage)
    chat = Musician(dispatcher, manager, user_id=1001, name="Asha")
    await open_day(chat, TOMORROW)
    await chat.tap_slot(slot_keys(room, TOMORROW, 15)[0])
    await chat.tap("Review.*")
    await chat.tap("✅ Confirm")
    assert "Online payment is not available right now" in chat.text
    assert not any(b.url for b in chat.buttons())


async def test_deep_link_opens_the_room_and_back_leads_to_its_city(chat: Musician) -> None:
    await chat.send("/start room_bass-cave-indiranagar")
    assert "<b>Bass Cave Studio</b> · Bengaluru" in chat.text
    await chat.tap("‹ Rooms")
    assert "Rehearsal rooms in <b>Bengaluru</b>" in chat.text


async def test_unknown_deep_link_says_so_and_shows_the_menu(chat: Musician) -> None:
    await chat.send("/start room_nowhere")
    assert "could not find that room" in chat.bot.sent_texts()[-1]
    assert "Hi Asha!" in chat.text


async def test_show_on_map_sends_the_venue(chat: Musician, room: Room) -> None:
    await chat.send("/start room_bass-cave-indiranagar")
    await chat.tap("📍 Show on map")
    venue = chat.bot.venues()[-1]
    assert (venue.latitude, venue.longitude, venue.title) == (room.latitude, room.longitude, room.name)
    assert "<b>Bass Cave Studio</b>" in chat.text


async def test_the_link_back_from_the_payment_page_opens_my_bookings(chat: Musician) -> None:
    await chat.send("/start booking_JR-7F3K2Q")
    assert "Nothing here yet" in chat.text
    await chat.tap("‹ Menu")
    assert "Hi Asha!" in chat.text


async def test_musicians_share_a_calendar_page_but_never_its_buttons(
    db: Database, clock, service: BookingService, room: Room, payments, dialog_storage: BaseStorage
) -> None:
    dispatcher, manager = make_dispatcher(make_services(db, clock, service, payments), dialog_storage)
    asha = Musician(dispatcher, manager, user_id=1001, name="Asha")
    ravi = Musician(dispatcher, manager, user_id=1002, name="Ravi")
    pages = []
    for chat in (asha, ravi):
        await chat.send("/start")
        await chat.tap("🎸 Find a room")
        await chat.tap("Bengaluru.*")
        await chat.tap("Bass Cave Studio.*")
        await chat.tap("📅 Book")
        pages.append(chat.last)
    asha_data, ravi_data = (
        [b.callback_data for b in chat.buttons(page) if b.callback_data]
        for chat, page in zip((asha, ravi), pages, strict=True)
    )
    asha_intents = {data.split(CB_SEP)[0] for data in asha_data}
    ravi_intents = {data.split(CB_SEP)[0] for data in ravi_data}
    assert len(asha_intents) == len(ravi_intents) == 1
    assert asha_intents != ravi_intents
    assert all(data.count(CB_SEP) == 1 for data in asha_data + ravi_data)  # nobody's id written twice
    assert [d.split(CB_SEP)[1] for d in asha_data] == [d.split(CB_SEP)[1] for d in ravi_data]
    for chat, page in zip((asha, ravi), pages, strict=True):
        await chat.tap_data(rf".*calendar:{raw_from_date(TOMORROW)}", page)
        assert "Thu 26 Nov 2026" in chat.text


class CountingService(BookingService):
    """The real booking service, counting how often a day's offers are read."""

    offers_read = 0

    async def offers(self, room: Room, day: date) -> list[SlotOffer]:
        self.offers_read += 1
        return await super().offers(room, day)


async def test_a_slot_tap_reads_the_day_once_and_the_next_tap_reads_it_again(
    db: Database, clock, room: Room, payments, dialog_storage: BaseStorage
) -> None:
    service = CountingService(clock, BookingRules())
    dispatcher, manager = make_dispatcher(make_services(db, clock, service, payments), dialog_storage)
    chat = Musician(dispatcher, manager, user_id=1001, name="Asha")
    await open_day(chat, TOMORROW)
    first, second = slot_keys(room, TOMORROW, 17, 18)
    service.offers_read = 0
    await chat.tap_slot(first)  # checked, then shown: one reading
    assert service.offers_read == 1
    rival = await make_user(2002, "Ravi")
    await service.create_booking(rival.id, room.id, TOMORROW, [second])
    await chat.tap_slot(second)  # a new tap reads again, and sees the rival's booking
    assert "can't be booked: it is booked" in chat.bot.alerts()[-1]
    assert service.offers_read == 2
