"""Outbox delivery: every queued message reaches Telegram within its limits.

Guarantee: at least once, with dedupe. A message is written once (unique dedupe
key), taken by one deliverer at a time with a lease (a conditional update that
pushes ``next_attempt_ms`` forward), and marked sent right after Telegram accepts
it. A duplicate can happen in one case only: the process dies after Telegram
accepted a message and before it was marked sent; when the lease runs out the
message is sent again. A restart, a crash before sending or a Telegram outage
loses nothing.

Limits: about 30 messages/s per bot (a token bucket) and 1/s per chat; a 429 pauses
all sending for ``retry_after``; 5xx and network errors retry with backoff; a 403
(the user blocked the bot) marks the user and skips their messages; other 4xx are
recorded as failed, not retried forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from domain.clock import Clock
from storage.models import User, to_ms
from storage.outbox import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

LEASE_MS = 60_000
MAX_ATTEMPTS = 8
BATCH = 60


@dataclass
class RateLimits:
    per_second: float = 30.0
    per_chat_interval: float = 1.0
    _tokens: float = 30.0
    _refilled: float = field(default_factory=time.monotonic)
    _chat_last: dict[int, float] = field(default_factory=dict)
    _paused_until: float = 0.0

    async def wait_turn(self) -> None:
        """Wait for a place in the per-bot budget (and any 429 pause)."""
        while True:
            now = time.monotonic()
            if now < self._paused_until:
                await asyncio.sleep(self._paused_until - now)
                continue
            self._tokens = min(self.per_second, self._tokens + (now - self._refilled) * self.per_second)
            self._refilled = now
            if self._tokens >= 1:
                self._tokens -= 1
                return
            await asyncio.sleep((1 - self._tokens) / self.per_second)

    def chat_ready_in(self, chat_id: int) -> float:
        return max(0.0, self._chat_last.get(chat_id, -1e9) + self.per_chat_interval - time.monotonic())

    def sent(self, chat_id: int) -> None:
        self._chat_last[chat_id] = time.monotonic()
        if len(self._chat_last) > 10_000:
            horizon = time.monotonic() - self.per_chat_interval
            self._chat_last = {c: t for c, t in self._chat_last.items() if t > horizon}

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)


def backoff_ms(attempts: int) -> int:
    return min(2**attempts, 600) * 1000


class OutboxDeliverer:
    def __init__(self, bot: Bot, clock: Clock, limits: RateLimits | None = None) -> None:
        self.bot = bot
        self.clock = clock
        self.limits = limits or RateLimits()

    async def deliver_due(self, limit: int = BATCH) -> int:
        """Send what is due now; returns how many messages were sent."""
        now_ms = to_ms(self.clock.now()) or 0
        collection = OutboxMessage.get_pymongo_collection()
        due = (
            await collection.find(
                # Only pending messages carry next_attempt_ms; naming status too would make
                # NX-27017's planner choose the status index instead.
                {"next_attempt_ms": {"$lte": now_ms}},
                {"document": 0},
            )
            .sort("next_attempt_ms", 1)
            .limit(limit)
            .to_list()
        )
        sent = 0
        for candidate in due:
            wait = self.limits.chat_ready_in(candidate["chat_id"])
            if wait > 0:
                continue  # the next tick takes it; its place in the queue is kept
            message = await self._lease(candidate["_id"], now_ms)
            if message is None:
                continue  # another deliverer has it
            sent += await self._deliver(message)
        return sent

    async def _lease(self, message_id: Any, now_ms: int) -> OutboxMessage | None:
        taken = await OutboxMessage.get_pymongo_collection().find_one_and_update(
            {"_id": message_id, "status": OutboxStatus.PENDING.value, "next_attempt_ms": {"$lte": now_ms}},
            {"$set": {"next_attempt_ms": now_ms + LEASE_MS, "lease_until_ms": now_ms + LEASE_MS}},
        )
        return OutboxMessage.model_validate(taken) if taken else None

    async def _deliver(self, message: OutboxMessage) -> int:
        await self.limits.wait_turn()
        try:
            telegram_id = await self._send(message)
        except TelegramRetryAfter as error:
            self.limits.pause(error.retry_after)
            await self._retry(message, error.retry_after * 1000, "429 retry_after", count=False)
            return 0
        except TelegramForbiddenError as error:
            await self._settle(message, OutboxStatus.SKIPPED, str(error))
            await User.get_pymongo_collection().update_one(
                {"_id": message.chat_id}, {"$set": {"blocked_bot": True}}
            )
            log.info("chat %s blocked the bot; its messages are skipped", message.chat_id)
            return 0
        except TelegramBadRequest as error:
            await self._settle(message, OutboxStatus.FAILED, str(error))
            log.warning("message %s refused by Telegram: %s", message.dedupe_key, error)
            return 0
        except (TelegramServerError, TelegramNetworkError, TimeoutError, OSError) as error:
            attempts = message.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                await self._settle(message, OutboxStatus.FAILED, f"gave up: {error}")
                log.error("message %s failed %d times: %s", message.dedupe_key, attempts, error)
                return 0
            await self._retry(message, backoff_ms(attempts), str(error)[:300], count=True)
            return 0
        finally:
            self.limits.sent(message.chat_id)
        await OutboxMessage.get_pymongo_collection().update_one(
            {"_id": message.id},
            {
                "$set": {
                    "status": OutboxStatus.SENT.value,
                    "next_attempt_ms": None,
                    "lease_until_ms": None,
                    "telegram_message_id": telegram_id,
                    "sent_at": self.clock.now(),
                }
            },
        )
        return 1

    async def _send(self, message: OutboxMessage) -> int | None:
        markup = _markup(message.buttons)
        if message.document is not None:
            document = await self._full_document(message)
            sent = await self.bot.send_document(
                message.chat_id,
                BufferedInputFile(document, filename=message.document_name or "document.pdf"),
                caption=message.text[:1024] or None,
                reply_markup=markup,
            )
            return sent.message_id
        first_id = message.telegram_message_id
        if first_id is None:  # a retry after the venue failed does not resend the text
            sent = await self.bot.send_message(message.chat_id, message.text, reply_markup=markup)
            first_id = sent.message_id
            await OutboxMessage.get_pymongo_collection().update_one(
                {"_id": message.id}, {"$set": {"telegram_message_id": first_id}}
            )
        if message.location:
            place = message.location
            await self.bot.send_venue(
                message.chat_id,
                latitude=place["latitude"],
                longitude=place["longitude"],
                title=place.get("title", "")[:100],
                address=place.get("address", "")[:100],
            )
        return first_id

    async def _full_document(self, message: OutboxMessage) -> bytes:
        # The batch query leaves documents out; fetch the bytes only when sending.
        found = await OutboxMessage.get_pymongo_collection().find_one({"_id": message.id}, {"document": 1})
        return bytes(found["document"]) if found else b""

    async def _retry(self, message: OutboxMessage, delay_ms: float, error: str, *, count: bool) -> None:
        now_ms = to_ms(self.clock.now()) or 0
        changes: dict[str, Any] = {"$set": {"next_attempt_ms": now_ms + int(delay_ms), "last_error": error}}
        if count:
            changes["$inc"] = {"attempts": 1}
        await OutboxMessage.get_pymongo_collection().update_one({"_id": message.id}, changes)

    async def _settle(self, message: OutboxMessage, status: OutboxStatus, error: str) -> None:
        await OutboxMessage.get_pymongo_collection().update_one(
            {"_id": message.id},
            {"$set": {"status": status.value, "next_attempt_ms": None, "last_error": error[:300]}},
        )


def _markup(rows: list[list[dict[str, str]]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(**button) for button in row] for row in rows]
    )


async def run_forever(tick: Callable[[], Awaitable[int]], interval: float, stop: asyncio.Event) -> None:
    """Call ``tick`` until ``stop``; sleep ``interval`` when it found nothing to do."""
    while not stop.is_set():
        try:
            busy = await tick()
        except Exception:
            log.exception("outbox delivery tick failed; trying again")
            busy = 0
        if not busy:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
