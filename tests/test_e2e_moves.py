"""End to end over HTTP (issue 16 §2): the real Bot and Dispatcher long-polling the local
Bot API stand-in, dialog state in MongoDB, the sandbox gateway posting its signed
webhooks to our web server. A band books 14:00 on Thursday and pays in the chat, then
moves the session to the dearer 18:00 from My bookings and pays the difference in the
chat: the session moves, the old hour is free again, both sides are told."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from aiogram_dialog.widgets.kbd.calendar_kbd import raw_from_date

from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from storage.booking_service import BookingService
from storage.models import Booking, Room, SlotClaim
from storage.outbox import OutboxMessage
from tests.dialog_support import slot_keys
from tests.fakes.bot_api import BotApi, button
from tests.telegram_support import ASHA, Phone

THURSDAY = date(2026, 11, 26)


@pytest.mark.usefixtures("sandbox_bot")
async def test_a_band_moves_a_paid_session_to_a_dearer_hour_and_pays_the_difference_in_the_chat(
    bot_api: BotApi, room: Room, service: BookingService
) -> None:
    phone = Phone(bot_api)
    await phone.send("/start room_bass-cave-indiranagar")
    await phone.tap(button(phone.screen, text="📅 Book"))
    await phone.tap(button(phone.screen, data_suffix=f"calendar:{raw_from_date(THURSDAY)}"))
    (fourteen,) = slot_keys(room, THURSDAY, 14)
    await phone.tap(button(phone.screen, data_suffix=f"slots:{fourteen}"))
    await phone.tap(button(phone.screen, text="Review"))
    await phone.tap(button(phone.screen, text="✅ Confirm"))
    await phone.tap(button(phone.screen, text="💳 Pay ₹600 (test)"))
    (booking,) = await Booking.find(Booking.user_id == ASHA["id"]).to_list()
    assert booking.status is BookingStatus.NOT_STARTED

    await phone.send("/bookings")
    await phone.tap(button(phone.screen, text=booking.code))
    await phone.tap(button(phone.screen, text="🔁 Move to another time"))
    assert f"Move {booking.code}" in phone.screen["text"]
    await phone.tap(button(phone.screen, data_suffix=f"calendar:{raw_from_date(THURSDAY)}"))
    (eighteen,) = slot_keys(room, THURSDAY, 18)
    await phone.tap(button(phone.screen, data_suffix=f"slots:{eighteen}"))
    await phone.tap(button(phone.screen, text="Review"))
    assert "pay the difference of <b>₹200</b>" in phone.screen["text"]
    await phone.tap(button(phone.screen, text="✅ Move it and pay the difference"))
    assert "Pay <b>₹200</b> before" in phone.screen["text"]
    await phone.tap(button(phone.screen, text="💳 Pay ₹200 (test)"))

    moved = await service.booking(booking.id)
    assert [s.slot.key for s in moved.slots] == [eighteen]
    assert moved.change is None
    assert moved.calendar_sequence == 1
    claims = await SlotClaim.find_all().to_list()
    assert [(c.start, c.booking_id) for c in claims] == [(moved.starts_at, str(booking.id))]
    news = await OutboxMessage.find(OutboxMessage.chat_id == 9001).to_list()
    assert any("moved from Thu 26 Nov 2026, 14:00–15:00 to" in m.text for m in news)
    # The band is back on My bookings, where the session shows its new time.
    await phone.send("/bookings")
    assert "18:00–19:00" in phone.screen["text"]


@pytest.mark.usefixtures("sandbox_bot")
async def test_a_band_adds_an_hour_in_its_last_hour_and_pays_for_it_in_the_chat(
    bot_api: BotApi, room: Room, service: BookingService, clock: ManualClock
) -> None:
    phone = Phone(bot_api)
    await phone.send("/start room_bass-cave-indiranagar")
    await phone.tap(button(phone.screen, text="📅 Book"))
    await phone.tap(button(phone.screen, data_suffix=f"calendar:{raw_from_date(THURSDAY)}"))
    (fourteen,) = slot_keys(room, THURSDAY, 14)
    await phone.tap(button(phone.screen, data_suffix=f"slots:{fourteen}"))
    await phone.tap(button(phone.screen, text="Review"))
    await phone.tap(button(phone.screen, text="✅ Confirm"))
    await phone.tap(button(phone.screen, text="💳 Pay ₹600 (test)"))
    (booking,) = await Booking.find(Booking.user_id == ASHA["id"]).to_list()
    await phone.send("/bookings")
    await phone.tap(button(phone.screen, text=booking.code))
    assert button(phone.screen, text="➕ Add an hour") is None  # a day ahead: too early

    clock.set(booking.starts_at - timedelta(minutes=30))
    await phone.send("/bookings")
    await phone.tap(button(phone.screen, text=booking.code))
    await phone.tap(button(phone.screen, text="➕ Add an hour · ₹600"))
    await phone.tap(button(phone.screen, text="✅ Add the hour"))
    assert "Add an hour to" in phone.screen["text"]
    await phone.tap(button(phone.screen, text="💳 Pay ₹600 (test)"))

    longer = await service.booking(booking.id)
    assert longer.change is None
    assert longer.ends_at == booking.ends_at + timedelta(hours=1)
    assert longer.amount_paise == booking.amount_paise + 60_000
    assert longer.calendar_sequence == 1
    claims = await SlotClaim.find_all().to_list()
    assert sorted(c.start for c in claims) == [booking.starts_at, booking.ends_at]
    assert {c.booking_id for c in claims} == {str(booking.id)}
    assert bot_api.refused == []  # every screen and button was one Telegram takes
