"""The painter the live slot screens' job redraws with (jobs/live_screens.py): it
opens the musician's dialog through aiogram-dialog's background manager (the
``BgManagerFactory`` that ``setup_dialogs`` returned, kept on the dispatcher) and asks
the booking dialog to draw its slot screen again if that is still what the musician
looks at. The background update waits for the musician's turn
(bot/middlewares/background.py), so it never crosses one of their taps."""

from __future__ import annotations

import asyncio

from aiogram import Bot, Dispatcher
from aiogram_dialog.api.protocols import BgManagerFactory

from bot.dialogs.booking import redraw_slot_screen
from jobs.ports import SlotScreenPainter
from storage.users import speaking_to

PAINT_TIMEOUT_SECONDS = 10.0
"""A redraw that cannot get the musician's dialog this long (the database is down, a
long update of theirs runs) is dropped; the job tries again later."""


def slot_screen_painter(bot: Bot, dispatcher: Dispatcher) -> SlotScreenPainter:
    factory: BgManagerFactory = dispatcher["bg_manager_factory"]

    async def paint(user_id: int, chat_id: int, room_day: str) -> str | None:
        manager = factory.bg(bot, user_id, chat_id)
        # The screen is drawn here, outside the update's LanguageMiddleware: in the musician's language.
        async with asyncio.timeout(PAINT_TIMEOUT_SECONDS), speaking_to(user_id), manager.fg() as dialog:
            return await redraw_slot_screen(dialog, room_day)

    return paint
