"""Outbox delivery: every queued message reaches Telegram within its limits.

Guarantee: at least once, with dedupe.
- A message is written once (unique ``dedupe_key``), so a retried webhook or two
  processes announcing one event queue it once.
- A deliverer takes a message with a lease (a conditional update pushing
  ``next_attempt_ms`` ``LEASE_MS`` ahead), so no two deliverers hold it at once, and
  marks it sent right after Telegram accepts it.
- A duplicate can happen in exactly two cases: the process dies (or loses the
  database) after Telegram accepted a message and before it was marked sent, or a
  send outlives its lease (``LEASE_MS``, far above aiogram's request timeout); in both
  the message is sent again once the lease runs out. A message with a venue that
  failed between its two parts resends only the venue.
- Nothing is lost: a restart, a crash before sending, a dead deliverer's lease, a
  Telegram outage (5xx and network errors are retried with backoff for a day) all
  leave the message pending until it is delivered.
- Settled without sending: 403 (the user blocked the bot: marked on the user,
  SKIPPED), other 4xx (FAILED with Telegram's description), a guarded message that is
  no longer true (SKIPPED).

Limits: about 30 messages/s per bot and 1/s per chat, kept in the database
(``storage.outbox.OutboxPace``) so they hold across processes: each send reserves
the bot's next moment, spaced 1/30 s (+1 %) apart, and each chat a second. A 429
pauses this process for ``retry_after`` and the message is retried then, without
counting as a failed attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from pymongo.errors import ConnectionFailure

from domain.clock import Clock, PaceClock, SystemClock
from domain.errors import BookingError
from storage import outbox
from storage.models import to_ms
from storage.outbox import OutboxMessage, OutboxStatus
from storage.users import speaking_to

log = logging.getLogger(__name__)

LEASE_MS = 60_000
BATCH = 60
IN_FLIGHT = 32
GIVE_UP_AFTER_MS = 24 * 3_600_000
"""Transient errors are retried this long after the message was queued."""
TRANSIENT = (
    TelegramServerError,
    TelegramNetworkError,
    TelegramUnauthorizedError,  # a token being rotated; not the message's fault
    TelegramConflictError,
    ClientDecodeError,
    TimeoutError,
    OSError,
    ConnectionFailure,  # the database, while making an attachment
)


@dataclass
class RateLimits:
    """Telegram's send limits. ``shared`` spaces sends through the database, so that
    several processes together keep to them; otherwise a token bucket per process.

    Every wait and every "now" here goes through ``clock``: the wall clock in
    production (the moments are shared with other processes), a ManualClock in tests,
    so pacing is checked on exact moments and never on the machine's speed."""

    per_second: float = 30.0
    per_chat_interval: float = 1.0
    shared: bool = True
    margin: float = 0.05
    """Spacing wider than the limit, so jitter does not cross it: 30 sends reserved over
    1.05 s (with 1% they arrived bunched enough to draw a 429, and its 1 s pause, about
    every 40 messages: 16.5 msg/s instead of 28.5 in bench/monitor)."""
    clock: PaceClock = field(default_factory=SystemClock)
    _tokens: float = 1.0
    _refilled: float | None = None
    _chat_next: dict[int, float] = field(default_factory=dict)
    _paused_until: float = 0.0

    def _now(self) -> float:
        return self.clock.now().timestamp()

    async def wait_turn(self) -> None:
        """Wait for the bot's next send moment (and any 429 pause)."""
        await self._sit_out_pause()
        if self.shared:
            await self._shared_turn()
        else:
            await self._local_turn()
        await self._sit_out_pause()

    async def _sit_out_pause(self) -> None:
        while (left := self._paused_until - self._now()) > 0:
            await self.clock.sleep(left)

    async def _shared_turn(self) -> None:
        interval_us = int(1_000_000 * (1 + self.margin) / self.per_second)
        while (wait := await outbox.reserve_bot_turn(interval_us, now=self.clock.now())) is None:
            await self.clock.sleep(0.2)  # other processes have the next second booked
        if wait > 0:
            await self.clock.sleep(wait)

    async def _local_turn(self) -> None:
        rate = self.per_second / (1 + self.margin)
        while True:
            now = self._now()
            self._tokens = min(1.0, self._tokens + (now - (self._refilled or now)) * rate)
            self._refilled = now
            if self._tokens >= 1:
                self._tokens -= 1
                return
            # At least a microsecond: a ManualClock moves in whole microseconds, and a
            # shorter wait (a token short by a rounding error) would not move it at all.
            await self.clock.sleep(max((1 - self._tokens) / rate, 1e-6))

    def busy_chats(self) -> set[int]:
        now = self._now()
        self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        return set(self._chat_next)

    async def take_chat(self, chat_id: int, parts: int) -> bool:
        """Reserve the chat for ``parts`` sends at one a second; False if it is busy."""
        if self.per_chat_interval <= 0:
            return True
        now = self._now()
        if self._chat_next.get(chat_id, 0.0) > now:
            return False
        hold = self.per_chat_interval * (1 + self.margin) * parts
        if self.shared and not await outbox.take_chat_turn(chat_id, round(hold * 1000), now=self.clock.now()):
            return False
        self._chat_next[chat_id] = now + hold
        return True

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self._now() + seconds)


