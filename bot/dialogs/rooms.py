"""Find a room: cities, the rooms of a city (paged), and a room's card."""

from __future__ import annotations

from collections import Counter
from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery
from aiogram_dialog import DialogManager, ShowMode, Window
from aiogram_dialog.api.entities import MediaAttachment, MediaId
from aiogram_dialog.widgets.kbd import Back, Button, Cancel, Column, Row, ScrollingGroup
from aiogram_dialog.widgets.media import DynamicMedia

from bot.dialogs.base import Dialog
from bot.dialogs.room_cache import active_rooms_of, room_of
from bot.dialogs.states import BookingSG, RoomsSG
from bot.dialogs.widgets import labelled_select
from bot.i18n import Const, Format
from domain.errors import BookingError
from domain.words import musician, musician_screens
from domain.words.formats import h
from domain.words.refusals import refusal
from storage.booking_service import BookingService
from storage.users import remember_city

ROOMS_PER_PAGE = 6
CAPTION_LIMIT = 1024  # Telegram's limit for a photo caption


# ---- getters -------------------------------------------------------------------------


async def cities_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    counts = Counter(room.city for room in await active_rooms_of(dialog_manager))
    cities = [
        {"name": city, "label": musician_screens.city_button(city, n)} for city, n in sorted(counts.items())
    ]
    return {"cities": cities, "has_rooms": bool(cities), "no_rooms": not cities}


async def rooms_getter(dialog_manager: DialogManager, **_: Any) -> dict[str, Any]:
    city = dialog_manager.dialog_data.get("city", "")
    found = await active_rooms_of(dialog_manager, city)
    rooms = [{"id": str(room.id), "label": musician_screens.room_button(room)} for room in found]
    return {"city": h(city), "rooms": rooms, "none_here": not rooms}


async def card_getter(
    dialog_manager: DialogManager, booking_service: BookingService, **_: Any
) -> dict[str, Any]:
    room = await room_of(dialog_manager, dialog_manager.dialog_data["room_id"])
    photo = None
    if room.photo_file_id:
        photo = MediaAttachment(ContentType.PHOTO, file_id=MediaId(room.photo_file_id))
    return {
        "card": musician_screens.room_card(
            room, limit=CAPTION_LIMIT if photo else None, rules=booking_service.room_rules(room)
        ),
        "photo": photo,
        "has_location": room.latitude is not None and room.longitude is not None,
        "bookable": room.active,
        "paused": not room.active,
    }


# ---- handlers ------------------------------------------------------------------------


async def on_start(start_data: Any, manager: DialogManager) -> None:
    """Opened on a room straight away (deep link, or from elsewhere): remember it and
    its city, so Back leads to that city's list."""
    if isinstance(start_data, dict) and start_data.get("room_id"):
        manager.dialog_data["room_id"] = start_data["room_id"]
        manager.dialog_data["city"] = start_data.get("city", "")


async def on_city_selected(callback: CallbackQuery, widget: Any, manager: DialogManager, city: str) -> None:
    manager.dialog_data["city"] = city
    await remember_city(callback.from_user.id, city)  # where /free and inline searches look
    await manager.switch_to(RoomsSG.rooms)


async def on_room_selected(
    callback: CallbackQuery, widget: Any, manager: DialogManager, room_id: str
) -> None:
    try:
        room = await room_of(manager, room_id)
    except BookingError as error:
        await callback.answer(refusal(error), show_alert=True)
        return
    manager.dialog_data["room_id"] = str(room.id)
    manager.dialog_data["city"] = room.city
    await manager.switch_to(RoomsSG.card)


async def on_show_map(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    room = await room_of(manager, manager.dialog_data["room_id"])
    if room.latitude is None or room.longitude is None or callback.message is None:
        await callback.answer(musician.NO_MAP_LOCATION, show_alert=True)
        return
    await manager.middleware_data["bot"].send_venue(
        chat_id=callback.message.chat.id,
        latitude=room.latitude,
        longitude=room.longitude,
        title=room.name,
        address=room.address,
    )
    # Send the card again below the venue, so its buttons stay at the bottom of the chat.
    manager.show_mode = ShowMode.DELETE_AND_SEND


async def on_book(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    await manager.start(BookingSG.day, data={"room_id": manager.dialog_data["room_id"]})


def build_dialog() -> Dialog:
    return Dialog(
        Window(
            Const(musician_screens.WHICH_CITY, when="has_rooms"),
            Const(musician_screens.NO_ROOMS_YET, when="no_rooms"),
            Column(
                labelled_select("city", "cities", on_city_selected, key="name"),
            ),
            Cancel(Const("‹ Menu")),
            state=RoomsSG.cities,
            getter=cities_getter,
        ),
        Window(
            Format(musician_screens.ROOMS_IN_CITY),
            Const(musician_screens.NONE_TAKING_BOOKINGS, when="none_here"),
            ScrollingGroup(
                labelled_select("room", "rooms", on_room_selected),
                id="rooms_page",
                width=1,
                height=ROOMS_PER_PAGE,
                hide_on_single_page=True,
            ),
            Row(Back(Const("‹ Cities")), Cancel(Const("✖ Close"))),
            state=RoomsSG.rooms,
            getter=rooms_getter,
        ),
        Window(
            DynamicMedia("photo", when="photo"),
            Format("{card}"),
            Const(musician_screens.ROOM_PAUSED, when="paused"),
            Button(Const("📅 Book"), id="book", on_click=on_book, when="bookable"),
            Button(Const("📍 Show on map"), id="map", on_click=on_show_map, when="has_location"),
            Row(Back(Const("‹ Rooms")), Cancel(Const("✖ Close"))),
            state=RoomsSG.card,
            getter=card_getter,
        ),
        on_start=on_start,
    )
