"""When the database is unreachable, every update still gets an answer.

Registered outermost on updates, so it also covers what aiogram-dialog does before
and after a handler (loading and saving the dialog state) and the error handlers,
which would need the database themselves. The user is told to try again in a
moment; nothing was changed, and their dialog resumes once the database is back."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import TelegramObject, Update
from pymongo.errors import ConnectionFailure

from domain.words.musician import DATABASE_UNAVAILABLE

log = logging.getLogger(__name__)


class DatabaseOutageMiddleware(BaseMiddleware):
    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        except ConnectionFailure as error:
            update_id = event.update_id if isinstance(event, Update) else "?"
            log.warning("update %s: database unavailable (%s)", update_id, type(error).__name__)
            if isinstance(event, Update):
                await _tell(event, data["bot"])
            return None


async def _tell(update: Update, bot: Bot) -> None:
    with contextlib.suppress(TelegramAPIError):
        if update.callback_query is not None:
            await update.callback_query.as_(bot).answer(DATABASE_UNAVAILABLE, show_alert=True)
        elif update.message is not None and update.message.chat is not None:
            await bot.send_message(update.message.chat.id, DATABASE_UNAVAILABLE)
