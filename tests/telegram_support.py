"""Telegram for the tests that speak HTTP: the Bot API stand-ins of tests/fakes as
fixtures, a Bot for one of them built as ``python -m bot`` builds its own
(``bot.app.make_bot``: the production session, with the speed-ups the suite runs
under), the real dispatcher long-polling one (``polling_bot``), and a musician's phone
that sends, taps and waits for the bot's answer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiogram import Bot, Dispatcher

from bot.app import make_bot
from bot.config import Settings
from bot.dispatcher import build_dispatcher, mongo_fsm_storage
from bot.perf import Speedups
from bot.services import Services
from domain.clock import ManualClock
from payments.setup import PaymentSetup
from storage.booking_service import BookingService
from storage.database import Database, make_client
from storage.models import Room
from tests.dialog_support import make_services
from tests.fakes.bot_api import TOKEN, BotApi, buttons
from tests.fakes.telegram import FakeTelegram

ASHA = {"id": 1001, "is_bot": False, "first_name": "Asha"}


@pytest.fixture
async def bot_api() -> AsyncIterator[BotApi]:
    """The Bot API stand-in the dialogs are used through, recording every call."""
    api = BotApi()
    api.record_calls = True
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    """The Bot API stand-in for delivery: faults on demand, Telegram's send limits."""
    fake = await FakeTelegram().start()
    yield fake
    await fake.stop()


def bot_for(api_url: str, *, token: str = TOKEN, speedups: str | None = None) -> Bot:
    """A Bot talking to the Bot API at ``api_url``, made by the function ``python -m bot``
    makes its own with; ``speedups`` (``on``/``off``) as SPEEDUPS, else as the suite runs."""
    chosen = {"speedups": speedups} if speedups else {}
    settings = Settings(_env_file=None, bot_token=token, telegram_api_url=api_url, **chosen)  # type: ignore[call-arg, arg-type]
    return make_bot(settings)


@pytest.fixture
async def telegram_bot(telegram: FakeTelegram) -> AsyncIterator[Bot]:
    """The production Bot, talking to the ``telegram`` fake."""
    bot = bot_for(telegram.base_url)
    yield bot
    await bot.session.close()


@asynccontextmanager
async def polling_bot(services: Services, db: Database, api: BotApi) -> AsyncIterator[Dispatcher]:
    """The real dispatcher long-polling ``api`` as ``python -m bot`` runs it: the
    production Bot and the MongoDB dialog-state storage of long polling, on a client of
    its own (polling's shutdown closes it, as bot/app.py's does). Throttling is relaxed:
    a test taps far faster than a person."""
    speedups = Speedups.from_setting(services.settings.speedups)
    storage = mongo_fsm_storage(make_client(db.uri), db.db.name, speedups, single_process=True)
    dispatcher = build_dispatcher(services, storage, speedups=speedups)
    dispatcher["throttle"].rate = dispatcher["throttle"].burst = 1000
    bot = bot_for(api.base_url)
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        yield dispatcher
    finally:
        with contextlib.suppress(RuntimeError):
            await dispatcher.stop_polling()
        await asyncio.wait_for(polling, 10)
        await bot.session.close()


@pytest.fixture
async def sandbox_bot(
    db: Database,
    clock: ManualClock,
    service: BookingService,
    room: Room,
    bot_api: BotApi,
    sandbox: PaymentSetup,
) -> AsyncIterator[None]:
    """The bot long-polling ``bot_api`` with the first-run sandbox payments (the
    ``sandbox`` fixture), so a musician books and pays in the chat end to end."""
    async with polling_bot(make_services(db, clock, service, sandbox.service), db, bot_api):
        yield


class Phone:
    """A musician's Telegram app on the ``BotApi``: sends, taps a button on a screen, and
    waits until the bot has finished answering (a tap's alert may come before its screen)."""

    def __init__(self, api: BotApi, user: dict[str, Any] = ASHA, *, timeout: float = 10.0) -> None:
        self.api = api
        self.user = user
        self.timeout = timeout
        self.screen: dict[str, Any] = {}

    async def send(self, text: str, timeout: float | None = None) -> None:
        version = self.api.send_text(self.user, text)
        await self.api.wait_reply(self.user["id"], version, timeout=timeout or self.timeout)
        await self.answered()

    async def tap(self, target: dict[str, Any] | None, on: dict[str, Any] | None = None) -> None:
        """Tap ``target`` on the screen ``on`` (by default the latest)."""
        screen = on or self.screen
        assert target is not None, (
            f"no such button on {screen.get('text')!r}: {[b['text'] for b in buttons(screen)]}"
        )
        version = self.api.press(self.user, screen, target["callback_data"])
        await self.api.wait_reply(self.user["id"], version, timeout=self.timeout)
        await self.answered()

    async def answered(self) -> None:
        """Once the bot has replied: wait until it has finished answering, then look."""
        await self.api.wait_settled(self.user["id"], timeout=self.timeout)
        self.screen = self.api.screen(self.user["id"])

    def alerts(self) -> list[str]:
        return self.api.chat(self.user["id"]).alerts

    def message(self, message_id: int) -> dict[str, Any]:
        """A message as it is now (dialog screens are edited in place)."""
        return self.api.chat(self.user["id"]).messages[message_id]
