"""Live slot screens through the real dispatcher: a musician's open slot screen is
redrawn by the delivery loop's job when others book or release a slot on it, through
aiogram-dialog's background manager (bot/live_screens.py), spaced, only when it would
change, only while the screen is open and young, in the musician's own turn, and within
the send budget after the messages. Timing runs on injected clocks."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseStorage

from bot.dialogs.booking import REWATCH
from bot.live_screens import slot_screen_painter
from domain.clock import ManualClock
from domain.live_screens import REDRAW_SPACING, SCREEN_LIFETIME
from jobs.delivery import OutboxDeliverer, RateLimits
from jobs.live_screens import BATCH
from storage import live_screens
from storage.booking_service import BookingService
from storage.database import Database
from storage.live_screens import SlotScreen
from storage.models import Room, User, room_day_key
from storage.outbox import OutboxMessage, OutboxStatus, enqueue
from tests.conftest import make_user
from tests.dialog_support import (
    Musician,
    RecordingPayments,
    RedrawsAfterTheAnswer,
    make_dispatcher,
    make_services,
    open_day,
    slot_keys,
)

TOMORROW = date(2026, 11, 26)  # Thursday, Bass Cave open 10:00–22:00 IST
PACE_START = datetime(2026, 11, 25, 4, 30, tzinfo=UTC)


@pytest.fixture
def dispatcher_and_manager(
    db: Database, clock, service: BookingService, room: Room, dialog_storage: BaseStorage
):
    return make_dispatcher(make_services(db, clock, service, RecordingPayments()), dialog_storage)


@pytest.fixture
def chat(dispatcher_and_manager) -> Musician:
    return Musician(*dispatcher_and_manager, user_id=1001, name="Asha")


@pytest.fixture
async def rival(db) -> User:
    return await make_user(2002, "Ravi")


@pytest.fixture
def pace() -> ManualClock:
    """The send budget's clock: waiting for a turn moves it, not the wall clock."""
    return ManualClock(PACE_START)


@pytest.fixture
def limits(pace: ManualClock) -> RateLimits:
    return RateLimits(shared=False, clock=pace)


@pytest.fixture
def redraws(dispatcher_and_manager, chat: Musician, service: BookingService, clock) -> RedrawsAfterTheAnswer:
    dispatcher: Dispatcher = dispatcher_and_manager[0]
    return RedrawsAfterTheAnswer(service, clock, slot_screen_painter(chat.bot, dispatcher))


def screens_shown(chat: Musician) -> int:
    return sum(1 for m in chat.manager.sent_messages if m.chat.id == chat.user_id and m.text)


async def test_an_open_slot_screen_is_redrawn_when_another_musician_books_on_it(
    chat: Musician, room: Room, service: BookingService, rival: User, redraws, limits
) -> None:
    await open_day(chat, TOMORROW)
    mine = slot_keys(room, TOMORROW, 17)
    await chat.tap_slot(mine[0])
    assert "12:00–13:00 · ₹600" in chat.button_texts()

    await service.create_booking(rival.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 12))
    assert await redraws.redraw_due(limits) == 1

    assert "✕ 12:00–13:00 · booked" in chat.button_texts()
    assert "✅ 17:00–18:00 · ₹600" in chat.button_texts()  # the musician's choice stays
    assert "Chosen: 1 slot(s)" in chat.text
    assert await redraws.redraw_due(limits) == 0


async def test_a_released_slot_shows_free_again(
    chat: Musician, room: Room, service: BookingService, clock, rival: User, redraws, limits
) -> None:
    booking = await service.create_booking(rival.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 12))
    await open_day(chat, TOMORROW)
    assert "✕ 12:00–13:00 · booked" in chat.button_texts()

    await service.cancel_by_musician(booking.id, rival.id)
    assert await redraws.redraw_due(limits) == 1

    assert "12:00–13:00 · ₹600" in chat.button_texts()


async def test_a_redraw_that_would_change_nothing_is_not_sent(
    chat: Musician, room: Room, service: BookingService, rival: User, redraws, limits, pace
) -> None:
    await open_day(chat, TOMORROW)
    shown = screens_shown(chat)
    booking = await service.create_booking(rival.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 12))
    await service.cancel_by_musician(booking.id, rival.id)  # booked and released before the job looked

    assert await redraws.redraw_due(limits) == 0

    assert screens_shown(chat) == shown
    assert pace.now() == PACE_START  # not even a turn of the budget was taken
    screen = await SlotScreen.get(1001)
    assert screen is not None
    assert screen.redraw_ms is None


