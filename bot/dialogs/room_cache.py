"""Rooms change rarely and every screen of the booking flow shows one (and the city and
room lists all of them), so the dialogs read them through a short-lived per-process
cache. Only what is shown may be a few seconds old: the booking service re-reads the
room when a booking is created."""

from __future__ import annotations

import time
from collections.abc import Callable

from aiogram_dialog import DialogManager

from storage.booking_service import BookingService
from storage.models import Room
from storage.rooms import active_rooms

ROOM_TTL_SECONDS = 10.0
MAX_ROOMS = 1000


class RoomCache:
    def __init__(self, ttl: float = ROOM_TTL_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._rooms: dict[str, tuple[float, Room]] = {}
        self._active: tuple[float, list[Room]] | None = None

    async def get(self, service: BookingService, room_id: str) -> Room:
        """The room, or RoomNotFoundError from the service."""
        now = self.clock()
        cached = self._rooms.get(room_id)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        room = await service.room(room_id)
        if len(self._rooms) >= MAX_ROOMS:
            self._rooms.clear()
        self._rooms[room_id] = (now, room)
        return room

    async def active(self, city: str | None = None) -> list[Room]:
        """The rooms taking bookings, in ``city`` when given, by name."""
        now = self.clock()
        if self._active is not None and now - self._active[0] < self.ttl:
            rooms = self._active[1]
        else:
            rooms = await active_rooms()
            # None yet is not kept: the first room shows as soon as it is added (first run).
            self._active = (now, rooms) if rooms else None
        return rooms if city is None else [room for room in rooms if room.city == city]


async def active_rooms_of(manager: DialogManager, city: str | None = None) -> list[Room]:
    cache: RoomCache | None = manager.middleware_data.get("room_cache")
    return await (active_rooms(city) if cache is None else cache.active(city))


async def room_of(manager: DialogManager, room_id: str) -> Room:
    service: BookingService = manager.middleware_data["booking_service"]
    cache: RoomCache | None = manager.middleware_data.get("room_cache")
    if cache is None:
        return await service.room(room_id)
    return await cache.get(service, str(room_id))
