"""Who owns which room: authorization for everything an owner does, and single-use
invite links (``t.me/<bot>?start=owner_<token>``) printed by the admin CLI."""

from __future__ import annotations

import secrets
from datetime import datetime

from beanie import Document
from pymongo import ReturnDocument

from domain.errors import BookingError
from storage.booking_service import parse_object_id
from storage.models import Room, User, UtcDatetime


class NotOwnerError(BookingError):
    def __init__(self) -> None:
        super().__init__("Only the owner of this room can do that.")


class InviteInvalidError(BookingError):
    def __init__(self) -> None:
        super().__init__("This owner invite is not valid any more. Ask for a new one.")


class OwnerInvite(Document):
    id: str  # type: ignore[assignment]
    room_ids: list[str]
    created_at: UtcDatetime
    used_by: int | None = None

    class Settings:
        name = "owner_invites"


async def rooms_owned_by(telegram_id: int) -> list[Room]:
    # $in, not plain equality: NX-27017's find does not match a scalar against a list.
    return await Room.find({"owner_ids": {"$in": [telegram_id]}}).sort("name").to_list()


async def require_owner(room_id: str, telegram_id: int) -> Room:
    """The room, if ``telegram_id`` owns it; otherwise NotOwnerError (also for a
    tampered or unknown id, so nothing is revealed)."""
    object_id = parse_object_id(room_id)
    room = await Room.get(object_id) if object_id else None
    if room is None or not room.is_owned_by(telegram_id):
        raise NotOwnerError
    return room


async def create_invite(rooms: list[Room], now: datetime) -> str:
    token = secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")
    await OwnerInvite(id=token, room_ids=[str(r.id) for r in rooms], created_at=now).insert()
    return token


async def accept_invite(token: str, telegram_id: int) -> list[Room]:
    """Bind the invite's rooms to ``telegram_id``; an invite works once."""
    used = await OwnerInvite.get_pymongo_collection().find_one_and_update(
        {"_id": token, "used_by": None},
        {"$set": {"used_by": telegram_id}},
        return_document=ReturnDocument.AFTER,
    )
    if used is None:
        raise InviteInvalidError
    rooms = []
    for room_id in used["room_ids"]:
        object_id = parse_object_id(room_id)
        if object_id is None:
            continue
        await Room.get_pymongo_collection().update_one(
            {"_id": object_id}, {"$addToSet": {"owner_ids": telegram_id}}
        )
        room = await Room.get(object_id)
        if room is not None:
            rooms.append(room)
    await User.get_pymongo_collection().update_one(
        {"_id": telegram_id}, {"$set": {"is_owner": True}}, upsert=True
    )
    return rooms
