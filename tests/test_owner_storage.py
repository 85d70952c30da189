"""Owner authorization, invites, earnings, CSV and the occupancy heatmap on known data."""

from __future__ import annotations

import csv
import io
import struct
from datetime import date, timedelta

import pytest

from bot.owner_reports import CSV_COLUMNS, HEATMAP_DPI, HEATMAP_SIZE_INCHES, bookings_csv, heatmap_png
from domain.clock import ManualClock
from storage.booking_service import BookingService
from storage.demo import DEMO_ROOMS
from storage.earnings import bookings_between, earnings_by_room, occupancy, periods
from storage.models import Booking, Room, User
from storage.owners import (
    InviteExpiredError,
    InviteInvalidError,
    NotOwnerError,
    OwnerInvite,
    accept_invite,
    create_invite,
    require_owner,
    rooms_owned_by,
)
from tests.payment_support import PaymentWorld, held_booking, keys


async def test_only_the_rooms_owner_passes(room: Room, user: User) -> None:
    other = await Room(**{**DEMO_ROOMS[1], "owner_ids": [7007]}).insert()
    assert (await require_owner(str(room.id), 9001)).id == room.id
    for telegram_id, room_id in (
        (user.id, str(room.id)),
        (7007, str(room.id)),
        (9001, str(other.id)),
        (9001, "x"),
    ):
        with pytest.raises(NotOwnerError):
            await require_owner(room_id, telegram_id)
    assert [r.slug for r in await rooms_owned_by(9001)] == [room.slug]
    assert await rooms_owned_by(user.id) == []


async def test_an_invite_makes_an_owner_once(room: Room, user: User, clock: ManualClock) -> None:
    token = await create_invite([room], clock.now())
    assert [r.id for r in await accept_invite(token, user.id, now=clock.now())] == [room.id]
    assert user.id in (await require_owner(str(room.id), user.id)).owner_ids
    owner = await User.get(user.id)
    assert owner is not None
    assert owner.is_owner
    with pytest.raises(InviteInvalidError):
        await accept_invite(token, 4444, now=clock.now())
    with pytest.raises(InviteInvalidError):
        await accept_invite("made-up-token", 4444, now=clock.now())
    with pytest.raises(NotOwnerError):
        await require_owner(str(room.id), 4444)


async def test_an_invite_works_until_it_expires_even_one_made_before_invites_expired(
    room: Room, user: User, clock: ManualClock
) -> None:
    made = clock.now()
    token = await create_invite([room], made, days=2)
    with pytest.raises(InviteExpiredError):
        await accept_invite(token, user.id, now=made + timedelta(days=2))
    assert (await OwnerInvite.get(token)).used_by is None  # type: ignore[union-attr]
    assert await accept_invite(token, user.id, now=made + timedelta(days=2) - timedelta(seconds=1))
    old = OwnerInvite(id="from-before-expiry", room_ids=[str(room.id)], created_at=made - timedelta(days=7))
    await old.insert()
    with pytest.raises(InviteExpiredError):
        await accept_invite(old.id, 4444, now=made)
    await OwnerInvite(
        id="recent-old-style", room_ids=[str(room.id)], created_at=made - timedelta(days=6)
    ).insert()
    assert await accept_invite("recent-old-style", 4444, now=made)


async def paid_booking(world: PaymentWorld, room: Room, user: User, day: date, *hours: int) -> Booking:
    booking = await world.payments.bookings.create_booking(user.id, room.id, day, keys(room, day, *hours))
    await world.payments.ensure_payment_link(booking, room, user)
    booking = await world.payments.bookings.booking(booking.id)
    payment_id = world.api.pay_link(booking.payment["link_id"])
    await world.post_event(world.api.paid_event(booking.payment["link_id"], payment_id))
    return await world.payments.bookings.booking(booking.id)


