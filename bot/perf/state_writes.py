"""An update's dialog-state writes reach the database together, once it is handled."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from bot.perf.dialog_state import DialogStateStorage


class BatchedStateWrites(BaseMiddleware):
    """aiogram-dialog saves the stack and each context it touched one by one, two or
    three round trips an update; this sends them as one. Registered after the
    throttle, so the writes land before the same user's next message or tap is let
    in. aiogram-dialog's background updates (the live slot screens' redraws) bypass the
    throttle, so bot/middlewares/background.py gives them the same per-user turn and
    batches their writes the same way.)"""

    def __init__(self, storage: DialogStateStorage) -> None:
        self.storage = storage

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        async with self.storage.writes_batched():
            return await handler(event, data)
