"""My bookings: upcoming and past, a booking's details (with how to get in, for a paid
booking about to start), invoice again, cancel with the refund the policy gives now; and
the slots the musician waits for (🔔 My waits), to drop one or to pay for one that freed
and is held for them.

A booking id only ever arrives from a button, so every handler re-reads the booking
through ``booking_of_user``: a tampered id, or another musician's, is refused."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram.types import CallbackQuery
from aiogram.types import User as TelegramUser
from aiogram_dialog import DialogManager, Window
from aiogram_dialog.widgets.kbd import Back, Button, Cancel, Column, Row, ScrollingGroup, Start, SwitchTo

from bot.cancellations import cancel_for_musician
from bot.dialogs.base import Dialog
from bot.dialogs.booking import open_offered_booking
from bot.dialogs.notices import tell, told
from bot.dialogs.paying import NO_PAYMENT, pay_buttons, pay_notice, pay_options
from bot.dialogs.room_cache import room_of
from bot.dialogs.states import ChangeSG, MyBookingsSG, PrivacySG
from bot.dialogs.widgets import ShareWithBand, labelled_select
from bot.i18n import Const, Format
from domain.booking_status import BookingStatus
from domain.check_in import check_in_shown
from domain.errors import BookingError, OfferGoneError, RoomNotFoundError
from domain.start_links import SHAREABLE, share_query
from domain.words import musician, musician_screens
from domain.words.formats import money
from domain.words.refusals import refusal
from storage.booking_service import BookingService
from storage.models import Booking, Room
from storage.moves import SessionChanges
from storage.series import series_of
from storage.waitlist import waits_of

log = logging.getLogger(__name__)

SELECTED_READ = "jamroom_selected_booking"
"""Key in aiogram's per-update data: the booking a tap in the list selected, or a cancel
changed, as that tap read or wrote it, for the details screen the same update draws."""

BOOKINGS_PER_PAGE = 5
CANCELLABLE = frozenset({BookingStatus.PENDING_PAYMENT, BookingStatus.NOT_STARTED})
"""Statuses that get a Cancel button; the service still decides (and explains a refusal)."""
INVOICED = frozenset({BookingStatus.NOT_STARTED, BookingStatus.ONGOING, BookingStatus.COMPLETED})
EXTENDABLE = frozenset({BookingStatus.NOT_STARTED, BookingStatus.ONGOING})
"""Statuses that may get Add an hour (the service decides when)."""


async def _room_or_none(manager: DialogManager, room_id: str) -> Room | None:
    """The booking's room as shown (through the dialogs' room cache); None once deleted."""
    try:
        return await room_of(manager, room_id)
    except RoomNotFoundError:
        return None


async def _rooms_of(manager: DialogManager, bookings: list[Booking]) -> dict[str, Room | None]:
    return {rid: await _room_or_none(manager, rid) for rid in {b.room_id for b in bookings}}


# ---- getters -------------------------------------------------------------------------


async def list_getter(
    dialog_manager: DialogManager, booking_service: BookingService, event_from_user: TelegramUser, **_: Any
) -> dict[str, Any]:
    past = bool(dialog_manager.dialog_data.get("past"))
    bookings, waits = await asyncio.gather(
        booking_service.bookings_of_user(event_from_user.id, upcoming=not past), waits_of(event_from_user.id)
    )
    rooms = await _rooms_of(dialog_manager, bookings)
    return {
        **musician_screens.bookings_tabs(past),
        "waits_label": musician_screens.waits_button(len(waits)),
        "has_waits": bool(waits),
        "lines": "\n\n".join(musician_screens.booking_line(b, rooms[b.room_id]) for b in bookings),
        "bookings": [
            {"id": str(b.id), "label": musician_screens.booking_button(b, rooms[b.room_id])} for b in bookings
        ],
        "has_bookings": bool(bookings),
        "empty": not bookings,
    }


async def details_getter(
    dialog_manager: DialogManager,
    booking_service: BookingService,
    event_from_user: TelegramUser,
    payments: Any = None,
    **_: Any,
) -> dict[str, Any]:
    booking_id = dialog_manager.dialog_data["booking_id"]
    booking = dialog_manager.middleware_data.get(SELECTED_READ)
    if booking is None or str(booking.id) != booking_id:
        booking = await booking_service.booking_of_user(booking_id, event_from_user.id)
    room = await _room_or_none(dialog_manager, booking.room_id)
    pending = booking.status is BookingStatus.PENDING_PAYMENT
    # A week of a series is paid with the series: its Pay button asks for every week.
    payable = await series_of(booking) if pending else [booking]
    return {
        **(pay_options(payments, booking) if pending else NO_PAYMENT),
        "details": musician_screens.booking_details(booking, room),
        "check_in": await _check_in(booking_service, booking, room),
        "notice": dialog_manager.dialog_data.get("notice", ""),
        "amount": money(sum(week.amount_paise for week in payable)),
        "can_cancel": booking.status in CANCELLABLE and booking.starts_at > booking_service.clock.now(),
        "can_invoice": booking.status in INVOICED,
        **await _change_buttons(booking_service, booking),
        "share_query": share_query(booking.code) if booking.status in SHAREABLE else "",
    }


async def _change_buttons(service: BookingService, booking: Booking) -> dict[str, Any]:
    """Move, for a paid session not started (the service decides, and explains a refusal);
    Add an hour, while the session is on or starts within the hour and the next slot is
    free, with its price."""
    now = service.clock.now()
    movable = (
        booking.status is BookingStatus.NOT_STARTED
        and booking.starts_at > now
        and bool(booking.payments)
        and booking.series is None
        and booking.change is None
    )
    extra = await SessionChanges(service).extension_offer(booking) if booking.status in EXTENDABLE else None
    return {
        "can_move": movable,
        "can_extend": extra is not None,
        "extend_label": musician_screens.add_hour_button(extra.difference_paise) if extra else "",
        "change_waiting": booking.change is not None,
    }


async def _check_in(service: BookingService, booking: Booking, room: Room | None) -> str:
    """How to get in, for a paid booking from two hours before its start until its end;
    read from the room itself, not the dialogs' cache, so a new code shows at once."""
    if room is None or not check_in_shown(
        booking.status, booking.starts_at, booking.ends_at, service.clock.now()
    ):
        return ""
    access_info = (await service.room(booking.room_id)).access_info
    return musician.check_in_block(access_info) if access_info else ""