async def test_redraws_of_a_screen_are_spaced_and_changes_in_between_drawn_together(
    chat: Musician, room: Room, service: BookingService, clock, rival: User, redraws, limits, pace
) -> None:
    await open_day(chat, TOMORROW)
    await service.create_booking(rival.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 12))
    assert await redraws.redraw_due(limits) == 1
    for hour in (13, 14):
        clock.advance(seconds=1)
        pace.advance(seconds=1)
        someone = await make_user(3000 + hour)
        await service.create_booking(someone.id, room.id, TOMORROW, slot_keys(room, TOMORROW, hour))
        assert await redraws.redraw_due(limits) == 0
    assert "13:00–14:00 · ₹600" in chat.button_texts()

    clock.advance(seconds=REDRAW_SPACING.total_seconds() - 2)
    pace.advance(seconds=REDRAW_SPACING.total_seconds() - 2)
    assert await redraws.redraw_due(limits) == 1

    assert {"✕ 13:00–14:00 · booked", "✕ 14:00–15:00 · booked"} <= set(chat.button_texts())


async def test_a_screen_left_alone_for_ten_minutes_is_no_longer_kept_live(
    chat: Musician, room: Room, service: BookingService, clock, rival: User, redraws, limits
) -> None:
    await open_day(chat, TOMORROW)
    shown = screens_shown(chat)
    clock.set(clock.now() + SCREEN_LIFETIME + timedelta(seconds=1))

    await service.create_booking(rival.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 12))
    assert await redraws.redraw_due(limits) == 0

    assert screens_shown(chat) == shown
    assert await SlotScreen.get(1001) is None


async def test_a_musician_who_moved_on_is_not_redrawn(
    chat: Musician, room: Room, service: BookingService, rival: User, redraws, limits
) -> None:
    await open_day(chat, TOMORROW)
    await chat.tap_slot(slot_keys(room, TOMORROW, 17)[0])
    await chat.tap("‹ Date")  # another screen of the same dialog: still noted as watching
    shown = screens_shown(chat)

    await service.create_booking(rival.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 12))
    assert await redraws.redraw_due(limits) == 0

    assert screens_shown(chat) == shown
    assert "Which day" in chat.text
    assert await SlotScreen.get(1001) is None


async def test_review_stops_the_live_screen_and_back_to_slots_restarts_it(
    chat: Musician, room: Room, service: BookingService, rival: User, redraws, limits
) -> None:
    await open_day(chat, TOMORROW)
    await chat.tap_slot(slot_keys(room, TOMORROW, 17)[0])
    await chat.tap("Review.*")
    assert await SlotScreen.get(1001) is None
    await chat.tap("‹ Slots")
    await service.create_booking(rival.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 12))

    assert await redraws.redraw_due(limits) == 1

    assert "✕ 12:00–13:00 · booked" in chat.button_texts()


@pytest.mark.parametrize(
    ("why", "notice"),
    [
        ("a chosen slot was taken meanwhile", "just became unavailable"),
        ("the slots are not one session", "not next to each other"),
    ],
)
async def test_a_review_that_stays_on_the_slots_keeps_the_screen_live(
    chat: Musician, room: Room, service: BookingService, rival: User, redraws, limits, why: str, notice: str
) -> None:
    """Review drops the screen's note while it reads the day: each way that stays on
    the slot screen writes it back, so the screen still follows the day."""
    await open_day(chat, TOMORROW)
    await chat.tap_slot(slot_keys(room, TOMORROW, 17)[0])
    if why == "a chosen slot was taken meanwhile":
        await service.create_booking(rival.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 17))
    else:
        await chat.tap_slot(slot_keys(room, TOMORROW, 19)[0])
    await chat.tap("Review.*")
    assert notice in chat.text  # still the slot screen, with why
    assert await SlotScreen.get(1001) is not None

    someone = await make_user(3012)
    await service.create_booking(someone.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 12))
    assert await redraws.redraw_due(limits) == 1

    assert "✕ 12:00–13:00 · booked" in chat.button_texts()


async def test_a_redraw_waits_for_the_musicians_own_update_to_finish(
    dispatcher_and_manager, chat: Musician, room: Room, service: BookingService, rival: User, redraws, limits
) -> None:
    await open_day(chat, TOMORROW)
    await service.create_booking(rival.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 12))
    throttle = dispatcher_and_manager[0]["throttle"]
    tapped = asyncio.Event()
    finish_tap = asyncio.Event()

    async def a_long_tap(event: object, data: dict) -> None:
        tapped.set()
        await finish_tap.wait()

    tap = asyncio.create_task(throttle.in_turn(1001, a_long_tap, None, {}))
    await tapped.wait()
    redraw = asyncio.create_task(redraws.redraw_due(limits))
    for _ in range(50):
        await asyncio.sleep(0)
    assert not redraw.done()  # it waits for the musician's turn

    finish_tap.set()
    await tap
    assert await redraw == 1
    assert "✕ 12:00–13:00 · booked" in chat.button_texts()


