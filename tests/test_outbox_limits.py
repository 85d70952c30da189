"""The outbox beyond the happy path: long outages, guarded messages, the send budget
shared by several processes, and slow Telegram answers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any, ClassVar

from aiogram import Bot
from aiogram.methods import SendMessage
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
from tests.telegram_support import bot_for

TOKEN = "123456:TEST-limits"
PACE_START = datetime(2026, 11, 25, 4, 30, tzinfo=UTC)
"""Where the clocks that pace sends start: moments are compared, never the machine's speed."""


@dataclass
class SlowTelegram(FakeTelegram):
    """Holds every answer until ``together`` requests are waiting at once (sends that
    overlap, as to a far-away Bot API). Waited for one at a time it would never answer,
    so after ``give_up_after`` seconds it answers anyway and says so."""

    together: ClassVar[int] = 5
    give_up_after: ClassVar[float] = 10.0
    waiting: int = 0
    most_waiting: int = 0
    gave_up_waiting: bool = False
    _enough: asyncio.Event = field(default_factory=asyncio.Event)

    async def _handle(self, request: web.Request) -> web.Response:
        self.waiting += 1
        self.most_waiting = max(self.most_waiting, self.waiting)
        if self.waiting >= self.together:
            self._enough.set()
        try:
            await asyncio.wait_for(self._enough.wait(), self.give_up_after)
        except TimeoutError:
            self.gave_up_waiting = True
            self._enough.set()
        finally:
            self.waiting -= 1
        return await super()._handle(request)


def paced() -> RateLimits:
    """Limits on a clock of their own, so pacing costs no real time."""
    return RateLimits(per_chat_interval=0, clock=ManualClock(PACE_START))


async def stored(key: str) -> OutboxMessage:
    message = await OutboxMessage.find_one(OutboxMessage.dedupe_key == key)
    assert message is not None
    return message


async def test_a_telegram_outage_of_hours_loses_nothing(
    db: Database, clock: ManualClock, telegram_bot: Bot, telegram: FakeTelegram
) -> None:
    await enqueue(21, "still here", dedupe_key="outage", now=clock.now())
    telegram.fail_next("sendMessage", 502, times=30)
    worker = OutboxDeliverer(telegram_bot, clock, paced())
    for attempt in range(1, 31):
        assert await worker.deliver_due() == 0
        waiting = await stored("outage")
        assert (waiting.status, waiting.attempts) == (OutboxStatus.PENDING, attempt)
        clock.advance(milliseconds=backoff_ms(attempt))
    assert clock.now() - waiting.created_at > timedelta(hours=1, minutes=30)
    assert await worker.deliver_due() == 1
    assert [c.fields["text"] for c in telegram.delivered("sendMessage")] == ["still here"]


async def test_after_a_day_of_errors_a_message_is_given_up(
    db: Database, clock: ManualClock, telegram_bot: Bot, telegram: FakeTelegram
) -> None:
    await enqueue(22, "too late", dedupe_key="day", now=clock.now())
    telegram.fail_next("sendMessage", 500, times=2)
    worker = OutboxDeliverer(telegram_bot, clock, paced())
    await worker.deliver_due()
    clock.advance(hours=24)
    await worker.deliver_due()
    given_up = await stored("day")
    assert given_up.status is OutboxStatus.FAILED
    assert (given_up.last_error or "").startswith("gave up")


