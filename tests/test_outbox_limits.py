"""The outbox beyond the happy path: long outages, guarded messages, the send budget
shared by several processes, and slow Telegram answers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from jobs.delivery import OutboxDeliverer, RateLimits, backoff_ms
from storage import outbox
from storage.booking_service import BookingService
from storage.database import Database
from storage.models import Room, User
from storage.outbox import OutboxMessage, OutboxStatus, enqueue, enqueue_guarded
from tests.fakes.telegram import FakeTelegram
from tests.payment_support import TOMORROW, keys

TOKEN = "123456:TEST-limits"


class SlowTelegram(FakeTelegram):
    """Answers every call after ``latency`` seconds, like a far-away Bot API."""

    latency: float = 0.25

    async def _handle(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.latency)
        return await super()._handle(request)


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = await FakeTelegram().start()
    yield fake
    await fake.stop()


def bot_for(fake: FakeTelegram) -> Bot:
    return Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))


@pytest.fixture
async def bot(telegram: FakeTelegram) -> AsyncIterator[Bot]:
    bot = bot_for(telegram)
    yield bot
    await bot.session.close()


async def stored(key: str) -> OutboxMessage:
    message = await OutboxMessage.find_one(OutboxMessage.dedupe_key == key)
    assert message is not None
    return message


async def test_a_telegram_outage_of_hours_loses_nothing(
    db: Database, clock: ManualClock, bot: Bot, telegram: FakeTelegram
) -> None:
    await enqueue(21, "still here", dedupe_key="outage", now=clock.now())
    telegram.fail_next("sendMessage", 502, times=30)
    worker = OutboxDeliverer(bot, clock, RateLimits(per_chat_interval=0))
    for attempt in range(1, 31):
        assert await worker.deliver_due() == 0
        waiting = await stored("outage")
        assert (waiting.status, waiting.attempts) == (OutboxStatus.PENDING, attempt)
        clock.advance(milliseconds=backoff_ms(attempt))
    assert clock.now() - waiting.created_at > timedelta(hours=1, minutes=30)
    assert await worker.deliver_due() == 1
    assert [c.fields["text"] for c in telegram.delivered("sendMessage")] == ["still here"]


async def test_after_a_day_of_errors_a_message_is_given_up(
    db: Database, clock: ManualClock, bot: Bot, telegram: FakeTelegram
) -> None:
    await enqueue(22, "too late", dedupe_key="day", now=clock.now())
    telegram.fail_next("sendMessage", 500, times=2)
    worker = OutboxDeliverer(bot, clock, RateLimits(per_chat_interval=0))
    await worker.deliver_due()
    clock.advance(hours=24)
    await worker.deliver_due()
    given_up = await stored("day")
    assert given_up.status is OutboxStatus.FAILED
    assert (given_up.last_error or "").startswith("gave up")


async def test_a_guarded_message_waits_for_its_change_then_goes(
    db: Database, clock: ManualClock, service: BookingService, room: Room, user: User, bot: Bot
) -> None:
    booking = await service.create_booking(user.id, room.id, TOMORROW, keys(room, TOMORROW, 12))
    await enqueue_guarded(
        user.id,
        "your hold expired",
        dedupe_key="g:expired",
        now=clock.now(),
        booking_id=str(booking.id),
        send_if=[BookingStatus.EXPIRED],
        wait_if=[BookingStatus.PENDING_PAYMENT],
    )
    worker = OutboxDeliverer(bot, clock, RateLimits(per_chat_interval=0))
    assert await worker.deliver_due() == 0  # queued before the change, which is not stored yet
    assert (await stored("g:expired")).status is OutboxStatus.PENDING
    clock.set(booking.hold_expires_at)
    assert await service.expire_hold(booking) is not None
    assert await worker.deliver_due() == 1
    assert (await stored("g:expired")).status is OutboxStatus.SENT


async def test_a_guarded_message_no_longer_true_is_skipped(
    db: Database, clock: ManualClock, service: BookingService, room: Room, user: User, bot: Bot
) -> None:
    booking = await service.create_booking(user.id, room.id, TOMORROW, keys(room, TOMORROW, 12))
    await enqueue_guarded(
        user.id,
        "your hold expired",
        dedupe_key="g:paid",
        now=clock.now(),
        booking_id=str(booking.id),
        send_if=[BookingStatus.EXPIRED],
        wait_if=[BookingStatus.PENDING_PAYMENT],
    )
    await service.confirm_payment(booking, {"payment_id": "pay_1"})  # paid at the last second
    worker = OutboxDeliverer(bot, clock, RateLimits(per_chat_interval=0))
    assert await worker.deliver_due() == 0
    skipped = await stored("g:paid")
    assert (skipped.status, skipped.last_error) == (OutboxStatus.SKIPPED, "no longer true")


async def test_the_bots_send_moments_are_spaced_across_processes(db: Database) -> None:
    waits = await asyncio.gather(*(outbox.reserve_bot_turn(100_000) for _ in range(6)))
    assert sorted(round(w or 0, 1) for w in waits) == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    assert await outbox.reserve_bot_turn(100_000, max_ahead_us=300_000) is None


async def test_a_chat_served_by_one_process_waits_in_another(db: Database) -> None:
    first, second = RateLimits(), RateLimits()
    assert await first.take_chat(31, parts=1)
    assert not await second.take_chat(31, parts=1)
    assert await second.take_chat(32, parts=1)
    await asyncio.sleep(first.per_chat_interval * (1 + first.margin) + 0.01)
    assert await second.take_chat(31, parts=1)


async def test_two_deliverers_with_separate_limits_keep_to_one_budget(
    db: Database, clock: ManualClock
) -> None:
    fake = await FakeTelegram(enforce_limits=True, per_second=10).start()
    bots = [bot_for(fake), bot_for(fake)]
    try:
        for n in range(30):
            await enqueue(400 + n, f"m{n}", dedupe_key=f"budget:{n}", now=clock.now())
        workers = [OutboxDeliverer(b, clock, RateLimits(per_second=10)) for b in bots]

        async def drain(worker: OutboxDeliverer) -> int:
            sent, deadline = 0, time.monotonic() + 10
            while await OutboxMessage.find({"status": "pending"}).count() and time.monotonic() < deadline:
                sent += await worker.deliver_due(limit=10)
            return sent

        assert sum(await asyncio.gather(*(drain(w) for w in workers))) == 30
        assert fake.rejected_429 == 0  # 10/s in all, not 10/s each
        assert len(fake.delivered("sendMessage")) == 30
    finally:
        for b in bots:
            await b.session.close()
        await fake.stop()


async def test_slow_answers_do_not_slow_delivery(db: Database, clock: ManualClock) -> None:
    fake = await SlowTelegram().start()
    bot = bot_for(fake)
    try:
        for n in range(30):
            await enqueue(500 + n, f"m{n}", dedupe_key=f"slow:{n}", now=clock.now())
        worker = OutboxDeliverer(bot, clock, RateLimits(per_second=30))
        started = time.perf_counter()
        assert await worker.deliver_due() == 30
        # one at a time this takes 30 x 0.25 s; overlapped it is about 1 s of pacing
        assert time.perf_counter() - started < 2.5
    finally:
        await bot.session.close()
        await fake.stop()
