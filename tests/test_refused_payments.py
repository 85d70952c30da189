"""Money that can no longer buy its booking (the session is over, the amount or the
currency is wrong, the slots went to someone else) is refunded in full at once, the
musician is told why and the owner that nothing was booked; replays, racing
deliveries and a crash half-way change it once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from payments import webhook_bodies
from storage.holds import HoldClaim
from storage.models import Booking, Room, SlotClaim, User
from tests.payment_support import PaymentWorld, held_booking, outbox_to, pay, snapshot


async def texts_to(chat_id: int) -> list[str]:
    return [m.text for m in await outbox_to(chat_id)]


async def test_a_payment_after_the_session_ended_is_refunded_not_confirmed(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12, 13)
    clock.advance(minutes=20)
    expired = await world.payments.bookings.expire_hold(booking)
    assert expired is not None
    payment_id, body = await pay(world, expired)  # paid in time at Razorpay...
    clock.set(booking.ends_at + timedelta(hours=3))  # ...its webhook delayed past the session
    status, answer = await world.post_event(body)
    assert (status, answer["outcome"]) == (200, "refunded: session over")
    await world.payments.drain()
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert stored.status is BookingStatus.EXPIRED
    assert await SlotClaim.count() == 0
    assert (stored.refund["status"], stored.refund["amount_paise"]) == ("processed", booking.amount_paise)
    assert world.api.refunded_total(payment_id) == booking.amount_paise
    to_musician = await texts_to(user.id)
    assert "after the session had ended, so it can no longer buy it" in to_musician[0]
    assert "I am refunding the full ₹1,200" in to_musician[0]
    assert not any("Booking confirmed" in t for t in to_musician)
    to_owner = await texts_to(9001)
    assert len(to_owner) == 1
    assert "arrived after the session had ended. It is being refunded in full (₹1,200)" in to_owner[0]
    assert "nothing was booked" in to_owner[0]
    replay = await world.post_event(body, event_id="evt_late_again")
    assert replay == (200, {"ok": True, "outcome": "already settled"})
    await world.payments.drain()
    assert world.api.refunded_total(payment_id) == booking.amount_paise
    assert len(await texts_to(9001)) == 1


async def test_a_hold_still_open_when_the_session_ended_is_closed_and_refunded(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    """The clock never expired the hold (the jobs were down); the money comes after the end."""
    booking = await held_booking(world, room, user, 12)
    payment_id, body = await pay(world, booking)
    clock.set(booking.ends_at + timedelta(minutes=1))
    assert (await world.post_event(body))[1]["outcome"] == "refunded: session over"
    await world.payments.drain()
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert (stored.status, stored.due_ms) == (BookingStatus.EXPIRED, None)
    assert await SlotClaim.count() == 0
    assert await HoldClaim.count() == 0  # the musician's unpaid hold is given back too
    assert world.api.refunded_total(payment_id) == booking.amount_paise


async def test_a_payment_in_another_currency_is_refunded_as_it_came(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    payment_id, body = await pay(world, booking)
    body["payload"]["payment"]["entity"]["currency"] = "USD"
    assert (await world.post_event(body))[1]["outcome"] == "refunded: wrong amount"
    await world.payments.drain()
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert stored.status is BookingStatus.CANCELLED
    assert world.api.refunded_total(payment_id) == 60000
    to_musician = await texts_to(user.id)
    assert "I received 600.00 USD for booking" in to_musician[0]
    assert "Refund of 600.00 USD" in to_musician[1]
    assert "received 600.00 USD" in (await texts_to(9001))[0]


async def test_racing_deliveries_of_a_refused_payment_refund_it_once(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    payment_id, body = await pay(world, booking, amount=100)
    results = await asyncio.gather(*(world.post_event(body) for _ in range(8)))
    outcomes = [answer["outcome"] for _, answer in results]
    assert outcomes.count("refunded: wrong amount") == 1
    assert set(outcomes) == {"refunded: wrong amount", "already settled"}
    await world.payments.drain()
    assert await world.payments.retry_due_refunds() == 0
    assert [r["payment_id"] for r in world.api.refunds] == [payment_id]
    assert len(await texts_to(9001)) == 1
    assert len(await texts_to(user.id)) == 2  # why, and the refund


async def test_a_crash_after_recording_a_refused_payment_loses_nothing(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    payment_id, body = await pay(world, booking)
    clock.set(booking.ends_at + timedelta(hours=1))
    # A process recorded the refusal, then died before telling anyone or refunding.
    record = {"payment_id": payment_id, "amount_paid_paise": 60000, "currency": "INR", "link_id": None}
    refund = {"due_paise": 60000, "percent": 100, "status": "due", "reason": "session_over"}
    refused = await world.payments.bookings.refuse_payment(
        booking, record, refund, close_as=BookingStatus.EXPIRED, reason="paid after the session had ended"
    )
    assert refused is not None
    assert await outbox_to(user.id) == []
    assert (await world.post_event(body))[1]["outcome"] == "already settled"  # Razorpay's retry
    assert "after the session had ended" in (await texts_to(user.id))[0]
    assert len(await texts_to(9001)) == 1
    assert await world.payments.retry_due_refunds() == 1  # the clock's retry
    assert world.api.refunded_total(payment_id) == 60000
    before = await snapshot()
    assert (await world.post_event(body))[1]["outcome"] == "already settled"
    assert await snapshot() == before


async def test_a_second_payment_for_a_paid_booking_is_put_to_the_owner(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    _, body = await pay(world, booking)
    assert (await world.post_event(body))[1]["outcome"] == "confirmed"
    second = webhook_bodies.payment_link_paid(world.api.links[booking.payment["link_id"]], "pay_second0001")
    assert (await world.post_event(second))[1]["outcome"] == "extra payment flagged"
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert stored.status is BookingStatus.NOT_STARTED
    assert stored.payment_id != "pay_second0001"
    notice = (await texts_to(9001))[-1]
    assert "Second payment" in notice
    assert "pay_second0001" in notice
    assert "refund it from the Razorpay dashboard" in notice
