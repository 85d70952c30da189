"""Room settings from Telegram: price, peak price and hours, weekends, opening hours
per weekday, slot length, description, photo, check-in info and phone, paused or
taking bookings.

Typed values go through ``domain.room_settings`` parsers (a bad value gets the
parser's message and changes nothing) and are saved by ``save_room_changes``, which
lets days holding bookings keep the hours and slot length they were booked under.
Check-in info and the phone go through ``domain.check_in`` and ``save_check_in``,
which stores them only for an owner of the room."""

from __future__ import annotations

from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import DialogManager, Window
from aiogram_dialog.widgets.input import ManagedTextInput, MessageInput, TextInput
from aiogram_dialog.widgets.kbd import Button, Cancel, Group, SwitchTo
from aiogram_dialog.widgets.text import Const, Format

from bot.dialogs.base import Dialog
from bot.dialogs.notices import tell, told
from bot.dialogs.owner import owned_room
from bot.dialogs.states import RoomSettingsSG
from bot.dialogs.widgets import labelled_select
from domain import room_settings as parse
from domain.check_in import MAX_CHECK_IN, SHOWN_BEFORE, parse_check_in, parse_phone
from domain.room_settings import SLOT_LENGTHS, SettingError
from domain.words import owner_screens as words
from domain.words.formats import h, money
from storage.booking_service import BookingService
from storage.room_settings import save_check_in, save_room_changes

