"""The database goes away mid-booking (its server process is killed) and comes back
on the same data: the musician is answered "try again in a moment" rather than
silence, the jobs skip their ticks, and afterwards the dialog resumes where it was
and the booking completes once. (The webhook's 503 is in test_webhook_faults.py.)"""

from __future__ import annotations

import asyncio
import logging
from datetime import date

import pytest

from bot.app import booking_clock
from bot.dispatcher import mongo_fsm_storage
from bot.perf import Speedups
from domain.clock import ManualClock
from domain.words.musician import DATABASE_UNAVAILABLE as UNAVAILABLE_TEXT
from jobs.delivery import run_forever
from jobs.setup import tick_logged
from storage.booking_service import BookingService
from storage.database import Database
from storage.demo import DEMO_ROOMS
from storage.models import Booking, Room, SlotClaim, User
from tests.dialog_support import Musician, make_dispatcher, make_services, open_day, slot_keys

TOMORROW = date(2026, 11, 26)


def restart(own: Database) -> None:
    """The server again on its port and data dir, as a restarted MongoDB would be."""
    assert own.embedded is not None
    own.embedded.start()


async def test_an_outage_mid_booking_is_answered_and_the_dialog_resumes_after(
    own_database: Database, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    own = own_database
    assert own.embedded is not None
    service = BookingService(clock)
    room = await Room(**DEMO_ROOMS[0], owner_ids=[9001]).insert()
    services = make_services(own, clock, service)
    storage = mongo_fsm_storage(own.client, own.db.name, Speedups.from_setting(services.settings.speedups))
    dispatcher, manager = make_dispatcher(services, storage)
    chat = Musician(dispatcher, manager, user_id=1001, name="Asha")
    await open_day(chat, TOMORROW)
    first, second = slot_keys(room, TOMORROW, 19, 20)
    await chat.tap_slot(first)

    own.embedded.kill()
    with caplog.at_level(logging.WARNING):
        await chat.tap_slot(second)
        assert chat.bot.alerts()[-1] == UNAVAILABLE_TEXT
        await chat.send("/start")
        assert chat.bot.sent_texts()[-1] == UNAVAILABLE_TEXT
        await tick_logged(booking_clock(service, clock, None))
    assert any(
        "database unavailable" in r.getMessage() for r in caplog.records if r.name == "bot.middlewares.outage"
    )
    assert any("skipping this tick" in r.getMessage() for r in caplog.records if r.name == "jobs.setup")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

    restart(own)
    await chat.tap_slot(second)
    assert "Chosen: 2 slot(s)" in chat.text
    await chat.tap("Review.*")
    await chat.tap("✅ Confirm")
    bookings = await Booking.find_all().to_list()
    assert len(bookings) == 1
    assert bookings[0].user_id == 1001
    assert await SlotClaim.count() == 2


async def test_the_delivery_loop_survives_an_outage(own_database: Database) -> None:
    """run_forever is the loop outbox delivery runs in (jobs.setup)."""
    own = own_database
    assert own.embedded is not None
    calls = 0

    async def tick() -> int:
        nonlocal calls
        calls += 1
        await User.find_all().count()
        return 0

    stop = asyncio.Event()
    loop = asyncio.create_task(run_forever(tick, 0.05, stop))
    own.embedded.kill()
    await asyncio.sleep(1.2)
    during = calls
    restart(own)
    for _ in range(300):  # up to 30 s: how soon depends on the machine, not the verdict
        if calls > during:
            break
        await asyncio.sleep(0.1)
    stop.set()
    await loop
    assert during >= 1
    assert calls > during  # the loop survived the outage and ran again after it