async def waits_getter(
    dialog_manager: DialogManager, event_from_user: TelegramUser, **_: Any
) -> dict[str, Any]:
    waits = await waits_of(event_from_user.id)
    rooms = {rid: await _room_or_none(dialog_manager, rid) for rid in {w.room_id for w in waits}}
    return {
        "lines": "\n".join(musician_screens.wait_line(w, rooms[w.room_id]) for w in waits),
        "has_waits": bool(waits),
        "empty": not waits,
        "waits": [
            {"id": w.id, "label": musician_screens.wait_drop_button(w, rooms[w.room_id])} for w in waits
        ],
        "offers": [
            {"id": w.id, "label": musician_screens.offer_pay_button(w, rooms[w.room_id])}
            for w in waits
            if w.offer_id
        ],
        "told": told(dialog_manager),
    }


async def cancel_getter(
    dialog_manager: DialogManager, booking_service: BookingService, event_from_user: TelegramUser, **_: Any
) -> dict[str, Any]:
    booking = await booking_service.booking_of_user(
        dialog_manager.dialog_data["booking_id"], event_from_user.id
    )
    quote = await booking_service.refund_quote(booking)
    return {"preview": musician_screens.refund_preview(booking, quote)}


# ---- handlers ------------------------------------------------------------------------


def _service(manager: DialogManager) -> BookingService:
    return manager.middleware_data["booking_service"]


