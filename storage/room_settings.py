"""Saving changes to a room (owner dialog and admin CLI alike).

A change of opening hours or slot length applies to future days without bookings:
a day holding a booking or a block that is not a slot of the new grid keeps the
grid it was claimed under (``Room.kept_grids``), so no booked slot is ever cut
across (a day whose bookings fit the new grid, e.g. longer hours, takes it). Claims made while the
change is saved are caught by a second look, and ``BookingService`` refuses any
claim that overlaps another, so even a booking racing the change cannot collide.

A room's booking rules (``domain.room_rules``) are saved one rule at a time over the
settings' defaults, and only by an owner of the room (checked in the same write)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from pydantic import ValidationError
from pymongo import ReturnDocument

from domain.errors import NotOwnerError
from domain.refund import RefundPolicy
from domain.room_rules import RoomRules, RuleField
from domain.room_settings import SettingError, check_peak_price
from domain.slots import Slot
from storage.ids import parse_object_id
from storage.models import Room, SlotClaim
from storage.times import as_utc

GRID_FIELDS = ("opening_hours", "slot_minutes")
CHECK_IN_FIELDS = frozenset({"access_info", "phone"})


def validated(room: Room, changes: dict[str, Any], rules_defaults: RoomRules | None = None) -> Room:
    """The room as it would be after ``changes``; SettingError when it cannot be, and,
    given the defaults of its booking rules, RoomRuleError when a new slot length would
    not fit its minimum sessions."""
    updated = room.model_copy(update=changes)
    try:
        Room.model_validate(updated.model_dump())
        updated.prices  # noqa: B018 - parses the peak window
        updated.hours  # noqa: B018 - refuses sessions running into the next day's
    except (ValidationError, ValueError) as error:
        raise SettingError(str(error)) from error
    check_peak_price(updated.hourly_paise, updated.peak_hourly_paise)
    if rules_defaults is not None and updated.slot_minutes != room.slot_minutes:
        RoomRules.from_dict(updated.rules, rules_defaults).check_slot_length(updated.slot_minutes)
    return updated


async def save_room_changes(
    room: Room, changes: dict[str, Any], today: date, *, rules_defaults: RoomRules | None = None
) -> Room:
    """Validate and store ``changes``; returns the room as stored."""
    after = validated(room, changes, rules_defaults)
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


async def save_room_rule(
    room: Room, owner_id: int, rule: RuleField, value: int | RefundPolicy, defaults: RoomRules
) -> Room:
    """Set one of ``room``'s booking rules, for an owner of the room; the others keep
    what the owner set or follow ``defaults``. Raises RoomRuleError when the rules would
    not hold (out of range, a minimum that is not whole slots or more than the slot limit
    allows...) and NotOwnerError when ``owner_id`` does not own the room, changing nothing."""
    after = RoomRules.from_dict(room.rules, defaults).changed(rule, value)
    after.check_slot_length(room.slot_minutes)
    stored = after.to_dict()[rule.value]
    await _update_owned(room, owner_id, {"$set": {f"rules.{rule.value}": stored}})
    return await _stored(room)


async def reset_room_rules(room: Room, owner_id: int) -> Room:
    """The room follows the settings' booking rules again (NotOwnerError: not theirs)."""
    await _update_owned(room, owner_id, {"$set": {"rules": {}}})
    return await _stored(room)


async def _update_owned(room: Room, owner_id: int, update: dict[str, Any]) -> None:
    """Apply ``update`` only while ``owner_id`` owns the room, decided by the database in
    the same write (an owner removed a moment ago changes nothing)."""
    result = await Room.get_pymongo_collection().update_one(
        {"_id": room.id, "owner_ids": {"$in": [owner_id]}}, update
    )
    if result.matched_count == 0:
        raise NotOwnerError


async def _stored(room: Room) -> Room:
    stored = await Room.get(room.id)
    assert stored is not None
    return stored


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
