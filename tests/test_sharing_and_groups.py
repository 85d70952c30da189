"""Sharing with the band and group chats (issue 17 §5, §6), through the real dispatcher:
inline results for rooms, free slots and a musician's own session (nobody else's), the
"Share with the band" button, and a group that gets one short answer to any command,
never a dialog."""

from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any

import pytest
from aiogram import Dispatcher
from aiogram.methods import AnswerInlineQuery, SendMessage
from aiogram.types import InlineQuery, Update
from aiogram.types import User as TelegramUser
from aiogram_dialog.test_tools import BotClient, MockMessageManager
from aiogram_dialog.test_tools.keyboard import InlineButtonTextLocator

from domain.start_links import day_parameter, free_parameter, share_query
from domain.words import groups
from storage.booking_service import BookingService
from storage.database import Database
from storage.demo import DEMO_ROOMS
from storage.models import Booking, Room, User
from tests.conftest import make_user
from tests.dialog_support import (
    Musician,
    RecordingBot,
    RecordingPayments,
    make_dispatcher,
    make_services,
    slot_keys,
)

THURSDAY = date(2026, 11, 26)
BOT = "jamroom_bot"
ASHA, RAVI = 1001, 1002
GROUP = -100_555
queries = count(1)


@pytest.fixture
def parts(db: Database, clock, service: BookingService, room: Room) -> tuple[Dispatcher, MockMessageManager]:
    return make_dispatcher(make_services(db, clock, service, RecordingPayments(), bot_username=BOT))


@pytest.fixture
def chat(parts: tuple[Dispatcher, MockMessageManager]) -> Musician:
    return Musician(*parts, user_id=ASHA, name="Asha")


async def paid(service: BookingService, room: Room, user_id: int, *hours: int) -> Booking:
    booking = await service.create_booking(user_id, room.id, THURSDAY, slot_keys(room, THURSDAY, *hours))
    confirmed = await service.confirm_payment(booking, {"payment_id": f"pay_{booking.code}"})
    assert confirmed is not None
    return confirmed


async def ask_inline(chat: Musician, text: str, user_id: int = ASHA) -> AnswerInlineQuery:
    """Type ``@jamroom_bot <text>`` somewhere; the bot's answer (Telegram's rules applied)."""
    query = InlineQuery(
        id=f"q{next(queries)}",
        from_user=TelegramUser(id=user_id, is_bot=False, first_name="Asha"),
        query=text,
        offset="",
    )
    await chat.client.dp.feed_update(chat.bot, Update(update_id=next(queries), inline_query=query))
    (answer,) = [
        c for c in chat.bot.calls if isinstance(c, AnswerInlineQuery) and c.inline_query_id == query.id
    ]
    return answer


def cards(answer: AnswerInlineQuery) -> list[dict[str, Any]]:
    return [result.model_dump(exclude_none=True) for result in answer.results]


