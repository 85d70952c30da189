"""The Dialog every dialog here is built from."""

from __future__ import annotations

import aiogram_dialog
from aiogram.types import Message
from aiogram_dialog import DialogManager, ShowMode

from domain.words.language import _
from domain.words.musician import BUTTONS_ONLY


class Dialog(aiogram_dialog.Dialog):
    """A Dialog that answers text its current window does not read (a window with no
    input widget): aiogram-dialog would drop it silently. The menu is sent again below
    the hint, so its buttons stay at the bottom of the chat."""

    async def _message_handler(self, message: Message, dialog_manager: DialogManager) -> None:
        window = await self._current_window(dialog_manager)
        if getattr(window, "on_message", None) is None:
            await message.answer(_(BUTTONS_ONLY))
            await dialog_manager.show(ShowMode.DELETE_AND_SEND)
            return
        await super()._message_handler(message, dialog_manager)
