"""The booking calendar's full/few marks of a month page come from one query over
every claim of the page and a pass over each day's slots: about a millisecond of the
bot and one of the database, for a page many musicians open again and again. So the
marks are kept per room and page, and read again once a claim of the room has changed
through this process's booking service, or after ``MARKS_TTL_SECONDS`` (a change made
by another process serving the bot, the clock moving past a slot, new opening hours).
A mark is a hint: the day's slot screen always reads the claims afresh."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date

from aiogram_dialog import DialogManager

from domain.day_marks import DayMark
from storage.availability import day_marks
from storage.booking_service import BookingService
from storage.models import Room

MARKS_TTL_SECONDS = 5.0
MAX_PAGES = 1000


class DayMarksCache:
    def __init__(self, ttl: float = MARKS_TTL_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._pages: dict[tuple[str, tuple[date, ...]], tuple[float, int, dict[date, DayMark]]] = {}

    async def marks(self, service: BookingService, room: Room, days: Sequence[date]) -> dict[date, DayMark]:
        key = (str(room.id), tuple(days))
        now = self.clock()
        version = service.claims_version(room.id)  # before the read: a change during it reads again
        kept = self._pages.get(key)
        if kept is not None and kept[1] == version and now - kept[0] < self.ttl:
            return kept[2]
        marks = await read_marks(service, room, days)
        if len(self._pages) >= MAX_PAGES:
            self._pages.clear()
        self._pages[key] = (now, version, marks)
        return marks


async def read_marks(service: BookingService, room: Room, days: Sequence[date]) -> dict[date, DayMark]:
    """The marks as they are now, from the database."""
    return await day_marks(room, days, now=service.clock.now(), min_lead=service.booking_lead(room))


async def marks_of(manager: DialogManager, room: Room, days: Sequence[date]) -> dict[date, DayMark]:
    service: BookingService = manager.middleware_data["booking_service"]
    cache: DayMarksCache | None = manager.middleware_data.get("marks_cache")
    return await (read_marks(service, room, days) if cache is None else cache.marks(service, room, days))
