"""End to end over HTTP: the real Bot + Dispatcher long-polling a local Bot API
stand-in, as ``python -m bot`` builds them (its Bot API session and its dialog-state
storage, with the speed-ups the suite runs under), the sandbox payment gateway. A
musician goes /start → room → date → two slots → confirm and gets the payment button;
the test asserts on what the Bot API server received."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from aiogram_dialog.widgets.kbd.calendar_kbd import raw_from_date

from payments.sandbox import SandboxGateway
from payments.service import PaymentService
from storage.booking_service import BookingService
from storage.database import Database
from storage.models import Booking, Room, User
from storage.sandbox_links import MongoSandboxLinkStore
from tests.dialog_support import make_services, slot_keys
from tests.fakes.bot_api import BotApi, button, buttons
from tests.telegram_support import ASHA, Phone, polling_bot

TOMORROW = date(2026, 11, 26)
PUBLIC = "https://bot.example.test"


@pytest.fixture
async def running_bot(
    db: Database, clock, service: BookingService, room: Room, bot_api: BotApi
) -> AsyncIterator[None]:
    gateway = SandboxGateway(
        public_base_url=PUBLIC,
        webhook_url=f"{PUBLIC}/webhooks/razorpay",
        webhook_secret="whsec_test_0123456789",
        key_secret="sandbox_secret",
        store=MongoSandboxLinkStore(),
    )
    payments = PaymentService(gateway, clock, service, public_base_url=PUBLIC)
    async with polling_bot(make_services(db, clock, service, payments), db, bot_api):
        yield


@pytest.mark.usefixtures("running_bot")
async def test_a_musician_books_two_slots_over_the_bot_api(bot_api: BotApi, room: Room) -> None:
    phone = Phone(bot_api)
    await phone.send("/start")
    assert phone.screen["text"].startswith("Hi Asha!")
    await phone.tap(button(phone.screen, text="🎸 Find a room"))
    await phone.tap(button(phone.screen, text="Bengaluru"))
    await phone.tap(button(phone.screen, text="Bass Cave Studio"))
    await phone.tap(button(phone.screen, text="📅 Book"))
    await phone.tap(button(phone.screen, data_suffix=f"calendar:{raw_from_date(TOMORROW)}"))
    for key in slot_keys(room, TOMORROW, 17, 18):
        await phone.tap(button(phone.screen, data_suffix=f"slots:{key}"))
    await phone.tap(button(phone.screen, text="Review"))
    await phone.tap(button(phone.screen, text="✅ Confirm"))

    booking = await Booking.find_one(Booking.user_id == ASHA["id"])
    assert booking is not None
    edits = [f for m, f in bot_api.calls if m == "editmessagetext" and f["chat_id"] == str(ASHA["id"])]
    last = edits[-1]
    assert f"Booking {booking.code}" in last["text"]
    assert "held until <b>10:15 on Wed 25 Nov (IST)</b>" in last["text"]
    assert last["parse_mode"] == "HTML"
    pay = [b for row in json.loads(last["reply_markup"])["inline_keyboard"] for b in row if b.get("url")]
    assert [b["text"] for b in pay] == ["💳 Pay ₹1,400"]
    assert pay[0]["url"] == booking.payment["link_url"]
    assert pay[0]["url"].startswith(f"{PUBLIC}/sandbox/pay/")
    answered = [f for m, f in bot_api.calls if m == "answercallbackquery"]
    assert len(answered) >= 9  # every tap's spinner was stopped
    assert {m for m, _ in bot_api.calls} >= {"getme", "getupdates", "sendmessage", "editmessagetext"}
    assert [b["text"] for b in buttons(phone.screen)][-2:] == ["📋 My bookings", "🏠 Menu"]


RAVI = {"id": 9001, "is_bot": False, "first_name": "Ravi"}
"""Bass Cave's owner."""


async def pick_slots(phone: Phone, room: Room, day: date, *hours: int) -> None:
    await phone.send("/start")
    await phone.tap(button(phone.screen, text="🎸 Find a room"))
    await phone.tap(button(phone.screen, text="Bengaluru"))
    await phone.tap(button(phone.screen, text="Bass Cave Studio"))
    await phone.tap(button(phone.screen, text="📅 Book"))
    await phone.tap(button(phone.screen, data_suffix=f"calendar:{raw_from_date(day)}"))
    for key in slot_keys(room, day, *hours):
        await phone.tap(button(phone.screen, data_suffix=f"slots:{key}"))


@pytest.mark.usefixtures("running_bot")
async def test_slots_with_a_gap_are_refused_at_review_over_the_bot_api(bot_api: BotApi, room: Room) -> None:
    phone = Phone(bot_api)
    await pick_slots(phone, room, TOMORROW, 12, 18)
    await phone.tap(button(phone.screen, text="Review"))
    assert (
        "⚠️ 12:00–13:00 and 18:00–19:00 are not next to each other: book them as two bookings."
    ) in phone.screen["text"]
    assert button(phone.screen, text="✅ Confirm") is None
    assert await Booking.count() == 0


@pytest.mark.usefixtures("running_bot")
async def test_the_owners_weekend_minimum_reaches_the_card_and_holds_over_the_bot_api(
    bot_api: BotApi, room: Room
) -> None:
    owner = Phone(bot_api, RAVI)
    await owner.send("/owner")
    await owner.tap(button(owner.screen, text="⚙️ Room settings"))
    await owner.tap(button(owner.screen, text="📏 Booking rules"))
    await owner.tap(button(owner.screen, text="⏱ Min weekends"))
    await owner.send("2h")
    assert "✅ Shortest session on weekends: 2 hours." in owner.screen["text"]

    saturday = date(2026, 11, 28)
    phone = Phone(bot_api)
    await pick_slots(phone, room, saturday, 12)
    await phone.tap(button(phone.screen, text="Review"))
    assert "⚠️ Sessions here are at least 2 hours on that day; you picked 1 hour." in phone.screen["text"]
    await phone.tap(button(phone.screen, text="‹ Date"))
    await phone.tap(button(phone.screen, text="‹ Back to the room"))
    assert "📏 Sessions: at least 2 hours on weekends · up to 8 slots in a row" in phone.screen["text"]


@pytest.mark.usefixtures("running_bot")
async def test_the_owner_marks_a_no_show_over_the_bot_api(
    bot_api: BotApi, clock, service: BookingService, room: Room, user: User
) -> None:
    booking = await service.create_booking(user.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 12))
    paid = await service.confirm_payment(booking, {"payment_id": "pay_1"})
    assert paid is not None
    clock.set(paid.ends_at + timedelta(hours=1))
    owner = Phone(bot_api, RAVI)
    await owner.send("/owner")
    await owner.tap(button(owner.screen, text="📅 Schedule"))
    await owner.tap(button(owner.screen, text="12:00–13:00"))
    await owner.tap(button(owner.screen, text="🚫 Mark as no-show"))
    assert f"🚫 Marked <code>{booking.code}</code> as a no-show." in owner.screen["text"]
    assert (await service.booking(booking.id)).no_show is True
