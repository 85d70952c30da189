"""One injectable source of "now", so rules and jobs can be tested without sleeping."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment as an aware UTC datetime."""
        ...


class PaceClock(Clock, Protocol):
    """A clock that can also be waited on: what paces sends to Telegram. Real time in
    production; in tests a ManualClock, whose waits move it instead of the machine."""

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ManualClock:
    """A clock that only moves when told to; for tests and benchmarks."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now

    async def sleep(self, seconds: float) -> None:
        """Waiting on a manual clock moves it by ``seconds`` at once (and lets other
        tasks run), so paced code runs in no real time and the same on any machine."""
        if seconds > 0:
            self.advance(seconds=seconds)
        await asyncio.sleep(0)
