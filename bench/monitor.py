"""The session monitor at scale, and the outbox against Telegram's limits.

1. 100,000 bookings spread over a year: one monitor tick with our indexed query
   (``due_ms``) against the original web app's scan of every unfinished booking.
2. Outbox delivery against a fake Bot API that enforces 30 messages/s (and 1/s per
   chat) with real 429s: delivered messages/s, 429s, messages lost and duplicates,
   with one deliverer, two deliverers (two processes) sharing the budget, and one
   deliverer against a Bot API that takes 150 ms to answer.

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

from bot.app import booking_clock
from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from jobs.delivery import OutboxDeliverer, run_forever
from storage.booking_service import BookingService
from storage.database import document_models, open_database
from storage.demo import DEMO_ROOMS
from storage.models import Booking, Room, to_ms
from storage.outbox import OutboxMessage, OutboxPace, OutboxStatus, enqueue

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fakes.telegram import FakeTelegram

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
S = BookingStatus


def booking_document(rng: random.Random, n: int, room_ids: list[str]) -> dict:
    start = NOW - timedelta(days=182) + timedelta(minutes=30 * rng.randrange(365 * 48))
    end = start + timedelta(hours=rng.choice((1, 2, 3)))
    if end <= NOW:
        status = rng.choices([S.COMPLETED, S.CANCELLED, S.EXPIRED, S.TERMINATED], [85, 8, 5, 2])[0]
    elif start <= NOW:
        status = S.ONGOING
    else:
        # holds last 15 minutes, so only a few dozen are pending at any moment
        status = rng.choices([S.NOT_STARTED, S.PENDING_PAYMENT, S.CANCELLED], [91.95, 0.05, 8])[0]
    hold_ends = NOW + timedelta(seconds=rng.randrange(15 * 60))
    due = {S.NOT_STARTED: start, S.ONGOING: end, S.PENDING_PAYMENT: hold_ends}.get(status)
    return {
        "_id": ObjectId(),
        "code": f"JR-B{n:06d}",
        "user_id": 10_000 + n % 5000,
        "room_id": room_ids[n % len(room_ids)],
        "day": datetime.combine(start.date(), datetime.min.time()),
        "room_day": f"{room_ids[n % len(room_ids)]}|{start.date()}",
        "slots": [{"start": start, "end": end, "price_paise": 60000}],
        "amount_paise": 60000,
        "currency": "INR",
        "status": status.value,
        "starts_at": start,
        "ends_at": end,
        "hold_expires_at": hold_ends if status is S.PENDING_PAYMENT else start - timedelta(days=2),
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
    rooms = [Room(**{**DEMO_ROOMS[0], "slug": f"bench-{n}", "owner_ids": [9000 + n]}) for n in range(40)]
    inserted = await Room.get_pymongo_collection().insert_many([r.model_dump(exclude={"id"}) for r in rooms])
    room_ids = [str(i) for i in inserted.inserted_ids]
    collection = Booking.get_pymongo_collection()
    for first in range(0, count, 5000):
        await collection.insert_many(
            [booking_document(rng, n, room_ids) for n in range(first, min(count, first + 5000))]
        )


async def indexed_tick(service: BookingService) -> int:
    """What our monitor reads each tick: only bookings whose moment has come."""
    found = 0
    for status in (S.PENDING_PAYMENT, S.NOT_STARTED, S.ONGOING):
        found += len(await service.due_bookings(status))
    return found


async def scan_all_tick(now: datetime) -> int:
    """The original SessionMonitor: every unfinished booking, checked in the app (holds
    included, which it did not have, so both ticks find the same work)."""
    due = 0
    cursor = Booking.get_pymongo_collection().find(
        {"status": {"$nin": [S.COMPLETED.value, S.TERMINATED.value]}}
    )
    async for booking in cursor:
        status, starts, ends = booking["status"], booking["starts_at"], booking["ends_at"]
        if (
            (status == S.PENDING_PAYMENT.value and booking["hold_expires_at"] <= now)
            or (status == S.NOT_STARTED.value and starts <= now)
            or (status == S.ONGOING.value and ends <= now)
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
    # Half an hour on from the data's "now": sessions starting or ending in between are due.
    moment = NOW + timedelta(minutes=30)
    clock = ManualClock(moment)
    service = BookingService(clock)
    ours, due = await timed(lambda: indexed_tick(service), 9)
    scan, scanned_due = await timed(lambda: scan_all_tick(moment), 3)
    print(f"  monitor tick, indexed due_ms query: {ours:.1f} ms  ({due} bookings due)")
    print(f"  monitor tick, scan every unfinished booking (original): {scan:.1f} ms  ({scanned_due} due)")
    print(f"  speed-up: {scan / ours:.0f}x")
    jobs = booking_clock(service, clock, None)
    started = time.perf_counter()
    moved = await jobs.start_sessions() + await jobs.complete_sessions()
    acting = (time.perf_counter() - started) * 1000
    print(f"  a tick that also moves them ({moved} transitions, each announced): {acting:.1f} ms")
    first = time.perf_counter()
    reminded = await jobs.send_reminders()
    first_ms = (time.perf_counter() - first) * 1000
    steady, _ = await timed(jobs.send_reminders, 5)
    print(
        f"  reminders: first pass {first_ms:.0f} ms ({reminded} queued), "
        f"then {steady:.1f} ms a tick (reads the next 24 h by due_ms)"
    )
    await OutboxMessage.get_pymongo_collection().delete_many({})


class OffsetClock:
    """NOW plus the real time elapsed, so queued messages fall due as they would."""

    def __init__(self) -> None:
        self._started = time.perf_counter()

    def now(self) -> datetime:
        return NOW + timedelta(seconds=time.perf_counter() - self._started)


class SlowTelegram(FakeTelegram):
    latency: float = 0.0

    async def _handle(self, request):
        await asyncio.sleep(self.latency)
        return await super()._handle(request)


async def outbox_run(messages: int, *, processes: int, latency: float) -> None:
    await OutboxMessage.get_pymongo_collection().delete_many({})
    await OutboxPace.get_pymongo_collection().delete_many({})
    telegram = SlowTelegram(enforce_limits=True, per_second=30)
    telegram.latency = latency
    await telegram.start()
    bots = [
        Bot("123456:BENCH", session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.base_url)))
        for _ in range(processes)
    ]
    chats = messages // 3  # a few chats get several messages, as owners do
    try:
        for n in range(messages):
            await enqueue(1000 + n % chats, f"message {n}", dedupe_key=f"bench:{n}", now=NOW)
        clock = OffsetClock()
        stop = asyncio.Event()
        loops = [
            asyncio.create_task(run_forever(OutboxDeliverer(bot, clock).deliver_due, 0.05, stop))
            for bot in bots
        ]
        started = time.perf_counter()
        while await OutboxMessage.find({"status": OutboxStatus.PENDING.value}).count():  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        stop.set()
        await asyncio.gather(*loops)
        sent = await OutboxMessage.find({"status": OutboxStatus.SENT.value}).count()
        texts = [c.fields["text"] for c in telegram.delivered()]
        print(
            f"  {processes} deliverer(s), Bot API answering in {latency * 1000:.0f} ms: "
            f"{sent} delivered in {elapsed:.1f}s = {sent / elapsed:.1f} msg/s; "
            f"429s {telegram.rejected_429} ({telegram.rejected_429_chat} per chat), "
            f"lost {messages - sent}, duplicates {len(texts) - len(set(texts))}"
        )
    finally:
        for bot in bots:
            await bot.session.close()
        await telegram.stop()


async def outbox_part(messages: int) -> None:
    print(
        f"outbox: {messages} messages to {messages // 3} chats; "
        "the fake Bot API enforces 30/s per bot and 1/s per chat with real 429s"
    )
    await outbox_run(messages, processes=1, latency=0.0)
    await outbox_run(messages, processes=2, latency=0.0)
    await outbox_run(messages, processes=1, latency=0.15)


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