async def test_earnings_are_paid_minus_refunded_per_period(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    today = date(2026, 11, 26)
    kept = await paid_booking(world, room, user, today, 12, 13)  # ₹1,200
    refunded = await paid_booking(world, room, user, today, 15)  # ₹600, cancelled 100% refund
    await paid_booking(
        world, room, user, date(2026, 11, 30), 10
    )  # Monday 10:00, off-peak: ₹600, later in the month
    await held_booking(world, room, user, 17)  # unpaid hold: not earnings
    outcome = await world.payments.bookings.cancel_by_musician(refunded.id, user.id)
    await world.payments.refund_due(outcome.booking)
    result = await earnings_by_room([room], *periods(today)["Today"])
    assert result[str(room.id)].paid_paise == kept.amount_paise + refunded.amount_paise
    assert result[str(room.id)].refunded_paise == refunded.amount_paise
    assert result[str(room.id)].net_paise == 120000
    assert result[str(room.id)].bookings == 2
    month = await earnings_by_room([room], date(2026, 11, 1), date(2026, 11, 30))
    assert month[str(room.id)].net_paise == 120000 + 60000


async def test_csv_lists_the_months_bookings(world: PaymentWorld, room: Room, user: User) -> None:
    booking = await paid_booking(world, room, user, date(2026, 11, 26), 18, 19)
    found = await bookings_between(room, date(2026, 11, 1), date(2026, 11, 30))
    rows = list(csv.reader(io.StringIO(bookings_csv(room, found, {user.id: user}).decode("utf-8-sig"))))
    assert rows[0] == CSV_COLUMNS
    assert rows[1][:8] == [
        booking.code,
        "2026-11-26",
        "18:00",
        "20:00",
        "2",
        "NOT_STARTED",
        "1600.00",
        "0.00",
    ]
    assert rows[1][8:11] == [str(user.id), "Asha", "asha_drums"]
    assert len(rows) == 2


async def test_occupancy_matrix_and_heatmap_reflect_known_bookings(
    clock: ManualClock, service: BookingService, room: Room, user: User
) -> None:
    wednesday = date(2026, 11, 18)  # a week before "today"
    booking = await service.create_booking(
        user.id, room.id, date(2026, 11, 26), keys(room, date(2026, 11, 26), 18, 19)
    )
    paid = await service.confirm_payment(booking, {"payment_id": "pay_1"})
    assert paid is not None
    # Move the session a week back in time, as if it happened then.
    week = timedelta(days=8)
    await Booking.get_pymongo_collection().update_one(
        {"_id": booking.id},
        {
            "$set": {
                "room_day": f"{room.id}|{wednesday}",
                "slots": [
                    {"start": s.start - week, "end": s.end - week, "price_paise": s.price_paise}
                    for s in paid.slots
                ],
            }
        },
    )
    matrix = await occupancy(room, date(2026, 11, 25))
    assert matrix[2][18] == 1.0
    assert matrix[2][19] == 1.0
    assert sum(map(sum, matrix)) == 2.0
    png = heatmap_png(room, matrix, 4)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (
        int(HEATMAP_SIZE_INCHES[0] * HEATMAP_DPI),
        int(HEATMAP_SIZE_INCHES[1] * HEATMAP_DPI),
    )


def test_periods_start_on_monday_and_the_first() -> None:
    got = periods(date(2026, 11, 26))
    assert got == {
        "Today": (date(2026, 11, 26), date(2026, 11, 26)),
        "This week": (date(2026, 11, 23), date(2026, 11, 29)),
        "This month": (date(2026, 11, 1), date(2026, 11, 30)),
    }


async def test_a_block_and_bookings_racing_for_one_slot_have_one_winner(
    service: BookingService, room: Room, user: User
) -> None:
    import asyncio

    from domain.errors import SlotsTakenError
    from storage.models import SlotClaim
    from tests.conftest import make_user

    day = date(2026, 11, 26)
    musicians = [user] + [await make_user(5100 + n) for n in range(9)]
    for hour in (12, 13, 14):
        wanted = keys(room, day, hour)
        attempts = [service.block_slots(room, day, wanted, owner_id=9001)] + [
            service.create_booking(m.id, room.id, day, wanted) for m in musicians
        ]
        results = await asyncio.gather(*attempts, return_exceptions=True)
        winners = [r for r in results if not isinstance(r, SlotsTakenError)]
        assert len(winners) == 1, results
        assert await SlotClaim.find({"_id": f"{room.id}|{wanted[0]}"}).count() == 1
