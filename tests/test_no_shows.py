"""No-shows (issue 16 §7): the room's owner marks a paid session nobody came to from the
schedule, within 24 h after it ends, and can undo the mark in the same window; the
musician sees it in their history, the earnings screen shows the rate. Nothing else
changes. Through the booking service and the real dialogs, on the real database."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from aiogram.fsm.storage.base import BaseStorage

from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from domain.errors import (
    BookingError,
    NoShowWindowClosedError,
    NotAPaidSessionError,
    NotOwnerError,
    SessionNotOverError,
)
from domain.no_shows import NoShowRate
from storage.booking_service import BookingService
from storage.database import Database
from storage.demo import DEMO_ROOMS
from storage.models import Booking, Room, SlotClaim, User
from storage.no_shows import no_show_rate
from tests.conftest import make_user
from tests.dialog_support import Musician, RecordingPayments, make_dispatcher, make_services, slot_keys

DAY = date(2026, 11, 26)  # Thursday, tomorrow by the test clock
OWNER = 9001


def at(room: Room, hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=room.zone)


async def played(service: BookingService, clock: ManualClock, room: Room, user: User, *hours: int) -> Booking:
    """A paid session of ``hours`` on DAY that the monitor started and completed."""
    booking = await service.create_booking(user.id, room.id, DAY, slot_keys(room, DAY, *hours))
    paid = await service.confirm_payment(booking, {"payment_id": f"pay_{booking.code}"})
    assert paid is not None
    now = clock.now()
    clock.set(paid.starts_at)
    started = await service.start_session(paid)
    assert started is not None
    clock.set(paid.ends_at)
    completed = await service.complete_session(started)
    assert completed is not None
    clock.set(now)
    return completed


async def stored(booking: Booking) -> dict[str, Any]:
    raw = await Booking.get_pymongo_collection().find_one({"_id": booking.id})
    assert raw is not None
    return raw


# ---- the service ------------------------------------------------------------------------------


async def test_the_owner_marks_a_no_show_after_the_session_and_can_take_it_back(
    service: BookingService, clock: ManualClock, room: Room, user: User
) -> None:
    booking = await played(service, clock, room, user, 12, 13)
    clock.set(at(room, 15))
    marked = await service.mark_no_show(booking.id, OWNER)
    assert marked.no_show is True
    assert marked.no_show_marked_by == OWNER
    assert marked.no_show_marked_at == at(room, 15)
    assert (marked.status, marked.amount_paise, marked.refund) == (
        BookingStatus.COMPLETED,
        booking.amount_paise,
        {},
    )
    again = await service.mark_no_show(booking.id, OWNER)  # a second tap changes nothing
    assert again.no_show_marked_at == at(room, 15)
    clock.set(at(room, 13, 59, DAY + timedelta(days=1)))  # a minute before the window closes
    undone = await service.undo_no_show(booking.id, OWNER)
    assert (undone.no_show, undone.no_show_marked_at, undone.no_show_marked_by) == (False, None, None)
    assert undone.status is BookingStatus.COMPLETED


async def test_a_session_the_monitor_has_not_moved_on_yet_can_be_marked(
    service: BookingService, clock: ManualClock, room: Room, user: User
) -> None:
    booking = await service.create_booking(user.id, room.id, DAY, slot_keys(room, DAY, 12))
    paid = await service.confirm_payment(booking, {"payment_id": "pay_1"})
    assert paid is not None
    clock.set(paid.ends_at)
    marked = await service.mark_no_show(paid.id, OWNER)
    assert (marked.no_show, marked.status) == (True, BookingStatus.NOT_STARTED)


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("another owner", NotOwnerError),
        ("the musician", NotOwnerError),
        ("before the end", SessionNotOverError),
        ("a day after the end", NoShowWindowClosedError),
        ("unpaid", NotAPaidSessionError),
        ("cancelled", NotAPaidSessionError),
        ("ended by the room", NotAPaidSessionError),
    ],
)
async def test_a_no_show_is_refused_and_nothing_changes(
    service: BookingService, clock: ManualClock, room: Room, user: User, case: str, error: type[BookingError]
) -> None:
    await Room(**{**DEMO_ROOMS[1], "owner_ids": [7007]}).insert()
    who = {"another owner": 7007, "the musician": user.id}.get(case, OWNER)
    if case in ("unpaid", "cancelled"):
        booking = await service.create_booking(user.id, room.id, DAY, slot_keys(room, DAY, 12))
        if case == "cancelled":
            booking = (await service.cancel_by_musician(str(booking.id), user.id)).booking
    elif case == "ended by the room":
        booking = await service.create_booking(user.id, room.id, DAY, slot_keys(room, DAY, 12))
        paid = await service.confirm_payment(booking, {"payment_id": "pay_1"})
        assert paid is not None
        booking = await service.terminate_by_owner(paid, owner_id=OWNER, reason="Flooded")
    else:
        booking = await played(service, clock, room, user, 12)
    clock.set(
        {
            "before the end": at(room, 12, 59),
            "a day after the end": at(room, 13, 1, DAY + timedelta(days=1)),
        }.get(case, at(room, 14))
    )
    before = await stored(booking)
    with pytest.raises(error):
        await service.mark_no_show(booking.id, who)
    with pytest.raises(error):
        await service.undo_no_show(booking.id, who)
    assert await stored(booking) == before


async def test_undoing_is_refused_after_the_window_too(
    service: BookingService, clock: ManualClock, room: Room, user: User
) -> None:
    booking = await played(service, clock, room, user, 12)
    clock.set(at(room, 14))
    await service.mark_no_show(booking.id, OWNER)
    clock.set(at(room, 13, 1, DAY + timedelta(days=1)))
    with pytest.raises(NoShowWindowClosedError) as refused:
        await service.undo_no_show(booking.id, OWNER)
    assert str(refused.value) == (
        "A no-show can be marked or undone only within 24 hours of the session's end; "
        "that time ran out at 13:00 on Fri 27 Nov (IST)."
    )
    assert (await service.booking(booking.id)).no_show is True


async def test_the_no_show_rate_counts_the_rooms_paid_sessions_that_ended(
    service: BookingService, clock: ManualClock, room: Room, user: User
) -> None:
    rival = await make_user(1002, "Ravi")
    missed = await played(service, clock, room, user, 10)
    await played(service, clock, room, rival, 12)
    await played(service, clock, room, user, 14)
    later = await service.create_booking(user.id, room.id, DAY, slot_keys(room, DAY, 20))
    await service.confirm_payment(later, {"payment_id": "pay_later"})
    cancelled = await service.create_booking(rival.id, room.id, DAY, slot_keys(room, DAY, 18))
    await service.cancel_by_musician(str(cancelled.id), rival.id)
    clock.set(at(room, 16))
    await service.mark_no_show(missed.id, OWNER)
    rate = await no_show_rate(room, DAY, clock.now())
    assert rate == NoShowRate(sessions=3, no_shows=1)
    assert rate.percent == 33
    assert await no_show_rate(room, DAY + timedelta(days=31), clock.now()) == NoShowRate(0, 0)
    assert NoShowRate(0, 0).percent is None


# ---- the dialogs --------------------------------------------------------------------------------


@pytest.fixture
def people(
    db: Database,
    clock: ManualClock,
    service: BookingService,
    room: Room,
    user: User,
    dialog_storage: BaseStorage,
) -> dict[str, Musician]:
    dispatcher, manager = make_dispatcher(
        make_services(db, clock, service, RecordingPayments()), dialog_storage
    )
    return {
        "owner": Musician(dispatcher, manager, user_id=OWNER, name="Ravi"),
        "musician": Musician(dispatcher, manager, user_id=user.id, name="Asha"),
    }


async def open_booking(owner: Musician, label: str, *, days_back: int = 0) -> None:
    await owner.send("/owner")
    await owner.tap("📅 Schedule")
    for _ in range(days_back):
        await owner.tap("‹ Day")
    await owner.tap(f"{label}.*")


async def test_the_owner_marks_and_undoes_a_no_show_from_the_schedule_and_the_musician_sees_it(
    people: dict[str, Musician], service: BookingService, clock: ManualClock, room: Room, user: User
) -> None:
    booking = await played(service, clock, room, user, 12, 13)
    await played(service, clock, room, await make_user(1002, "Ravi"), 16)
    owner, musician = people["owner"], people["musician"]
    clock.set(at(room, 13))  # mid-session: nothing to mark yet
    await open_booking(owner, "12:00–14:00")
    assert "🚫 Mark as no-show" not in owner.button_texts()
    clock.set(at(room, 20))
    await open_booking(owner, "12:00–14:00")
    assert "You can mark a no-show, or undo the mark, until 14:00 on Fri 27 Nov (IST)." in owner.text
    assert "↩️ Undo no-show" not in owner.button_texts()
    await owner.tap("🚫 Mark as no-show")
    assert f"🚫 Marked <code>{booking.code}</code> as a no-show." in owner.text
    assert "<b>No-show</b>: you marked that nobody came." in owner.text
    assert "↩️ Undo no-show" in owner.button_texts()
    assert (await service.booking(booking.id)).no_show is True
    await owner.tap("‹ Day")
    assert "completed · 🚫 no-show" in owner.text

    await musician.send("/bookings")
    await musician.tap("Past")
    assert f"<b>{booking.code}</b> · Bass Cave Studio" in musician.text
    assert "· 🚫 no-show" in musician.text
    await musician.tap(f"{booking.code}.*")
    assert "🚫 The room marked this session as a no-show." in musician.text

    await owner.send("/owner")
    await owner.tap("💰 Earnings")
    assert "🚫 No-shows, last 30 days: <b>50%</b> (1 of 2 sessions)" in owner.text

    await open_booking(owner, "12:00–14:00")
    await owner.tap("↩️ Undo no-show")
    assert f"<code>{booking.code}</code> is no longer marked as a no-show." in owner.text
    assert (await service.booking(booking.id)).no_show is False


async def test_a_stale_no_show_button_after_the_window_is_refused_with_a_reason(
    people: dict[str, Musician], service: BookingService, clock: ManualClock, room: Room, user: User
) -> None:
    booking = await played(service, clock, room, user, 12)
    owner = people["owner"]
    clock.set(at(room, 20))
    await open_booking(owner, "12:00–13:00")
    screen = owner.last
    clock.set(at(room, 13, 5, DAY + timedelta(days=1)))
    await owner.tap("🚫 Mark as no-show", screen)
    assert owner.bot.alerts()[-1].startswith("A no-show can be marked or undone only within 24 hours")
    assert (await service.booking(booking.id)).no_show is False
    await open_booking(owner, "12:00–13:00", days_back=1)
    assert "🚫 Mark as no-show" not in owner.button_texts()


async def test_a_pending_booking_offers_no_no_show(
    people: dict[str, Musician], service: BookingService, clock: ManualClock, room: Room, user: User
) -> None:
    await service.create_booking(user.id, room.id, DAY, slot_keys(room, DAY, 12))
    await Booking.get_pymongo_collection().update_one({}, {"$set": {"hold_expires_at": at(room, 23)}})
    clock.set(at(room, 14))
    owner = people["owner"]
    await open_booking(owner, "12:00–13:00")
    assert "🚫 Mark as no-show" not in owner.button_texts()
    assert await SlotClaim.count() == 1