DAY_GROUPS = {"week": (0, 1, 2, 3, 4), "weekend": (5, 6), "all": tuple(range(7))}
DESCRIPTION_PREVIEW = 120
SHOWN_HOURS = int(SHOWN_BEFORE.total_seconds() // 3600)


def _service(manager: DialogManager) -> BookingService:
    return manager.middleware_data["booking_service"]


async def _save(manager: DialogManager, changes: dict[str, Any], done: str) -> None:
    """Save ``changes`` to the owner's room and go back to the settings with a notice;
    a refused value leaves the room as it was and says why."""
    room = await owned_room(manager)
    try:
        saved = await save_room_changes(room, changes, _service(manager).today(room))
    except SettingError as error:
        tell(manager, words.setting_refused(str(error)))
    else:
        kept = sorted(saved.kept_grids)
        if kept and set(changes) & {"opening_hours", "slot_minutes"}:
            done += words.kept_grids(kept)
        tell(manager, done)
    await manager.switch_to(RoomSettingsSG.menu)


# ---- getters -------------------------------------------------------------------------


async def menu_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    room = await owned_room(dialog_manager)
    return {
        "name": h(room.name),
        "price": money(room.hourly_paise),
        "peak_price": money(room.peak_hourly_paise),
        "peak_hours": f"{room.peak_starts}–{room.peak_ends}",
        "weekends": words.weekends_setting(room),
        "hours": words.hours_block(room),
        "slot_minutes": room.slot_minutes,
        "description": words.description_preview(room, DESCRIPTION_PREVIEW),
        "photo": words.photo_setting(room),
        "active": room.active,
        "paused": not room.active,
        "notice": told(dialog_manager),
        "check_in": words.check_in_setting(room.access_info),
        "phone": words.phone_setting(room.phone),
    }


async def check_in_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    """The owner's own screen: the check-in info as it is, for them to change."""
    room = await owned_room(dialog_manager)
    return {
        "check_in": words.check_in_setting(room.access_info),
        "phone": words.phone_setting(room.phone),
        "ask_check_in": words.ask_check_in(room.access_info, MAX_CHECK_IN, SHOWN_HOURS),
    }


async def current_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    room = await owned_room(dialog_manager)
    group = dialog_manager.dialog_data.get("days", "all")
    return {
        "price": money(room.hourly_paise),
        "peak_price": money(room.peak_hourly_paise),
        "peak_hours": f"{room.peak_starts}-{room.peak_ends}",
        "hours": words.hours_block(room),
        "days": words.days_name(group),
        "lengths": [
            {"minutes": m, "label": words.slot_length_button(m, m == room.slot_minutes)} for m in SLOT_LENGTHS
        ],
        "has_photo": bool(room.photo_file_id),
        "weekdays": words.weekday_buttons(),
    }


# ---- handlers ------------------------------------------------------------------------


async def on_start(start_data: Any, manager: DialogManager) -> None:
    manager.dialog_data["room_id"] = start_data["room_id"]
    await owned_room(manager)


async def on_invalid(
    message: Message, widget: ManagedTextInput[Any], manager: DialogManager, error: ValueError
) -> None:
    await message.answer(words.invalid_value(str(error)))


async def on_price(
    message: Message, widget: ManagedTextInput[int], manager: DialogManager, paise: int
) -> None:
    await _save(manager, {"hourly_paise": paise}, words.price_set(paise))


async def on_peak_price(
    message: Message, widget: ManagedTextInput[int], manager: DialogManager, paise: int
) -> None:
    await _save(manager, {"peak_hourly_paise": paise}, words.peak_price_set(paise))


async def on_peak_hours(
    message: Message,
    widget: ManagedTextInput[tuple[str, str]],
    manager: DialogManager,
    window: tuple[str, str],
) -> None:
    starts, ends = window
    await _save(manager, {"peak_starts": starts, "peak_ends": ends}, words.peak_hours_set(starts, ends))


async def on_weekends(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    room = await owned_room(manager)
    peak = not room.weekends_are_peak
    await _save(manager, {"weekends_are_peak": peak}, words.weekends_set(peak))


async def on_days_chosen(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    manager.dialog_data["days"] = button.widget_id
    await manager.switch_to(RoomSettingsSG.hours)


async def on_weekday_chosen(
    callback: CallbackQuery, widget: Any, manager: DialogManager, weekday: str
) -> None:
    if weekday not in {str(n) for n in range(7)}:
        await callback.answer(words.PICK_A_WEEKDAY, show_alert=True)
        return
    manager.dialog_data["days"] = weekday
    await manager.switch_to(RoomSettingsSG.hours)


async def on_hours(
    message: Message, widget: ManagedTextInput[str | None], manager: DialogManager, hours: str | None
) -> None:
    room = await owned_room(manager)
    group = manager.dialog_data.get("days", "all")
    weekdays = DAY_GROUPS.get(group) or (int(group),)
    try:
        opening_hours = parse.with_day_hours(room.opening_hours, weekdays, hours)
    except SettingError as error:
        await message.answer(words.invalid_value(str(error)))
        return
    await _save(manager, {"opening_hours": opening_hours}, words.hours_set(group, hours))


async def on_slot_length(callback: CallbackQuery, widget: Any, manager: DialogManager, minutes: str) -> None:
    try:
        length = parse.parse_slot_minutes(minutes)
    except SettingError as error:
        await callback.answer(str(error), show_alert=True)
        return
    await _save(manager, {"slot_minutes": length}, words.slot_length_set(length))


async def on_description(
    message: Message, widget: ManagedTextInput[str], manager: DialogManager, text: str
) -> None:
    await _save(manager, {"description": text}, words.DESCRIPTION_SAVED)


async def on_photo(message: Message, widget: MessageInput, manager: DialogManager) -> None:
    largest = max(message.photo or [], key=lambda p: p.width * p.height, default=None)
    if largest is None:
        await message.answer(words.PHOTO_NOT_A_PHOTO)
        return
    await _save(manager, {"photo_file_id": largest.file_id}, words.PHOTO_SAVED)


async def on_not_a_photo(message: Message, widget: MessageInput, manager: DialogManager) -> None:
    await message.answer(words.PHOTO_OR_BACK)


async def on_remove_photo(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await _save(manager, {"photo_file_id": None}, words.PHOTO_REMOVED)


async def _save_check_in(manager: DialogManager, changes: dict[str, Any], done: str) -> None:
    """Save the check-in info or phone, only while the person typing owns the room."""
    user = manager.event.from_user  # type: ignore[union-attr]
    await save_check_in(manager.dialog_data.get("room_id", ""), user.id, changes)
    tell(manager, done)
    await manager.switch_to(RoomSettingsSG.menu)


async def on_check_in(message: Message, widget: MessageInput, manager: DialogManager) -> None:
    """A message input, not a text input: a text input keeps what was typed in the
    dialog's state, and the check-in info is stored with the room alone."""
    try:
        check_in = parse_check_in(message.text or "")
    except SettingError as error:
        await message.answer(words.invalid_value(str(error)))
        return
    saved = words.CHECK_IN_SAVED if check_in else words.CHECK_IN_REMOVED
    await _save_check_in(manager, {"access_info": check_in}, saved)


async def on_phone(
    message: Message, widget: ManagedTextInput[str | None], manager: DialogManager, number: str | None
) -> None:
    await _save_check_in(manager, {"phone": number}, words.phone_set(number))


async def on_pause(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    room = await owned_room(manager)
    await _save(manager, {"active": not room.active}, words.paused_set(room.active))


def _text_window(state: Any, prompt: str, parser: Any, on_success: Any) -> Window:
    return Window(
        Format(prompt),
        TextInput(
            id=state.state.split(":")[-1], type_factory=parser, on_success=on_success, on_error=on_invalid
        ),
        SwitchTo(Const("‹ Settings"), id="back", state=RoomSettingsSG.menu),
        state=state,
        getter=current_getter,
    )


def build_dialog() -> Dialog:
    return Dialog(
        Window(
            Format(words.SETTINGS),
            Format(words.CHECK_IN_SETTINGS),
            Const(words.SETTINGS_PAUSED, when="paused"),
            Format(words.NOTICE, when="notice"),
            Group(
                SwitchTo(Const("💵 Price"), id="price", state=RoomSettingsSG.price),
                SwitchTo(Const("🌙 Peak price"), id="peak_price", state=RoomSettingsSG.peak_price),
                SwitchTo(Const("⏰ Peak hours"), id="peak_hours", state=RoomSettingsSG.peak_hours),
                Button(Const("📅 Weekend prices"), id="weekends", on_click=on_weekends),
                SwitchTo(Const("🕘 Opening hours"), id="hours", state=RoomSettingsSG.hours_days),
                SwitchTo(Const("⏱ Slot length"), id="slot_length", state=RoomSettingsSG.slot_length),
                SwitchTo(Const("📝 Description"), id="description", state=RoomSettingsSG.description),
                SwitchTo(Const("🖼 Photo"), id="photo", state=RoomSettingsSG.photo),
                SwitchTo(Const("🔑 Check-in info"), id="check_in", state=RoomSettingsSG.check_in),
                SwitchTo(Const("📞 Phone"), id="phone", state=RoomSettingsSG.phone),
                width=2,
            ),
            Button(Const("⏸ Pause bookings"), id="pause", on_click=on_pause, when="active"),
            Button(Const("▶️ Take bookings again"), id="resume", on_click=on_pause, when="paused"),
            Cancel(Const("‹ Room")),
            state=RoomSettingsSG.menu,
            getter=menu_getter,
        ),
        _text_window(
            RoomSettingsSG.price,
            words.ASK_PRICE,
            parse.parse_rupees_per_hour,
            on_price,
        ),
        _text_window(
            RoomSettingsSG.peak_price,
            words.ASK_PEAK_PRICE,
            parse.parse_rupees_per_hour,
            on_peak_price,
        ),
        _text_window(
            RoomSettingsSG.peak_hours,
            words.ASK_PEAK_HOURS,
            parse.parse_window,
            on_peak_hours,
        ),
        Window(
            Format(words.ASK_WHICH_DAYS),
            Group(
                labelled_select("weekday", "weekdays", on_weekday_chosen),
                width=4,
            ),
            Group(
                Button(Const("Mon–Fri"), id="week", on_click=on_days_chosen),
                Button(Const("Sat–Sun"), id="weekend", on_click=on_days_chosen),
                Button(Const("Every day"), id="all", on_click=on_days_chosen),
                width=3,
            ),
            SwitchTo(Const("‹ Settings"), id="back", state=RoomSettingsSG.menu),
            state=RoomSettingsSG.hours_days,
            getter=current_getter,
        ),
        Window(
            Format(words.ASK_HOURS),
            TextInput(
                id="hours", type_factory=parse.parse_day_hours, on_success=on_hours, on_error=on_invalid
            ),
            SwitchTo(Const("‹ Days"), id="back", state=RoomSettingsSG.hours_days),
            state=RoomSettingsSG.hours,
            getter=current_getter,
        ),
        Window(
            Const(words.ASK_SLOT_LENGTH),
            Group(
                labelled_select("length", "lengths", on_slot_length, key="minutes"),
                width=3,
            ),
            SwitchTo(Const("‹ Settings"), id="back", state=RoomSettingsSG.menu),
            state=RoomSettingsSG.slot_length,
            getter=current_getter,
        ),
        _text_window(
            RoomSettingsSG.description,
            words.ask_description(parse.MAX_DESCRIPTION),
            parse.parse_description,
            on_description,
        ),
        Window(
            Const(words.ASK_PHOTO),
            MessageInput(on_photo, content_types=[ContentType.PHOTO]),
            MessageInput(on_not_a_photo),
            Button(Const("🗑 Remove the photo"), id="remove", on_click=on_remove_photo, when="has_photo"),
            SwitchTo(Const("‹ Settings"), id="back", state=RoomSettingsSG.menu),
            state=RoomSettingsSG.photo,
            getter=current_getter,
        ),
        Window(
            Format("{ask_check_in}"),
            MessageInput(on_check_in),
            SwitchTo(Const("‹ Settings"), id="back", state=RoomSettingsSG.menu),
            state=RoomSettingsSG.check_in,
            getter=check_in_getter,
        ),
        Window(
            Format(words.ASK_PHONE),
            TextInput(id="phone", type_factory=parse_phone, on_success=on_phone, on_error=on_invalid),
            SwitchTo(Const("‹ Settings"), id="back", state=RoomSettingsSG.menu),
            state=RoomSettingsSG.phone,
            getter=check_in_getter,
        ),
        on_start=on_start,
    )
