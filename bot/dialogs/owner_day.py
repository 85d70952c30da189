"""An owner's day in a room: the schedule (a Calendar to change day), a booking's
details with the musician's contact, cancelling it as the room with a reason (full
refund), marking a session nobody came to as a no-show (or undoing that) within a day
of its end, and blocking or freeing slots.

Blocks use the booking service's slot claims, so a block can never collide with a
booking; each tap re-checks ownership (``owned_room``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram_dialog import DialogManager, Window
from aiogram_dialog.widgets.input import ManagedTextInput, TextInput
from aiogram_dialog.widgets.kbd import (
    Button,
    Calendar,
    Cancel,
    Column,
    Group,
    ManagedCalendar,
    Row,
    SwitchTo,
)

from bot.cancellations import REASON_LIMIT, terminate_for_owner
from bot.dialogs.base import Dialog
from bot.dialogs.notices import tell, told
from bot.dialogs.owner import owned_room
from bot.dialogs.states import OwnerDaySG
from bot.dialogs.widgets import labelled_select
from bot.i18n import Const, Format
from domain.availability import SlotState, day_block
from domain.booking_status import BookingStatus
from domain.errors import BookingError, NotOwnerError, SlotsTakenError
from domain.no_shows import no_show_closes_at, no_show_problem
from domain.words import owner_screens as words
from domain.words.formats import day, h, money, session_span
from domain.words.refusals import refusal
from storage.booking_service import BookingService
from storage.bookings import bookings_on
from storage.models import Booking
from storage.users import user_by_id, users_by_ids

S = BookingStatus
TERMINABLE = frozenset({S.NOT_STARTED, S.ONGOING})


def _service(manager: DialogManager) -> BookingService:
    return manager.middleware_data["booking_service"]


def _day(manager: DialogManager) -> date:
    return date.fromisoformat(manager.dialog_data["day"])


async def _booking_of_room(manager: DialogManager) -> Booking:
    """The chosen booking, if it belongs to the owner's room (else NotOwnerError)."""
    room = await owned_room(manager)
    booking = await _service(manager).booking(manager.dialog_data.get("booking_id", ""))
    if booking.room_id != str(room.id):
        raise NotOwnerError
    return booking


# ---- getters -------------------------------------------------------------------------


async def schedule_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    room = await owned_room(dialog_manager)
    shown = _day(dialog_manager)
    bookings = [b for b in await bookings_on(room, shown) if b.status is not S.EXPIRED]
    musicians = await users_by_ids(b.user_id for b in bookings)
    lines = [words.schedule_line(b, room, musicians.get(b.user_id)) for b in bookings]
    items = [
        {"id": str(b.id), "label": words.schedule_button(b, room, musicians.get(b.user_id))} for b in bookings
    ]
    return {
        "name": h(room.name),
        "day": day(shown),
        "lines": "\n".join(lines) or words.NO_BOOKINGS,
        "bookings": items,
        "notice": told(dialog_manager),
    }


async def booking_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    booking = await _booking_of_room(dialog_manager)
    room = await owned_room(dialog_manager)
    musician = await user_by_id(booking.user_id)
    now = _service(dialog_manager).clock.now()
    no_show_open = no_show_problem(booking.status, booking.ends_at, now) is None
    return {
        "details": words.booking_details(booking, room, musician),
        "terminable": booking.status in TERMINABLE,
        "no_show_open": no_show_open,
        "no_show_window": words.no_show_window(no_show_closes_at(booking.ends_at), room.zone),
        "can_mark_no_show": no_show_open and not booking.no_show,
        "can_undo_no_show": no_show_open and booking.no_show,
        "notice": told(dialog_manager),
    }


async def terminate_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    booking = await _booking_of_room(dialog_manager)
    room = await owned_room(dialog_manager)
    return {
        "code": booking.code,
        "when": session_span(booking, room.zone),
        "amount": money(booking.amount_paise),
        "reason": h(dialog_manager.dialog_data.get("reason", "")),
    }


async def blocks_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    room = await owned_room(dialog_manager)
    shown = _day(dialog_manager)
    offers = await _service(dialog_manager).offers(room, shown)
    items = [{"key": o.slot.key, "label": words.slot_button(o.state, o.slot, room.zone)} for o in offers]
    return {
        "name": h(room.name),
        "day": day(shown),
        "slots": items,
        "closed": not items,
        "notice": told(dialog_manager),
    }


# ---- handlers ------------------------------------------------------------------------


