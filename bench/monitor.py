"""The session monitor at scale, and the outbox against Telegram's limits.

1. 100,000 bookings spread over a year: one monitor tick with our indexed query
   (``due_ms``) against the original web app's scan of every unfinished booking.
2. Outbox delivery against a fake Bot API that enforces 30 messages/s (and 1/s per
   chat) with real 429s: delivered messages/s, 429s, and messages lost.

    python bench/monitor.py [--bookings 100000] [--messages 600]
    MONGODB_URI=mongodb://... python bench/monitor.py
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from bson import ObjectId

from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from jobs.delivery import OutboxDeliverer
from storage.booking_service import BookingService
from storage.database import document_models, open_database
from storage.models import Booking, to_ms
from storage.outbox import OutboxMessage, OutboxStatus, enqueue

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fakes.telegram import FakeTelegram

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
S = BookingStatus


def booking_document(rng: random.Random, n: int) -> dict:
    start = NOW - timedelta(days=182) + timedelta(minutes=30 * rng.randrange(365 * 48))
    end = start + timedelta(hours=rng.choice((1, 2, 3)))
    if end <= NOW:
        status = rng.choices([S.COMPLETED, S.CANCELLED, S.EXPIRED, S.TERMINATED], [85, 8, 5, 2])[0]
    elif start <= NOW:
        status = S.ONGOING
    else:
        status = rng.choices([S.NOT_STARTED, S.PENDING_PAYMENT, S.CANCELLED], [90, 2, 8])[0]
    due = {S.NOT_STARTED: start, S.ONGOING: end, S.PENDING_PAYMENT: NOW + timedelta(minutes=10)}.get(status)
    return {
        "_id": ObjectId(),
        "code": f"JR-B{n:06d}",
        "user_id": 10_000 + n % 5000,
        "room_id": f"room{n % 40}",
        "day": datetime.combine(start.date(), datetime.min.time()),
        "room_day": f"room{n % 40}|{start.date()}",
        "slots": [{"start": start, "end": end, "price_paise": 60000}],
        "amount_paise": 60000,
        "currency": "INR",
        "status": status.value,
        "starts_at": start,
        "ends_at": end,
        "hold_expires_at": start,
        "due_ms": to_ms(due),
        "created_at": start - timedelta(days=2),
        "updated_at": start,
        "payment": {},
        "refund": {},
        "flags": [],
        "reminders_sent": [],
    }


async def load(count: int) -> None:
    rng = random.Random(7)
    collection = Booking.get_pymongo_collection()
    for first in range(0, count, 5000):
        await collection.insert_many(
            [booking_document(rng, n) for n in range(first, min(count, first + 5000))]
        )


async def indexed_tick(service: BookingService) -> int:
    """What our monitor reads each tick: only bookings whose moment has come."""
    found = 0
    for status in (S.PENDING_PAYMENT, S.NOT_STARTED, S.ONGOING):
        found += len(await service.due_bookings(status))
    return found


async def scan_all_tick(now: datetime) -> int:
    """The original SessionMonitor: every unfinished booking, checked in the app."""
    due = 0
    cursor = Booking.get_pymongo_collection().find(
        {"status": {"$nin": [S.COMPLETED.value, S.TERMINATED.value]}}
    )
    async for booking in cursor:
        starts, ends = booking["starts_at"], booking["ends_at"]
        if (booking["status"] == S.NOT_STARTED.value and starts <= now) or (
            booking["status"] == S.ONGOING.value and ends <= now
        ):
            due += 1
    return due


async def timed(coroutine_factory, rounds: int) -> tuple[float, int]:
    samples, result = [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        result = await coroutine_factory()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), result


async def monitor_part(count: int) -> None:
    started = time.perf_counter()
    await load(count)
    print(f"loaded {count:,} bookings over a year in {time.perf_counter() - started:.1f}s")
    clock = ManualClock(NOW)
    service = BookingService(clock)
    ours, due = await timed(lambda: indexed_tick(service), 9)
    scan, scanned_due = await timed(lambda: scan_all_tick(NOW), 3)
    print(f"  monitor tick, indexed due_ms query: {ours:.1f} ms  ({due} bookings due)")
    print(f"  monitor tick, scan every unfinished booking (original): {scan:.1f} ms  ({scanned_due} due)")
    print(f"  speed-up: {scan / ours:.0f}x")


async def outbox_part(messages: int) -> None:
    telegram = await FakeTelegram(enforce_limits=True, per_second=30).start()
    bot = Bot("123456:BENCH", session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.base_url)))
    clock = ManualClock(NOW)
    try:
        for n in range(messages):
            # a few chats get several messages, as owners do
            await enqueue(1000 + n % (messages // 3), f"message {n}", dedupe_key=f"bench:{n}", now=NOW)
        deliverer = OutboxDeliverer(bot, clock)
        started = time.perf_counter()
        while await OutboxMessage.find({"status": OutboxStatus.PENDING.value}).count():
            clock.set(NOW + timedelta(seconds=time.perf_counter() - started))
            if not await deliverer.deliver_due():
                await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        sent = await OutboxMessage.find({"status": OutboxStatus.SENT.value}).count()
        chats = messages // 3
        print(f"outbox: {messages} messages to {chats} chats; the fake Bot API enforces 30/s, 1/s per chat")
        print(f"  delivered {sent} in {elapsed:.1f}s = {sent / elapsed:.1f} messages/s")
        print(f"  429s from the fake: {telegram.rejected_429}   lost: {messages - sent}")
        texts = [c.fields["text"] for c in telegram.delivered()]
        print(f"  duplicates at the fake: {len(texts) - len(set(texts))}")
    finally:
        await bot.session.close()
        await telegram.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=600)
    args = parser.parse_args()
    uri = os.environ.get("MONGODB_URI")
    database = await open_database(uri, data_dir=None, database_name="jamroom_bench" if uri else None)
    try:
        print(f"database: {database.description}")
        for model in document_models():
            await model.get_pymongo_collection().delete_many({})
        await monitor_part(args.bookings)
        await outbox_part(args.messages)
        if uri:
            await database.client.drop_database("jamroom_bench")
    finally:
        await database.close()


if __name__ == "__main__":
    asyncio.run(main())

__all__ = ["date"]
