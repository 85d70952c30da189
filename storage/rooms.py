"""Rooms as musicians find them and admins list them: by slug (share links, owner
commands, the admin CLI), the active rooms of a city, every room.

A room's settings are changed by ``storage.room_settings``, its owners by
``storage.owners``; reading one by id is ``BookingService.room``."""

from __future__ import annotations

from typing import Any

from storage.models import Room


async def room_by_slug(slug: str) -> Room | None:
    """The room with this slug, paused or not (the unique ``slug`` index)."""
    return await Room.find_one(Room.slug == slug)


async def active_rooms(city: str | None = None) -> list[Room]:
    """The rooms taking bookings, in ``city`` when given, by name."""
    query: dict[str, Any] = {"active": True}
    if city is not None:
        query["city"] = city
    rooms = await Room.find(query).to_list()
    return sorted(rooms, key=lambda r: r.name.casefold())


async def all_rooms() -> list[Room]:
    """Every room, paused ones too, by city and name."""
    return await Room.find_all().sort("city", "name").to_list()


async def add_room(slug: str, fields: dict[str, Any]) -> Room:
    """Store a new room; the unique ``slug`` index refuses a second one with this slug
    (DuplicateKeyError)."""
    return await Room(slug=slug, **fields).insert()
