"""Inline mode (issue 17 §5): ``@<bot> bass cave``, ``@<bot> tonight`` or ``@<bot> bass cave
sat`` in any chat lists matching rooms, or their free slots for a time, as cards with a
link that opens the room (or the day) in the bot's private chat. ``session JR-XXXXXX``,
which "Share with the band" types, is that session's card, for its own musician only:
anyone else (a guessed or forwarded code) gets nothing, so no booking leaks.

Results depend on who asks (their city, their bookings), so Telegram is told to keep
them for that user only (``is_personal``), and briefly: free slots change as people book.
Inline mode must be switched on with @BotFather (``/setinline``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from aiogram import Router
from aiogram.enums import ParseMode
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
)

from bot.dialogs.free_slots import search_zone
from bot.services import Services
from domain.availability import SlotOffer
from domain.errors import RoomNotFoundError
from domain.free_query import FreeQueryError, FreeWindow, parse_free_query
from domain.sessions import sessions_in
from domain.start_links import MENU, SHAREABLE, day_parameter, parse_share_query, room_parameter, start_url
from domain.words import groups
from domain.words.musician import map_link
from storage.availability import free_slots
from storage.bookings import booking_by_code
from storage.models import Room
from storage.rooms import active_rooms
from storage.users import last_city

MAX_RESULTS = 50
"""Telegram's limit for one answer."""
ROOMS_CACHE_SECONDS = 30
LIVE_CACHE_SECONDS = 5
"""Free slots and a session's card: kept briefly, they change as people book."""

Results = list[InlineQueryResultArticle]


def build_router() -> Router:
    router = Router(name=__name__)
    router.inline_query.register(on_inline_query)
    return router


async def on_inline_query(inline_query: InlineQuery, services: Services) -> None:
    text = " ".join(inline_query.query.split())
    code = parse_share_query(text)
    if code is not None:
        results, cache = await _session(code, inline_query.from_user.id, services), LIVE_CACHE_SECONDS
    else:
        results, cache = await _search(text, inline_query.from_user.id, services)
    button = None
    if services.bot_username:
        button = InlineQueryResultsButton(text=groups.BOOK_IN_PRIVATE, start_parameter=MENU)
    await inline_query.answer(results[:MAX_RESULTS], cache_time=cache, is_personal=True, button=button)


# ---- reading the query ---------------------------------------------------------------------


def room_words_and_window(
    text: str, rooms: Sequence[Room], services: Services
) -> tuple[list[str], FreeWindow | None]:
    """The words naming a room and the window of the time that follows them, if any:
    ``bass cave sat`` is (["bass", "cave"], Saturday), ``tonight`` ([], tonight),
    ``bass cave`` (["bass", "cave"], None)."""
    words = text.split()
    for first_time_word in range(len(words)):
        try:
            window = parse_free_query(
                " ".join(words[first_time_word:]), now=services.clock.now(), zone=search_zone(rooms)
            )
        except FreeQueryError:
            continue
        return words[:first_time_word], window
    return words, None


def matching(rooms: Sequence[Room], words: Sequence[str]) -> list[Room]:
    """The rooms whose name, city or slug holds every word (any case)."""
    wanted = [word.casefold() for word in words]
    return [
        room for room in rooms if all(w in f"{room.name} {room.city} {room.slug}".casefold() for w in wanted)
    ]


async def _search(text: str, user_id: int, services: Services) -> tuple[Results, int]:
    everywhere = await active_rooms()
    city = await last_city(user_id)
    nearby = [room for room in everywhere if room.city == city] or everywhere
    words, window = room_words_and_window(text, nearby, services)
    rooms = matching(everywhere, words) if words else nearby
    if window is None:
        return [_room_result(room, services) for room in rooms], ROOMS_CACHE_SECONDS
    return await _free_results(rooms, window, services), LIVE_CACHE_SECONDS


# ---- results -------------------------------------------------------------------------------


def _article(
    result_id: str, title: str, description: str, card: str, buttons: list[list[InlineKeyboardButton]]
) -> InlineQueryResultArticle:
    return InlineQueryResultArticle(
        id=result_id,
        title=title,
        description=description,
        input_message_content=InputTextMessageContent(
            message_text=card,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        ),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons) if buttons else None,
    )


def _link(services: Services, text: str, parameter: str) -> list[list[InlineKeyboardButton]]:
    """A button opening the bot's private chat at ``parameter``; none without a username."""
    if not services.bot_username:
        return []
    return [[InlineKeyboardButton(text=text, url=start_url(services.bot_username, parameter))]]


def _room_result(room: Room, services: Services) -> InlineQueryResultArticle:
    return _article(
        f"room:{room.id}",
        groups.room_title(room),
        groups.room_description(room),
        groups.room_card(room),
        _link(services, groups.OPEN_IN_BOT, room_parameter(room.slug)),
    )


async def _free_results(rooms: Sequence[Room], window: FreeWindow, services: Services) -> Results:
    by_id = {str(room.id): room for room in rooms}
    found = await free_slots(rooms, window, now=services.clock.now(), lead_of=services.bookings.booking_lead)
    return [
        _free_result(by_id[free.room_id], window.day, free.slots, free.cheapest_paise, services)
        for free in found
    ]


def _free_result(
    room: Room, day: date, slots: Sequence[SlotOffer], cheapest_paise: int, services: Services
) -> InlineQueryResultArticle:
    runs = sessions_in(offer.slot for offer in slots)
    return _article(
        f"free:{room.id}:{day:%Y%m%d}",
        groups.free_title(room, day),
        groups.free_description(runs, room.zone, cheapest_paise),
        groups.free_card(room, day, runs, cheapest_paise),
        _link(services, groups.OPEN_IN_BOT, day_parameter(room.slug, day)),
    )


async def _session(code: str, user_id: int, services: Services) -> Results:
    """The session's card for its own musician while it is paid and not over; else nothing."""
    booking = await booking_by_code(code)
    if booking is None or booking.user_id != user_id or booking.status not in SHAREABLE:
        return []
    try:
        room = await services.bookings.room(booking.room_id)
    except RoomNotFoundError:
        return []
    maps = map_link(room)
    buttons = _link(services, groups.SEE_THE_ROOM, room_parameter(room.slug))
    if maps:
        buttons.append([InlineKeyboardButton(text=groups.OPEN_IN_MAPS, url=maps)])
    return [
        _article(
            f"session:{booking.code}",
            groups.session_title(room),
            groups.session_description(booking, room),
            groups.session_card(booking, room, maps),
            buttons,
        )
    ]
