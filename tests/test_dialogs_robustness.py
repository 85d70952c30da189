"""Stale and tampered buttons, /cancel, /help, throttling, unexpected errors, and a
restart in the middle of a booking (dialog state in MongoDB)."""

from __future__ import annotations

import asyncio
import logging
from datetime import date

import pytest
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, User

from bot.dispatcher import FSM_COLLECTION, mongo_fsm_storage
from bot.middlewares.throttling import ThrottlingMiddleware
from bot.perf import Speedups
from domain.words.musician import BUTTONS_ONLY as BUTTONS_TEXT
from domain.words.musician import SLOW_DOWN as SLOW_DOWN_TEXT
from storage.booking_service import BookingService
from storage.database import Database
from storage.models import Booking, Room
from tests.dialog_support import Musician, make_dispatcher, make_services, open_day, slot_keys

TOMORROW = date(2026, 11, 26)


@pytest.fixture
def chat(db: Database, clock, service: BookingService, room: Room, dialog_storage: BaseStorage) -> Musician:
    dispatcher, manager = make_dispatcher(make_services(db, clock, service), dialog_storage)
    return Musician(dispatcher, manager, user_id=1001, name="Asha")


async def test_a_button_from_a_closed_menu_says_expired_and_shows_a_fresh_menu(chat: Musician) -> None:
    await chat.send("/start")
    old_menu = chat.last
    await chat.send("/cancel")
    assert chat.bot.sent_texts()[-1].startswith("Okay, I closed that menu.")

    await chat.tap("🎸 Find a room", old_menu)

    assert chat.bot.alerts()[-1] == "This menu has expired. Here is a fresh one."
    assert "Hi Asha!" in chat.text
    await chat.tap("🎸 Find a room")  # the fresh menu works
    assert "Which city" in chat.text


@pytest.mark.parametrize("data", ["garbage", "\x1dnope:1", "zzzzzz\x1dcity:Bengaluru"])
async def test_tampered_callback_data_gets_a_fresh_menu(chat: Musician, data: str) -> None:
    await chat.send("/start")
    await chat.send("/cancel")
    fake = chat.last.model_copy(
        update={
            "reply_markup": InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="x", callback_data=data)]]
            )
        }
    )
    await chat.tap("x", fake)
    assert "This menu has expired" in chat.bot.alerts()[-1]
    assert "Hi Asha!" in chat.text


async def test_cancel_without_a_menu_and_help_answer_politely(chat: Musician) -> None:
    await chat.send("/cancel")
    assert "nothing to cancel" in chat.bot.sent_texts()[-1]
    await chat.send("/help")
    assert "How JamRoom bot works" in chat.bot.sent_texts()[-1]
    await chat.send("hello?")
    assert chat.bot.sent_texts()[-1] == BUTTONS_TEXT


async def test_help_from_the_menu_and_back(chat: Musician) -> None:
    await chat.send("/start")
    await chat.tap("ℹ️ Help")
    assert "How JamRoom bot works" in chat.text
    await chat.tap("‹ Menu")
    assert "Hi Asha!" in chat.text


async def test_user_text_is_escaped(
    db: Database, clock, service: BookingService, room: Room, dialog_storage: BaseStorage
) -> None:
    await room.set({Room.name: "<b>Loud</b> & Co"})
    dispatcher, manager = make_dispatcher(make_services(db, clock, service), dialog_storage)
    chat = Musician(dispatcher, manager, user_id=1001, name="<i>Ash</i>")
    await chat.send("/start")
    assert "Hi &lt;i&gt;Ash&lt;/i&gt;!" in chat.text
    await chat.send("/start room_bass-cave-indiranagar")
    assert "<b>&lt;b&gt;Loud&lt;/b&gt; &amp; Co</b>" in chat.text


