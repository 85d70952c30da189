"""Live slot screens (issue 17 §4): open slot screens are redrawn when their day's
claims change, within Telegram's send budget and after the messages.

The booking service marks a day's open screens due whenever a claim of that day is
written or released (storage/live_screens.py). The outbox's delivery loop, once it has
sent the messages that were due, calls ``SlotScreenRedraws.redraw_due`` with its own
rate limits, so redraws only use what the messages left of the 30/s budget, each takes
its chat's one-a-second turn like a message, and a busy evening never holds up a
confirmation by more than one small batch of redraws.

A screen is redrawn at most once per ``REDRAW_SPACING`` (changes in between are drawn
together), only while it is younger than ``SCREEN_LIFETIME`` since the musician last
opened or touched it, and only when the day now differs from what the screen shows
(compared before anything is sent)."""

from __future__ import annotations

import logging
from datetime import timedelta

from aiogram.exceptions import TelegramRetryAfter

from domain.clock import Clock
from domain.errors import BookingError
from domain.live_screens import REDRAW_SPACING, SCREEN_LIFETIME, states_shown
from jobs.delivery import RateLimits
from jobs.ports import SlotScreenPainter
from storage import live_screens
from storage.booking_service import BookingService
from storage.live_screens import SlotScreen
from storage.models import day_of_key, room_of_key
from storage.times import to_ms

log = logging.getLogger(__name__)

BATCH = 10
"""Redraws per pass: at 30/s about a third of a second, the most a confirmation queued
meanwhile waits behind them."""
LEASE = timedelta(seconds=30)
CHAT_BUSY_RETRY = timedelta(seconds=1)


class SlotScreenRedraws:
    def __init__(
        self, bookings: BookingService, clock: Clock, paint: SlotScreenPainter, *, batch: int = BATCH
    ) -> None:
        self.bookings = bookings
        self.clock = clock
        self.paint = paint
        self.batch = batch

    async def redraw_due(self, limits: RateLimits) -> int:
        """Redraw the screens due now; returns how many redraws were sent."""
        now = self.clock.now()
        days: dict[str, str | None] = {}
        sent = 0
        for due in await live_screens.due_screens(now, self.batch):
            screen = await live_screens.lease(due, now + LEASE)
            if screen is None:
                continue  # another process has it
            sent += await self._redraw(screen, days, limits)
        return sent

    async def _redraw(self, screen: SlotScreen, days: dict[str, str | None], limits: RateLimits) -> int:
        now = self.clock.now()
        now_ms = to_ms(now) or 0
        if now_ms - screen.seen_ms > SCREEN_LIFETIME.total_seconds() * 1000:
            await live_screens.forget_screen(screen)
            return 0
        spacing_ms = int(REDRAW_SPACING.total_seconds() * 1000)
        if now_ms - screen.drawn_ms < spacing_ms:
            await live_screens.postpone(
                screen, now + timedelta(milliseconds=screen.drawn_ms + spacing_ms - now_ms)
            )
            return 0
        if screen.room_day not in days:
            days[screen.room_day] = await self._states_of(screen.room_day)
        if days[screen.room_day] in (None, screen.shown):
            await live_screens.drawn(screen, screen.shown, now, sent=False)  # nothing to change
            return 0
        await limits.wait_turn()
        if not await limits.take_chat(screen.chat_id, 1):
            await live_screens.postpone(screen, now + CHAT_BUSY_RETRY)
            return 0
        try:
            painted = await self.paint(screen.id, screen.chat_id, screen.room_day)
        except TelegramRetryAfter as error:
            limits.pause(error.retry_after)
            await live_screens.postpone(screen, now + timedelta(seconds=error.retry_after))
            return 0
        except Exception as error:  # a redraw is never worth more than a log line and a retry
            log.warning("slot screen of %s not redrawn (%s: %s)", screen.id, type(error).__name__, error)
            await live_screens.postpone(screen, now + REDRAW_SPACING)
            return 0
        if painted is None:
            await live_screens.forget_screen(screen)
            return 0
        await live_screens.drawn(screen, painted, self.clock.now(), sent=True)
        return 1

    async def _states_of(self, room_day: str) -> str | None:
        """What a screen of ``room_day`` should show now; None for a room that is gone."""
        try:
            room = await self.bookings.room(room_of_key(room_day))
        except BookingError:
            return None
        return states_shown(await self.bookings.offers(room, day_of_key(room_day)))
