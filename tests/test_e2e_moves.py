"""End to end over HTTP (issue 16 §2): the real Bot and Dispatcher long-polling the local
Bot API stand-in, dialog state in MongoDB, the sandbox gateway posting its signed
webhooks to our web server. A band books 14:00 on Thursday and pays in the chat, then
moves the session to the dearer 18:00 from My bookings and pays the difference in the
chat: the session moves, the old hour is free again, both sides are told."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from datetime import date

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram_dialog.widgets.kbd.calendar_kbd import raw_from_date
from aiohttp import web

from bench.dialogs import TOKEN, BotApi, button
from bot.config import Settings
from bot.dispatcher import build_dispatcher, mongo_fsm_storage
from bot.perf import Speedups
from bot.services import payments_config
from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from payments.setup import PaymentSetup, build_payments
from storage.booking_service import BookingService
from storage.database import Database, make_client
from storage.embedded import free_port
from storage.models import Booking, Room, SlotClaim
from storage.outbox import OutboxMessage
from tests.dialog_support import make_services, slot_keys

THURSDAY = date(2026, 11, 26)
ASHA = {"id": 1001, "is_bot": False, "first_name": "Asha"}


@pytest.fixture
async def api() -> AsyncIterator[BotApi]:
    server = BotApi()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def sandbox(db: Database, clock: ManualClock, service: BookingService) -> AsyncIterator[PaymentSetup]:
    settings = Settings(_env_file=None, bot_token="42:first-run", port=free_port())  # type: ignore[call-arg]
    payments = build_payments(payments_config(settings, "jamroom_test_bot"), clock, service)
    app = web.Application()
    payments.install_routes(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", settings.port).start()
    yield payments
    await payments.service.drain()
    await runner.cleanup()


@pytest.fixture
async def running_bot(
    db: Database, clock: ManualClock, service: BookingService, room: Room, api: BotApi, sandbox: PaymentSetup
) -> AsyncIterator[None]:
    services = make_services(db, clock, service, sandbox.service)
    fsm_client = make_client(db.embedded.uri if db.embedded else os.environ["MONGODB_URI"])
    speedups = Speedups.from_setting(services.settings.speedups)
    dispatcher = build_dispatcher(services, mongo_fsm_storage(fsm_client, db.db.name, speedups))
    dispatcher["throttle"].rate = dispatcher["throttle"].burst = 1000
    bot = Bot(
        TOKEN,
        session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1))
    yield
    with contextlib.suppress(RuntimeError):
        await dispatcher.stop_polling()
    await asyncio.wait_for(polling, 10)
    await bot.session.close()


class Phone:
    def __init__(self, api: BotApi) -> None:
        self.api = api
        self.screen: dict = {}

    async def send(self, text: str) -> None:
        version = self.api.send_text(ASHA, text)
        self.screen = await self.api.wait_reply(ASHA["id"], version, timeout=10)

    async def tap(self, target: dict | None) -> None:
        assert target is not None, f"no such button on {self.screen.get('text')!r}"
        version = self.api.press(ASHA, self.screen, target["callback_data"])
        self.screen = await self.api.wait_reply(ASHA["id"], version, timeout=10)
        await self.api.wait_settled(ASHA["id"], timeout=10)


@pytest.mark.usefixtures("running_bot")
async def test_a_band_moves_a_paid_session_to_a_dearer_hour_and_pays_the_difference_in_the_chat(
    api: BotApi, room: Room, service: BookingService
) -> None:
    phone = Phone(api)
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
