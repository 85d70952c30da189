"""A booking paid by two payments (the ground a moved or extended session stands on): its
refund is split over them, the newest first, each part one refund at Razorpay with the
notes that bring Razorpay's word back to its entry."""

from __future__ import annotations

from datetime import timedelta

from domain.clock import ManualClock
from domain.ledger import PaymentPurpose
from domain.refund_status import RefundStatus
from payments import webhook_bodies
from payments.gateway import PaymentLinkRequest
from storage.earnings import earnings_by_room
from storage.models import Booking, PaymentEntry, Room, User
from storage.payment_records import add_payment
from tests.payment_support import TOMORROW, PaymentWorld, held_booking, outbox_to


async def paid(world: PaymentWorld, room: Room, user: User, *hours: int) -> tuple[Booking, str]:
    booking = await held_booking(world, room, user, *hours)
    payment_id = world.api.pay_link(booking.payment["link_id"])
    await world.post_event(world.api.paid_event(booking.payment["link_id"], payment_id))
    return await world.payments.bookings.booking(booking.id), payment_id


async def second_payment(world: PaymentWorld, clock: ManualClock, booking: Booking, amount: int) -> str:
    """Another payment for ``booking`` (what a move to a dearer slot will take), recorded
    on its ledger."""
    link = await world.payments.gateway.create_link(
        PaymentLinkRequest(
            booking_id=str(booking.id),
            reference_id=f"{booking.code}-M1",
            amount_paise=amount,
            description="difference",
            expire_by=clock.now() + timedelta(hours=1),
            callback_url="https://bot.example.test/payments/callback",
        )
    )
    payment_id = world.api.pay_link(link.id)
    clock.advance(minutes=1)
    entry = PaymentEntry(
        payment_id=payment_id,
        link_id=link.id,
        reference=f"{booking.code}-M1",
        share_paise=amount,
        paid_paise=amount,
        paid_at=clock.now(),
        purpose=PaymentPurpose.MOVE,
    )
    assert await add_payment(booking, entry) is not None
    assert await add_payment(booking, entry) is None  # once
    return payment_id


async def test_a_refund_over_two_payments_asks_back_the_newest_first(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    booking, first = await paid(world, room, user, 12)
    second = await second_payment(world, clock, booking, 20000)
    stored = await world.payments.bookings.booking(booking.id)
    assert (stored.payment_id, stored.amount_paid_paise) == (first, 80000)

    world.api.refund_status = "pending"
    ended = await world.payments.bookings.terminate_by_owner(stored, owner_id=9001, reason="flooded")
    assert [(e.payment_id, e.amount_paise) for e in ended.refunds.values()] == [
        (second, 20000),
        (first, 60000),
    ]
    assert await world.payments.refund_due(ended) == "pending"
    assert world.api.refunded_total(second) == 20000
    assert world.api.refunded_total(first) == 60000
    by_payment = {r["payment_id"]: r for r in world.api.refunds}
    assert by_payment[second]["notes"]["key"] == f"refund-{booking.id}"
    assert by_payment[first]["notes"]["key"] == f"refund-{booking.id}-2"
    assert {r["notes"]["booking_id"] for r in world.api.refunds} == {str(booking.id)}

    # Razorpay's word on each finds its own entry by the notes it echoes.
    for refund in world.api.refunds:
        answer = await world.post_event(webhook_bodies.refund_event("refund.processed", refund))
        assert answer[1]["outcome"] == "refund processed"
    done = await world.payments.bookings.booking(booking.id)
    assert [e.status for e in done.refunds.values()] == [RefundStatus.PROCESSED] * 2
    assert done.refund_due_ms is None
    assert done.refunded_paise == 80000
    processed = [m.text for m in await outbox_to(user.id) if "has been processed" in m.text]
    assert len(processed) == 2
    earned = (await earnings_by_room([room], TOMORROW, TOMORROW))[str(room.id)]
    assert (earned.paid_paise, earned.refunded_paise) == (80000, 80000)


async def test_notes_naming_another_payment_s_entry_are_not_trusted(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    booking, first = await paid(world, room, user, 12)
    outcome = await world.payments.bookings.cancel_by_musician(booking.id, user.id)
    key = next(iter(outcome.booking.refunds))
    stranger = {
        "id": "rfnd_stranger",
        "amount": 60000,
        "payment_id": "pay_someone_else",
        "notes": {"booking_id": str(booking.id), "key": key},
    }
    answer = await world.post_event(webhook_bodies.refund_event("refund.processed", stranger))
    assert answer[1]["outcome"] == "unknown refund"
    tampered = {**stranger, "payment_id": first, "notes": {"booking_id": str(booking.id), "key": "x.$y"}}
    answer = await world.post_event(webhook_bodies.refund_event("refund.processed", tampered))
    assert answer[1]["outcome"] == "refund processed"  # found by its payment instead: the one owed
    stored = await world.payments.bookings.booking(booking.id)
    assert list(stored.refunds) == [key]
    assert stored.refunds[key].status is RefundStatus.PROCESSED
