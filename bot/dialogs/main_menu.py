"""The main menu: Find a room · My bookings · Help."""

from __future__ import annotations

from typing import Any

from aiogram.fsm.state import State
from aiogram.types import User as TelegramUser
from aiogram_dialog import DialogManager, ShowMode, StartMode, Window
from aiogram_dialog.widgets.kbd import Back, Column, Start, SwitchTo
from aiogram_dialog.widgets.text import Const, Format

from bot.dialogs.base import Dialog
from bot.dialogs.format import h
from bot.dialogs.states import MainSG, MyBookingsSG, RoomsSG

HELP_TEXT = (
    "<b>How JamRoom bot works</b>\n\n"
    "1. <b>Find a room</b>: pick a city and a rehearsal room; see its photos, "
    "gear, prices and opening hours.\n"
    "2. <b>Book</b>: choose a day, then one or more hourly slots. Confirm, and the "
    "slots are held for you for a few minutes while you pay.\n"
    "3. <b>Pay</b> with the Pay button (UPI, cards, net banking via Razorpay). "
    "Your booking is confirmed the moment the payment arrives, and I send the invoice here.\n"
    "4. <b>My bookings</b>: see upcoming and past sessions, get the invoice again, "
    "or cancel; the refund depends on how early you cancel.\n\n"
    "Commands: /start menu · /book find a room · /bookings my bookings · "
    "/cancel close the current menu · /help this text.\n"
    "Times are shown in the room's local time."
)


async def menu_getter(event_from_user: TelegramUser, **_: Any) -> dict[str, Any]:
    return {"name": h(event_from_user.first_name or "there")}


async def open_main_menu(manager: DialogManager, show_mode: ShowMode | None = None) -> None:
    await manager.start(MainSG.menu, mode=StartMode.RESET_STACK, show_mode=show_mode)


async def open_over_menu(
    manager: DialogManager,
    state: State,
    data: dict[str, Any] | None = None,
    show_mode: ShowMode | None = None,
) -> None:
    """Start ``state`` with a fresh main menu under it, so its Cancel/Close leads home."""
    await manager.start(MainSG.menu, mode=StartMode.RESET_STACK, show_mode=ShowMode.NO_UPDATE)
    await manager.start(state, data=data, show_mode=show_mode or ShowMode.AUTO)


def build_dialog() -> Dialog:
    return Dialog(
        Window(
            Format(
                "Hi {name}! 🎶\n\nI help you book music rehearsal rooms, pay in the chat and "
                "keep your invoices. What would you like to do?"
            ),
            Column(
                Start(Const("🎸 Find a room"), id="find", state=RoomsSG.cities),
                Start(Const("📅 My bookings"), id="mine", state=MyBookingsSG.list),
                SwitchTo(Const("ℹ️ Help"), id="help", state=MainSG.help),
            ),
            state=MainSG.menu,
            getter=menu_getter,
        ),
        Window(
            Const(HELP_TEXT),
            Back(Const("‹ Menu")),
            state=MainSG.help,
        ),
    )
