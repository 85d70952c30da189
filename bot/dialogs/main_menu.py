"""The main menu: Find a room · Free slots · My bookings · Help · Language."""

from __future__ import annotations

from typing import Any

from aiogram.fsm.state import State
from aiogram.types import CallbackQuery
from aiogram.types import User as TelegramUser
from aiogram_dialog import DialogManager, ShowMode, StartMode, Window
from aiogram_dialog.widgets.kbd import Back, Button, Column, Row, Start, SwitchTo

from bot.dialogs.base import Dialog
from bot.dialogs.states import FreeSlotsSG, MainSG, MyBookingsSG, RoomsSG
from bot.i18n import Const, Format
from domain.words import musician_screens as words
from domain.words.language import Language, speak
from storage.users import choose_language


async def menu_getter(event_from_user: TelegramUser, **_: Any) -> dict[str, Any]:
    return {"name": words.greeting_name(event_from_user.first_name)}


async def on_language_chosen(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    """Store the choice and answer in it from this screen on."""
    language = Language(button.widget_id.removeprefix("language_"))
    await choose_language(callback.from_user.id, language)
    manager.middleware_data["known_languages"].remember(callback.from_user.id, language)
    speak(language)
    await manager.switch_to(MainSG.menu)


def language_button(language: Language) -> Button:
    """The language by its own name, not translated: anyone finds theirs."""
    name = words.LANGUAGE_NAMES[language]
    return Button(Const(name), id=f"language_{language.value}", on_click=on_language_chosen)


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
            Format(words.MAIN_MENU),
            Column(
                Start(Const("🎸 Find a room"), id="find", state=RoomsSG.cities),
                Start(Const("🔎 Free slots"), id="free", state=FreeSlotsSG.results, data={"query": ""}),
                Start(Const("📅 My bookings"), id="mine", state=MyBookingsSG.list),
                SwitchTo(Const("ℹ️ Help"), id="help", state=MainSG.help),
                SwitchTo(Const("🌐 Language · भाषा"), id="language", state=MainSG.language),
            ),
            state=MainSG.menu,
            getter=menu_getter,
        ),
        Window(
            Const(words.HELP),
            Back(Const("‹ Menu")),
            state=MainSG.help,
        ),
        Window(
            Const(words.CHOOSE_LANGUAGE),
            Row(*(language_button(language) for language in Language)),
            SwitchTo(Const("‹ Menu"), id="menu", state=MainSG.menu),
            state=MainSG.language,
        ),
    )
