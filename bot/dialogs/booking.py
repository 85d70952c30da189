"""Book a room: day → slots → review → confirm → pay; or from the review, repeat
weekly → how many weeks → the weeks that can be had → confirm → pay once for all.

Every rule lives in BookingService; this module only shows fresh offers, passes the
musician's choice on and explains the service's refusals.

A taken slot offers 🔔 Tell me if it frees (the waitlist, storage/waitlist.py), and so
does the slot screen after a choice lost slots at Review or Confirm. An open slot
screen is kept live (issue 17 §4): the handlers that draw it note what it shows
(``storage.live_screens.watch``), and ``redraw_slot_screen`` draws it again from a
background job when the day's claims change (jobs/live_screens.py)."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta
from typing import Any

from aiogram.types import CallbackQuery, Message
from aiogram_dialog import DialogManager, ShowMode, Window
from aiogram_dialog.api.protocols import CancelEventProcessing
from aiogram_dialog.widgets.input import ManagedTextInput, TextInput
from aiogram_dialog.widgets.kbd import (
    Back,
    Button,
    Cancel,
    Group,
    ManagedMultiselect,
    Row,
    SwitchTo,
)
from aiogram_dialog.widgets.kbd.calendar_kbd import CalendarScope, ManagedCalendar

from bot.dialogs.base import Dialog
from bot.dialogs.main_menu import open_main_menu, open_over_menu
from bot.dialogs.marks_cache import marks_of
from bot.dialogs.notices import tell, told
from bot.dialogs.paying import NO_PAYMENT, pay_buttons, pay_notice, pay_options
from bot.dialogs.room_cache import room_of
from bot.dialogs.states import BookingSG, MyBookingsSG
from bot.dialogs.widgets import SLOTS_ID, BookableCalendar, ShareWithBand, labelled_select, slot_picker
from bot.i18n import Const, Format
from bot.users import register_from
from domain.availability import SlotOffer
from domain.booking_status import BookingStatus
from domain.day_marks import DayMark, marked
from domain.errors import (
    BookingError,
    DateInPastError,
    NoWeekBookableError,
    RoomClosedError,
    SeriesWeeksTakenError,
    SlotsTakenError,
    TooManyUnpaidHoldsError,
    UnknownUserError,
)
from domain.gst.gstin import Gstin, GstinRefusedError, parse_gstin
from domain.live_screens import states_shown
from domain.series import MAX_WEEKS, MIN_WEEKS
from domain.start_links import SHAREABLE, share_query
from domain.waitlist import WAITABLE
from domain.words import musician, musician_screens
from domain.words.formats import day, h, moment, money
from domain.words.refusals import gstin_refused, refusal, too_many_slots
from domain.words.statuses import status_name
from payments.gateway import GatewayError
from storage import live_screens
from storage.booking_service import BookingService, SeriesOffer, parse_slot_keys, slot_keys_of
from storage.invoices import set_gst_recipient
from storage.models import Booking, Room, room_day_key
from storage.series import series_of
from storage.times import to_ms
from storage.users import user_by_id
from storage.waitlist import SlotWait, waits_of

log = logging.getLogger(__name__)

CALENDAR_ID = "calendar"
GST_NAME_LIMIT = 100
OFFERS_READ = "jamroom_offers_read"
"""Key of this update's offer readings in aiogram's per-update data (see _offers)."""
WAIT_KEYS = "wait_keys"
"""dialog_data: taken slots of the day the musician may wait for (the 🔔 button)."""
HAS_WAITS = "has_waits"
"""dialog_data: whether the musician waited for any slot when this dialog last read their
waits. Waits are made only here (🔔), so while it is False a slot screen needs no read
to know there is no 🔔 mark to draw; most musicians never wait."""
WATCHED = "watched"
"""dialog_data: the live-screen note this dialog last wrote, ``[room day, what it
showed, when (ms)]``: a tap on a slot that changes neither writes nothing (see _watch)."""
REWATCH = timedelta(minutes=1)
"""A slot screen's note is written again after this long even when it is unchanged, so
``seen_ms`` stays well inside SCREEN_LIFETIME and a note removed behind the dialog's
back (the job gave up the screen, the musician's data was deleted) comes back soon."""


def _service(manager: DialogManager) -> BookingService:
    return manager.middleware_data["booking_service"]


def _slots(manager: DialogManager) -> ManagedMultiselect[str]:
    return manager.find(SLOTS_ID)  # type: ignore[return-value]


def _day(manager: DialogManager) -> date:
    return date.fromisoformat(manager.dialog_data["day"])


def _chosen(offers: list[SlotOffer], keys: list[str]) -> list[SlotOffer]:
    wanted = set(keys)
    return [o for o in offers if o.slot.key in wanted]


# ---- getters -------------------------------------------------------------------------


async def _offers(manager: DialogManager, service: BookingService, room: Room) -> list[SlotOffer]:
    """The chosen day's offers, read from the database once per update: a tap's check
    (on_slot_clicked, on_review) and the screen it leads to show the same moment.
    The next update reads again; creating a booking drops this update's reading."""
    readings = manager.middleware_data.setdefault(OFFERS_READ, {})
    day = _day(manager)
    key = (str(room.id), day)
    if key not in readings:
        readings[key] = await service.offers(room, day)
    return readings[key]


def _page_days(manager: DialogManager, today: date, last_day: date) -> list[date]:
    """The bookable days of the month page the calendar shows (none while it shows
    months or years): BookableCalendar opens on today's month, and goes back to it from
    a month outside the bookable ones."""
    calendar: ManagedCalendar = manager.find(CALENDAR_ID)  # type: ignore[assignment]
    if calendar.get_scope() is not CalendarScope.DAYS:
        return []
    shown = calendar.get_offset()
    if shown is None or not today.replace(day=1) <= shown <= last_day:
        shown = today
    first = max(today, shown.replace(day=1))
    next_month = (shown.replace(day=28) + timedelta(days=4)).replace(day=1)
    last = min(last_day, next_month - timedelta(days=1))
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


async def day_getter(dialog_manager: DialogManager, booking_service: BookingService, **_: Any) -> dict:
    room = await room_of(dialog_manager, dialog_manager.dialog_data["room_id"])
    open_days = room.hours.days
    today, last_day = booking_service.today(room), booking_service.last_bookable_day(room)
    marks = await marks_of(dialog_manager, room, _page_days(dialog_manager, today, last_day))
    full_days, few_days = marked(marks, DayMark.FULL), marked(marks, DayMark.FEW)
    return {
        "room_name": h(room.name),
        "today": today,
        "last_day": last_day,
        "closed_weekdays": frozenset(d for d in range(7) if d not in open_days),
        "has_closed_days": len(open_days) < 7,
        "full_days": full_days,
        "few_days": few_days,
        "has_marks": bool(full_days or few_days),
    }


async def _waited(manager: DialogManager, room: Room, offers: list[SlotOffer]) -> set[str]:
    """Keys of the day's slots the musician waits for (only a taken or blocked slot can
    be waited for: a day without one needs no look)."""
    if not any(o.state in WAITABLE for o in offers) or manager.dialog_data.get(HAS_WAITS) is False:
        return set()
    user = manager.middleware_data["event_from_user"]
    waits = await waits_of(user.id)
    manager.dialog_data[HAS_WAITS] = bool(waits)
    day_waited = _day(manager)
    return {w.slot.key for w in waits if w.room_id == str(room.id) and w.day == day_waited}


async def slots_getter(dialog_manager: DialogManager, booking_service: BookingService, **_: Any) -> dict:
    room = await room_of(dialog_manager, dialog_manager.dialog_data["room_id"])
    offers = await _offers(dialog_manager, booking_service, room)
    chosen = [o for o in _chosen(offers, _slots(dialog_manager).get_checked()) if o.bookable]
    waited = await _waited(dialog_manager, room, offers)
    items = [
        {"key": o.slot.key, "text": musician_screens.slot_button(o, room.zone, waiting=o.slot.key in waited)}
        for o in offers
    ]
    asked = set(dialog_manager.dialog_data.get(WAIT_KEYS, []))
    can_wait = [o for o in offers if o.slot.key in asked and o.state in WAITABLE and o.slot.key not in waited]
    return {
        "room_name": h(room.name),
        "day": day(_day(dialog_manager)),
        "zone": room.zone.key,
        "slots": items,
        "no_slots": not items,
        "any_free": any(o.bookable for o in offers),
        "none_free": bool(items) and not any(o.bookable for o in offers),
        "max_slots": booking_service.room_rules(room).max_slots,
        "count": len(chosen),
        "total": money(sum(o.price_paise for o in chosen)),
        "has_selection": bool(chosen),
        "notice": dialog_manager.dialog_data.get("notice", ""),
        "can_wait": bool(can_wait),
        "told": told(dialog_manager),
    }


async def review_getter(dialog_manager: DialogManager, booking_service: BookingService, **_: Any) -> dict:
    room = await room_of(dialog_manager, dialog_manager.dialog_data["room_id"])
    offers = await _offers(dialog_manager, booking_service, room)
    chosen = _chosen(offers, _slots(dialog_manager).get_checked())
    refunds = musician_screens.refund_policy_line(booking_service.room_rules(room).refund_policy)
    if chosen:
        deadlines = booking_service.refund_deadlines(room, min(o.slot.start for o in chosen))
        refunds = musician_screens.refund_deadlines_line(deadlines, room.zone)
    return {
        "room_name": h(room.name),
        "address": h(room.address),
        "day": day(_day(dialog_manager)),
        "slot_lines": musician_screens.offer_lines(chosen, room.zone),
        "total": money(sum(o.price_paise for o in chosen)),
        "hold_minutes": int(booking_service.rules.hold.total_seconds() // 60),
        "refunds": refunds,
        "holds_full": dialog_manager.dialog_data.get("holds_full", ""),
    }


async def weeks_getter(dialog_manager: DialogManager, booking_service: BookingService, **_: Any) -> dict:
    room = await room_of(dialog_manager, dialog_manager.dialog_data["room_id"])
    offers = _chosen(
        await _offers(dialog_manager, booking_service, room), _slots(dialog_manager).get_checked()
    )
    first, last = offers[0].slot, offers[-1].slot
    return {
        "room_name": h(room.name),
        "day": day(_day(dialog_manager)),
        "weekly": musician_screens.weekly(_day(dialog_manager), first.start, last.end, room.zone),
        "min_weeks": MIN_WEEKS,
        "max_weeks": MAX_WEEKS,
        "week_choices": [
            {"id": str(n), "label": musician_screens.weeks_button(n)} for n in range(MIN_WEEKS, MAX_WEEKS + 1)
        ],
    }


async def _series_offer(manager: DialogManager, service: BookingService, room: Room) -> SeriesOffer:
    keys = parse_slot_keys(_slots(manager).get_checked())
    return await service.plan_weekly(room, _day(manager), keys, int(manager.dialog_data["weeks"]))


async def series_getter(dialog_manager: DialogManager, booking_service: BookingService, **_: Any) -> dict:
    room = await room_of(dialog_manager, dialog_manager.dialog_data["room_id"])
    offer = await _series_offer(dialog_manager, booking_service, room)
    weeks = offer.plan.occurrences
    first = weeks[0]
    return {
        "room_name": h(room.name),
        "address": h(room.address),
        "weekly": musician_screens.weekly(first.day, first.starts_at, first.ends_at, room.zone),
        "week_lines": "\n".join(
            musician_screens.week_line(w.day, offer.prices.get(w.week), w.obstacle) for w in weeks
        ),
        "weeks_booked": musician_screens.weeks_booked(len(offer.bookable)),
        "total": money(offer.total_paise),
        "hold_minutes": int(booking_service.rules.hold.total_seconds() // 60),
        "policy": musician_screens.refund_policy_line(booking_service.rules.refund_policy),
        "any_bookable": bool(offer.bookable),
        "none_bookable": not offer.bookable,
        "some_impossible": bool(offer.bookable) and bool(offer.impossible),
        "notice": dialog_manager.dialog_data.get("notice", ""),
        "holds_full": dialog_manager.dialog_data.get("holds_full", ""),
    }


async def pay_getter(
    dialog_manager: DialogManager,
    booking_service: BookingService,
    event_from_user: Any,
    payments: Any = None,
    **_: Any,
) -> dict:
    data = dialog_manager.dialog_data
    booking = await booking_service.booking_of_user(data["booking_id"], event_from_user.id)
    room = await room_of(dialog_manager, booking.room_id)
    pending = booking.status is BookingStatus.PENDING_PAYMENT
    state = data.get("pay_state") if pending else None
    recipient = booking.gst_recipient
    weeks = await series_of(booking)
    return {
        "gst_details": bool(recipient),
        "gst_name": h(recipient.get("name", "")),
        "gst_gstin": h(recipient.get("gstin", "")),
        "can_add_gst": pending and not recipient,
        "can_change_gst": pending and bool(recipient),
        "notice": told(dialog_manager),
        **(pay_options(payments, booking) if state == "ready" else NO_PAYMENT),
        "code": booking.series.code if booking.series else booking.code,
        "single": booking.series is None,
        "series": booking.series is not None,
        "weekly": musician_screens.weekly(booking.day, booking.starts_at, booking.ends_at, room.zone),
        "week_lines": musician_screens.series_week_lines(weeks),
        "room_name": h(room.name),
        "day": day(booking.day),
        "slot_lines": musician_screens.slot_lines(booking.slots, room.zone),
        "amount": money(sum(week.amount_paise for week in weeks)),
        "deadline": moment(booking.hold_expires_at, room.zone),
        "pending": pending,
        "status": status_name(booking.status),
        "settled": not pending,
        "pay_error": state == "error",
        "pay_unavailable": state == "unavailable",
        "share_query": share_query(booking.code) if booking.status in SHAREABLE else "",
    }


# ---- handlers ------------------------------------------------------------------------


async def on_start(start_data: Any, manager: DialogManager) -> None:
    """Opened on a room's calendar, or on one of its days (``day``, ISO) with nothing
    chosen yet: the free-slot search and day links start at the slot screen."""
    manager.dialog_data["room_id"] = start_data["room_id"]
    if "booking_id" in start_data:  # an offer taken up: straight to paying for it
        booking = await _service(manager).booking(start_data["booking_id"])
        manager.dialog_data["booking_id"] = str(booking.id)
        manager.dialog_data["day"] = booking.day.isoformat()
        await _prepare_payment(manager, booking, await room_of(manager, booking.room_id))
    elif start_data.get("day"):
        manager.dialog_data["day"] = date.fromisoformat(start_data["day"]).isoformat()


async def _watch(manager: DialogManager, room: Room, *, opened: bool = False) -> None:
    """The musician has this day's slot screen in front of them, as this update's
    reading of the offers draws it: keep it live for them. ``opened``: the screen was
    just (re)opened, so the note is written whatever this dialog wrote before; a tap on
    the open screen writes only what changed (most taps change nothing: a write per
    tap was a quarter of the database's commands)."""
    offers = await _offers(manager, _service(manager), room)
    room_day, shown = room_day_key(room.id, _day(manager)), states_shown(offers)
    now = _service(manager).clock.now()
    now_ms = to_ms(now) or 0
    watched = manager.dialog_data.get(WATCHED)
    if (
        not opened
        and watched is not None
        and watched[:2] == [room_day, shown]
        and now_ms - watched[2] < REWATCH.total_seconds() * 1000
    ):
        return
    user = manager.middleware_data["event_from_user"]
    chat = manager.middleware_data["event_chat"]
    await live_screens.watch(user.id, chat.id, room_day, shown, now)
    manager.dialog_data[WATCHED] = [room_day, shown, now_ms]


async def _unwatch(manager: DialogManager) -> None:
    manager.dialog_data.pop(WATCHED, None)
    await live_screens.forget(manager.middleware_data["event_from_user"].id)


def _refusal(service: BookingService, room: Room, chosen: date) -> str:
    """Why ``chosen`` cannot be booked; the decision itself is the service's."""
    if chosen < service.today(room):
        return musician.DAY_OVER
    if chosen > service.last_bookable_day(room):
        return musician.day_beyond_horizon(service.last_bookable_day(room))
    return musician.day_closed(room, chosen)


async def on_day_selected(
    callback: CallbackQuery, widget: Any, manager: DialogManager, chosen: date, /
) -> None:
    service = _service(manager)
    room = await room_of(manager, manager.dialog_data["room_id"])
    if not service.is_bookable_day(room, chosen):
        await callback.answer(_refusal(service, room, chosen), show_alert=True)
        return
    if manager.dialog_data.get("day") != chosen.isoformat():
        await _slots(manager).reset_checked()
    manager.dialog_data["day"] = chosen.isoformat()
    manager.dialog_data.pop("notice", None)
    manager.dialog_data.pop(WAIT_KEYS, None)
    await _watch(manager, room, opened=True)
    await manager.switch_to(BookingSG.slots)


async def on_slot_clicked(
    callback: CallbackQuery, widget: ManagedMultiselect[str], manager: DialogManager, key: str
) -> None:
    """Checks a slot before the Multiselect toggles it: only free slots, at most
    ``max_slots``; a taken one offers 🔔 instead. Unchecking is always allowed."""
    service = _service(manager)
    room = await room_of(manager, manager.dialog_data["room_id"])
    await _watch(manager, room)
    if widget.is_checked(key):
        return
    offer = next((o for o in await _offers(manager, service, room) if o.slot.key == key), None)
    if offer is None:
        await callback.answer(musician.SLOT_NOT_LISTED, show_alert=True)
        raise CancelEventProcessing
    if not offer.bookable:
        if offer.state in WAITABLE:
            manager.dialog_data[WAIT_KEYS] = [key]
        await callback.answer(musician.slot_not_bookable(offer.slot, room.zone, offer.state), show_alert=True)
        raise CancelEventProcessing
    limit = service.room_rules(room).max_slots
    if len(widget.get_checked()) >= limit:
        await callback.answer(too_many_slots(limit), show_alert=True)
        raise CancelEventProcessing
    manager.dialog_data.pop("notice", None)


async def on_review(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    service = _service(manager)
    room = await room_of(manager, manager.dialog_data["room_id"])
    selection = _slots(manager)
    # The review closes the slot screen: its note goes while the offers are read, and
    # comes back (_watch) on each way that stays on the slot screen.
    read, _ = await asyncio.gather(_offers(manager, service, room), _unwatch(manager))
    offers = _chosen(read, selection.get_checked())
    gone = [o for o in offers if not o.bookable]
    for offer in gone:
        await selection.set_checked(offer.slot.key, False)
    if gone:
        manager.dialog_data["notice"] = musician.slots_became_unavailable([o.slot for o in gone], room.zone)
        manager.dialog_data[WAIT_KEYS] = [o.slot.key for o in gone if o.state in WAITABLE]
        await _watch(manager, room)
        return
    if not offers:
        await callback.answer(musician.PICK_A_SLOT_FIRST, show_alert=True)
        await _watch(manager, room)
        return
    try:  # one run of slots, within the room's rules: the service's decision, asked before Confirm
        service.check_selection(room, _day(manager), [o.slot.key for o in offers])
    except (DateInPastError, RoomClosedError) as error:
        await callback.answer(refusal(error), show_alert=True)
        await manager.switch_to(BookingSG.day)
        return
    except BookingError as error:
        manager.dialog_data["notice"] = musician.booking_refused_notice(refusal(error))
        await _watch(manager, room)
        return
    manager.dialog_data.pop("holds_full", None)
    manager.dialog_data.pop(WAIT_KEYS, None)
    await manager.switch_to(BookingSG.review)


async def on_back_to_slots(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await _watch(manager, await room_of(manager, manager.dialog_data["room_id"]), opened=True)


async def on_wait(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    """🔔: wait for the taken slots the screen offered (the keys this dialog put there,
    read back through the service, which checks each again)."""
    room = await room_of(manager, manager.dialog_data["room_id"])
    keys = parse_slot_keys(manager.dialog_data.pop(WAIT_KEYS, []))
    manager.middleware_data.pop(OFFERS_READ, None)
    try:
        waits = await _wait(manager, callback.from_user, keys)
    except BookingError as error:
        tell(manager, musician.booking_refused_notice(refusal(error)))
    else:
        manager.dialog_data[HAS_WAITS] = True
        tell(manager, musician.waiting_now([w.slot for w in waits], room.zone))
    await _watch(manager, room)


async def _wait(manager: DialogManager, user: Any, keys: list[str]) -> list[SlotWait]:
    service = _service(manager)
    room_id = manager.dialog_data["room_id"]
    try:
        return await service.wait_for_slots(user.id, room_id, _day(manager), keys)
    except UnknownUserError:
        await register_from(user)
        return await service.wait_for_slots(user.id, room_id, _day(manager), keys)


async def _create(manager: DialogManager, user: Any, keys: list[str]) -> Booking:
    service = _service(manager)
    data = manager.dialog_data
    manager.middleware_data.pop(OFFERS_READ, None)  # the claims are about to change
    try:
        return await service.create_booking(user.id, data["room_id"], _day(manager), keys)
    except UnknownUserError:
        await register_from(user)
        return await service.create_booking(user.id, data["room_id"], _day(manager), keys)


async def on_confirm(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    room = await room_of(manager, manager.dialog_data["room_id"])
    selection = _slots(manager)
    keys = parse_slot_keys(selection.get_checked())
    try:
        booking = await _create(manager, callback.from_user, keys)
    except SlotsTakenError as error:
        taken = slot_keys_of(error.starts)
        for key in taken:
            await selection.set_checked(key, False)
        manager.dialog_data["notice"] = musician.slots_just_taken(list(error.starts), room.zone)
        manager.dialog_data[WAIT_KEYS] = taken
        await _watch(manager, room)
        await manager.switch_to(BookingSG.slots)
        return
    except (DateInPastError, RoomClosedError) as error:
        await callback.answer(refusal(error), show_alert=True)
        await manager.switch_to(BookingSG.day)
        return
    except TooManyUnpaidHoldsError as error:
        # The choice stays as it is: once a hold is paid or cancelled, Confirm works.
        manager.dialog_data["holds_full"] = h(refusal(error))
        return
    except BookingError as error:
        manager.dialog_data["notice"] = musician.booking_refused_notice(refusal(error))
        await manager.switch_to(BookingSG.slots)
        return
    manager.dialog_data["booking_id"] = str(booking.id)
    await _prepare_payment(manager, booking, room)
    await manager.switch_to(BookingSG.pay)


async def _prepare_payment(manager: DialogManager, booking: Booking, room: Room) -> None:
    """Get the booking's payment link; on a gateway failure the hold stays and the
    musician gets a Try again button."""
    payments = manager.middleware_data.get("payments")
    if payments is None:
        manager.dialog_data["pay_state"] = "unavailable"
        return
    user = await user_by_id(booking.user_id)
    try:
        await payments.ensure_payment_link(booking, room, user)
    except GatewayError:
        log.warning("payment link for %s failed", booking.code, exc_info=True)
        manager.dialog_data["pay_state"] = "error"
        return
    manager.dialog_data["pay_state"] = "ready"


async def on_retry_payment(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    service = _service(manager)
    booking = await service.booking_of_user(manager.dialog_data["booking_id"], callback.from_user.id)
    if booking.status is not BookingStatus.PENDING_PAYMENT:
        return
    await _prepare_payment(manager, booking, await room_of(manager, booking.room_id))
    if manager.dialog_data.get("pay_state") == "error":
        await callback.answer(musician.PAYMENT_STILL_DOWN)


# ---- GST details for the invoice (optional, before paying) ---------------------------


def gst_name(text: str) -> str:
    """The name registered with the musician's GSTIN, as the invoice prints it."""
    name = " ".join(text.split())
    if not 2 <= len(name) <= GST_NAME_LIMIT or not name.isprintable():
        raise ValueError(musician.GST_NAME_REFUSED)
    return name


async def gst_name_getter(dialog_manager: DialogManager, **_: Any) -> dict:
    typed = dialog_manager.dialog_data.get("gst_gstin")
    gstin = parse_gstin(typed) if typed else None
    return {"gstin": h(gstin or ""), "state": h(gstin.state.name if gstin else "")}


async def _still_payable(callback: CallbackQuery, manager: DialogManager) -> bool:
    booking = await _service(manager).booking_of_user(
        manager.dialog_data["booking_id"], callback.from_user.id
    )
    if booking.status is BookingStatus.PENDING_PAYMENT and not booking.invoice_number:
        return True
    await callback.answer(musician.GST_DETAILS_TOO_LATE, show_alert=True)
    return False


async def on_add_gst(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    if await _still_payable(callback, manager):
        await manager.switch_to(BookingSG.gstin)


async def on_remove_gst(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    if not await _still_payable(callback, manager):
        return
    if await set_gst_recipient(manager.dialog_data["booking_id"], callback.from_user.id, {}):
        tell(manager, musician.GST_DETAILS_REMOVED)


async def on_gstin(
    message: Message, widget: ManagedTextInput[Gstin], manager: DialogManager, gstin: Gstin
) -> None:
    manager.dialog_data["gst_gstin"] = str(gstin)
    await manager.switch_to(BookingSG.gst_name)


async def on_gstin_refused(
    message: Message, widget: ManagedTextInput[Gstin], manager: DialogManager, error: ValueError
) -> None:
    text = gstin_refused(error) if isinstance(error, GstinRefusedError) else musician.GST_NAME_REFUSED
    await message.answer(h(text))


async def on_gst_name(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, name: str
) -> None:
    gstin = manager.dialog_data.pop("gst_gstin", None)
    if gstin is None:  # a stale screen: ask for the GSTIN again
        await manager.switch_to(BookingSG.gstin)
        return
    details = {"gstin": gstin, "name": name}
    user_id = message.from_user.id if message.from_user else 0
    if await set_gst_recipient(manager.dialog_data["booking_id"], user_id, details):
        tell(manager, musician.gst_details_saved(name, gstin))
    else:
        tell(manager, musician.GST_DETAILS_TOO_LATE)
    await manager.switch_to(BookingSG.pay)


async def on_gst_name_refused(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, error: ValueError
) -> None:
    await message.answer(musician.GST_NAME_REFUSED)


async def on_repeat_weekly(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    """Only one unbroken run of free slots can repeat: the service says so (any number of
    weeks will do to ask), and its words are shown."""
    service = _service(manager)
    room = await room_of(manager, manager.dialog_data["room_id"])
    keys = parse_slot_keys(_slots(manager).get_checked())
    try:
        await service.plan_weekly(room, _day(manager), keys, MIN_WEEKS)
    except BookingError as error:
        await callback.answer(refusal(error), show_alert=True)
        return
    manager.dialog_data.pop("holds_full", None)
    await manager.switch_to(BookingSG.weeks)


async def on_weeks_chosen(callback: CallbackQuery, widget: Any, manager: DialogManager, weeks: str) -> None:
    """``weeks`` comes from the button's data: checked by the service, never trusted."""
    service = _service(manager)
    room = await room_of(manager, manager.dialog_data["room_id"])
    keys = parse_slot_keys(_slots(manager).get_checked())
    try:
        offer = await service.plan_weekly(room, _day(manager), keys, int(weeks) if weeks.isdigit() else 0)
    except BookingError as error:
        await callback.answer(refusal(error), show_alert=True)
        return
    manager.dialog_data["weeks"] = int(weeks)
    _seen(manager, offer)
    manager.dialog_data.pop("notice", None)
    await manager.switch_to(BookingSG.series)


def _seen(manager: DialogManager, offer: SeriesOffer) -> None:
    """The weeks the musician is shown as bookable: what Confirm books, and no other."""
    manager.dialog_data["week_days"] = [week.day.isoformat() for week in offer.bookable]


async def _create_series(manager: DialogManager, user: Any, keys: list[str]) -> list[Booking]:
    service = _service(manager)
    data = manager.dialog_data
    manager.middleware_data.pop(OFFERS_READ, None)  # the claims are about to change
    args = (data["room_id"], _day(manager), keys, int(data["weeks"]))
    seen = [date.fromisoformat(day) for day in data.get("week_days", [])]
    try:
        return await service.create_series(user.id, *args, only=seen)
    except UnknownUserError:
        await register_from(user)
        return await service.create_series(user.id, *args, only=seen)


async def on_confirm_series(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    room = await room_of(manager, manager.dialog_data["room_id"])
    keys = parse_slot_keys(_slots(manager).get_checked())
    try:
        weeks = await _create_series(manager, callback.from_user, keys)
    except (SeriesWeeksTakenError, NoWeekBookableError) as error:
        # The screen reads the weeks again and marks the ones that went; Confirm then
        # books the weeks it shows.
        manager.dialog_data["notice"] = musician.booking_refused_notice(refusal(error))
        _seen(manager, await _series_offer(manager, _service(manager), room))
        return
    except TooManyUnpaidHoldsError as error:
        manager.dialog_data["holds_full"] = h(refusal(error))
        return
    except BookingError as error:
        manager.dialog_data["notice"] = musician.booking_refused_notice(refusal(error))
        await manager.switch_to(BookingSG.slots)
        return
    lead = weeks[0]
    manager.dialog_data["booking_id"] = str(lead.id)
    await _prepare_payment(manager, lead, room)
    await manager.switch_to(BookingSG.pay)


async def on_main_menu(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await open_main_menu(manager)


async def on_my_bookings(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await open_over_menu(manager, MyBookingsSG.list)


async def open_offered_booking(manager: DialogManager, booking: Booking) -> None:
    """A slot offered from the waitlist was taken up: its pay screen, over the menu."""
    data = {"room_id": booking.room_id, "booking_id": str(booking.id)}
    await open_over_menu(manager, BookingSG.pay, data, show_mode=ShowMode.SEND)


async def redraw_slot_screen(manager: DialogManager, room_day: str) -> str | None:
    """Draw the musician's slot screen again, from a background job, if it still shows
    ``room_day``; returns what it shows now (``states_shown``), None when the musician
    has moved on (another screen, another day)."""
    if not manager.has_context():
        return None
    context = manager.current_context()
    data = context.dialog_data
    if context.state != BookingSG.slots or "day" not in data or "room_id" not in data:
        return None
    if room_day_key(data["room_id"], date.fromisoformat(data["day"])) != room_day:
        return None
    room = await room_of(manager, data["room_id"])
    offers = await _offers(manager, _service(manager), room)
    manager.show_mode = ShowMode.EDIT
    await manager.show()
    data.pop(WATCHED, None)  # the job writes the note now: the next tap writes it again
    return states_shown(offers)


def build_dialog() -> Dialog:
    return Dialog(
        Window(
            Format(musician_screens.PICK_A_DAY),
            Const(musician_screens.CLOSED_DAYS_STRUCK, when="has_closed_days"),
            Const(musician_screens.DAY_MARKS_LEGEND, when="has_marks"),
            BookableCalendar(id=CALENDAR_ID, on_click=on_day_selected),
            Cancel(Const("‹ Back to the room")),
            state=BookingSG.day,
            getter=day_getter,
        ),
        Window(
            Format(musician_screens.SLOTS_HEADING),
            Format(musician_screens.PICK_UP_TO, when="any_free"),
            Const(musician_screens.CLOSED_THAT_DAY, when="no_slots"),
            Const(musician_screens.EVERY_SLOT_TAKEN, when="none_free"),
            Format(musician_screens.NOTICE, when="notice"),
            Format(musician_screens.NOTICE_TOLD, when="told"),
            Const(musician_screens.WAIT_HINT, when="can_wait"),
            Format(musician_screens.CHOSEN, when="has_selection"),
            slot_picker(on_slot_clicked),
            Button(Const("🔔 Tell me if it frees"), id="wait", on_click=on_wait, when="can_wait"),
            Button(Format("Review · {total} ›"), id="review", on_click=on_review, when="has_selection"),
            Row(Back(Const("‹ Date")), Cancel(Const("✖ Cancel"))),
            state=BookingSG.slots,
            getter=slots_getter,
        ),
        Window(
            Format(musician_screens.REVIEW),
            Format(musician_screens.HOLDS_FULL, when="holds_full"),
            Button(Const("✅ Confirm"), id="confirm", on_click=on_confirm),
            Button(Const("🔁 Repeat weekly"), id="weekly", on_click=on_repeat_weekly),
            Button(Const("📋 My bookings"), id="holds", on_click=on_my_bookings, when="holds_full"),
            Row(Back(Const("‹ Slots"), on_click=on_back_to_slots), Cancel(Const("✖ Cancel"))),
            state=BookingSG.review,
            getter=review_getter,
        ),
        Window(
            Format(musician_screens.HOW_MANY_WEEKS),
            Group(labelled_select("weeks", "week_choices", on_weeks_chosen), width=4),
            Row(
                SwitchTo(Const("‹ Review"), id="to_review", state=BookingSG.review), Cancel(Const("✖ Cancel"))
            ),
            state=BookingSG.weeks,
            getter=weeks_getter,
        ),
        Window(
            Format(musician_screens.SERIES_REVIEW, when="any_bookable"),
            Format(musician_screens.NO_WEEK_FREE, when="none_bookable"),
            Const(musician_screens.SOME_WEEKS_NOT_FREE, when="some_impossible"),
            Format(musician_screens.NOTICE, when="notice"),
            Format(musician_screens.HOLDS_FULL, when="holds_full"),
            Button(
                Format(musician_screens.CONFIRM_WEEKS),
                id="confirm_series",
                on_click=on_confirm_series,
                when="any_bookable",
            ),
            Button(Const("📋 My bookings"), id="series_holds", on_click=on_my_bookings, when="holds_full"),
            Row(SwitchTo(Const("‹ Weeks"), id="to_weeks", state=BookingSG.weeks), Cancel(Const("✖ Cancel"))),
            state=BookingSG.series,
            getter=series_getter,
        ),
        Window(
            Format(musician_screens.PAY_HEADING, when="single"),
            Format(musician_screens.SERIES_PAY_HEADING, when="series"),
            Format(musician_screens.PAY_BEFORE, when="pending"),
            Const(musician_screens.PAYMENT_SERVICE_DOWN, when="pay_error"),
            Const(musician_screens.ONLINE_PAYMENT_UNAVAILABLE, when="pay_unavailable"),
            Format(musician_screens.STATUS, when="settled"),
            Format(musician_screens.GST_DETAILS, when="gst_details"),
            Format(musician_screens.NOTICE, when="notice"),
            pay_notice(),
            pay_buttons(),
            Button(Const("🔁 Try again"), id="retry", on_click=on_retry_payment, when="pay_error"),
            ShareWithBand(),
            Button(Const("🧾 Add GST details (optional)"), id="gst", on_click=on_add_gst, when="can_add_gst"),
            Row(
                Button(Const("🧾 Change GST details"), id="gst_change", on_click=on_add_gst),
                Button(Const("✖ Remove GST details"), id="gst_remove", on_click=on_remove_gst),
                when="can_change_gst",
            ),
            Row(
                Button(Const("📋 My bookings"), id="mine", on_click=on_my_bookings),
                Button(Const("🏠 Menu"), id="menu", on_click=on_main_menu),
            ),
            state=BookingSG.pay,
            getter=pay_getter,
        ),
        Window(
            Const(musician_screens.ASK_GSTIN),
            TextInput(id="gstin", type_factory=parse_gstin, on_success=on_gstin, on_error=on_gstin_refused),
            SwitchTo(Const("‹ Back to payment"), id="gst_back", state=BookingSG.pay),
            state=BookingSG.gstin,
        ),
        Window(
            Format(musician_screens.ASK_GST_NAME),
            TextInput(
                id="gst_name", type_factory=gst_name, on_success=on_gst_name, on_error=on_gst_name_refused
            ),
            SwitchTo(Const("‹ Back to payment"), id="gst_name_back", state=BookingSG.pay),
            state=BookingSG.gst_name,
            getter=gst_name_getter,
        ),
        on_start=on_start,
    )
