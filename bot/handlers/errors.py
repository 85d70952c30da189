"""Errors become words, never silence: a stale or tampered button gets "this menu has
expired" and a fresh menu; anything else gets an apology and a log line with the
update id."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent
from aiogram_dialog import DialogManager, ShowMode
from aiogram_dialog.api.exceptions import OutdatedIntent, UnknownIntent, UnknownState

from bot.dialogs.main_menu import open_main_menu
from domain.errors import BookingError
from domain.words import musician
from domain.words.refusals import refusal

log = logging.getLogger(__name__)


def build_router() -> Router:
    router = Router(name=__name__)
    router.errors.register(on_stale, ExceptionTypeFilter(UnknownIntent, OutdatedIntent, UnknownState))
    router.errors.register(on_refused, ExceptionTypeFilter(BookingError))
    router.errors.register(on_unexpected)
    return router


async def on_stale(event: ErrorEvent, dialog_manager: DialogManager) -> None:
    log.info("update %s: stale dialog (%s)", event.update.update_id, event.exception)
    callback = event.update.callback_query
    if callback is not None:
        with contextlib.suppress(TelegramAPIError):
            await callback.answer(musician.EXPIRED_MENU)
    await open_main_menu(dialog_manager, ShowMode.SEND)


async def on_refused(event: ErrorEvent, dialog_manager: DialogManager) -> None:
    """A booking rule refused something deep in a getter (a booking that is not the
    user's, a room that is gone): say so and go home."""
    log.info("update %s: refused: %s", event.update.update_id, event.exception)
    error = event.exception
    await _tell(event, refusal(error) if isinstance(error, BookingError) else musician.SORRY)
    with contextlib.suppress(Exception):
        await open_main_menu(dialog_manager, ShowMode.SEND)


async def on_unexpected(event: ErrorEvent) -> None:
    log.error("update %s failed", event.update.update_id, exc_info=event.exception)
    await _tell(event, musician.SORRY)


async def _tell(event: ErrorEvent, text: str) -> None:
    update = event.update
    with contextlib.suppress(Exception):
        if update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
        elif update.message is not None:
            await update.message.answer(text)
