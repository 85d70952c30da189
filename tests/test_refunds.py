"""A payment is refunded at most once, whatever races; a failed refund stays due."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from domain.errors import BookingNotCancellableError
from payments import webhook_bodies
from storage.models import Booking, Room, User
from tests.conftest import make_user
from tests.payment_support import PaymentWorld, held_booking, outbox_to


async def paid_booking(world: PaymentWorld, room: Room, user: User, *hours: int) -> tuple[Booking, str]:
    booking = await held_booking(world, room, user, *hours)
    payment_id = world.api.pay_link(booking.payment["link_id"])
    await world.post_event(world.api.paid_event(booking.payment["link_id"], payment_id))
    return await world.payments.bookings.booking(booking.id), payment_id


async def test_racing_cancels_refund_once(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    booking, payment_id = await paid_booking(world, room, user, 12, 13)
    clock.set(booking.starts_at - timedelta(hours=8))  # 50% by policy

    async def cancel_and_refund() -> str:
        try:
            outcome = await world.payments.bookings.cancel_by_musician(booking.id, user.id)
        except BookingNotCancellableError:
            return "refused"
        return await world.payments.refund_due(outcome.booking)

    results = await asyncio.gather(*(cancel_and_refund() for _ in range(8)))
    assert results.count("processed") == 1
    assert results.count("refused") == 7
    assert world.api.refunded_total(payment_id) == booking.amount_paise // 2
    assert len([r for r in world.api.refunds if r["payment_id"] == payment_id]) == 1
    again = await asyncio.gather(*(world.payments.refund_due(booking) for _ in range(5)))
    assert set(again) == {"not due"}
    refund_messages = [m for m in await outbox_to(user.id) if "Refund of" in m.text]
    assert len(refund_messages) == 1


async def test_a_replayed_refund_webhook_changes_nothing(world: PaymentWorld, room: Room, user: User) -> None:
    booking, payment_id = await paid_booking(world, room, user, 12)
    outcome = await world.payments.bookings.cancel_by_musician(booking.id, user.id)
    await world.payments.refund_due(outcome.booking)
    refund = world.api.refunds[-1]
    body = webhook_bodies.refund_event("refund.processed", refund)
    await world.post_event(body, event_id="evt_refund_1")
    before = await Booking.get_pymongo_collection().find_one({"_id": booking.id})
    replay = await world.post_event(body, event_id="evt_refund_1")
    assert replay[1]["outcome"] == "duplicate"
    assert await Booking.get_pymongo_collection().find_one({"_id": booking.id}) == before
    assert world.api.refunded_total(payment_id) == booking.amount_paise


async def test_a_failed_refund_request_stays_due_and_is_retried(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking, payment_id = await paid_booking(world, room, user, 12)
    outcome = await world.payments.bookings.cancel_by_musician(booking.id, user.id)
    world.api.fail_next("/refund", status=500)
    assert await world.payments.refund_due(outcome.booking) == "retry later"
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert stored.refund["status"] == "due"
    assert stored.refund["attempts"] == 1
    assert world.api.refunded_total(payment_id) == 0
    assert await world.payments.retry_due_refunds() == 1
    assert world.api.refunded_total(payment_id) == booking.amount_paise
    assert await world.payments.retry_due_refunds() == 0


async def test_a_timed_out_refund_is_not_paid_twice(world: PaymentWorld, room: Room, user: User) -> None:
    booking, payment_id = await paid_booking(world, room, user, 12)
    outcome = await world.payments.bookings.cancel_by_musician(booking.id, user.id)
    world.api.fail_next("/refund", status=0, delay=3)  # the fake processes nothing, answers late
    assert await world.payments.refund_due(outcome.booking) == "retry later"
    assert await world.payments.retry_due_refunds() == 1
    assert await world.payments.retry_due_refunds() == 0
    keys = {r["idempotency_key"] for r in world.api.refunds}
    assert keys == {f"refund-{booking.id}"}
    assert world.api.refunded_total(payment_id) == booking.amount_paise


async def test_owner_termination_refunds_in_full(world: PaymentWorld, room: Room, user: User) -> None:
    booking, payment_id = await paid_booking(world, room, user, 12, 13)
    ended = await world.payments.bookings.terminate_by_owner(booking, owner_id=9001, reason="Water leak")
    assert await world.payments.refund_due(ended) == "processed"
    assert world.api.refunded_total(payment_id) == booking.amount_paise
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert stored.status is BookingStatus.TERMINATED


async def test_an_unpaid_hold_needs_no_refund(world: PaymentWorld, room: Room) -> None:
    musician = await make_user(3003)
    booking = await held_booking(world, room, musician, 15)
    outcome = await world.payments.bookings.cancel_by_musician(booking.id, musician.id)
    assert await world.payments.refund_due(outcome.booking) == "nothing paid"
    assert world.api.refunds == []
