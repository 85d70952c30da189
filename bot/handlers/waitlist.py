"""The buttons of a waitlist offer (a message the clock or a release sent through the
outbox): ✅ Confirm & Pay books the slot held for the musician and opens its pay
screen; ✖ No thanks passes it to the next musician waiting.

The offer's id comes from the button; the booking service checks that the offer is
still held and is this musician's, so a tampered, lapsed or someone else's offer books
nothing and passes nothing on."""

from __future__ import annotations

import contextlib

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, User
from aiogram_dialog import DialogManager

from bot.dialogs.booking import open_offered_booking
from bot.users import register_from
from domain.errors import BookingError, OfferGoneError, UnknownUserError
from domain.waitlist import DECLINE, OFFER_CALLBACK, parse_offer_callback
from domain.words import musician
from domain.words.refusals import refusal
from storage.booking_service import BookingService
from storage.models import Booking


def build_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(on_offer_button, F.data.startswith(f"{OFFER_CALLBACK}:"))
    return router


async def on_offer_button(
    callback: CallbackQuery, dialog_manager: DialogManager, booking_service: BookingService
) -> None:
    parsed = parse_offer_callback(callback.data)
    if parsed is None:
        await callback.answer(refusal(OfferGoneError()), show_alert=True)
        return
    action, offer_id = parsed
    try:
        if action == DECLINE:
            await booking_service.decline_offer(callback.from_user.id, offer_id)
        else:
            booking = await _book(booking_service, callback.from_user, offer_id)
    except BookingError as error:
        await callback.answer(refusal(error), show_alert=True)
        return
    await _close_offer(callback)
    if action == DECLINE:
        await callback.answer(musician.OFFER_DECLINED, show_alert=True)
        return
    await callback.answer()
    await open_offered_booking(dialog_manager, booking)


async def _book(service: BookingService, user: User, offer_id: str) -> Booking:
    try:
        return await service.book_offer(user.id, offer_id)
    except UnknownUserError:
        await register_from(user)
        return await service.book_offer(user.id, offer_id)


async def _close_offer(callback: CallbackQuery) -> None:
    """The offer's buttons go once it is taken up or passed on (a second tap would only
    be refused)."""
    message = callback.message
    if message is not None and hasattr(message, "edit_reply_markup"):
        with contextlib.suppress(TelegramAPIError):
            await message.edit_reply_markup(reply_markup=None)
