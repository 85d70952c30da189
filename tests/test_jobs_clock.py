"""The booking clock at its boundaries, on the real database and the real payment path."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.app import booking_clock as build_booking_clock
from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from jobs.lifecycle import BookingClock
from storage.demo import DEMO_ROOMS
from storage.models import Booking, Room, SlotClaim, User
from tests.conftest import make_user
from tests.payment_support import TOMORROW, PaymentWorld, held_booking, keys, outbox_to

MS = timedelta(milliseconds=1)


def booking_clock(world: PaymentWorld, clock: ManualClock) -> BookingClock:
    return build_booking_clock(world.payments.bookings, clock, world.payments)


async def paid(world: PaymentWorld, room: Room, user: User, *hours: int) -> Booking:
    booking = await held_booking(world, room, user, *hours)
    payment_id = world.api.pay_link(booking.payment["link_id"])
    await world.post_event(world.api.paid_event(booking.payment["link_id"], payment_id))
    return await world.payments.bookings.booking(booking.id)


async def status(booking: Booking) -> BookingStatus:
    stored = await Booking.get(booking.id)
    assert stored is not None
    return stored.status


async def test_a_hold_expires_at_its_deadline_and_frees_the_slots(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 18, 19)
    jobs = booking_clock(world, clock)
    clock.set(booking.hold_expires_at - MS)
    assert await jobs.expire_holds() == 0
    clock.set(booking.hold_expires_at)
    assert await jobs.expire_holds() == 1
    assert await status(booking) is BookingStatus.EXPIRED
    assert await SlotClaim.count() == 0
    assert world.api.links[booking.payment["link_id"]]["status"] == "cancelled"
    assert [m.dedupe_key for m in await outbox_to(user.id)] == [f"{booking.id}:expired"]
    rival = await make_user(2002)
    again = await world.payments.bookings.create_booking(
        rival.id, room.id, TOMORROW, keys(room, TOMORROW, 18, 19)
    )
    assert again.status is BookingStatus.PENDING_PAYMENT


async def test_sessions_start_and_end_on_the_clock_and_everyone_hears(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    booking = await paid(world, room, user, 12, 13)
    jobs = booking_clock(world, clock)
    clock.set(booking.starts_at - MS)
    assert await jobs.start_sessions() == 0
    clock.set(booking.starts_at)
    assert await jobs.start_sessions() == 1
    assert await status(booking) is BookingStatus.ONGOING
    clock.set(booking.ends_at - MS)
    assert await jobs.complete_sessions() == 0
    clock.set(booking.ends_at)
    assert await jobs.complete_sessions() == 1
    assert await status(booking) is BookingStatus.COMPLETED
    keys_sent = [m.dedupe_key.split(":", 1)[1] for m in await outbox_to(user.id)]
    assert keys_sent[-2:] == ["started", "completed"]
    assert any("started" in m.text for m in await outbox_to(9001))


async def test_reminders_go_once_each_and_never_for_cancelled_bookings(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    booking = await paid(world, room, user, 12)  # paid 26 h 30 min ahead
    other = await make_user(3003)
    cancelled = await paid(world, room, other, 15)
    await world.payments.bookings.cancel_by_musician(cancelled.id, other.id)
    jobs = booking_clock(world, clock)
    clock.set(booking.starts_at - timedelta(hours=24) - MS)
    assert await jobs.send_reminders() == 0
    clock.set(booking.starts_at - timedelta(hours=24))
    assert await jobs.send_reminders() == 1
    assert await jobs.send_reminders() == 0
    clock.set(booking.starts_at - timedelta(hours=1))
    assert await asyncio.gather(jobs.send_reminders(), booking_clock(world, clock).send_reminders()) in (
        [1, 0],
        [0, 1],
    )
    reminders = [m for m in await outbox_to(user.id) if ":remind:" in m.dedupe_key]
    assert [m.dedupe_key.rsplit(":", 1)[1] for m in reminders] == ["24h", "1h"]
    assert "Open in Maps" in reminders[0].text
    assert room.address.split(",")[0] in reminders[0].text
    assert not [m for m in await outbox_to(other.id) if ":remind:" in m.dedupe_key]


async def test_a_booking_paid_within_a_day_gets_only_the_last_reminder(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    clock.set(datetime(2026, 11, 25, 21, 30, tzinfo=UTC))  # 03:00 IST on the 26th
    booking = await paid(world, room, user, 12)
    jobs = booking_clock(world, clock)
    assert await jobs.send_reminders() == 0  # the 24 h mark passed before payment
    clock.set(booking.starts_at - timedelta(hours=1))
    assert await jobs.send_reminders() == 1
    assert [
        m.dedupe_key.rsplit(":", 1)[1] for m in await outbox_to(user.id) if ":remind:" in m.dedupe_key
    ] == ["1h"]


async def test_two_clocks_on_one_database_change_and_tell_once(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    # Five musicians: one may hold only MAX_UNPAID_HOLDS bookings unpaid at once.
    musicians = [user, *[await make_user(3000 + n) for n in range(4)]]
    held = [
        await held_booking(world, room, m, h) for m, h in zip(musicians, (10, 11, 12, 13, 14), strict=True)
    ]
    clock.set(held[-1].hold_expires_at)
    results = await asyncio.gather(*(booking_clock(world, clock).expire_holds() for _ in range(3)))
    assert sum(results) == 5
    for musician in musicians:
        expired_messages = [m for m in await outbox_to(musician.id) if m.dedupe_key.endswith(":expired")]
        assert len(expired_messages) == 1


async def test_a_paid_link_without_webhook_is_reconciled(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    world.api.pay_link(booking.payment["link_id"])  # Razorpay has the money; the webhook is lost
    jobs = booking_clock(world, clock)
    clock.advance(minutes=2)
    assert await jobs.reconcile_payments() == 0  # too early to doubt the webhook
    clock.advance(minutes=2)
    assert await jobs.reconcile_payments() == 1
    assert await status(booking) is BookingStatus.NOT_STARTED
    assert [m.dedupe_key.split(":", 1)[1] for m in await outbox_to(user.id)] == [
        "confirmed",
        "invoice",
        "calendar:0",
    ]


async def test_owners_get_one_morning_digest_per_room(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    await paid(world, room, user, 12, 13)
    jobs = booking_clock(world, clock)
    clock.set(datetime(2026, 11, 26, 2, 29, tzinfo=UTC))  # 07:59 IST
    assert await jobs.send_digests() == 0
    clock.set(datetime(2026, 11, 26, 2, 30, tzinfo=UTC))  # 08:00 IST
    assert await jobs.send_digests() == 1
    assert await jobs.send_digests() == 0
    digest = [m for m in await outbox_to(9001) if m.dedupe_key.startswith("digest:")]
    assert len(digest) == 1
    assert "12:00–14:00" in digest[0].text
    assert "1 booking(s), ₹1,200" in digest[0].text


async def test_one_tick_runs_every_job(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    clock.set(booking.hold_expires_at)
    done = await booking_clock(world, clock).tick()
    assert done["expired"] == 1
    assert set(done) == {
        "expired",
        "changes lapsed",
        "started",
        "completed",
        "reminded",
        "reconciled",
        "refunds",
        "payouts",
        "claims freed",
        "slots offered",
        "digests",
    }


async def test_a_link_paid_just_before_its_hold_ends_is_confirmed_not_expired(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    clock.set(booking.hold_expires_at - timedelta(seconds=20))
    world.api.pay_link(booking.payment["link_id"])  # paid; the webhook is late
    clock.set(booking.hold_expires_at)
    assert await booking_clock(world, clock).expire_holds() == 0
    assert await status(booking) is BookingStatus.NOT_STARTED
    assert not [m for m in await outbox_to(user.id) if m.dedupe_key.endswith(":expired")]
    assert world.api.links[booking.payment["link_id"]]["status"] == "paid"


async def test_reconciliation_asks_the_gateway_once_per_interval_across_processes(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    link_id = booking.payment["link_id"]

    def fetches() -> int:
        return sum(1 for method, path, *_ in world.api.requests if method == "GET" and link_id in path)

    clock.advance(minutes=3)
    await asyncio.gather(*(booking_clock(world, clock).reconcile_payments() for _ in range(3)))
    assert fetches() == 1
    clock.advance(minutes=1)
    await booking_clock(world, clock).reconcile_payments()
    assert fetches() == 1
    clock.advance(minutes=2)
    await booking_clock(world, clock).reconcile_payments()
    assert fetches() == 2
    assert await status(booking) is BookingStatus.PENDING_PAYMENT


async def test_an_owner_of_two_rooms_gets_one_digest_with_both(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    second = await Room(**{**DEMO_ROOMS[1], "owner_ids": [9001]}).insert()
    await paid(world, room, user, 12)
    await paid(world, second, await make_user(2020), 18)
    clock.set(datetime(2026, 11, 26, 3, 0, tzinfo=UTC))  # 08:30 IST
    jobs = booking_clock(world, clock)
    assert await jobs.send_digests() == 1
    assert await booking_clock(world, clock).send_digests() == 0
    digest = [m for m in await outbox_to(9001) if m.dedupe_key.startswith("digest:")]
    assert [m.dedupe_key for m in digest] == ["digest:9001:2026-11-26"]
    assert room.name in digest[0].text
    assert second.name in digest[0].text
    assert "18:00–19:00" in digest[0].text