async def on_tab(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    manager.dialog_data["past"] = button.widget_id == "past"
    await manager.find("bookings_page").set_page(0)  # type: ignore[union-attr]


async def on_booking_selected(
    callback: CallbackQuery, widget: Any, manager: DialogManager, booking_id: str
) -> None:
    try:
        booking = await _service(manager).booking_of_user(booking_id, callback.from_user.id)
    except BookingError:
        await callback.answer(musician.NOT_AMONG_YOURS, show_alert=True)
        return
    manager.dialog_data["booking_id"] = str(booking.id)
    manager.middleware_data[SELECTED_READ] = booking
    manager.dialog_data.pop("notice", None)
    await manager.switch_to(MyBookingsSG.details)


async def on_cancel_confirmed(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    try:
        outcome = await cancel_for_musician(
            _service(manager),
            manager.dialog_data["booking_id"],
            callback.from_user.id,
            manager.middleware_data.get("payments"),
        )
    except BookingError as error:
        await callback.answer(refusal(error), show_alert=True)
        await manager.switch_to(MyBookingsSG.details)
        return
    manager.dialog_data["notice"] = musician.cancelled(outcome.refund.amount_paise)
    if not (outcome.booking.refund or {}).get("due_paise"):  # a refund changes it again: read it then
        manager.middleware_data[SELECTED_READ] = outcome.booking
    await manager.switch_to(MyBookingsSG.details)


async def on_send_invoice(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    booking = await _service(manager).booking_of_user(
        manager.dialog_data["booking_id"], callback.from_user.id
    )
    payments = manager.middleware_data.get("payments")
    if payments is None or booking.status not in INVOICED:
        await callback.answer(musician.INVOICE_UNAVAILABLE, show_alert=True)
        return
    await payments.send_invoice(booking)
    await callback.answer(musician.INVOICE_COMING)


async def on_drop_wait(callback: CallbackQuery, widget: Any, manager: DialogManager, wait_id: str) -> None:
    try:
        await _service(manager).drop_wait(callback.from_user.id, wait_id)
    except BookingError as error:
        await callback.answer(refusal(error), show_alert=True)
        return
    tell(manager, musician.WAIT_DROPPED)


async def on_pay_offer(callback: CallbackQuery, widget: Any, manager: DialogManager, wait_id: str) -> None:
    """Pay for a slot held for the musician: the wait's offer, read back through the
    service (a tampered or lapsed one books nothing)."""
    wait = next((w for w in await waits_of(callback.from_user.id) if w.id == wait_id), None)
    if wait is None or wait.offer_id is None:
        await callback.answer(refusal(OfferGoneError()), show_alert=True)
        return
    try:
        booking = await _service(manager).book_offer(callback.from_user.id, wait.offer_id)
    except BookingError as error:
        await callback.answer(refusal(error), show_alert=True)
        return
    await open_offered_booking(manager, booking)


async def on_move_pressed(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    service = _service(manager)
    try:
        booking = await service.booking_of_user(manager.dialog_data["booking_id"], callback.from_user.id)
        await SessionChanges(service).check_movable(booking, await service.room(booking.room_id))
    except BookingError as error:
        await callback.answer(refusal(error), show_alert=True)
        return
    await manager.start(ChangeSG.day, data={"booking_id": str(booking.id), "room_id": booking.room_id})


async def on_extend_pressed(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    service = _service(manager)
    try:
        offer = await SessionChanges(service).extension_check(
            manager.dialog_data["booking_id"], callback.from_user.id
        )
    except BookingError as error:
        await callback.answer(refusal(error), show_alert=True)
        return
    booking = offer.booking
    data = {"booking_id": str(booking.id), "room_id": booking.room_id, "extend": True}
    await manager.start(ChangeSG.day, data=data)


async def on_pay_change_pressed(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    """Back to the pay screen of the booking's move or hour that waits for payment."""
    service = _service(manager)
    booking = await service.booking_of_user(manager.dialog_data["booking_id"], callback.from_user.id)
    data = {"booking_id": str(booking.id), "room_id": booking.room_id, "pay": True}
    await manager.start(ChangeSG.day, data=data)


async def on_change_done(start_data: Any, result: Any, manager: DialogManager) -> None:
    """Back from moving or adding an hour: what happened, under the booking."""
    if isinstance(result, dict) and result.get("notice"):
        manager.dialog_data["notice"] = result["notice"]


async def on_cancel_pressed(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    manager.dialog_data.pop("notice", None)
    await manager.switch_to(MyBookingsSG.cancel)


def build_dialog() -> Dialog:
    return Dialog(
        Window(
            Format(musician_screens.LIST_HEADING),
            Format("{lines}", when="has_bookings"),
            Const(musician_screens.NO_BOOKINGS_YET, when="empty"),
            Row(
                Button(Format("{upcoming_tab}"), id="upcoming", on_click=on_tab),
                Button(Format("{past_tab}"), id="past", on_click=on_tab),
            ),
            ScrollingGroup(
                labelled_select("booking", "bookings", on_booking_selected),
                id="bookings_page",
                width=1,
                height=BOOKINGS_PER_PAGE,
                hide_on_single_page=True,
            ),
            SwitchTo(Format("{waits_label}"), id="waits", state=MyBookingsSG.waits, when="has_waits"),
            Start(Const("🗑 Delete my data"), id="delete_my_data", state=PrivacySG.confirm),
            Cancel(Const("‹ Menu")),
            state=MyBookingsSG.list,
            getter=list_getter,
        ),
        Window(
            Const(musician_screens.WAITS_HEADING),
            Format("{lines}", when="has_waits"),
            Const(musician_screens.NO_WAITS, when="empty"),
            Const(musician_screens.WAITS_FOOTER, when="has_waits"),
            Format(musician_screens.NOTICE_TOLD, when="told"),
            Column(labelled_select("pay_offer", "offers", on_pay_offer)),
            Column(labelled_select("drop_wait", "waits", on_drop_wait)),
            SwitchTo(Const("‹ My bookings"), id="back_to_list", state=MyBookingsSG.list),
            state=MyBookingsSG.waits,
            getter=waits_getter,
        ),
        Window(
            Format("{details}"),
            Format("\n{check_in}", when="check_in"),
            Format(musician_screens.NOTICE, when="notice"),
            pay_notice(),
            Column(
                pay_buttons(),
                Button(
                    Const("📄 Send the invoice again"),
                    id="invoice",
                    on_click=on_send_invoice,
                    when="can_invoice",
                ),
                Button(Format("{extend_label}"), id="extend", on_click=on_extend_pressed, when="can_extend"),
                Button(
                    Const(musician_screens.MOVE_BUTTON), id="move", on_click=on_move_pressed, when="can_move"
                ),
                Button(
                    Const("💳 Pay for the change"),
                    id="pay_change",
                    on_click=on_pay_change_pressed,
                    when="change_waiting",
                ),
                Button(
                    Const("✖ Cancel this booking"), id="cancel", on_click=on_cancel_pressed, when="can_cancel"
                ),
                ShareWithBand(),
            ),
            SwitchTo(Const("‹ My bookings"), id="back_to_bookings", state=MyBookingsSG.list),
            state=MyBookingsSG.details,
            getter=details_getter,
        ),
        Window(
            Format("{preview}"),
            Button(Const("Yes, cancel it"), id="yes", on_click=on_cancel_confirmed),
            Back(Const("No, keep it")),
            state=MyBookingsSG.cancel,
            getter=cancel_getter,
        ),
        on_process_result=on_change_done,
    )
