"""Saving changes to a room (owner dialog and admin CLI alike).

A change of opening hours or slot length applies to future days without bookings:
a day holding a booking or a block that is not a slot of the new grid keeps the
grid it was claimed under (``Room.kept_grids``), so no booked slot is ever cut
across (a day whose bookings fit the new grid, e.g. longer hours, takes it). Claims made while the
change is saved are caught by a second look, and ``BookingService`` refuses any
claim that overlaps another, so even a booking racing the change cannot collide."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from pydantic import ValidationError
from pymongo import ReturnDocument

from domain.errors import NotOwnerError
from domain.room_settings import SettingError, check_peak_price
from domain.slots import Slot
from storage.ids import parse_object_id
from storage.models import Room, SlotClaim
from storage.times import as_utc

GRID_FIELDS = ("opening_hours", "slot_minutes")
CHECK_IN_FIELDS = frozenset({"access_info", "phone"})


def validated(room: Room, changes: dict[str, Any]) -> Room:
    """The room as it would be after ``changes``; SettingError when it cannot be."""
    updated = room.model_copy(update=changes)
    try:
        Room.model_validate(updated.model_dump())
        updated.prices  # noqa: B018 - parses the peak window
        updated.hours  # noqa: B018 - refuses sessions running into the next day's
    except (ValidationError, ValueError) as error:
        raise SettingError(str(error)) from error
    check_peak_price(updated.hourly_paise, updated.peak_hourly_paise)
    return updated


async def save_room_changes(room: Room, changes: dict[str, Any], today: date) -> Room:
    """Validate and store ``changes``; returns the room as stored."""
    after = validated(room, changes)
    collection = Room.get_pymongo_collection()
    grid_changes = any(getattr(after, field) != getattr(room, field) for field in GRID_FIELDS)
    if grid_changes:
        changes = {**changes, "kept_grids": await _grids_to_keep(room, after, today)}
    await collection.update_one({"_id": room.id}, {"$set": changes})
    if grid_changes:
        kept = changes["kept_grids"]
        late = await _grids_to_keep(room, after, today)  # claims made while we saved
        missing = {f"kept_grids.{day}": grid for day, grid in late.items() if day not in kept}
        if missing:
            await collection.update_one({"_id": room.id}, {"$set": missing})
    stored = await Room.get(room.id)
    assert stored is not None
    return stored


async def _grids_to_keep(before: Room, after: Room, today: date) -> dict[str, str]:
    """Each day from ``today`` holding a claim that is not a slot of the new grid,
    with the grid it was claimed under."""
    cursor = SlotClaim.get_pymongo_collection().find(
        {"room_id": str(before.id)}, {"room_day": 1, "start": 1, "end": 1}
    )
    claims: dict[date, set[Slot]] = defaultdict(set)
    async for claim in cursor:
        day = date.fromisoformat(claim["room_day"].rsplit("|", 1)[1])
        if day >= today:
            claims[day].add(Slot(as_utc(claim["start"]), as_utc(claim["end"])))
    fresh = after.model_copy(update={"kept_grids": {}})
    grids: dict[str, str] = {}
    for day, claimed in sorted(claims.items()):
        if claimed <= set(fresh.slots_on(day)):
            continue
        session, minutes = before.grid_on(day)
        if session is not None:
            grids[day.isoformat()] = f"{session.opens:%H:%M}-{session.closes:%H:%M}/{minutes}"
    return grids


async def save_check_in(room_id: str, owner_id: int, changes: dict[str, Any]) -> Room:
    """Store the room's check-in info or phone (already parsed: ``domain.check_in``),
    only for an owner of the room: one update conditional on ``owner_ids``, so an owner
    of another room, or one removed a moment ago, changes nothing (NotOwnerError)."""
    if not changes or set(changes) - CHECK_IN_FIELDS:
        raise ValueError(f"not check-in fields: {sorted(set(changes) - CHECK_IN_FIELDS)}")
    object_id = parse_object_id(room_id)
    stored = (
        await Room.get_pymongo_collection().find_one_and_update(
            {"_id": object_id, "owner_ids": {"$in": [owner_id]}},
            {"$set": changes},
            return_document=ReturnDocument.AFTER,
        )
        if object_id
        else None
    )
    if stored is None:
        raise NotOwnerError
    return Room.model_validate(stored)
