"""End to end over HTTP: the real Bot and Dispatcher long-polling the local Bot API
stand-in, dialog state in MongoDB, the sandbox gateway posting its signed webhooks to
our web server. A band books a weekly slot for three weeks, pays once in the chat, then
cancels the last week from My bookings: that week's refund is processed (the sandbox's
refund.processed webhook comes back to it by the notes it echoes) and the other weeks
stay booked."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram_dialog.widgets.kbd.calendar_kbd import raw_from_date
from aiohttp import web

from bench.dialogs import TOKEN, BotApi, button, buttons
from bot.config import Settings
from bot.dispatcher import build_dispatcher, mongo_fsm_storage
from bot.perf import Speedups
from bot.services import payments_config
from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from domain.refund_status import RefundStatus
from payments.sandbox import SandboxGateway
from payments.setup import PaymentSetup, build_payments
from storage.booking_service import BookingService
from storage.database import Database, make_client
from storage.embedded import free_port
from storage.models import Booking, Room
from storage.series import series_weeks
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
async def test_a_band_pays_a_weekly_slot_in_the_chat_and_cancels_one_week(
    api: BotApi, room: Room, clock: ManualClock, sandbox: PaymentSetup
) -> None:
    phone = Phone(api)
    await phone.send("/start room_bass-cave-indiranagar")
    await phone.tap(button(phone.screen, text="📅 Book"))
    await phone.tap(button(phone.screen, data_suffix=f"calendar:{raw_from_date(THURSDAY)}"))
    for key in slot_keys(room, THURSDAY, 20, 21):
        await phone.tap(button(phone.screen, data_suffix=f"slots:{key}"))
    await phone.tap(button(phone.screen, text="Review"))
    await phone.tap(button(phone.screen, text="🔁 Repeat weekly"))
    await phone.tap(button(phone.screen, text="3 weeks"))
    assert "Total for 3 weeks: <b>₹4,800</b>" in phone.screen["text"]
    await phone.tap(button(phone.screen, text="✅ Confirm 3 weeks"))
    assert "Weekly booking JW-" in phone.screen["text"]
    await phone.tap(button(phone.screen, text="💳 Pay ₹4,800 (test)"))

    weeks = await Booking.find(Booking.user_id == ASHA["id"]).sort("day").to_list()
    code = weeks[0].series.code if weeks[0].series else ""
    assert [w.day for w in weeks] == [THURSDAY + timedelta(weeks=n) for n in range(3)]
    assert {w.status for w in await series_weeks(code)} == {BookingStatus.NOT_STARTED}

    await phone.send("/bookings")
    assert phone.screen["text"].count("🔁 week") == 3
    await phone.tap(button(phone.screen, text=weeks[2].code))
    await phone.tap(button(phone.screen, text="✖ Cancel this booking"))
    assert "The other weeks stay booked." in phone.screen["text"]
    await phone.tap(button(phone.screen, text="Yes, cancel it"))
    assert "₹1,600 will be refunded" in phone.screen["text"]
    gateway = sandbox.service.gateway
    assert isinstance(gateway, SandboxGateway)
    await gateway.drain()

    after = await series_weeks(code)
    assert [w.status for w in after] == [BookingStatus.NOT_STARTED] * 2 + [BookingStatus.CANCELLED]
    assert [[(e.status, e.amount_paise) for e in w.refunds.values()] for w in after] == [
        [],
        [],
        [(RefundStatus.PROCESSED, 160000)],
    ]
    assert [b["text"] for b in buttons(phone.screen)][-1] == "‹ My bookings"
