"""Links that open the private chat at a place (``domain.start_links``): a room's day
(shared in a group, or an inline result), rooms by city, My bookings and the owner's
menu (from a command sent in a group). ``room_<slug>`` and ``booking_<code>`` are the
commands router's; ``free_<query>`` is /free's."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message
from aiogram_dialog import DialogManager, ShowMode

from bot.dialogs.main_menu import open_main_menu, open_over_menu
from bot.dialogs.states import BookingSG, RoomsSG
from bot.handlers.commands import on_book, on_bookings
from bot.handlers.owner import on_owner
from bot.services import Services
from bot.users import register_from
from domain.start_links import BOOK, BOOKINGS, DAY_PREFIX, OWNER, parse_day_parameter
from domain.words import musician
from storage.rooms import room_by_slug


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_day_link, CommandStart(deep_link=True, magic=F.args.startswith(DAY_PREFIX)))
    router.message.register(on_book, CommandStart(deep_link=True, magic=F.args == BOOK))
    router.message.register(on_bookings, CommandStart(deep_link=True, magic=F.args == BOOKINGS))
    router.message.register(on_owner, CommandStart(deep_link=True, magic=F.args == OWNER))
    return router


async def on_day_link(
    message: Message, command: CommandObject, dialog_manager: DialogManager, services: Services
) -> None:
    """The room's slot screen on that day, nothing chosen; the room's card when the day
    can no longer be booked; the menu when the room is gone or paused."""
    if message.from_user is None:
        return
    await register_from(message.from_user)
    found = parse_day_parameter(command.args or "")
    room = await room_by_slug(found[0]) if found else None
    if found is None or room is None or not room.active:
        await message.answer(musician.ROOM_LINK_NOT_FOUND)
        await open_main_menu(dialog_manager, ShowMode.SEND)
        return
    day = found[1]
    if services.bookings.is_bookable_day(room, day):
        data = {"room_id": str(room.id), "day": day.isoformat()}
        await open_over_menu(dialog_manager, BookingSG.slots, data, show_mode=ShowMode.SEND)
        return
    await message.answer(musician.day_link_unbookable(room, day))
    data = {"room_id": str(room.id), "city": room.city}
    await open_over_menu(dialog_manager, RoomsSG.card, data, show_mode=ShowMode.SEND)