async def on_start(start_data: Any, manager: DialogManager) -> None:
    manager.dialog_data["room_id"] = start_data["room_id"]
    room = await owned_room(manager)
    manager.dialog_data["day"] = _service(manager).today(room).isoformat()


async def _move_day(manager: DialogManager, days: int) -> None:
    manager.dialog_data["day"] = (_day(manager) + timedelta(days=days)).isoformat()


async def on_previous(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await _move_day(manager, -1)


async def on_next(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await _move_day(manager, 1)


async def on_pick_day(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    manager.dialog_data["then"] = manager.current_context().state.state
    calendar: ManagedCalendar = manager.find("calendar")  # type: ignore[assignment]
    calendar.set_offset(_day(manager))  # open on the month being looked at
    await manager.switch_to(OwnerDaySG.calendar)


async def on_day_selected(
    callback: CallbackQuery, widget: Any, manager: DialogManager, chosen: date, /
) -> None:
    manager.dialog_data["day"] = chosen.isoformat()
    await _back_from_calendar(manager)


async def on_calendar_back(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await _back_from_calendar(manager)


async def _back_from_calendar(manager: DialogManager) -> None:
    """Back to the window the calendar was opened from (the schedule or the blocks)."""
    blocks = manager.dialog_data.get("then") == OwnerDaySG.blocks.state
    await manager.switch_to(OwnerDaySG.blocks if blocks else OwnerDaySG.schedule)


async def on_booking_selected(
    callback: CallbackQuery, widget: Any, manager: DialogManager, booking_id: str
) -> None:
    manager.dialog_data["booking_id"] = booking_id
    await _booking_of_room(manager)  # refuses a tampered id before showing anything
    await manager.switch_to(OwnerDaySG.booking)


async def on_reason(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, reason: str
) -> None:
    manager.dialog_data["reason"] = reason
    await manager.switch_to(OwnerDaySG.terminate)


def parse_reason(text: str) -> str:
    cleaned = " ".join(text.split())
    if len(cleaned) < 3:
        raise ValueError(words.REASON_TOO_SHORT)
    if len(cleaned) > REASON_LIMIT:
        raise ValueError(words.reason_too_long(REASON_LIMIT))
    return cleaned


async def on_reason_error(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, error: ValueError
) -> None:
    await message.answer(str(error))


async def on_terminate(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    booking = await _booking_of_room(manager)
    room = await owned_room(manager)
    try:
        ended = await terminate_for_owner(
            _service(manager),
            booking,
            room,
            callback.from_user.id,
            manager.dialog_data.get("reason", ""),
            manager.middleware_data.get("payments"),
        )
    except BookingError as error:
        await callback.answer(refusal(error), show_alert=True)
        await manager.switch_to(OwnerDaySG.booking)
        return
    tell(manager, words.terminated_notice(ended))
    await manager.switch_to(OwnerDaySG.schedule)


async def on_no_show(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await _set_no_show(callback, manager, no_show=True)


async def on_undo_no_show(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await _set_no_show(callback, manager, no_show=False)


async def _set_no_show(callback: CallbackQuery, manager: DialogManager, *, no_show: bool) -> None:
    """The service decides (whose room, paid, ended within the day); a refusal is an alert
    and changes nothing."""
    booking = await _booking_of_room(manager)
    service = _service(manager)
    change = service.mark_no_show if no_show else service.undo_no_show
    try:
        changed = await change(booking.id, callback.from_user.id)
    except BookingError as error:
        await callback.answer(refusal(error), show_alert=True)
        return
    tell(manager, words.no_show_marked(changed) if no_show else words.no_show_undone(changed))


async def on_slot_tapped(callback: CallbackQuery, widget: Any, manager: DialogManager, key: str) -> None:
    room = await owned_room(manager)
    service = _service(manager)
    shown = _day(manager)
    offer = next((o for o in await service.offers(room, shown) if o.slot.key == key), None)
    if offer is None:
        await callback.answer(words.SLOT_NOT_LISTED, show_alert=True)
        return
    match offer.state:
        case SlotState.BLOCKED:
            await service.unblock_slots(room, shown, [key])
            tell(manager, words.slot_freed(offer.slot, room.zone))
        case SlotState.FREE | SlotState.TOO_SOON:
            await _block(manager, [key], words.slot_blocked(offer.slot, room.zone))
        case SlotState.TAKEN:
            await callback.answer(words.slot_is_booked(offer.slot, room.zone), show_alert=True)
        case SlotState.PAST:
            await callback.answer(words.slot_is_over(offer.slot, room.zone), show_alert=True)


async def _block(manager: DialogManager, keys: list[str], done: str) -> None:
    room = await owned_room(manager)
    user = manager.event.from_user  # type: ignore[union-attr]
    try:
        await _service(manager).block_slots(room, _day(manager), keys, owner_id=user.id)
    except SlotsTakenError as error:
        tell(manager, words.just_taken(error.starts, room.zone))
        return
    tell(manager, done)


async def on_block_day(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    room = await owned_room(manager)
    plan = day_block(await _service(manager).offers(room, _day(manager)))
    if not plan.free:
        await callback.answer(words.NO_FREE_SLOT_TODAY, show_alert=True)
        return
    done = words.day_blocked(len(plan.free), len(plan.booked))
    await _block(manager, [o.slot.key for o in plan.free], done)


async def on_unblock_day(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    room = await owned_room(manager)
    offers = await _service(manager).offers(room, _day(manager))
    blocked = [o.slot.key for o in offers if o.state is SlotState.BLOCKED]
    freed = await _service(manager).unblock_slots(room, _day(manager), blocked)
    tell(manager, words.day_freed(freed))


def _day_row() -> Row:
    return Row(
        Button(Const("‹ Day"), id="previous", on_click=on_previous),
        Button(Const("📆 Pick"), id="pick", on_click=on_pick_day),
        Button(Const("Day ›"), id="next", on_click=on_next),
    )


def build_dialog() -> Dialog:
    return Dialog(
        Window(
            Const(words.PICK_A_DAY),
            Calendar(id="calendar", on_click=on_day_selected),
            Button(Const("‹ Back"), id="back", on_click=on_calendar_back),
            state=OwnerDaySG.calendar,
        ),
        Window(
            Format(words.SCHEDULE),
            Format(words.NOTICE, when="notice"),
            Column(
                labelled_select("booking", "bookings", on_booking_selected),
            ),
            _day_row(),
            Row(
                SwitchTo(Const("🚫 Block slots"), id="blocks", state=OwnerDaySG.blocks),
                Cancel(Const("‹ Room")),
            ),
            state=OwnerDaySG.schedule,
            getter=schedule_getter,
        ),
        Window(
            Format("{details}"),
            Format("{no_show_window}", when="no_show_open"),
            Format(words.NOTICE, when="notice"),
            SwitchTo(
                Const("❌ Cancel booking (full refund)"),
                id="cancel",
                state=OwnerDaySG.reason,
                when="terminable",
            ),
            Button(Const("🚫 Mark as no-show"), id="no_show", on_click=on_no_show, when="can_mark_no_show"),
            Button(
                Const("↩️ Undo no-show"), id="undo_no_show", on_click=on_undo_no_show, when="can_undo_no_show"
            ),
            SwitchTo(Const("‹ Day"), id="back", state=OwnerDaySG.schedule),
            state=OwnerDaySG.booking,
            getter=booking_getter,
        ),
        Window(
            Const(words.ASK_REASON),
            TextInput(id="reason", type_factory=parse_reason, on_success=on_reason, on_error=on_reason_error),
            SwitchTo(Const("‹ Keep the booking"), id="back", state=OwnerDaySG.booking),
            state=OwnerDaySG.reason,
        ),
        Window(
            Format(words.CONFIRM_TERMINATE),
            Button(Const("Yes, cancel and refund"), id="terminate", on_click=on_terminate),
            SwitchTo(Const("‹ No, keep it"), id="back", state=OwnerDaySG.booking),
            state=OwnerDaySG.terminate,
            getter=terminate_getter,
        ),
        Window(
            Format(words.BLOCKS),
            Const(words.CLOSED_THAT_DAY, when="closed"),
            Format(words.NOTICE, when="notice"),
            Group(
                labelled_select("slot", "slots", on_slot_tapped, key="key"),
                width=3,
            ),
            Row(
                Button(Const("⛔ Block the day"), id="block_day", on_click=on_block_day),
                Button(Const("🟢 Free the day"), id="unblock_day", on_click=on_unblock_day),
            ),
            _day_row(),
            Row(
                SwitchTo(Const("📅 Schedule"), id="schedule", state=OwnerDaySG.schedule),
                Cancel(Const("‹ Room")),
            ),
            state=OwnerDaySG.blocks,
            getter=blocks_getter,
        ),
        on_start=on_start,
    )