def urls(card: dict[str, Any]) -> list[str]:
    return [b["url"] for row in card.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


# ---- §5 inline mode -----------------------------------------------------------------------


@pytest.mark.usefixtures("user")
async def test_a_room_query_lists_matching_rooms_each_with_a_link_to_it(chat: Musician, room: Room) -> None:
    await Room(**DEMO_ROOMS[1]).insert()
    answer = await ask_inline(chat, "bass cave")
    (card,) = cards(answer)
    assert card["id"] == f"room:{room.id}"
    assert card["title"] == "Bass Cave Studio"
    assert card["description"] == "Bengaluru · from ₹600/h"
    assert "🎸 <b>Bass Cave Studio</b> · Bengaluru" in card["input_message_content"]["message_text"]
    assert urls(card) == [f"https://t.me/{BOT}?start=room_bass-cave-indiranagar"]
    assert answer.is_personal is True
    assert answer.button is not None
    assert answer.button.start_parameter == "menu"
    assert len(cards(await ask_inline(chat, ""))) == 2  # every room when nothing is typed
    assert cards(await ask_inline(chat, "no such room")) == []


@pytest.mark.usefixtures("user")
async def test_a_time_query_lists_free_slots_with_a_link_to_that_day(
    chat: Musician, service: BookingService, room: Room
) -> None:
    await service.block_slots(room, THURSDAY, slot_keys(room, THURSDAY, 19), owner_id=9001)
    answer = await ask_inline(chat, "bass cave tomorrow 18-22")
    (card,) = cards(answer)
    assert card["id"] == f"free:{room.id}:20261126"
    assert card["title"] == "Bass Cave Studio · free Thu 26 Nov"
    assert card["description"] == "18:00–19:00, 20:00–22:00 · from ₹800"
    text = card["input_message_content"]["message_text"]
    assert "📅 Thu 26 Nov: 18:00–19:00, 20:00–22:00 (IST)" in text
    assert urls(card) == [f"https://t.me/{BOT}?start={day_parameter(room.slug, THURSDAY)}"]
    assert answer.cache_time == 5
    assert len(cards(await ask_inline(chat, "tonight"))) == 1


async def test_the_share_query_gives_the_musician_their_own_sessions_card(
    chat: Musician, service: BookingService, room: Room, user: User
) -> None:
    booking = await paid(service, room, user.id, 18, 19)
    (card,) = cards(await ask_inline(chat, share_query(booking.code)))
    text = card["input_message_content"]["message_text"]
    assert "🎶 <b>Jam session at Bass Cave Studio</b>" in text
    assert "📅 Thu 26 Nov 2026, 18:00–20:00 (IST)" in text
    assert "📍 2nd floor, 1082 12th Main Rd" in text
    assert "google.com/maps" in text
    assert "Asha" not in text
    assert booking.code not in text
    assert urls(card)[0] == f"https://t.me/{BOT}?start=room_bass-cave-indiranagar"
    assert "google.com/maps" in urls(card)[1]


async def test_nobody_else_gets_a_sessions_card_whatever_the_code(
    chat: Musician, service: BookingService, room: Room, user: User
) -> None:
    await make_user(RAVI, "Ravi")
    booking = await paid(service, room, user.id, 18)
    assert cards(await ask_inline(chat, share_query(booking.code), user_id=RAVI)) == []
    assert cards(await ask_inline(chat, share_query("JR-22222A"))) == []  # no such booking
    held = await service.create_booking(user.id, room.id, THURSDAY, slot_keys(room, THURSDAY, 12))
    assert cards(await ask_inline(chat, share_query(held.code))) == []  # not paid
    await service.cancel_by_musician(booking.id, user.id)
    assert cards(await ask_inline(chat, share_query(booking.code))) == []  # cancelled


async def test_my_bookings_offers_share_with_the_band_for_a_paid_session_only(
    chat: Musician, service: BookingService, room: Room, user: User
) -> None:
    booking = await paid(service, room, user.id, 18)
    held = await service.create_booking(user.id, room.id, THURSDAY, slot_keys(room, THURSDAY, 12))
    await chat.send("/bookings")
    await chat.tap(f"{booking.code} .*")
    (share,) = [b for b in chat.buttons() if b.text == groups.SHARE_WITH_BAND]
    assert share.switch_inline_query_chosen_chat is not None
    assert share.switch_inline_query_chosen_chat.query == share_query(booking.code)
    assert share.switch_inline_query_chosen_chat.allow_group_chats is True
    await chat.tap("‹ My bookings")
    await chat.tap(f"{held.code} .*")
    assert groups.SHARE_WITH_BAND not in chat.button_texts()


# ---- §6 groups ----------------------------------------------------------------------------


def in_group(
    parts: tuple[Dispatcher, MockMessageManager], user_id: int = ASHA
) -> tuple[BotClient, RecordingBot]:
    bot = RecordingBot()
    return BotClient(parts[0], user_id=user_id, chat_id=GROUP, chat_type="supergroup", bot=bot), bot


@pytest.mark.parametrize(
    ("command", "place"),
    [
        ("/start", "menu"),
        (f"/start@{BOT}", "menu"),
        ("/start room_bass-cave-indiranagar", "room_bass-cave-indiranagar"),
        (
            f"/start {day_parameter('bass-cave-indiranagar', THURSDAY)}",
            day_parameter("bass-cave-indiranagar", THURSDAY),
        ),
        ("/start booking_JR-22222A", "booking_JR-22222A"),
        ("/book", "book"),
        ("/bookings", "bookings"),
        ("/owner", "owner"),
        ("/free tomorrow 18-22", free_parameter("tomorrow 18-22")),
        ("/free", "free"),
        ("/help", "menu"),
        ("/cancel", "menu"),
        ("/block bass-cave-indiranagar 2026-11-26 all", "owner"),
        ("/unblock bass-cave-indiranagar 2026-11-26 all", "owner"),
        ("/terminate JR-22222A no power", "owner"),
    ],
)
@pytest.mark.usefixtures("room")
async def test_every_command_in_a_group_gets_one_short_answer_and_a_link_to_the_private_chat(
    parts: tuple[Dispatcher, MockMessageManager], command: str, place: str
) -> None:
    client, bot = in_group(parts, user_id=9001)  # the room's owner, to show /owner leaks nothing
    await client.send(command)
    (answer,) = [c for c in bot.calls if isinstance(c, SendMessage)]
    assert answer.chat_id == GROUP
    assert answer.text == groups.GROUP_ANSWER
    keyboard = answer.reply_markup.model_dump(exclude_none=True)["inline_keyboard"]  # type: ignore[union-attr]
    assert keyboard == [[{"text": groups.CONTINUE_IN_PRIVATE, "url": f"https://t.me/{BOT}?start={place}"}]]
    assert parts[1].sent_messages == []  # no dialog screen, in the group or anywhere


@pytest.mark.parametrize("text", ["hello band", "/start@some_other_bot", "/weather", "/book@another_bot"])
@pytest.mark.usefixtures("room")
async def test_a_group_chats_other_messages_get_nothing(
    parts: tuple[Dispatcher, MockMessageManager], text: str
) -> None:
    client, bot = in_group(parts)
    await client.send(text)
    assert bot.calls == []
    assert parts[1].sent_messages == []


async def test_a_tap_on_an_old_button_in_a_group_is_answered_and_changes_nothing(
    parts: tuple[Dispatcher, MockMessageManager], chat: Musician
) -> None:
    await chat.send("/start")
    menu = chat.last
    client, bot = in_group(parts)
    in_the_group = menu.model_copy(update={"chat": client.chat})
    await client.click(in_the_group, InlineButtonTextLocator("🎸 Find a room"))
    assert bot.alerts() == [groups.GROUP_TAP]
    assert len(parts[1].sent_messages) == 1  # only the private chat's menu


async def test_the_private_chat_still_works_beside_a_group(
    parts: tuple[Dispatcher, MockMessageManager], chat: Musician
) -> None:
    client, _ = in_group(parts)
    await client.send("/book")
    await chat.send("/book")
    assert "Which city are you in?" in chat.text
