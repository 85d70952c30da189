"""``/privacy`` and the link that opens it from a group (``/start privacy``): the
privacy dialog (``bot.dialogs.privacy``), over a fresh main menu."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message
from aiogram_dialog import DialogManager, ShowMode

from bot.dialogs.main_menu import open_over_menu
from bot.dialogs.states import PrivacySG
from domain.start_links import PRIVACY


def build_router() -> Router:
    router = Router(name=__name__)
    router.message.register(on_privacy, Command("privacy"))
    router.message.register(on_privacy, CommandStart(deep_link=True, magic=F.args == PRIVACY))
    return router


async def on_privacy(message: Message, dialog_manager: DialogManager) -> None:
    await open_over_menu(dialog_manager, PrivacySG.policy, show_mode=ShowMode.SEND)
