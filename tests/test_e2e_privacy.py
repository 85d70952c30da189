"""Delete my data end to end over HTTP (issue 18 §4): the real Bot + Dispatcher
long-polling the local Bot API stand-in, with ``python -m bot``'s dialog-state storage
in MongoDB and the sandbox gateway. Asha holds a booking she made in the chat and has a
paid one; she opens /privacy, confirms, and is erased: both bookings cancelled, the paid
one refunded, the owner told without her name, her dialog state gone; /start begins
afresh."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date

import pytest
from aiogram_dialog.widgets.kbd.calendar_kbd import raw_from_date

from domain.booking_status import BookingStatus
from domain.words.formats import DELETED_MUSICIAN
from payments.sandbox import SandboxGateway
from payments.service import PaymentService
from storage.booking_service import BookingService
from storage.database import Database
from storage.dialog_state import FSM_COLLECTION
from storage.models import Booking, Room, User
from storage.outbox import OutboxMessage
from storage.privacy import dialog_state_key_pattern
from storage.sandbox_links import MongoSandboxLinkStore
from tests.dialog_support import make_services, slot_keys
from tests.fakes.bot_api import BotApi, button
from tests.telegram_support import ASHA, Phone, polling_bot

TOMORROW = date(2026, 11, 26)
IN_TWO_DAYS = date(2026, 11, 27)
PUBLIC = "https://bot.example.test"
OWNER = 9001


@pytest.fixture
async def running_bot(
    db: Database, clock, service: BookingService, room: Room, bot_api: BotApi
) -> AsyncIterator[PaymentService]:
    gateway = SandboxGateway(
        public_base_url=PUBLIC,
        webhook_url=f"{PUBLIC}/webhooks/razorpay",
        webhook_secret="whsec_test_0123456789",
        key_secret="sandbox_secret",
        store=MongoSandboxLinkStore(),
    )
    payments = PaymentService(gateway, clock, service, public_base_url=PUBLIC)
    await db.db[FSM_COLLECTION].delete_many({})
    async with polling_bot(make_services(db, clock, service, payments), db, bot_api):
        yield payments


async def dialog_states_left(db: Database, telegram_id: int, *, settle: bool = True) -> int:
    """The chat's dialog-state documents; ``settle``: once none is left, or after 5 s."""
    query = {"_id": {"$regex": dialog_state_key_pattern(telegram_id)}}
    for _ in range(100 if settle else 1):
        left = await db.db[FSM_COLLECTION].count_documents(query)
        if not left:
            return 0
        await asyncio.sleep(0.05)
    return left


async def hold_in_the_chat(phone: Phone, room: Room) -> None:
    await phone.send("/start")
    await phone.tap(button(phone.screen, text="🎸 Find a room"))
    await phone.tap(button(phone.screen, text="Bengaluru"))
    await phone.tap(button(phone.screen, text="Bass Cave Studio"))
    await phone.tap(button(phone.screen, text="📅 Book"))
    await phone.tap(button(phone.screen, data_suffix=f"calendar:{raw_from_date(TOMORROW)}"))
    for key in slot_keys(room, TOMORROW, 17):
        await phone.tap(button(phone.screen, data_suffix=f"slots:{key}"))
    await phone.tap(button(phone.screen, text="Review"))
    await phone.tap(button(phone.screen, text="✅ Confirm"))


async def test_a_musician_deletes_their_data_over_the_bot_api(
    running_bot: PaymentService, bot_api: BotApi, db: Database, service: BookingService, room: Room
) -> None:
    phone = Phone(bot_api)
    await hold_in_the_chat(phone, room)
    held = await Booking.find_one(Booking.user_id == ASHA["id"])
    assert held is not None
    assert held.status is BookingStatus.PENDING_PAYMENT
    paid = await service.create_booking(ASHA["id"], room.id, IN_TWO_DAYS, slot_keys(room, IN_TWO_DAYS, 18))
    paid = await service.confirm_payment(paid, {"payment_id": "pay_e2e"})
    assert paid is not None
    assert await db.db[FSM_COLLECTION].count_documents(
        {"_id": {"$regex": dialog_state_key_pattern(ASHA["id"])}}
    )

    await phone.send("/privacy")
    assert "Who sees it" in phone.screen["text"]
    await phone.tap(button(phone.screen, text="🗑 Delete my data"))
    assert "Your 2 bookings to come will be cancelled, ₹800 back" in phone.screen["text"]
    await phone.tap(button(phone.screen, text="🗑 Yes, delete everything"))

    assert phone.screen["text"].startswith("✅ Your data is deleted.")
    assert "I cancelled your 2 bookings to come" in phone.screen["text"]
    assert "₹800 is on its way back" in phone.screen["text"]
    assert bot_api.refused == []
    for booking in (held, paid):
        stored = await service.booking(booking.id)
        assert stored.status is BookingStatus.CANCELLED
        assert stored.user_id != ASHA["id"]
    assert await User.get(ASHA["id"]) is None
    assert await OutboxMessage.find(OutboxMessage.chat_id == ASHA["id"]).count() == 0
    owner_told = await OutboxMessage.find(OutboxMessage.chat_id == OWNER).to_list()
    assert owner_told
    assert all("Asha" not in m.text for m in owner_told)
    assert any(DELETED_MUSICIAN in m.text for m in owner_told)
    # aiogram-dialog saves the dialog state just after answering the tap.
    assert await dialog_states_left(db, ASHA["id"]) == 0

    await phone.send("/start")
    assert phone.screen["text"].startswith("Hi Asha!")
    assert await User.get(ASHA["id"]) is not None
    await phone.tap(button(phone.screen, text="📅 My bookings"))
    assert "Nothing here yet" in phone.screen["text"]
