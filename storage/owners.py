"""Who owns which room: authorization for everything an owner does, granting and
taking rooms (the admin CLI), and single-use invite links
(``t.me/<bot>?start=owner_<token>``) that expire (``domain.invites``)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from beanie import Document, PydanticObjectId
from pymongo import ReturnDocument

from domain.errors import InviteExpiredError, InviteInvalidError, NotOwnerError
from domain.invites import DEFAULT_INVITE_DAYS, invite_expires_at, invite_is_open
from storage.ids import parse_object_id
from storage.models import Room, User
from storage.times import UtcDatetime


class OwnerInvite(Document):
    id: str  # type: ignore[assignment]
    room_ids: list[str]
    created_at: UtcDatetime
    expires_at: UtcDatetime | None = None
    """None on invites made before invites expired: they count from ``created_at``."""
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


async def create_invite(rooms: list[Room], now: datetime, days: int = DEFAULT_INVITE_DAYS) -> str:
    """A new invite to ``rooms``, open for ``days`` days; returns its token."""
    expires_at = invite_expires_at(now, days)
    token = secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")
    await OwnerInvite(
        id=token, room_ids=[str(r.id) for r in rooms], created_at=now, expires_at=expires_at
    ).insert()
    return token


async def accept_invite(token: str, telegram_id: int, *, now: datetime) -> list[Room]:
    """Bind the invite's rooms to ``telegram_id``; an invite works once, and only
    until it expires."""
    invite = await OwnerInvite.get(token)
    if invite is None or invite.used_by is not None:
        raise InviteInvalidError
    if not invite_is_open(invite.created_at, invite.expires_at, now):
        raise InviteExpiredError
    used = await OwnerInvite.get_pymongo_collection().find_one_and_update(
        {"_id": token, "used_by": None},
        {"$set": {"used_by": telegram_id}},
        return_document=ReturnDocument.AFTER,
    )
    if used is None:  # taken by someone else since it was read
        raise InviteInvalidError
    room_ids = [object_id for raw in used["room_ids"] if (object_id := parse_object_id(raw)) is not None]
    await grant_rooms(telegram_id, room_ids)
    return [room for room_id in room_ids if (room := await Room.get(room_id)) is not None]


async def grant_rooms(
    telegram_id: int, room_ids: Iterable[PydanticObjectId], *, first_name: str | None = None
) -> None:
    """Make ``telegram_id`` an owner of the rooms (keeping their other owners)."""
    user: dict[str, Any] = {"$set": {"is_owner": True}, "$setOnInsert": {"blocked_bot": False}}
    if first_name is not None:
        user["$setOnInsert"]["first_name"] = first_name
    await User.get_pymongo_collection().update_one({"_id": telegram_id}, user, upsert=True)
    for room_id in room_ids:
        await Room.get_pymongo_collection().update_one(
            {"_id": room_id}, {"$addToSet": {"owner_ids": telegram_id}}
        )


async def revoke_rooms(telegram_id: int, room_ids: Sequence[PydanticObjectId]) -> None:
    """Take the rooms from ``telegram_id`` (keeping their other owners); someone who owns
    no room any more is no longer an owner."""
    for room_id in room_ids:
        await Room.get_pymongo_collection().update_one(
            {"_id": room_id}, {"$pull": {"owner_ids": telegram_id}}
        )
    if not await Room.find({"owner_ids": {"$in": [telegram_id]}}).count():
        await User.get_pymongo_collection().update_one({"_id": telegram_id}, {"$set": {"is_owner": False}})
