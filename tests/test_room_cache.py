"""The dialogs' room cache: how long a change made elsewhere (the admin CLI, another
process) can stay hidden from a room card. ``python -m bot.admin --help`` states it."""

from __future__ import annotations

from bot.dialogs.room_cache import ROOM_TTL_SECONDS, RoomCache
from storage.booking_service import BookingService
from storage.models import Room


class Seconds:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_room_changed_elsewhere_shows_once_the_cache_time_is_over(
    room: Room, service: BookingService
) -> None:
    seconds = Seconds()
    cache = RoomCache(clock=seconds)
    assert (await cache.get(service, str(room.id))).name == "Bass Cave Studio"
    await Room.get_pymongo_collection().update_one({"_id": room.id}, {"$set": {"name": "Bass Cave II"}})

    seconds.now += ROOM_TTL_SECONDS - 0.1
    assert (await cache.get(service, str(room.id))).name == "Bass Cave Studio"
    seconds.now += 0.1
    assert (await cache.get(service, str(room.id))).name == "Bass Cave II"


async def test_a_room_never_shown_is_read_fresh(room: Room, service: BookingService) -> None:
    cache = RoomCache(clock=Seconds())
    other = await Room(
        slug="new-room", name="New Room", city="Pune", address="a", hourly_paise=100, peak_hourly_paise=200
    ).insert()
    assert (await cache.get(service, str(other.id))).name == "New Room"


async def test_the_room_lists_show_a_room_paused_elsewhere_once_the_cache_time_is_over(room: Room) -> None:
    seconds = Seconds()
    cache = RoomCache(clock=seconds)
    assert [r.name for r in await cache.active("Bengaluru")] == ["Bass Cave Studio"]
    await Room.get_pymongo_collection().update_one({"_id": room.id}, {"$set": {"active": False}})

    seconds.now += ROOM_TTL_SECONDS - 0.1
    assert [r.name for r in await cache.active()] == ["Bass Cave Studio"]
    assert await cache.active("Mumbai") == []
    seconds.now += 0.1
    assert await cache.active() == []


async def test_the_first_room_shows_in_the_lists_as_soon_as_it_is_added(db) -> None:
    cache = RoomCache(clock=Seconds())
    assert await cache.active() == []
    await Room(
        slug="new-room", name="New Room", city="Pune", address="a", hourly_paise=100, peak_hourly_paise=200
    ).insert()
    assert [r.name for r in await cache.active()] == ["New Room"]
