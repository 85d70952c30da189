"""Where the payment rooms meet (events -> settlement, events -> refunds, links ->
settlement): paths the split into rooms put behind a seam that no test crossed yet.
Over real HTTP with signed bodies, through the real SDK against the fake Razorpay."""

from __future__ import annotations

from domain.booking_status import BookingStatus
from payments import webhook_bodies
from storage.models import Booking, Room, SlotClaim, User
from tests.payment_support import PaymentWorld, held_booking, outbox_to, pay, snapshot


async def test_money_for_a_hold_the_musician_cancelled_is_refunded_in_full_and_both_told(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    await world.payments.bookings.cancel_by_musician(booking.id, user.id)  # an unpaid hold: released
    payment_id, body = await pay(world, booking)  # the link was still open at Razorpay
    assert (await world.post_event(body))[1]["outcome"] == "refunded: booking cancelled"
    await world.payments.drain()
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert stored.status is BookingStatus.CANCELLED
    assert (stored.payment_id, stored.refund["status"], stored.refund["reason"]) == (
        payment_id,
        "processed",
        "booking_cancelled",
    )
    assert await SlotClaim.count() == 0
    assert world.api.refunded_total(payment_id) == booking.amount_paise
    to_musician = [m.text for m in await outbox_to(user.id)]
    assert "arrived after the booking was cancelled. I am refunding the full ₹600" in to_musician[0]
    assert "Refund of ₹600" in to_musician[1]
    [to_owner] = await outbox_to(9001)
    assert "arrived after the musician had cancelled the hold" in to_owner.text


async def test_reconciling_a_link_razorpay_expired_ends_the_hold_once(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    world.api.links[booking.payment["link_id"]]["status"] = "expired"
    assert await world.payments.reconcile(booking) == "expired"
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert stored.status is BookingStatus.EXPIRED
    assert await SlotClaim.count() == 0
    assert await world.payments.reconcile(stored) == "nothing to expire"
    [told] = await outbox_to(user.id)
    assert "expired before payment" in told.text


async def test_reconciling_a_link_still_open_changes_nothing(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    before = await snapshot()
    assert await world.payments.reconcile(booking) == "link created"
    assert await snapshot() == before


async def test_refund_news_for_a_payment_no_booking_records_changes_nothing(world: PaymentWorld) -> None:
    refund = {"id": "rfnd_stranger", "payment_id": "pay_stranger", "amount": 60000}
    before = await snapshot()
    for event in ("refund.processed", "refund.failed"):
        answer = await world.post_event(webhook_bodies.refund_event(event, refund))
        assert answer == (200, {"ok": True, "outcome": "unknown refund"})
    assert await snapshot() == before


async def test_a_failed_payment_for_a_booking_already_paid_tells_nobody(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    link = dict(world.api.links[booking.payment["link_id"]])  # as it was before it was paid
    _, body = await pay(world, booking)
    assert (await world.post_event(body))[1]["outcome"] == "confirmed"
    await world.payments.drain()  # the delivery's work after its answer (the payouts' fee read)
    before = await snapshot()
    failed = webhook_bodies.payment_failed(link, "pay_declined_1", "Card declined")
    assert (await world.post_event(failed))[1]["outcome"] == "failure ignored"
    assert await snapshot() == before
