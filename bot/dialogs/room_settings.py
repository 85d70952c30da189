"""Room settings from Telegram: price, peak price and hours, weekends, opening hours
per weekday, slot length, description, photo, check-in info and phone, paused or
taking bookings, and the room's booking rules (shortest session, how far ahead, how
late, slot limit, refunds).

Typed values go through ``domain.room_settings`` parsers (a bad value gets the
parser's message and changes nothing) and are saved by ``save_room_changes``, which
lets days holding bookings keep the hours and slot length they were booked under.
Booking rules are read by ``domain.room_rules`` parsers and saved one at a time by
``save_room_rule``, which refuses (as a RoomRuleError the words explain) any rule the
room cannot keep; the booking service then holds every booking to them.
Check-in info and the phone go through ``domain.check_in`` and ``save_check_in``,
which stores them only for an owner of the room."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, Message
from aiogram_dialog import DialogManager, Window
from aiogram_dialog.widgets.input import ManagedTextInput, MessageInput, TextInput
from aiogram_dialog.widgets.kbd import Button, Cancel, Group, SwitchTo

from bot.dialogs.base import Dialog
from bot.dialogs.notices import tell, told
from bot.dialogs.owner import owned_room
from bot.dialogs.states import RoomSettingsSG
from bot.dialogs.widgets import labelled_select
from bot.i18n import Const, Format
from domain import room_settings as parse
from domain.check_in import MAX_CHECK_IN, SHOWN_BEFORE, parse_check_in, parse_phone
from domain.refund import RefundPolicy
from domain.room_rules import RoomRuleError, RuleField, parse_minutes, parse_refund_tiers, parse_whole_number
from domain.room_settings import SLOT_LENGTHS, SettingError
from domain.words import owner_screens as words
from domain.words.formats import h, money
from storage.booking_service import BookingService
from storage.room_settings import reset_room_rules, save_check_in, save_room_changes, save_room_rule

DAY_GROUPS = {"week": (0, 1, 2, 3, 4), "weekend": (5, 6), "all": tuple(range(7))}
DESCRIPTION_PREVIEW = 120
SHOWN_HOURS = int(SHOWN_BEFORE.total_seconds() // 3600)


def _service(manager: DialogManager) -> BookingService:
    return manager.middleware_data["booking_service"]


async def _save(manager: DialogManager, changes: dict[str, Any], done: str) -> None:
    """Save ``changes`` to the owner's room and go back to the settings with a notice;
    a refused value leaves the room as it was and says why."""
    room = await owned_room(manager)
    service = _service(manager)
    try:
        saved = await save_room_changes(
            room, changes, service.today(room), rules_defaults=service.rules.room_defaults
        )
    except SettingError as error:
        tell(manager, words.setting_refused(str(error)))
    except RoomRuleError as error:  # a slot length the room's minimum sessions do not fit
        tell(manager, words.setting_refused(words.slot_length_breaks_rules(error, changes["slot_minutes"])))
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


async def rules_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    room = await owned_room(dialog_manager)
    rules = _service(dialog_manager).room_rules(room)
    return {
        "name": h(room.name),
        "rules": words.rules_block(rules),
        "slot_minutes": room.slot_minutes,
        "notice": told(dialog_manager),
        "has_own_rules": bool(room.rules),
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


RuleParser = Callable[[str], int | RefundPolicy]

RULE_INPUTS: dict[RuleField, RuleParser] = {
    RuleField.WEEKDAY_MIN_SESSION: lambda text: parse_minutes(
        text, RuleField.WEEKDAY_MIN_SESSION, bare_minutes=60
    ),
    RuleField.WEEKEND_MIN_SESSION: lambda text: parse_minutes(
        text, RuleField.WEEKEND_MIN_SESSION, bare_minutes=60
    ),
    RuleField.HORIZON: lambda text: parse_whole_number(text, RuleField.HORIZON),
    RuleField.LEAD: lambda text: parse_minutes(text, RuleField.LEAD, bare_minutes=1),
    RuleField.SLOT_LIMIT: lambda text: parse_whole_number(text, RuleField.SLOT_LIMIT),
    RuleField.REFUND_TIERS: parse_refund_tiers,
}
"""How an owner's message becomes each rule's value (a bare number is hours for the
minimum sessions, minutes for how late)."""


async def _save_rule(message: Message, manager: DialogManager, rule: RuleField, text: str) -> None:
    """Set ``rule`` from what the owner typed and go back to the rules with a notice; a
    value the room cannot keep is explained under the question, and changes nothing."""
    room = await owned_room(manager)
    service = _service(manager)
    try:
        value = RULE_INPUTS[rule](text)
        saved = await save_room_rule(room, message.from_user.id, rule, value, service.rules.room_defaults)  # type: ignore[union-attr]
    except RoomRuleError as error:
        await message.answer(words.rule_refused(error))
        return
    tell(manager, words.rule_set(service.room_rules(saved), rule))
    await manager.switch_to(RoomSettingsSG.rules)


async def on_reset_rules(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    room = await owned_room(manager)
    await reset_room_rules(room, callback.from_user.id)
    tell(manager, words.RULES_RESET)


def _rule_window(state: Any, prompt: str, rule: RuleField) -> Window:
    async def on_text(
        message: Message, widget: ManagedTextInput[str], manager: DialogManager, text: str
    ) -> None:
        await _save_rule(message, manager, rule, text)

    async def current_rule_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
        room = await owned_room(dialog_manager)
        rules = _service(dialog_manager).room_rules(room)
        return {"current": words.rule_value(rules, rule), "slot_minutes": room.slot_minutes}

    return Window(
        Format(prompt),
        TextInput(id=state.state.split(":")[-1], on_success=on_text),
        SwitchTo(Const("‹ Booking rules"), id="back", state=RoomSettingsSG.rules),
        state=state,
        getter=current_rule_getter,
    )


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
            SwitchTo(Const("📏 Booking rules"), id="rules", state=RoomSettingsSG.rules),
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
            Format(words.RULES),
            Format(words.NOTICE, when="notice"),
            Group(
                SwitchTo(Const("⏱ Min weekdays"), id="weekday_min", state=RoomSettingsSG.rule_weekday_min),
                SwitchTo(Const("⏱ Min weekends"), id="weekend_min", state=RoomSettingsSG.rule_weekend_min),
                SwitchTo(Const("🗓 How far ahead"), id="horizon", state=RoomSettingsSG.rule_horizon),
                SwitchTo(Const("⌛ How late"), id="lead", state=RoomSettingsSG.rule_lead),
                SwitchTo(Const("🔢 Slot limit"), id="slot_limit", state=RoomSettingsSG.rule_slot_limit),
                SwitchTo(Const("↩️ Refunds"), id="refunds", state=RoomSettingsSG.rule_refunds),
                width=2,
            ),
            Button(
                Const("↺ Use the defaults"), id="reset_rules", on_click=on_reset_rules, when="has_own_rules"
            ),
            SwitchTo(Const("‹ Settings"), id="back", state=RoomSettingsSG.menu),
            state=RoomSettingsSG.rules,
            getter=rules_getter,
        ),
        _rule_window(
            RoomSettingsSG.rule_weekday_min, words.ASK_WEEKDAY_MIN_SESSION, RuleField.WEEKDAY_MIN_SESSION
        ),
        _rule_window(
            RoomSettingsSG.rule_weekend_min, words.ASK_WEEKEND_MIN_SESSION, RuleField.WEEKEND_MIN_SESSION
        ),
        _rule_window(RoomSettingsSG.rule_horizon, words.ASK_HORIZON, RuleField.HORIZON),
        _rule_window(RoomSettingsSG.rule_lead, words.ASK_LEAD, RuleField.LEAD),
        _rule_window(RoomSettingsSG.rule_slot_limit, words.ASK_SLOT_LIMIT, RuleField.SLOT_LIMIT),
        _rule_window(RoomSettingsSG.rule_refunds, words.ASK_REFUND_TIERS, RuleField.REFUND_TIERS),
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
