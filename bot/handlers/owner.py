"""The owner side as commands: invites (``/start owner_<token>``), ``/owner`` (opens the
owner dialogs in ``bot/dialogs/owner*.py``), and the power-user shortcuts ``/block``,
``/unblock`` and ``/terminate``.

Every action re-checks ownership of the room in question (``require_owner``), so a
musician or an owner of another room is refused with a clear message and nothing
changes."""

from __future__ import annotations

import logging
from datetime import date, time

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message
from aiogram_dialog import DialogManager, ShowMode, StartMode

from bot.cancellations import terminate_for_owner
from bot.dialogs.states import OwnerSG
from bot.services import Services
from bot.users import register_from
from domain.availability import day_block
from domain.errors import BookingError, SlotsTakenError
from domain.slots import Slot, slot_starting_at
from domain.words import owner as words
from domain.words.formats import h
from domain.words.refusals import refusal
from storage.bookings import booking_by_code
from storage.models import Room
from storage.owners import accept_invite, require_owner, rooms_owned_by
from storage.rooms import room_by_slug

log = logging.getLogger(__name__)

INVITE_PREFIX = "owner_"


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_invite, CommandStart(deep_link=True, magic=F.args.startswith(INVITE_PREFIX)))
    router.message.register(on_owner, Command("owner"))
    router.message.register(on_block, Command("block", "unblock"))
    router.message.register(on_terminate, Command("terminate"))
    return router


async def on_invite(message: Message, command: CommandObject, services: Services) -> None:
    if message.from_user is None:
        return
    await register_from(message.from_user)
    token = (command.args or "").removeprefix(INVITE_PREFIX)
    try:
        rooms = await accept_invite(token, message.from_user.id, now=services.clock.now())
    except BookingError as error:
        await message.answer(refusal(error))
        return
    await message.answer(words.welcome(rooms))


async def on_owner(message: Message, dialog_manager: DialogManager) -> None:
    """The owner's menu: straight to the room when they have one, else the list."""
    if message.from_user is None:
        return
    rooms = await rooms_owned_by(message.from_user.id)
    if not rooms:
        await message.answer(words.NOT_AN_OWNER)
        return
    if len(rooms) == 1:
        data = {"room_id": str(rooms[0].id)}
        await dialog_manager.start(
            OwnerSG.room, data=data, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND
        )
        return
    await dialog_manager.start(OwnerSG.rooms, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND)


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


async def on_block(message: Message, command: CommandObject, services: Services) -> None:
    if message.from_user is None:
        return
    parts = (command.args or "").split()
    day = _parse_day(parts[1]) if len(parts) == 3 else None
    if day is None:
        await message.answer(words.BLOCK_USAGE)
        return
    room = await room_by_slug(parts[0])
    try:
        room = await require_owner(str(room.id) if room else "", message.from_user.id)
        if command.command == "unblock":
            slots = room.slots_on(day) if parts[2] == "all" else _named_slots(room, day, parts[2])
            freed = await services.bookings.unblock_slots(room, day, [s.key for s in slots])
            await message.answer(words.unblocked(freed, day))
            return
        if parts[2] == "all":
            await _block_the_day(message, room, day, services, owner_id=message.from_user.id)
            return
        keys = [s.key for s in _named_slots(room, day, parts[2])]
        blocked = await services.bookings.block_slots(room, day, keys, owner_id=message.from_user.id)
    except SlotsTakenError as error:
        assert room is not None  # block_slots raised it, after require_owner found the room
        await message.answer(words.already_taken(error.starts, room.zone))
        return
    except BookingError as error:
        await message.answer(h(refusal(error)))
        return
    except ValueError as error:
        await message.answer(h(error))
        return
    await message.answer(words.blocked(len(blocked), day, room))


async def _block_the_day(
    message: Message, room: Room, day: date, services: Services, *, owner_id: int
) -> None:
    """As the owner dialog's "Block the day": block what is free, say what stays booked."""
    plan = day_block(await services.bookings.offers(room, day))
    booked = [o.slot for o in plan.booked]
    if not plan.free:
        await message.answer(words.nothing_free_to_block(day, room, booked))
        return
    keys = [o.slot.key for o in plan.free]
    blocked = await services.bookings.block_slots(room, day, keys, owner_id=owner_id)
    await message.answer(words.blocked(len(blocked), day, room, booked))


def _named_slots(room: Room, day: date, spec: str) -> list[Slot]:
    """The slots of ``day``'s opening session named by their start times: on a night
    that runs past midnight, "00:00" is the one after Friday's 23:00."""
    slots = room.slots_on(day)
    if not slots:
        raise ValueError(words.closed_on(room, day))
    chosen = []
    for text in spec.split(","):
        try:
            moment = time.fromisoformat(text)
        except ValueError as error:
            raise ValueError(words.not_a_time(text)) from error
        slot = slot_starting_at(slots, moment, room.zone)
        if slot is None:
            raise ValueError(words.no_slot_starts_at(text, day, [s.start for s in slots], room.zone))
        chosen.append(slot)
    return chosen


async def on_terminate(message: Message, command: CommandObject, services: Services) -> None:
    if message.from_user is None:
        return
    code, _, reason = (command.args or "").strip().partition(" ")
    if not code or not reason.strip():
        await message.answer(words.TERMINATE_USAGE)
        return
    booking = await booking_by_code(code.upper()[:20])
    try:
        room = await require_owner(booking.room_id if booking else "", message.from_user.id)
        assert booking is not None
        ended = await terminate_for_owner(
            services.bookings, booking, room, message.from_user.id, reason, services.payments
        )
    except BookingError as error:
        await message.answer(refusal(error))
        return
    await message.answer(words.terminated(ended))
