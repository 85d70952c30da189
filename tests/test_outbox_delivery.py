"""Outbox delivery with a real aiogram Bot against a fake Bot API over HTTP."""

from __future__ import annotations

import asyncio

from aiogram import Bot

from domain.clock import ManualClock
from jobs.delivery import LEASE_MS, OutboxDeliverer, RateLimits
from storage import outbox
from storage.database import Database
from storage.models import User, to_ms
from storage.outbox import OutboxMessage, OutboxStatus, enqueue
from tests.fakes.telegram import FakeTelegram

TOKEN = "123456:TEST-delivery"


def deliverer(telegram_bot: Bot, clock: ManualClock) -> OutboxDeliverer:
    """Pacing on a clock of its own (a 429's pause, the venue's second): no real waits."""
    return OutboxDeliverer(
        telegram_bot, clock, RateLimits(per_chat_interval=0, clock=ManualClock(clock.now()))
    )


async def status_of(key: str) -> OutboxMessage:
    message = await OutboxMessage.find_one(OutboxMessage.dedupe_key == key)
    assert message is not None
    return message


async def test_text_buttons_venue_and_documents_are_delivered_once(
    db: Database, clock: ManualClock, telegram_bot: Bot, telegram: FakeTelegram
) -> None:
    now = clock.now()
    venue = {"latitude": 12.97, "longitude": 77.64, "title": "Bass Cave", "address": "Indiranagar"}
    buttons = [[{"text": "Open", "url": "https://t.me/jamroom_test_bot"}]]
    assert await enqueue(
        11, "<b>Confirmed</b>", dedupe_key="b1:confirmed", now=now, buttons=buttons, location=venue
    )
    assert not await enqueue(11, "again", dedupe_key="b1:confirmed", now=now)
    assert await enqueue(
        11, "Invoice JR/2026-27/000001", dedupe_key="b1:invoice", now=now, document=("i.pdf", b"%PDF-1")
    )
    worker = deliverer(telegram_bot, clock)
    assert await worker.deliver_due() == 1  # one message per chat per pass, in order
    assert await worker.deliver_due() == 1
    assert await worker.deliver_due() == 0
    text = telegram.delivered("sendMessage")
    assert [c.fields["text"] for c in text] == ["<b>Confirmed</b>"]
    assert "https://t.me/jamroom_test_bot" in text[0].fields["reply_markup"]
    assert telegram.delivered("sendVenue")[0].fields["title"] == "Bass Cave"
    document = telegram.delivered("sendDocument")[0]
    assert list(document.files.values()) == [b"%PDF-1"]
    assert document.fields["caption"] == "Invoice JR/2026-27/000001"
    assert {(await status_of(k)).status for k in ("b1:confirmed", "b1:invoice")} == {OutboxStatus.SENT}


async def test_429_waits_retry_after_and_loses_nothing(
    db: Database, clock: ManualClock, telegram_bot: Bot, telegram: FakeTelegram
) -> None:
    await enqueue(12, "hello", dedupe_key="k429", now=clock.now())
    telegram.fail_next("sendMessage", 429, retry_after=1)
    worker = deliverer(telegram_bot, clock)
    assert await worker.deliver_due() == 0
    waiting = await status_of("k429")
    assert (waiting.status, waiting.attempts) == (OutboxStatus.PENDING, 0)
    assert waiting.next_attempt_ms == to_ms(clock.now()) + 1000
    assert await worker.deliver_due() == 0  # not yet due
    clock.advance(seconds=1)
    assert await worker.deliver_due() == 1
    assert [c.fields["text"] for c in telegram.delivered("sendMessage")] == ["hello"]