async def test_a_guarded_message_waits_for_its_change_then_goes(
    db: Database, clock: ManualClock, service: BookingService, room: Room, user: User, telegram_bot: Bot
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
    worker = OutboxDeliverer(telegram_bot, clock, paced())
    assert await worker.deliver_due() == 0  # queued before the change, which is not stored yet
    assert (await stored("g:expired")).status is OutboxStatus.PENDING
    clock.set(booking.hold_expires_at)
    assert await service.expire_hold(booking) is not None
    assert await worker.deliver_due() == 1
    assert (await stored("g:expired")).status is OutboxStatus.SENT


async def test_a_guarded_message_no_longer_true_is_skipped(
    db: Database, clock: ManualClock, service: BookingService, room: Room, user: User, telegram_bot: Bot
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
    worker = OutboxDeliverer(telegram_bot, clock, paced())
    assert await worker.deliver_due() == 0
    skipped = await stored("g:paid")
    assert (skipped.status, skipped.last_error) == (OutboxStatus.SKIPPED, "no longer true")


async def test_the_bots_send_moments_are_spaced_across_processes(db: Database) -> None:
    """Six processes ask at the same instant: one moment each, 100 ms apart, and no
    queue longer than allowed. (Judged on a given "now", not on how fast the machine
    answers: compared as wall-clock waits this flaked on a busy machine.)"""
    asked = PACE_START
    waits = await asyncio.gather(*(outbox.reserve_bot_turn(100_000, now=asked) for _ in range(6)))
    assert sorted(waits) == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    assert await outbox.reserve_bot_turn(100_000, now=asked, max_ahead_us=300_000) is None


async def test_send_moments_keep_their_spacing_however_slowly_they_are_asked_for(db: Database) -> None:
    """A busy machine asks 70 ms apart, then an idle one 150 ms apart: the moments are
    100 ms apart while sends queue, and at once when nothing is queued."""
    moments = []
    for asked in [PACE_START + timedelta(milliseconds=70 * n) for n in range(4)] + [
        PACE_START + timedelta(seconds=1, milliseconds=150 * n) for n in range(3)
    ]:
        wait = await outbox.reserve_bot_turn(100_000, now=asked)
        assert wait is not None
        moments.append(asked + timedelta(seconds=wait))
    assert [(m - PACE_START) / timedelta(milliseconds=1) for m in moments] == [
        0,
        100,
        200,
        300,
        1000,
        1150,
        1300,
    ]


async def test_two_processes_draw_their_send_moments_from_one_budget(db: Database) -> None:
    """Two processes' limits, taking turns: 10 sends a second in all (105 ms apart, the
    5 % margin included), not 10 each."""
    pace = ManualClock(PACE_START)
    first, second = RateLimits(per_second=10, clock=pace), RateLimits(per_second=10, clock=pace)
    moments = []
    for _ in range(10):
        for limits in (first, second):
            await limits.wait_turn()
            moments.append(pace.now())
    assert {b - a for a, b in pairwise(moments)} == {timedelta(milliseconds=105)}


async def test_a_deliverer_sends_at_its_reserved_moments(db: Database, clock: ManualClock) -> None:
    fake = await FakeTelegram().start()
    bot = bot_for(fake.base_url)
    pace = ManualClock(PACE_START)
    sent_at: list[datetime] = []

    async def note_moment(make_request: Any, bot: Bot, method: Any) -> Any:
        if isinstance(method, SendMessage):
            sent_at.append(pace.now())
        return await make_request(bot, method)

    bot.session.middleware(note_moment)
    try:
        for n in range(5):
            await enqueue(600 + n, f"m{n}", dedupe_key=f"moment:{n}", now=clock.now())
        worker = OutboxDeliverer(bot, clock, RateLimits(per_second=10, clock=pace))
        assert await worker.deliver_due() == 5
        assert [(m - PACE_START) / timedelta(milliseconds=1) for m in sent_at] == [0, 105, 210, 315, 420]
    finally:
        await bot.session.close()
        await fake.stop()


async def test_a_chat_served_by_one_process_waits_in_another(db: Database) -> None:
    pace = ManualClock(PACE_START)
    first, second = RateLimits(clock=pace), RateLimits(clock=pace)
    assert await first.take_chat(31, parts=1)
    assert not await second.take_chat(31, parts=1)
    assert await second.take_chat(32, parts=1)
    pace.advance(milliseconds=1049)
    assert not await second.take_chat(31, parts=1)
    pace.advance(milliseconds=1)  # one second and the 5 % margin
    assert await second.take_chat(31, parts=1)


async def test_slow_answers_do_not_slow_delivery(db: Database, clock: ManualClock) -> None:
    """Telegram answers only once five sends wait at the same time: a deliverer that
    waited for each answer before the next send would never see one."""
    fake = await SlowTelegram().start()
    bot = bot_for(fake.base_url)
    try:
        for n in range(30):
            await enqueue(500 + n, f"m{n}", dedupe_key=f"slow:{n}", now=clock.now())
        worker = OutboxDeliverer(bot, clock, RateLimits(per_second=30, clock=ManualClock(PACE_START)))
        assert await worker.deliver_due() == 30
        assert fake.most_waiting >= SlowTelegram.together
        assert not fake.gave_up_waiting
    finally:
        await bot.session.close()
        await fake.stop()
