"""Fixtures for delivery tests: the fake Bot API on a real port, and the outbox
deliverer built as ``python -m bot`` builds it (``bot.app.outbox_deliverer``: the
invoice, the calendar file and the reminder that tells the check-in info are all made
at delivery), talking to it through a real Bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode

from bot.app import booking_clock, outbox_deliverer
from domain.clock import ManualClock
from jobs.delivery import OutboxDeliverer, RateLimits
from storage.outbox import due_messages
from storage.times import to_ms
from tests.fakes.telegram import Call, FakeTelegram
from tests.payment_support import PaymentWorld

BOT_USERNAME = "jamroom_test_bot"


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeTelegram]:
    fake = await FakeTelegram().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def bot_deliverer(
    bot_api: FakeTelegram, world: PaymentWorld, clock: ManualClock
) -> AsyncIterator[OutboxDeliverer]:
    bot = Bot(
        "123456:TEST-delivery",
        session=AiohttpSession(api=TelegramAPIServer.from_base(bot_api.base_url)),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    service = world.payments.bookings
    jobs = booking_clock(service, clock, world.payments, bot_username=BOT_USERNAME)
    worker = outbox_deliverer(bot, clock, service, world.payments, jobs, BOT_USERNAME)
    worker.limits = RateLimits(per_chat_interval=0, clock=ManualClock(clock.now()))
    yield worker
    await bot.session.close()


async def deliver_all(deliverer: OutboxDeliverer) -> int:
    """Passes until nothing due is left (a pass sends one message per chat, and a
    message that fails sends nothing); returns how many were sent."""
    total = 0
    for _ in range(20):
        total += await deliverer.deliver_due()
        if not await due_messages(to_ms(deliverer.clock.now()) or 0, 1):
            return total
    raise AssertionError("the outbox did not drain")


def document_name(call: Call) -> str:
    """A sent file's name (aiogram sends it as an ``attach://<part>`` part)."""
    return call.fields.get(f"{call.fields['document'].removeprefix('attach://')}:filename", "")


def document_bytes(call: Call) -> bytes:
    return call.files[call.fields["document"].removeprefix("attach://")]
