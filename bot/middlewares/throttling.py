"""Per-user throttling and ordering.

A token bucket per Telegram user, so a burst of taps or messages cannot make the bot
hammer the database for one person; and one update at a time per user, because
aiogram-dialog reads a dialog's context before taking its own per-user lock: a tap
that arrives while the previous update is still saving a newly started dialog would
otherwise find no context and be answered as "expired"."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject

from domain.words.language import _
from domain.words.musician import SLOW_DOWN

FORGET_AFTER_SECONDS = 600.0


@dataclass
class Bucket:
    tokens: float
    updated: float
    warned: bool = False


@dataclass
class Turn:
    """One user's updates, one at a time: the lock and how many hold or await it."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    queued: int = 0


class ThrottlingMiddleware(BaseMiddleware):
    """Allows ``burst`` updates at once per user, refilled at ``rate`` per second.

    A dropped tap gets a short callback answer (so its spinner stops); a dropped
    message is answered once per burst and then silently ignored."""

    def __init__(
        self, *, rate: float = 4.0, burst: int = 8, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.buckets: dict[int, Bucket] = {}
        self.turns: dict[int, Turn] = {}
        self._last_sweep = clock()

    def allow(self, user_id: int) -> tuple[bool, Bucket]:
        now = self.clock()
        self._sweep(now)
        bucket = self.buckets.get(user_id)
        if bucket is None:
            bucket = self.buckets[user_id] = Bucket(tokens=float(self.burst), updated=now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.warned = False
            return True, bucket
        return False, bucket

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        allowed, bucket = self.allow(user.id)
        if allowed:
            return await self._one_at_a_time(user.id, handler, event, data)
        if isinstance(event, CallbackQuery):
            await event.answer(_(SLOW_DOWN))
        elif isinstance(event, Message) and not bucket.warned:
            bucket.warned = True
            await event.answer(_(SLOW_DOWN))
        return None

    async def in_turn(
        self,
        user_id: int,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        """Handle ``event`` in the user's turn, without taking from their taps' bucket
        (a background update of their dialog: bot/middlewares/background.py)."""
        return await self._one_at_a_time(user_id, handler, event, data)

    async def _one_at_a_time(
        self,
        user_id: int,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        turn = self.turns.get(user_id)
        if turn is None:
            turn = self.turns[user_id] = Turn()
        turn.queued += 1
        try:
            async with turn.lock:
                return await handler(event, data)
        finally:
            # Forgotten only when no update holds or awaits it: a released lock is not
            # yet taken by its next waiter, so "not locked" would drop a queued one.
            turn.queued -= 1
            if not turn.queued and self.turns.get(user_id) is turn:
                del self.turns[user_id]

    def _sweep(self, now: float) -> None:
        if now - self._last_sweep < FORGET_AFTER_SECONDS:
            return
        self._last_sweep = now
        idle = [uid for uid, b in self.buckets.items() if now - b.updated > FORGET_AFTER_SECONDS]
        for uid in idle:
            del self.buckets[uid]
