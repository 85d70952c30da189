"""Check-in info in the reminder, end to end: the booking clock queues the hour-before
reminder of a paid booking, and the deliverer ``python -m bot`` builds makes its text
when it sends it through a real Bot to the fake Bot API, with the room's check-in info
as it is then. A code changed before the send reaches it; a message already sent keeps
its code; the code is stored in no message and written to no log line."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from aiogram_dialog.test_tools.memory_storage import JsonMemoryStorage

from bot.app import booking_clock
from bot.cancellations import cancel_for_musician
from bot.config import Settings
from bot.logging_setup import setup_logging
from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from jobs.delivery import OutboxDeliverer
from storage.booking_service import BookingService
from storage.database import Database
from storage.documents import document_models
from storage.models import Booking, Room, User
from storage.outbox import OutboxMessage, OutboxStatus
from storage.room_settings import save_check_in
from tests.delivery_support import deliver_all
from tests.dialog_support import Musician, make_dispatcher, make_services, slot_keys
from tests.fakes.telegram import FakeTelegram
from tests.payment_support import TOMORROW, PaymentWorld, held_booking, pay

CODE = "Door code Q4471X, 2nd floor"
MARK = "Q4471X"
"""What of the code may never show where it must not: letters around it, so a port number
or a count can never look like it."""
QUIETED = ("aiohttp.access", "pymongo", "apscheduler.executors.default")
"""The loggers ``setup_logging`` quiets (the driver's command log shows every document)."""


async def paid(world: PaymentWorld, room: Room, user: User, *hours: int) -> Booking:
    booking = await held_booking(world, room, user, *hours)
    _, body = await pay(world, booking)
    assert (await world.post_event(body))[1]["outcome"] == "confirmed"
    return await world.payments.bookings.booking(booking.id)


def texts_to(telegram: FakeTelegram, chat_id: int) -> list[str]:
    sent = telegram.delivered("sendMessage")
    return [c.fields["text"] for c in sent if c.fields["chat_id"] == str(chat_id)]


async def stored_anywhere_but_the_room(secret: str) -> list[str]:
    """The collections (but rooms) whose documents mention ``secret``."""
    found = []
    for model in document_models():
        if model is Room:
            continue
        for document in await model.get_pymongo_collection().find({}).to_list():
            if secret in json.dumps(document, default=str):
                found.append(model.__name__)
    return found


async def test_the_hour_before_reminder_tells_how_to_get_in_as_the_room_has_it_when_sent(
    world: PaymentWorld,
    bot_deliverer: OutboxDeliverer,
    telegram: FakeTelegram,
    clock: ManualClock,
    room: Room,
    user: User,
) -> None:
    await save_check_in(str(room.id), 9001, {"access_info": CODE})
    booking = await paid(world, room, user, 18)
    jobs = booking_clock(world.payments.bookings, clock, world.payments)
    await deliver_all(bot_deliverer)
    confirmation = texts_to(telegram, user.id)
    assert confirmation
    assert all(MARK not in text for text in confirmation)  # paid, but not yet time to tell

    clock.set(booking.starts_at - timedelta(hours=24))
    assert await jobs.send_reminders() == 1
    await deliver_all(bot_deliverer)
    assert "starts in 24 hours" in texts_to(telegram, user.id)[-1]
    assert MARK not in texts_to(telegram, user.id)[-1]

    clock.set(booking.starts_at - timedelta(hours=1))
    assert await jobs.send_reminders() == 1
    queued = await OutboxMessage.find_one(OutboxMessage.dedupe_key == f"{booking.id}:remind:1h")
    assert queued is not None
    assert MARK not in queued.text
    await save_check_in(str(room.id), 9001, {"access_info": "New code 5582, 2nd floor"})  # before it goes
    await deliver_all(bot_deliverer)
    reminder = texts_to(telegram, user.id)[-1]
    assert "starts in 1 hour" in reminder
    assert "🔑 <b>How to get in</b>\n<blockquote>New code 5582, 2nd floor</blockquote>" in reminder
    assert MARK not in reminder
    assert telegram.refused == []

    await save_check_in(str(room.id), 9001, {"access_info": "Code 6613"})  # after it went
    assert "5582" in texts_to(telegram, user.id)[-1]  # what was sent stays as it was sent
    assert await stored_anywhere_but_the_room("5582") == []
    assert await stored_anywhere_but_the_room("6613") == []


async def test_a_reminder_queued_before_a_cancellation_is_never_sent(
    world: PaymentWorld,
    bot_deliverer: OutboxDeliverer,
    telegram: FakeTelegram,
    clock: ManualClock,
    room: Room,
    user: User,
) -> None:
    await save_check_in(str(room.id), 9001, {"access_info": CODE})
    booking = await paid(world, room, user, 12)
    jobs = booking_clock(world.payments.bookings, clock, world.payments)
    clock.set(booking.starts_at - timedelta(hours=1))
    assert await jobs.send_reminders() == 1
    await cancel_for_musician(world.payments.bookings, str(booking.id), user.id, world.payments)
    await deliver_all(bot_deliverer)
    assert all(MARK not in text for text in texts_to(telegram, user.id))
    reminder = await OutboxMessage.find_one(OutboxMessage.dedupe_key == f"{booking.id}:remind:1h")
    assert reminder is not None
    assert reminder.status is OutboxStatus.SKIPPED


async def test_a_reminder_made_for_a_booking_no_longer_paid_does_not_tell(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    """The text made at delivery checks the booking again, whatever the guard decided."""
    await save_check_in(str(room.id), 9001, {"access_info": CODE})
    booking = await paid(world, room, user, 12)
    jobs = booking_clock(world.payments.bookings, clock, world.payments)
    reference = f"reminder:{booking.id}:3600"
    assert MARK in await jobs.render_text(reference)
    await Booking.get_pymongo_collection().update_one(
        {"_id": booking.id}, {"$set": {"status": BookingStatus.CANCELLED.value}}
    )
    assert MARK not in await jobs.render_text(reference)
    who = booking.id
    for bad in ("reminder:", f"reminder:{who}", f"invoice:{who}:3600", f"reminder:{who}:-1"):
        with pytest.raises(ValueError, match="not a reminder"):
            await jobs.render_text(bad)


async def test_a_whole_run_writes_the_check_in_info_to_no_log(
    caplog: pytest.LogCaptureFixture,
    db: Database,
    world: PaymentWorld,
    bot_deliverer: OutboxDeliverer,
    telegram: FakeTelegram,
    clock: ManualClock,
    service: BookingService,
    room: Room,
    user: User,
) -> None:
    """The owner types the code, a musician books and pays, the reminder goes out and My
    bookings shows it, with the bot's own logging at DEBUG: no code in any line."""
    caplog.set_level(logging.DEBUG)
    root = logging.getLogger()
    kept = root.handlers[:], root.level, {name: logging.getLogger(name).level for name in QUIETED}
    setup_logging(Settings(_env_file=None, log_level="DEBUG"))  # type: ignore[call-arg]
    root.addHandler(caplog.handler)
    try:
        await book_pay_remind_and_look(db, world, bot_deliverer, telegram, clock, service, room, user)
    finally:
        root.handlers[:], level, levels = kept
        root.setLevel(level)
        for name, quiet in levels.items():
            logging.getLogger(name).setLevel(quiet)
    assert len(caplog.records) > 20  # the run was logged, at every level
    assert {r.levelno for r in caplog.records} >= {logging.DEBUG, logging.INFO}
    assert not [r for r in caplog.records if MARK in r.getMessage()]
    assert MARK not in caplog.text
    assert await stored_anywhere_but_the_room(MARK) == []


async def book_pay_remind_and_look(
    db: Database,
    world: PaymentWorld,
    bot_deliverer: OutboxDeliverer,
    telegram: FakeTelegram,
    clock: ManualClock,
    service: BookingService,
    room: Room,
    user: User,
) -> None:
    dispatcher, manager = make_dispatcher(
        make_services(db, clock, service, world.payments), JsonMemoryStorage()
    )
    owner = Musician(dispatcher, manager, user_id=9001, name="Ravi")
    musician = Musician(dispatcher, manager, user_id=user.id, name="Asha")
    await owner.send("/owner")
    await owner.tap("⚙️ Room settings")
    await owner.tap("🔑 Check-in info")
    await owner.send(CODE)
    await owner.tap("🔑 Check-in info")
    await owner.send("x" * 600)  # refused, with the code on the screen above it
    assert (await Room.get(room.id)).access_info == CODE  # type: ignore[union-attr]

    await musician.send(f"/start room_{room.slug}")
    await musician.tap("📅 Book")
    await musician.tap_day(TOMORROW)
    await musician.tap_slot(slot_keys(room, TOMORROW, 12)[0])
    await musician.tap("Review.*")
    await musician.tap("✅ Confirm")
    booking = await Booking.find_one(Booking.user_id == user.id)
    assert booking is not None
    _, body = await pay(world, booking)
    await world.post_event(body)
    jobs = booking_clock(service, clock, world.payments)
    clock.set(booking.starts_at - timedelta(hours=1))
    await jobs.tick()
    await deliver_all(bot_deliverer)
    assert MARK in texts_to(telegram, user.id)[-1]
    await musician.send("/bookings")
    await musician.tap(f"{booking.code} .*")
    assert MARK in musician.text
