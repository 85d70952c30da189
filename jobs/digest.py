"""The owners' morning digest: at 08:00 in the room's time zone each owner gets one
message with that day's bookings in each of their rooms, once per owner and day."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from functools import partial

from domain.booking_status import BookingStatus
from domain.clock import Clock
from domain.words import owner
from storage.bookings import bookings_on
from storage.models import Booking, Room
from storage.outbox import enqueue, is_queued
from storage.rooms import all_rooms

DIGEST_FROM = time(8, 0)
DIGEST_UNTIL = time(20, 0)
"""After this the day is mostly over: a digest missed while the bot was down is dropped."""
ON_THE_DAY = frozenset({BookingStatus.NOT_STARTED, BookingStatus.ONGOING, BookingStatus.COMPLETED})


def digest_key(owner_id: int, day: date) -> str:
    return f"digest:{owner_id}:{day}"


class DailyDigest:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._done: set[str] = set()
        """Keys this process knows are queued: spares a query per owner per tick."""

    async def send_due(self) -> int:
        now = self.clock.now()
        by_owner: dict[int, list[Room]] = defaultdict(list)
        for room in await all_rooms():
            for owner_id in room.owner_ids:
                by_owner[owner_id].append(room)
        sent = 0
        for owner_id, rooms in by_owner.items():
            rooms.sort(key=lambda r: r.name)
            local = now.astimezone(rooms[0].zone)
            if not DIGEST_FROM <= local.time() < DIGEST_UNTIL:
                continue
            key = digest_key(owner_id, local.date())
            if key in self._done or await is_queued(key):
                self._done.add(key)
                continue
            sections = [(room, await todays_bookings(room, now)) for room in rooms]
            sections = [(room, found) for room, found in sections if room.active or found]
            text = partial(owner.daily_digest, local.date(), sections)  # in the owner's language
            if await enqueue(owner_id, text, dedupe_key=key, now=now):
                sent += 1
            self._done.add(key)
        return sent


async def todays_bookings(room: Room, now: datetime) -> list[Booking]:
    day = now.astimezone(room.zone).date()
    return [b for b in await bookings_on(room, day) if b.status in ON_THE_DAY]
