"""Plain commands: /start (with ``room_<slug>`` and ``booking_<code>`` deep links), /book, /bookings, /help,
/language, /cancel, and friendly answers to anything no dialog is waiting for."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.api.entities import Context

from bot.dialogs.main_menu import open_main_menu, open_over_menu
from bot.dialogs.states import MainSG, MyBookingsSG, RoomsSG
from bot.users import register_from
from domain.words import musician, musician_screens
from storage.rooms import room_by_slug

ROOM_LINK_PREFIX = "room_"
BOOKING_LINK_PREFIX = "booking_"  # from the page after paying: back to the musician's bookings


def no_dialog(event: Message | CallbackQuery, aiogd_context: Context | None = None) -> bool:
    """True when the user has no open dialog (aiogram-dialog's middleware found none)."""
    return aiogd_context is None


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_start, CommandStart())
    router.message.register(on_book, Command("book"))
    router.message.register(on_bookings, Command("bookings"))
    router.message.register(on_help, Command("help"))
    router.message.register(on_language, Command("language"))
    router.message.register(on_cancel, Command("cancel"))
    router.message.register(on_stray_text, F.text, no_dialog)
    return router


def build_stray_taps_router() -> Router:
    """Taps outside any dialog; after the dialogs, which take every tap of theirs."""
    router = Router(name=f"{__name__}.stray_taps")
    router.callback_query.register(on_stray_callback, no_dialog)
    return router


async def on_start(message: Message, command: CommandObject, dialog_manager: DialogManager) -> None:
    if message.from_user is None:
        return
    await register_from(message.from_user)
    args = (command.args or "").strip()
    if args.startswith(ROOM_LINK_PREFIX):
        room = await room_by_slug(args.removeprefix(ROOM_LINK_PREFIX))
        if room is not None and room.active:
            data = {"room_id": str(room.id), "city": room.city}
            await open_over_menu(dialog_manager, RoomsSG.card, data, show_mode=ShowMode.SEND)
            return
        await message.answer(musician.ROOM_LINK_NOT_FOUND)
    if args.startswith(BOOKING_LINK_PREFIX):
        await open_over_menu(dialog_manager, MyBookingsSG.list, show_mode=ShowMode.SEND)
        return
    await open_main_menu(dialog_manager, ShowMode.SEND)


async def on_book(message: Message, dialog_manager: DialogManager) -> None:
    if message.from_user is not None:
        await register_from(message.from_user)
    await open_over_menu(dialog_manager, RoomsSG.cities, show_mode=ShowMode.SEND)


async def on_bookings(message: Message, dialog_manager: DialogManager) -> None:
    await open_over_menu(dialog_manager, MyBookingsSG.list, show_mode=ShowMode.SEND)


async def on_help(message: Message) -> None:
    await message.answer(musician_screens.HELP)


async def on_language(message: Message, dialog_manager: DialogManager) -> None:
    if message.from_user is not None:
        await register_from(message.from_user)
    await open_over_menu(dialog_manager, MainSG.language, show_mode=ShowMode.SEND)


async def on_cancel(message: Message, dialog_manager: DialogManager) -> None:
    if not dialog_manager.has_context():
        await message.answer(musician.NOTHING_TO_CANCEL)
        return
    await dialog_manager.reset_stack()
    await message.answer(musician.MENU_CLOSED)


async def on_stray_text(message: Message) -> None:
    await message.answer(musician.BUTTONS_ONLY)


async def on_stray_callback(callback: CallbackQuery, dialog_manager: DialogManager) -> None:
    await callback.answer(musician.EXPIRED_MENU)
    await open_main_menu(dialog_manager, ShowMode.SEND)