def backoff_ms(attempts: int) -> int:
    return min(2**attempts, 300) * 1000


Attachments = Callable[[str], Awaitable[tuple[str, bytes, str]]]
"""Makes a message's ``attachment`` at delivery: (file name, bytes, caption)."""
Texts = Callable[[str], Awaitable[str]]
"""Makes a message's text at delivery from its ``render`` reference."""


def attachments_by_kind(makers: Mapping[str, Attachments]) -> Attachments:
    """One maker for every kind of attachment, each chosen by the reference's prefix
    (``"invoice:"``, ``"calendar:"``); ValueError for a kind nobody makes."""

    async def make(attachment: str) -> tuple[str, bytes, str]:
        for prefix, maker in makers.items():
            if attachment.startswith(prefix):
                return await maker(attachment)
        raise ValueError(f"nothing here makes attachment {attachment!r}")

    return make


Redraws = Callable[[RateLimits], Awaitable[int]]
"""Redraws open slot screens within ``RateLimits`` (jobs/live_screens.py); returns how
many went out."""


class OutboxDeliverer:
    def __init__(
        self,
        bot: Bot,
        clock: Clock,
        limits: RateLimits | None = None,
        *,
        in_flight: int = IN_FLIGHT,
        attachments: Attachments | None = None,
        texts: Texts | None = None,
        redraws: Redraws | None = None,
    ) -> None:
        self.bot = bot
        self.clock = clock
        self.limits = limits or RateLimits()
        self.attachments = attachments
        self.texts = texts
        self.redraws = redraws
        self._in_flight = asyncio.Semaphore(in_flight)

    def _now_ms(self) -> int:
        return to_ms(self.clock.now()) or 0

    async def deliver_due(self, limit: int = BATCH) -> int:
        """Send what is due now, several at a time within the limits, then redraw the
        open slot screens due with what the messages left of the budget; returns how
        many messages and redraws went out. One message per chat per call keeps a chat's
        messages in order and stops one busy chat from holding up the others."""
        sent = await self._deliver_messages(limit)
        if self.redraws is not None:
            sent += await self.redraws(self.limits)
        return sent

    async def _deliver_messages(self, limit: int) -> int:
        now_ms = self._now_ms()
        candidates = await outbox.due_messages(now_ms, limit, not_to=self.limits.busy_chats())
        chats: set[int] = set()
        sending: list[asyncio.Task[int]] = []
        for candidate in candidates:
            if candidate.chat_id in chats:
                continue
            chats.add(candidate.chat_id)
            await self._in_flight.acquire()
            message = await self._take(candidate, now_ms)
            if message is None:
                self._in_flight.release()
                continue
            sending.append(asyncio.create_task(self._deliver_and_release(message)))
        return sum(await asyncio.gather(*sending))

    async def _take(self, candidate: OutboxMessage, now_ms: int) -> OutboxMessage | None:
        """Lease the message, then wait for the bot's turn, then take the chat's turn (so
        the chat's second starts when the send really goes, not while it queues)."""
        message = await outbox.lease(candidate, now_ms, LEASE_MS)
        if message is None:
            return None  # another deliverer has it
        verdict = await outbox.guard_verdict(message, now_ms)
        if verdict == "wait":
            await outbox.retry_at(message, now_ms + outbox.WAIT_FOR_CHANGE_MS, "waiting", count=False)
            return None
        if verdict == "skip":
            await outbox.settle(message, OutboxStatus.SKIPPED, "no longer true")
            return None
        await self.limits.wait_turn()
        parts = 2 if message.location and message.telegram_message_id is None else 1
        if not await self.limits.take_chat(message.chat_id, parts):
            # Another process is sending to this chat: back to its place in the queue.
            await outbox.retry_at(message, candidate.next_attempt_ms or now_ms, "chat busy", count=False)
            return None
        return message

    async def _deliver_and_release(self, message: OutboxMessage) -> int:
        try:
            return await self._deliver(message)
        finally:
            self._in_flight.release()

    async def _deliver(self, message: OutboxMessage) -> int:
        try:
            telegram_id = await self._send(message)
        except TelegramRetryAfter as error:
            self.limits.pause(error.retry_after)
            await outbox.retry_at(
                message, self._now_ms() + error.retry_after * 1000, "429 retry_after", count=False
            )
            return 0
        except TelegramForbiddenError as error:
            await outbox.settle(message, OutboxStatus.SKIPPED, str(error))
            await outbox.mark_blocked(message.chat_id)
            log.info("chat %s blocked the bot; its messages are skipped", message.chat_id)
            return 0
        except TelegramEntityTooLarge as error:
            await outbox.settle(message, OutboxStatus.FAILED, str(error))
            return 0
        except TRANSIENT as error:
            await self._retry_or_give_up(message, error)
            return 0
        except (TelegramAPIError, ValueError, BookingError) as error:  # refused (4xx) or cannot be built
            await outbox.settle(message, OutboxStatus.FAILED, str(error))
            log.warning("message %s refused: %s", message.dedupe_key, error)
            return 0
        await outbox.mark_sent(message, telegram_id, self.clock.now())
        return 1

    async def _retry_or_give_up(self, message: OutboxMessage, error: BaseException) -> None:
        now_ms = self._now_ms()
        if now_ms - (to_ms(message.created_at) or now_ms) >= GIVE_UP_AFTER_MS:
            await outbox.settle(message, OutboxStatus.FAILED, f"gave up: {error}")
            log.error("message %s undeliverable for a day: %s", message.dedupe_key, error)
            return
        delay = backoff_ms(message.attempts + 1)
        await outbox.retry_at(message, now_ms + delay, str(error) or type(error).__name__, count=True)

    async def _send(self, message: OutboxMessage) -> int | None:
        markup = _markup(message.buttons)
        if message.attachment is not None:
            if self.attachments is None:
                raise ValueError(f"nothing here makes attachment {message.attachment!r}")
            async with speaking_to(message.chat_id):  # an invoice in the recipient's language
                name, data, caption = await self.attachments(message.attachment)
            sent = await self.bot.send_document(
                message.chat_id,
                BufferedInputFile(data, filename=name),
                caption=caption[:1024] or None,
                reply_markup=markup,
            )
            return sent.message_id
        if message.document_name is not None:
            sent = await self.bot.send_document(
                message.chat_id,
                BufferedInputFile(await outbox.document_bytes(message), filename=message.document_name),
                caption=message.text[:1024] or None,
                reply_markup=markup,
            )
            return sent.message_id
        first_id = message.telegram_message_id
        if first_id is None:
            text = await self._text(message)
            sent = await self.bot.send_message(message.chat_id, text, reply_markup=markup)
            first_id = sent.message_id
            if message.location:
                await outbox.remember_first_part(message, first_id)
        if message.location:
            await self.limits.clock.sleep(self.limits.per_chat_interval)  # the chat's next turn
            await self.limits.wait_turn()
            place = message.location
            await self.bot.send_venue(
                message.chat_id,
                latitude=place["latitude"],
                longitude=place["longitude"],
                title=str(place.get("title", ""))[:100],
                address=str(place.get("address", ""))[:100],
            )
        return first_id

    async def _text(self, message: OutboxMessage) -> str:
        """The message's text, made now when it says how (``render``)."""
        if message.render is None:
            return message.text
        if self.texts is None:
            raise ValueError(f"nothing here makes the text of {message.render!r}")
        async with speaking_to(message.chat_id):
            return await self.texts(message.render)


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
        except ConnectionFailure as error:
            log.warning("outbox delivery: database unavailable (%s); trying again", type(error).__name__)
            busy = 0
        except Exception:
            log.exception("outbox delivery tick failed; trying again")
            busy = 0
        if not busy:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