async def test_redraws_go_after_the_messages_a_batch_at_a_time_within_the_budget(
    dispatcher_and_manager, db, service: BookingService, clock, room: Room, rival: User, pace, limits
) -> None:
    dispatcher, manager = dispatcher_and_manager
    musicians = [Musician(dispatcher, manager, user_id=1100 + i, name=f"m{i}") for i in range(BATCH + 5)]
    for musician in musicians:
        await open_day(musician, TOMORROW)
    painter = slot_screen_painter(musicians[0].bot, dispatcher)
    deliverer = OutboxDeliverer(
        musicians[0].bot, clock, limits, redraws=RedrawsAfterTheAnswer(service, clock, painter).redraw_due
    )
    await service.create_booking(rival.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 12))
    await enqueue(rival.id, "Booking confirmed", dedupe_key="confirmation", now=clock.now())

    first = await deliverer.deliver_due()

    assert first == 1 + BATCH  # the message, then one batch of redraws
    (message,) = await OutboxMessage.find_all().to_list()
    assert message.status is OutboxStatus.SENT
    assert musicians[0].bot.sent_texts() == ["Booking confirmed"]
    assert pace.now() - PACE_START >= timedelta(seconds=BATCH / 30)  # each took a turn of 30/s
    assert await deliverer.deliver_due() == 5
    for musician in musicians:
        assert "✕ 12:00–13:00 · booked" in musician.button_texts()


async def test_another_days_booking_leaves_the_screen_alone(
    chat: Musician, room: Room, service: BookingService, rival: User, redraws, limits
) -> None:
    await open_day(chat, TOMORROW)
    await service.create_booking(
        rival.id, room.id, date(2026, 11, 27), slot_keys(room, date(2026, 11, 27), 12)
    )

    assert await redraws.redraw_due(limits) == 0
    screen = await SlotScreen.get(1001)
    assert screen is not None
    assert screen.room_day == room_day_key(room.id, TOMORROW)
    assert screen.redraw_ms is None
    await live_screens.forget(1001)


async def test_taps_that_change_nothing_on_the_screen_write_no_note_until_it_is_due_again(
    chat: Musician, room: Room, service: BookingService, clock, rival: User
) -> None:
    await open_day(chat, TOMORROW)
    opened = await SlotScreen.get(1001)
    assert opened is not None
    clock.set(clock.now() + timedelta(seconds=20))
    await chat.tap_slot(slot_keys(room, TOMORROW, 17)[0])
    await chat.tap_slot(slot_keys(room, TOMORROW, 18)[0])

    untouched = await SlotScreen.get(1001)
    assert untouched is not None
    assert untouched.seen_ms == opened.seen_ms

    clock.set(clock.now() + REWATCH)
    await chat.tap_slot(slot_keys(room, TOMORROW, 18)[0])
    refreshed = await SlotScreen.get(1001)
    assert refreshed is not None
    assert refreshed.seen_ms > opened.seen_ms


async def test_a_tap_that_shows_the_day_changed_writes_what_the_screen_shows_now(
    chat: Musician, room: Room, service: BookingService, clock, rival: User, redraws, limits
) -> None:
    await open_day(chat, TOMORROW)
    opened = await SlotScreen.get(1001)
    assert opened is not None
    booking = await service.create_booking(rival.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 12))
    await chat.tap_slot(slot_keys(room, TOMORROW, 17)[0])  # drawn with 12:00 booked
    assert "✕ 12:00–13:00 · booked" in chat.button_texts()

    noted = await SlotScreen.get(1001)
    assert noted is not None
    assert noted.shown != opened.shown
    await service.cancel_by_musician(booking.id, rival.id)  # back to what the screen showed first
    assert await redraws.redraw_due(limits) == 1
    assert "12:00–13:00 · ₹600" in chat.button_texts()


async def test_after_the_job_gave_a_screen_up_the_next_tap_on_it_makes_it_live_again(
    chat: Musician, room: Room, service: BookingService, clock, rival: User, redraws, limits
) -> None:
    await open_day(chat, TOMORROW)
    clock.set(clock.now() + SCREEN_LIFETIME + timedelta(seconds=1))
    await service.create_booking(rival.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 12))
    assert await redraws.redraw_due(limits) == 0
    assert await SlotScreen.get(1001) is None  # too old: given up

    await chat.tap_slot(slot_keys(room, TOMORROW, 17)[0])
    assert await SlotScreen.get(1001) is not None
    await service.create_booking(rival.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 14))
    assert await redraws.redraw_due(limits) == 1
    assert "✕ 14:00–15:00 · booked" in chat.button_texts()


async def test_after_a_redraw_the_next_tap_notes_the_screen_again(
    chat: Musician, room: Room, service: BookingService, clock, rival: User, redraws, limits
) -> None:
    await open_day(chat, TOMORROW)
    screen = chat.last
    await service.create_booking(rival.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 12))
    assert await redraws.redraw_due(limits) == 1
    redrawn = await SlotScreen.get(1001)
    assert redrawn is not None
    clock.set(clock.now() + timedelta(seconds=5))

    # Tapped on the message as Telegram has it: the test client's copy of the redraw
    # carries the background manager's stand-in chat, which is not a private chat.
    await chat.tap_data(rf".*slots:{re.escape(slot_keys(room, TOMORROW, 17)[0])}", screen)

    noted = await SlotScreen.get(1001)
    assert noted is not None
    assert noted.seen_ms > redrawn.seen_ms
