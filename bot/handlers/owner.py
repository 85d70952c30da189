"""The owner side as commands: invites (``/start owner_<token>``), ``/owner`` (opens the
owner dialogs in ``bot/dialogs/owner*.py``), and the power-user shortcuts ``/block``,
``/unblock`` and ``/terminate``.

Every action re-checks ownership of the room in question (``require_owner``), so a
musician or an owner of another room is refused with a clear message and nothing
changes."""

from __future__ import annotations

import logging
from datetime import date, time
from html import escape

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
from domain.money import format_inr
from domain.slots import Slot, slot_starting_at
from storage.bookings import booking_by_code
from storage.models import Room
from storage.owners import accept_invite, require_owner, rooms_owned_by
from storage.rooms import room_by_slug

log = logging.getLogger(__name__)

INVITE_PREFIX = "owner_"
NOT_AN_OWNER = "This menu is for room owners. If you run a room, ask JamRoom for an owner invite link."


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
        await message.answer(str(error))
        return
    names = ", ".join(escape(r.name) for r in rooms)
    await message.answer(f"Welcome aboard! You now manage {names}. Send /owner for your menu.")


async def on_owner(message: Message, dialog_manager: DialogManager) -> None:
    """The owner's menu: straight to the room when they have one, else the list."""
    if message.from_user is None:
        return
    rooms = await rooms_owned_by(message.from_user.id)
    if not rooms:
        await message.answer(NOT_AN_OWNER)
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


BLOCK_USAGE = (
    "Usage: /block ROOM-SLUG YYYY-MM-DD HH:MM[,HH:MM...] (or 'all' for the whole day), "
    "and the same with /unblock. Slots after midnight belong to the evening they follow: "
    "Friday's date for Friday night's 00:00."
)


async def on_block(message: Message, command: CommandObject, services: Services) -> None:
    if message.from_user is None:
        return
    parts = (command.args or "").split()
    day = _parse_day(parts[1]) if len(parts) == 3 else None
    if day is None:
        await message.answer(BLOCK_USAGE)
        return
    room = await room_by_slug(parts[0])
    try:
        room = await require_owner(str(room.id) if room else "", message.from_user.id)
        if command.command == "unblock":
            slots = room.slots_on(day) if parts[2] == "all" else _named_slots(room, day, parts[2])
            freed = await services.bookings.unblock_slots(room, day, [s.key for s in slots])
            await message.answer(f"Unblocked {freed} slot(s) on {day:%d %b}.")
            return
        if parts[2] == "all":
            await _block_the_day(message, room, day, services, owner_id=message.from_user.id)
            return
        keys = [s.key for s in _named_slots(room, day, parts[2])]
        blocked = await services.bookings.block_slots(room, day, keys, owner_id=message.from_user.id)
    except SlotsTakenError as error:
        taken = ", ".join(f"{s.astimezone(room.zone):%H:%M}" for s in error.starts) if room else ""
        await message.answer(f"Nothing was blocked: these slots are booked or blocked already: {taken}.")
        return
    except (BookingError, ValueError) as error:
        await message.answer(escape(str(error)))
        return
    await message.answer(f"Blocked {len(blocked)} slot(s) on {day:%d %b} for {escape(room.name)}.")


async def _block_the_day(
    message: Message, room: Room, day: date, services: Services, *, owner_id: int
) -> None:
    """As the owner dialog's "Block the day": block what is free, say what stays booked."""
    plan = day_block(await services.bookings.offers(room, day))
    booked = ", ".join(o.slot.label(room.zone) for o in plan.booked)
    stays = f" Booked, so not blocked: {booked}." if booked else ""
    if not plan.free:
        await message.answer(f"There is no free slot left to block on {day:%d %b}.{stays}")
        return
    keys = [o.slot.key for o in plan.free]
    blocked = await services.bookings.block_slots(room, day, keys, owner_id=owner_id)
    await message.answer(f"Blocked {len(blocked)} slot(s) on {day:%d %b} for {escape(room.name)}.{stays}")


def _named_slots(room: Room, day: date, spec: str) -> list[Slot]:
    """The slots of ``day``'s opening session named by their start times: on a night
    that runs past midnight, "00:00" is the one after Friday's 23:00."""
    slots = room.slots_on(day)
    if not slots:
        raise ValueError(f"{room.name} is closed on {day:%a %d %b}.")
    chosen = []
    for text in spec.split(","):
        try:
            moment = time.fromisoformat(text)
        except ValueError as error:
            raise ValueError(f"{text!r} is not a time like 18:00. {BLOCK_USAGE}") from error
        slot = slot_starting_at(slots, moment, room.zone)
        if slot is None:
            starts = ", ".join(f"{s.start.astimezone(room.zone):%H:%M}" for s in slots)
            raise ValueError(f"No slot starts at {text} on {day:%a %d %b}. Its slots start at {starts}.")
        chosen.append(slot)
    return chosen


async def on_terminate(message: Message, command: CommandObject, services: Services) -> None:
    if message.from_user is None:
        return
    code, _, reason = (command.args or "").strip().partition(" ")
    if not code or not reason.strip():
        await message.answer("Usage: /terminate JR-XXXXXX reason the musician will read")
        return
    booking = await booking_by_code(code.upper()[:20])
    try:
        room = await require_owner(booking.room_id if booking else "", message.from_user.id)
        assert booking is not None
        ended = await terminate_for_owner(
            services.bookings, booking, room, message.from_user.id, reason, services.payments
        )
    except BookingError as error:
        await message.answer(str(error))
        return
    await message.answer(
        f"Cancelled <code>{ended.code}</code>; the musician has been told, the slots are free and "
        f"{format_inr(ended.amount_paise)} is being refunded."
    )
