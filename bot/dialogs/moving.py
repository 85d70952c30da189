"""Move a paid session (new day → new slots → review → move, or pay the difference) and
add an hour to one (review → pay), started from My bookings with the booking's id.

Every rule is ``storage.moves.SessionChanges``': this module shows fresh offers (the
booking's own slots count as free: a session can move an hour later), passes the
musician's choice on and explains the refusals. The booking id comes from the dialog's
own data and is read again through ``booking_of_user`` on every tap."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date
from typing import Any

from aiogram.types import CallbackQuery
from aiogram_dialog import DialogManager, Window
from aiogram_dialog.api.protocols import CancelEventProcessing
from aiogram_dialog.widgets.kbd import (
    Back,
    Button,
    Cancel,
    Column,
    ManagedMultiselect,
    Row,
    Url,
)

from bot.dialogs.base import Dialog
from bot.dialogs.booking import day_getter
from bot.dialogs.notices import tell, told
from bot.dialogs.paying import NO_PAYMENT, link_options, pay_notice, sandbox_of
from bot.dialogs.room_cache import room_of
from bot.dialogs.states import ChangeSG
from bot.dialogs.widgets import SLOTS_ID, BookableCalendar, slot_picker
from bot.i18n import Const, Format
from domain.availability import SlotOffer, SlotState
from domain.errors import BookingError, ChangeGoneError
from domain.moves import ChangeKind
from domain.words import musician, musician_screens
from domain.words.formats import day, moment, money, session_span
from domain.words.refusals import refusal, too_many_slots
from payments.gateway import GatewayError
from storage.booking_service import BookingService, parse_slot_keys
from storage.models import Booking, Room
from storage.moves import SessionChanges
from storage.times import from_ms
from storage.users import user_by_id

log = logging.getLogger(__name__)

CALENDAR_ID = "calendar"


def _service(manager: DialogManager) -> BookingService:
    return manager.middleware_data["booking_service"]


def _changes(manager: DialogManager) -> SessionChanges:
    return SessionChanges(_service(manager))


def _slots(manager: DialogManager) -> ManagedMultiselect[str]:
    return manager.find(SLOTS_ID)  # type: ignore[return-value]


async def _booking(manager: DialogManager, user_id: int) -> Booking:
    return await _service(manager).booking_of_user(manager.dialog_data["booking_id"], user_id)


async def _offers(manager: DialogManager, booking: Booking, room: Room) -> list[SlotOffer]:
    """The chosen day's offers; the booking's own slots are free for it."""
    chosen = date.fromisoformat(manager.dialog_data["day"])
    offers = await _service(manager).offers(room, chosen)
    own = set(booking.slot_starts)
    return [
        replace(o, state=SlotState.FREE) if o.slot.start in own and o.state is SlotState.TAKEN else o
        for o in offers
    ]


# ---- getters -------------------------------------------------------------------------


async def move_day_getter(
    dialog_manager: DialogManager, booking_service: BookingService, event_from_user: Any, **kwargs: Any
) -> dict[str, Any]:
    booking = await _booking(dialog_manager, event_from_user.id)
    room = await room_of(dialog_manager, booking.room_id)
    free_until = await _changes(dialog_manager).free_move_until(booking)
    return {
        **await day_getter(dialog_manager, booking_service, **kwargs),
        "code": booking.code,
        "now_span": session_span(booking, room.zone),
        "free_until": moment(free_until, room.zone),
    }


async def move_slots_getter(
    dialog_manager: DialogManager, booking_service: BookingService, event_from_user: Any, **_: Any
) -> dict[str, Any]:
    booking = await _booking(dialog_manager, event_from_user.id)
    room = await room_of(dialog_manager, booking.room_id)
    offers = await _offers(dialog_manager, booking, room)
    wanted = set(_slots(dialog_manager).get_checked())
    chosen = [o for o in offers if o.slot.key in wanted and o.bookable]
    return {
        "code": booking.code,
        "day": day(date.fromisoformat(dialog_manager.dialog_data["day"])),
        "zone": room.zone.key,
        "slots": [{"key": o.slot.key, "text": musician_screens.slot_button(o, room.zone)} for o in offers],
        "no_slots": not offers,
        "has_selection": bool(chosen),
        "total": money(sum(o.price_paise for o in chosen)),
        "notice": told(dialog_manager),
    }


async def move_review_getter(
    dialog_manager: DialogManager, booking_service: BookingService, event_from_user: Any, **_: Any
) -> dict[str, Any]:
    data = dialog_manager.dialog_data
    offer = await _changes(dialog_manager).move_offer(
        data["booking_id"], event_from_user.id, date.fromisoformat(data["day"]), data.get("keys", [])
    )
    free_until = await _changes(dialog_manager).free_move_until(offer.booking)
    hold_minutes = int(booking_service.rules.hold.total_seconds() // 60)
    review = musician_screens.move_review(
        offer.booking, offer.room, offer.day, offer.slots, offer.difference_paise, free_until, hold_minutes
    )
    return {"review": review, "to_pay": offer.difference_paise > 0, "free": offer.difference_paise <= 0}


async def extend_getter(
    dialog_manager: DialogManager, booking_service: BookingService, event_from_user: Any, **_: Any
) -> dict[str, Any]:
    offer = await _changes(dialog_manager).extension_check(
        dialog_manager.dialog_data["booking_id"], event_from_user.id
    )
    extra = offer.new_slots[0]
    return {"review": musician_screens.extend_review(offer.booking, offer.room, extra, extra.price_paise)}


async def pay_getter(
    dialog_manager: DialogManager, event_from_user: Any, payments: Any = None, **_: Any
) -> dict[str, Any]:
    booking = await _booking(dialog_manager, event_from_user.id)
    room = await room_of(dialog_manager, booking.room_id)
    change = booking.change
    if change is None:
        return {"text": refusal(ChangeGoneError()), **NO_PAYMENT, "amount": "", "pay_error": False}
    lapses_at = from_ms(change.lapses_ms) or booking.starts_at
    return {
        "text": musician_screens.change_pay(
            booking, room, change.kind, change.day, change.slots, change.due_paise, lapses_at
        ),
        "amount": money(change.due_paise),
        **link_options(payments, change.link_id, change.link_url),
        "pay_error": dialog_manager.dialog_data.get("pay_state") == "error",
        "notice": told(dialog_manager),
    }


# ---- handlers ------------------------------------------------------------------------


async def on_start(start_data: Any, manager: DialogManager) -> None:
    """``start_data``: the booking's id and its room's (My bookings checked them), and
    ``extend`` to open on Add an hour."""
    manager.dialog_data["booking_id"] = start_data["booking_id"]
    manager.dialog_data["room_id"] = start_data["room_id"]


async def on_day_selected(
    callback: CallbackQuery, widget: Any, manager: DialogManager, chosen: date, /
) -> None:
    service = _service(manager)
    room = await room_of(manager, manager.dialog_data["room_id"])
    if not service.is_bookable_day(room, chosen):
        await callback.answer(musician.day_closed(room, chosen), show_alert=True)
        return
    if manager.dialog_data.get("day") != chosen.isoformat():
        await _slots(manager).reset_checked()
    manager.dialog_data["day"] = chosen.isoformat()
    await manager.switch_to(ChangeSG.slots)


async def on_slot_clicked(
    callback: CallbackQuery, widget: ManagedMultiselect[str], manager: DialogManager, key: str
) -> None:
    """Checks a slot before the Multiselect toggles it: free (or the session's own), at
    most the room's limit. Unchecking is always allowed."""
    if widget.is_checked(key):
        return
    booking = await _booking(manager, callback.from_user.id)
    room = await room_of(manager, booking.room_id)
    offer = next((o for o in await _offers(manager, booking, room) if o.slot.key == key), None)
    if offer is None:
        await callback.answer(musician.SLOT_NOT_LISTED, show_alert=True)
        raise CancelEventProcessing
    if not offer.bookable:
        await callback.answer(musician.slot_not_bookable(offer.slot, room.zone, offer.state), show_alert=True)
        raise CancelEventProcessing
    limit = _service(manager).room_rules(room).max_slots
    if len(widget.get_checked()) >= limit:
        await callback.answer(too_many_slots(limit), show_alert=True)
        raise CancelEventProcessing


async def on_review(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    keys = parse_slot_keys(_slots(manager).get_checked())
    data = manager.dialog_data
    try:
        await _changes(manager).move_offer(
            data["booking_id"], callback.from_user.id, date.fromisoformat(data["day"]), keys
        )
    except BookingError as error:
        await callback.answer(refusal(error), show_alert=True)
        return
    data["keys"] = keys
    await manager.switch_to(ChangeSG.review)


async def on_move_confirmed(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    data = manager.dialog_data
    try:
        outcome = await _changes(manager).request_move(
            data["booking_id"], callback.from_user.id, date.fromisoformat(data["day"]), data.get("keys", [])
        )
    except BookingError as error:
        await callback.answer(refusal(error), show_alert=True)
        await manager.switch_to(ChangeSG.slots)
        return
    payments = manager.middleware_data.get("payments")
    if outcome.applied:
        room = await room_of(manager, outcome.booking.room_id)
        if payments is not None:
            await payments.announce_change(outcome.before, outcome.booking, room, outcome.refund_paise)
            if outcome.refund_paise:
                await payments.refund_due(outcome.booking)
        await manager.done({"notice": musician_screens.moved_notice(outcome.refund_paise)})
        return
    await _prepare_link(manager, outcome.booking)
    await manager.switch_to(ChangeSG.pay)


async def on_extend_confirmed(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    try:
        outcome = await _changes(manager).request_extension(
            manager.dialog_data["booking_id"], callback.from_user.id
        )
    except BookingError as error:
        await callback.answer(refusal(error), show_alert=True)
        await manager.done()
        return
    await _prepare_link(manager, outcome.booking)
    await manager.switch_to(ChangeSG.pay)


async def _prepare_link(manager: DialogManager, booking: Booking) -> None:
    """The difference's payment link; on a gateway failure the claim stays and the
    musician gets a Try again button."""
    payments = manager.middleware_data.get("payments")
    if payments is None:
        manager.dialog_data["pay_state"] = "error"
        return
    room = await room_of(manager, booking.room_id)
    try:
        await payments.ensure_change_link(booking, room, await user_by_id(booking.user_id))
    except GatewayError:
        log.warning("payment link for a change of %s failed", booking.code, exc_info=True)
        manager.dialog_data["pay_state"] = "error"
        return
    except ChangeGoneError:
        pass
    manager.dialog_data["pay_state"] = "ready"


async def on_retry(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    try:
        booking, _ = await _changes(manager).pending_change_of(
            manager.dialog_data["booking_id"], callback.from_user.id
        )
    except BookingError as error:
        await callback.answer(refusal(error), show_alert=True)
        return
    await _prepare_link(manager, booking)
    if manager.dialog_data.get("pay_state") == "error":
        tell(manager, musician_screens.CHANGE_PAYMENT_DOWN)


async def on_test_pay(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    """The sandbox's Pay in the chat: the path of a real payment (the sandbox marks the
    change's link paid and sends our webhook the signed event)."""
    sandbox = sandbox_of(manager.middleware_data.get("payments"))
    if sandbox is None:
        await callback.answer(musician.REAL_PAYMENTS_ONLY, show_alert=True)
        return
    try:
        _, change = await _changes(manager).pending_change_of(
            manager.dialog_data["booking_id"], callback.from_user.id
        )
    except BookingError as error:
        await callback.answer(refusal(error), show_alert=True)
        return
    if not change.link_id:
        await callback.answer(musician.SANDBOX_NO_LINK_YET, show_alert=True)
        return
    link, refused = await sandbox.pay(change.link_id)
    if refused is not None:
        await callback.answer(
            musician.SANDBOX_LINK_GONE if link is None else musician.SANDBOX_ALREADY_PAID, show_alert=True
        )
        return
    words = musician.MOVE_PAID_CONFIRMING if change.kind == ChangeKind.MOVE else musician.HOUR_PAID_CONFIRMING
    await callback.answer(words)
    await manager.done()


async def on_dialog_start(start_data: Any, manager: DialogManager) -> None:
    """Opened on the move's calendar; on Add an hour (``extend``); or on the pay screen
    of the change that waits for payment (``pay``)."""
    await on_start(start_data, manager)
    if start_data.get("extend"):
        await manager.switch_to(ChangeSG.extend)
    elif start_data.get("pay"):
        manager.dialog_data["pay_state"] = "ready"
        await manager.switch_to(ChangeSG.pay)


def build_dialog() -> Dialog:
    return Dialog(
        Window(
            Format(musician_screens.MOVE_PICK_A_DAY),
            BookableCalendar(id=CALENDAR_ID, on_click=on_day_selected),
            Cancel(Const("‹ Back")),
            state=ChangeSG.day,
            getter=move_day_getter,
        ),
        Window(
            Format(musician_screens.MOVE_SLOTS_HEADING),
            Format(musician_screens.NOTICE, when="notice"),
            slot_picker(on_slot_clicked),
            Button(Format("Review · {total} ›"), id="review", on_click=on_review, when="has_selection"),
            Row(Back(Const("‹ Date")), Cancel(Const("✖ Keep it as it is"))),
            state=ChangeSG.slots,
            getter=move_slots_getter,
        ),
        Window(
            Format("{review}"),
            Button(Const("✅ Move it"), id="move", on_click=on_move_confirmed, when="free"),
            Button(
                Const("✅ Move it and pay the difference"),
                id="move_pay",
                on_click=on_move_confirmed,
                when="to_pay",
            ),
            Row(Back(Const("‹ Slots")), Cancel(Const("✖ Keep it as it is"))),
            state=ChangeSG.review,
            getter=move_review_getter,
        ),
        Window(
            Format("{text}"),
            Format(musician_screens.NOTICE, when="notice"),
            pay_notice(),
            Column(
                Url(Format("💳 Pay {amount}"), Format("{pay_url}"), id="pay", when="pay_url"),
                Button(
                    Format("💳 Pay {amount} (test)"), id="test_pay", on_click=on_test_pay, when="pay_in_chat"
                ),
                Button(Const("🔄 Try again"), id="retry", on_click=on_retry, when="pay_error"),
            ),
            Cancel(Const("‹ My bookings")),
            state=ChangeSG.pay,
            getter=pay_getter,
        ),
        Window(
            Format("{review}"),
            Button(Const("✅ Add the hour"), id="extend", on_click=on_extend_confirmed),
            Cancel(Const("‹ Back")),
            state=ChangeSG.extend,
            getter=extend_getter,
        ),
        on_start=on_dialog_start,
    )
