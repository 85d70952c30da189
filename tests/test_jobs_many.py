"""Two processes' worth of jobs on one database, started as python -m bot starts them
(APScheduler + delivery loop), talking to one fake Bot API over HTTP: every booking
changes once and every message reaches Telegram once."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiogram import Bot

from bot.app import booking_clock, make_bot, outbox_deliverer
from bot.config import Settings
from bot.services import booking_rules
from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from jobs.setup import start_jobs
from storage.booking_service import BookingService
from storage.database import Database
from storage.models import Booking, Room
from storage.outbox import OutboxMessage, OutboxStatus
from tests.conftest import make_user
from tests.fakes.telegram import FakeTelegram
from tests.payment_support import PaymentWorld, held_booking

TOKEN = "123456:TEST-many"


async def paid(world: PaymentWorld, booking: Booking) -> Booking:
    payment_id = world.api.pay_link(booking.payment["link_id"])
    await world.post_event(world.api.paid_event(booking.payment["link_id"], payment_id))
    return await world.payments.bookings.booking(booking.id)


async def start_process(
    world: PaymentWorld, clock: ManualClock, fake: FakeTelegram
) -> tuple[Bot, Callable[[], Awaitable[None]]]:
    settings = Settings(_env_file=None, bot_token=TOKEN, telegram_api_url=fake.base_url)  # type: ignore[call-arg]
    bookings = BookingService(clock, booking_rules(settings))
    bot = make_bot(settings)
    jobs = booking_clock(
        bookings,
        clock,
        world.payments,
        reminder_offsets=settings.reminder_offsets,
        bot_username="jamroom_test_bot",
    )
    stop = start_jobs(jobs, outbox_deliverer(bot, clock, bookings, world.payments, jobs, "jamroom_test_bot"))
    return bot, stop


async def settled(timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not await OutboxMessage.find({"status": OutboxStatus.PENDING.value}).count():
            return True
        await asyncio.sleep(0.2)
    return False


async def test_two_processes_change_each_booking_once_and_send_each_message_once(
    db: Database, world: PaymentWorld, clock: ManualClock, room: Room
) -> None:
    musicians = [await make_user(5000 + n, f"M{n}") for n in range(5)]
    holds = [await held_booking(world, room, musicians[n], 10 + n) for n in range(3)]
    starting = await paid(world, await held_booking(world, room, musicians[3], 14))
    later = await paid(world, await held_booking(world, room, musicians[4], 15))
    clock.set(starting.starts_at)  # 14:00 IST tomorrow: holds long expired, a session starts
    # Telegram's limits are not enforced here: the fake would judge them on real time, so
    # a busy machine's jitter could draw a 429, whose retry waits on this frozen clock.
    # That two processes keep to one budget is checked on exact moments in
    # test_outbox_limits.py.
    fake = await FakeTelegram().start()
    processes = [await start_process(world, clock, fake) for _ in range(2)]
    try:
        assert await settled(timeout=20)
    finally:
        for bot, stop in processes:
            await stop()
            await bot.session.close()
        await fake.stop()

    statuses = {b.id: b.status for b in await Booking.find_all().to_list()}
    assert [statuses[h.id] for h in holds] == [BookingStatus.EXPIRED] * 3
    assert statuses[starting.id] is BookingStatus.ONGOING
    assert statuses[later.id] is BookingStatus.NOT_STARTED
    stored_later = await Booking.get(later.id)
    assert stored_later is not None
    assert stored_later.reminders_sent == ["1h"]

    keys = {m.dedupe_key for m in await OutboxMessage.find_all().to_list()}
    for hold in holds:
        assert f"{hold.id}:expired" in keys
    assert {f"{starting.id}:started", f"{starting.id}:started:owner:9001", f"{later.id}:remind:1h"} <= keys
    assert f"digest:9001:{datetime(2026, 11, 26, tzinfo=UTC).date()}" in keys

    sent = await OutboxMessage.find({"status": OutboxStatus.SENT.value}).to_list()
    assert len(sent) == len(keys)  # everything queued was delivered
    first_parts = [c for c in fake.delivered() if c.method in ("sendmessage", "senddocument")]
    assert len(first_parts) == len(sent)  # ... and each exactly once
    texts = Counter(
        (c.fields["chat_id"], c.fields.get("text") or c.fields.get("caption")) for c in first_parts
    )
    assert max(texts.values()) == 1
    expired = [c for c in first_parts if "expired" in str(c.fields.get("text", ""))]
    assert len(expired) == 3
    buttons = json.loads(expired[0].fields["reply_markup"])["inline_keyboard"]
    assert buttons[0][0]["url"] == f"https://t.me/jamroom_test_bot?start=room_{room.slug}"