async def test_an_unexpected_error_gets_an_apology_and_a_log_line(
    chat: Musician, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(**_: object) -> dict:
        raise RuntimeError("database on fire")

    await chat.send("/start")
    monkeypatch.setattr("bot.dialogs.room_cache.active_rooms", broken)
    with caplog.at_level(logging.ERROR, logger="bot.handlers.errors"):
        await chat.tap("🎸 Find a room")
    assert chat.bot.alerts()[-1].startswith("Sorry, something went wrong on my side.")
    assert any("update" in r.getMessage() and "failed" in r.getMessage() for r in caplog.records)


async def toggle_help(chat: Musician) -> None:
    await chat.tap("ℹ️ Help" if "Hi" in chat.text else "‹ Menu")


async def test_bursts_are_throttled_per_user(
    db: Database, clock, service: BookingService, room: Room, dialog_storage: BaseStorage
) -> None:
    dispatcher, manager = make_dispatcher(make_services(db, clock, service), dialog_storage, throttle=True)
    throttle: ThrottlingMiddleware = dispatcher["throttle"]
    now = [0.0]
    throttle.clock = lambda: now[0]
    throttle.buckets.clear()
    chat = Musician(dispatcher, manager, user_id=1001, name="Asha")
    other = Musician(dispatcher, manager, user_id=1002, name="Ravi")
    await chat.send("/start")
    for _ in range(throttle.burst):
        await toggle_help(chat)
    assert chat.bot.alerts()[-1] == SLOW_DOWN_TEXT
    await other.send("/start")  # someone else is not slowed down
    assert "Hi Ravi!" in other.text
    now[0] += 1.0
    before = len(chat.bot.alerts())
    await toggle_help(chat)
    assert len(chat.bot.alerts()) == before


async def test_a_restart_mid_booking_resumes_where_the_musician_was(
    db: Database, clock, service: BookingService, room: Room
) -> None:
    services = make_services(db, clock, service)
    speedups = Speedups.from_setting(services.settings.speedups)
    storage = mongo_fsm_storage(db.client, db.db.name, speedups)
    await db.db[FSM_COLLECTION].delete_many({})
    first, manager = make_dispatcher(services, storage)
    chat = Musician(first, manager, user_id=1001, name="Asha")
    await open_day(chat, TOMORROW)
    first_key, second_key = slot_keys(room, TOMORROW, 19, 20)
    await chat.tap_slot(first_key)
    screen = chat.last

    second, manager2 = make_dispatcher(services, mongo_fsm_storage(db.client, db.db.name, speedups))
    chat.client.dp = second
    chat.manager = manager2
    await chat.tap_data(rf".*slots:{second_key}", screen)
    assert "Chosen: 2 slot(s) · total <b>₹1,600</b>" in chat.text
    await chat.tap("Review.*")
    await chat.tap("✅ Confirm")
    booking = await Booking.find_one(Booking.user_id == 1001)
    assert booking is not None
    assert booking.amount_paise == 160000


async def test_one_users_updates_run_one_at_a_time_however_many_queue() -> None:
    """Three quick taps: the third must wait for the second even when it arrives just
    as the first is done (a released lock is not yet taken by its waiter). The order is
    set by events, not by sleeps, so it is the same on a busy machine."""
    throttle = ThrottlingMiddleware(rate=100, burst=100)
    running: list[str] = []
    overlaps: list[tuple[str, ...]] = []
    first_may_end = asyncio.Event()
    taps: list[asyncio.Task[None]] = []
    user = User(id=1001, is_bot=False, first_name="Asha")

    def tap(name: str) -> None:
        taps.append(asyncio.create_task(throttle(handler, name, {"event_from_user": user})))

    async def handler(event: str, data: dict) -> None:
        running.append(event)
        if len(running) > 1:
            overlaps.append(tuple(running))
        if event == "first":
            await first_may_end.wait()
            running.remove(event)
            tap("third")  # runs between the release and the woken second taking the lock
            return
        await asyncio.sleep(0)
        running.remove(event)

    tap("first")
    await asyncio.sleep(0)
    tap("second")  # queues behind the first
    await asyncio.sleep(0)
    first_may_end.set()
    await asyncio.gather(*taps)
    await asyncio.gather(*taps)  # the third, added while the first ended
    assert len(taps) == 3
    assert overlaps == []
    assert throttle.turns == {}  # nothing kept once the user is idle
