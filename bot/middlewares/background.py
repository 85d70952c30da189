"""Background dialog updates (a job redrawing a musician's open slot screen through
aiogram-dialog's BgManager, bot/live_screens.py) wait for the musician's turn.

aiogram-dialog feeds a background update through the dispatcher as an update of its
own, past the per-user throttle that orders a user's messages and taps. Without a turn
it could load the dialog while a tap is still being handled and save it back over the
tap's changes (with batched state writes, the tap's writes land only once it is
handled: bot/perf/state_writes.py). So a background update takes the same per-user
turn as a tap (without using up the user's taps), and with batched writes its own
writes land before the turn passes on."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject
from aiogram_dialog.api.entities import DialogUpdate

from bot.middlewares.throttling import ThrottlingMiddleware
from bot.perf.dialog_state import DialogStateStorage


class BackgroundTurns(BaseMiddleware):
    def __init__(self, throttle: ThrottlingMiddleware, batched: DialogStateStorage | None) -> None:
        self.throttle = throttle
        self.batched = batched

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user = data.get("event_from_user")
        if not isinstance(event, DialogUpdate) or user is None:
            return await handler(event, data)

        async def in_turn(event: TelegramObject, data: dict[str, Any]) -> Any:
            writes = self.batched.writes_batched() if self.batched is not None else contextlib.nullcontext()
            async with writes:
                return await handler(event, data)

        return await self.throttle.in_turn(user.id, in_turn, event, data)
