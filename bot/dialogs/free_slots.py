"""Free slots (issue 17 §3): 🔎 in the main menu and ``/free [when]``. In the musician's
city (the one they last browsed, else asked once and remembered), the rooms with free
slots in the window, cheapest first, each with its free times; tapping one opens that
room's slot screen on that day with nothing chosen yet.

The window is read again on every screen from the query as typed (``domain.free_query``),
so "tonight" means tonight whenever the screen is drawn."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.types import CallbackQuery
from aiogram_dialog import DialogManager, ShowMode, Window
from aiogram_dialog.widgets.kbd import Button, Cancel, Column, Row, SwitchTo

from bot.dialogs.base import Dialog
from bot.dialogs.main_menu import open_over_menu
from bot.dialogs.room_cache import active_rooms_of, room_of
from bot.dialogs.rooms import cities_getter
from bot.dialogs.states import BookingSG, FreeSlotsSG
from bot.dialogs.widgets import labelled_select
from bot.i18n import Const, Format
from domain.errors import BookingError, RoomPausedError
from domain.free_query import MUSICIANS_ZONE, FreeQueryError, FreeWindow, parse_free_query
from domain.sessions import sessions_in
from domain.words import musician, musician_screens
from domain.words.refusals import refusal
from storage.availability import free_slots
from storage.booking_service import BookingService
from storage.models import Room
from storage.users import last_city, remember_city

ROOMS_SHOWN = 8
"""Rooms listed at most (cheapest first): a screen stays short and within Telegram's limits."""
PRESETS = {"now": "", "tonight": "tonight", "tomorrow": "tomorrow", "weekend": "sat"}
"""The quick buttons' queries, by button id."""


def search_zone(rooms: Sequence[Room]) -> ZoneInfo:
    """The musician's clock: their city's rooms' zone when they agree, else India's."""
    zones = {room.timezone for room in rooms}
    return rooms[0].zone if len(zones) == 1 else MUSICIANS_ZONE


def window_for(query: str, rooms: Sequence[Room], service: BookingService) -> FreeWindow:
    """The window ``query`` names now; raises FreeQueryError."""
    return parse_free_query(query, now=service.clock.now(), zone=search_zone(rooms))


async def open_free_search(manager: DialogManager, query: str, show_mode: ShowMode | None = None) -> None:
    """A search for ``query`` from a command or a link, with a fresh main menu under it."""
    await open_over_menu(manager, FreeSlotsSG.results, {"query": query}, show_mode=show_mode)


def _refused(error: FreeQueryError) -> str:
    return musician_screens.free_refused(error.problem.value, error.part, error.day)


# ---- getters -------------------------------------------------------------------------


async def results_getter(
    dialog_manager: DialogManager, booking_service: BookingService, **_: Any
) -> dict[str, Any]:
    city = dialog_manager.dialog_data["city"]
    rooms = await active_rooms_of(dialog_manager, city)
    shown: dict[str, Any] = {"rooms": [], "lines": "", "more": "", "problem": "", "nothing": ""}
    try:
        window = window_for(dialog_manager.dialog_data.get("query", ""), rooms, booking_service)
    except FreeQueryError as error:
        return {**shown, "heading": "", "problem": _refused(error)}
    zone = search_zone(rooms)
    found = await free_slots(
        rooms, window, now=booking_service.clock.now(), lead_of=booking_service.booking_lead
    )
    listed = found[:ROOMS_SHOWN]
    lines = [
        musician_screens.free_room_lines(
            room.name, room.cheapest_paise, sessions_in(o.slot for o in room.slots), zone
        )
        for room in listed
    ]
    return {
        **shown,
        "heading": musician_screens.free_heading(
            city, musician_screens.free_window(window.day, window.starts, window.ends, zone)
        ),
        "lines": "\n\n".join(lines),
        "rooms": [
            {"id": room.room_id, "label": musician_screens.free_room_button(room.name, room.cheapest_paise)}
            for room in listed
        ],
        "more": musician_screens.free_more_rooms(len(found) - len(listed))
        if len(found) > len(listed)
        else "",
        "nothing": "" if found else musician_screens.free_nothing(city),
    }


# ---- handlers ------------------------------------------------------------------------


async def on_start(start_data: Any, manager: DialogManager) -> None:
    """Search in the city the musician last browsed; ask for one when there is none
    (or it has no rooms any more)."""
    data = start_data if isinstance(start_data, dict) else {}
    manager.dialog_data["query"] = str(data.get("query", ""))
    user = manager.middleware_data["event_from_user"]
    city = await last_city(user.id)
    if city in {room.city for room in await active_rooms_of(manager)}:
        manager.dialog_data["city"] = city
        return
    await manager.switch_to(FreeSlotsSG.city)


async def on_city_selected(callback: CallbackQuery, widget: Any, manager: DialogManager, city: str) -> None:
    manager.dialog_data["city"] = city
    await remember_city(callback.from_user.id, city)
    await manager.switch_to(FreeSlotsSG.results)


async def on_preset(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    manager.dialog_data["query"] = PRESETS[button.widget_id or "now"]


async def on_room_selected(
    callback: CallbackQuery, widget: Any, manager: DialogManager, room_id: str
) -> None:
    """Open the room's slot screen on the search's day, nothing chosen yet."""
    service: BookingService = manager.middleware_data["booking_service"]
    try:
        room = await room_of(manager, room_id)
        rooms = await active_rooms_of(manager, manager.dialog_data["city"])
        window = window_for(manager.dialog_data.get("query", ""), rooms, service)
    except BookingError as error:
        await callback.answer(refusal(error), show_alert=True)
        return
    except FreeQueryError:
        await callback.answer(musician.FREE_SEARCH_OVER, show_alert=True)
        return
    if not room.active:
        await callback.answer(refusal(RoomPausedError()), show_alert=True)
        return
    await manager.start(BookingSG.slots, data={"room_id": str(room.id), "day": window.day.isoformat()})


def build_dialog() -> Dialog:
    return Dialog(
        Window(
            Const(musician_screens.FREE_WHICH_CITY, when="has_rooms"),
            Const(musician_screens.NO_ROOMS_YET, when="no_rooms"),
            Column(labelled_select("free_city", "cities", on_city_selected, key="name")),
            Cancel(Const("‹ Menu")),
            state=FreeSlotsSG.city,
            getter=cities_getter,
        ),
        Window(
            Format("{heading}", when="heading"),
            Format("\n{lines}", when="lines"),
            Format("\n{nothing}", when="nothing"),
            Format("{problem}", when="problem"),
            Format("\n{more}", when="more"),
            Const(musician_screens.FREE_MORE_TIMES),
            Column(labelled_select("free_room", "rooms", on_room_selected)),
            Row(
                Button(Const("Now"), id="now", on_click=on_preset),
                Button(Const("Tonight"), id="tonight", on_click=on_preset),
                Button(Const("Tomorrow"), id="tomorrow", on_click=on_preset),
                Button(Const("Sat"), id="weekend", on_click=on_preset),
            ),
            Row(SwitchTo(Const("🏙 City"), id="city", state=FreeSlotsSG.city), Cancel(Const("‹ Menu"))),
            state=FreeSlotsSG.results,
            getter=results_getter,
        ),
        on_start=on_start,
    )
