"""/privacy: what the bot keeps, why, for how long and who sees it; and Delete my data,
with a confirmation screen that says what deleting does now (``bot.data_deletion``).

Deleting ends the dialog without a screen of its own: the dialog state of the chat is
part of what is erased, so the stack is emptied (and its last message forgotten) before
aiogram-dialog saves it, and the confirmation is a plain message."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery
from aiogram.types import User as TelegramUser
from aiogram_dialog import DialogManager, Window
from aiogram_dialog.widgets.kbd import Button, Cancel, Column, SwitchTo

from bot.data_deletion import delete_my_data, plan_deletion
from bot.dialogs.base import Dialog
from bot.dialogs.states import PrivacySG
from bot.i18n import Const, Format
from domain.errors import BookingError
from domain.words import musician, musician_screens
from domain.words.formats import h
from domain.words.refusals import refusal
from storage.booking_service import BookingService


async def confirm_getter(
    dialog_manager: DialogManager, booking_service: BookingService, event_from_user: TelegramUser, **_: Any
) -> dict[str, Any]:
    """What deleting would do now; or, for an owner with rooms or a musician whose session
    is on, why it cannot be done yet (and no Yes button)."""
    try:
        plan = await plan_deletion(booking_service, event_from_user.id)
    except BookingError as error:
        return {"preview": musician_screens.cannot_delete_yet(h(refusal(error))), "can_delete": False}
    preview = musician_screens.delete_my_data_preview(
        plan.upcoming, plan.refund_paise, plan.refunds_on_the_way_paise
    )
    return {"preview": preview, "can_delete": True}


async def on_delete_confirmed(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    try:
        deleted = await delete_my_data(
            manager.middleware_data["booking_service"],
            manager.middleware_data.get("payments"),
            callback.from_user.id,
        )
    except BookingError:
        await manager.switch_to(PrivacySG.confirm)  # which says why, without a Yes
        return
    await manager.reset_stack(remove_keyboard=True)
    if callback.message is not None:
        await callback.message.answer(musician.data_deleted(deleted.cancelled, deleted.refund_paise))


def build_dialog() -> Dialog:
    return Dialog(
        Window(
            Const(musician_screens.PRIVACY),
            Column(
                SwitchTo(Const("🗑 Delete my data"), id="delete", state=PrivacySG.confirm),
                Cancel(Const("‹ Back")),
            ),
            state=PrivacySG.policy,
        ),
        Window(
            Format("{preview}"),
            Column(
                Button(
                    Const("🗑 Yes, delete everything"),
                    id="yes",
                    on_click=on_delete_confirmed,
                    when="can_delete",
                ),
                SwitchTo(Const("No, keep my data"), id="no", state=PrivacySG.policy),
            ),
            state=PrivacySG.confirm,
            getter=confirm_getter,
        ),
    )