async def test_a_chat_that_blocked_the_bot_is_marked_and_skipped(
    db: Database, clock: ManualClock, telegram_bot: Bot, telegram: FakeTelegram
) -> None:
    await User(id=13, first_name="Gone").insert()
    await enqueue(13, "hello", dedupe_key="k403", now=clock.now())
    telegram.fail_next("sendMessage", 403)
    worker = deliverer(telegram_bot, clock)
    await worker.deliver_due()
    clock.advance(hours=1)
    assert await worker.deliver_due() == 0
    assert (await status_of("k403")).status is OutboxStatus.SKIPPED
    user = await User.get(13)
    assert user is not None
    assert user.blocked_bot
    assert len(telegram.calls) == 1


async def test_server_errors_retry_with_backoff_then_deliver(
    db: Database, clock: ManualClock, telegram_bot: Bot, telegram: FakeTelegram
) -> None:
    await enqueue(14, "hello", dedupe_key="k5xx", now=clock.now())
    telegram.fail_next("sendMessage", 502, times=2)
    worker = deliverer(telegram_bot, clock)
    await worker.deliver_due()
    first = await status_of("k5xx")
    assert (first.attempts, first.next_attempt_ms) == (1, to_ms(clock.now()) + 2000)
    clock.advance(seconds=2)
    await worker.deliver_due()
    assert (await status_of("k5xx")).attempts == 2
    clock.advance(seconds=4)
    assert await worker.deliver_due() == 1
    assert (await status_of("k5xx")).status is OutboxStatus.SENT


async def test_a_refused_message_is_recorded_not_retried_forever(
    db: Database, clock: ManualClock, telegram_bot: Bot, telegram: FakeTelegram
) -> None:
    await enqueue(15, "hello", dedupe_key="k400", now=clock.now())
    telegram.fail_next("sendMessage", 400)
    await deliverer(telegram_bot, clock).deliver_due()
    failed = await status_of("k400")
    assert failed.status is OutboxStatus.FAILED
    assert "chat not found" in (failed.last_error or "")


async def test_a_message_leased_by_a_dead_process_is_delivered_after_the_lease(
    db: Database, clock: ManualClock, telegram_bot: Bot, telegram: FakeTelegram
) -> None:
    await enqueue(16, "hello", dedupe_key="kdead", now=clock.now())
    assert await outbox.lease(await status_of("kdead"), to_ms(clock.now()) or 0, LEASE_MS) is not None
    fresh = deliverer(telegram_bot, clock)  # the restarted process
    assert await fresh.deliver_due() == 0
    clock.advance(milliseconds=LEASE_MS)
    assert await fresh.deliver_due() == 1
    assert len(telegram.delivered("sendMessage")) == 1


async def test_two_deliverers_on_one_database_send_each_message_once(
    db: Database, clock: ManualClock, telegram_bot: Bot, telegram: FakeTelegram
) -> None:
    for chat in range(40):
        await enqueue(100 + chat, f"hello {chat}", dedupe_key=f"many:{chat}", now=clock.now())
    first, second = deliverer(telegram_bot, clock), deliverer(telegram_bot, clock)
    sent = await asyncio.gather(first.deliver_due(), second.deliver_due(), first.deliver_due())
    assert sum(sent) == 40
    texts = [c.fields["text"] for c in telegram.delivered("sendMessage")]
    assert sorted(texts) == sorted(f"hello {chat}" for chat in range(40))


async def test_one_chat_gets_at_most_one_message_a_second(
    db: Database, clock: ManualClock, telegram_bot: Bot, telegram: FakeTelegram
) -> None:
    for n in range(3):
        await enqueue(17, f"m{n}", dedupe_key=f"pace:{n}", now=clock.now())
    pace = ManualClock(clock.now())
    worker = OutboxDeliverer(telegram_bot, clock, RateLimits(per_chat_interval=1.0, clock=pace))
    assert await worker.deliver_due() == 1
    pace.advance(milliseconds=1049)
    assert await worker.deliver_due() == 0
    pace.advance(milliseconds=1)  # a second and the 5 % margin
    assert await worker.deliver_due() == 1
    assert [c.fields["text"] for c in telegram.delivered("sendMessage")] == ["m0", "m1"]
