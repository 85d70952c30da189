"""A booking paid by two payments (the ground a moved or extended session stands on): its
refund is split over them, the newest first, each part one refund at Razorpay with the
notes that bring Razorpay's word back to its entry."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.clock import ManualClock
from domain.errors import BookingNotCancellableError
from domain.ledger import PaymentPurpose
from domain.refund_status import RefundStatus
from payments import webhook_bodies
from payments.gateway import PaymentLinkRequest
from storage.earnings import earnings_by_room
from storage.models import Booking, PaymentEntry, RefundEntry, Room, User
from storage.payment_records import add_payment, record_outside_refund
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


async def test_an_owner_cancel_from_a_read_made_before_another_payment_refunds_both(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    """The refund is worked out from the booking as read; a payment landing in between
    makes the update miss, and the booking is read again: nothing paid is left out."""
    stale, first = await paid(world, room, user, 12)
    second = await second_payment(world, clock, stale, 20000)

    ended = await world.payments.bookings.terminate_by_owner(stale, owner_id=9001, reason="flooded")

    assert [(e.payment_id, e.amount_paise) for e in ended.refunds.values()] == [
        (second, 20000),
        (first, 60000),
    ]


async def test_a_musicians_cancel_from_an_earlier_read_keeps_a_refund_recorded_meanwhile(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    """A refund the ledger did not ask for (Razorpay's dashboard) lands between the read
    and the cancel, under the key the cancel would have used: it stays, and the cancel's
    refund takes the next key, for what is left."""
    service = world.payments.bookings
    stale, first = await paid(world, room, user, 12)
    quote = await service.refund_quote(stale)
    outside = RefundEntry(
        key=f"refund-{stale.id}", payment_id=first, amount_paise=10000, refund_id="rfnd_dash"
    )
    assert await record_outside_refund(stale, outside) is not None

    outcome = await service.cancel_by_musician(stale.id, user.id, quote=quote, read=stale)

    refunds = outcome.booking.refunds
    assert refunds[outside.key].refund_id == "rfnd_dash"
    assert [(e.key, e.amount_paise) for e in refunds.values()] == [
        (outside.key, 10000),
        (f"refund-{stale.id}-2", quote.amount_paise - 10000),
    ]
    assert outcome.refund.amount_paise == quote.amount_paise - 10000


async def test_a_musicians_cancel_whose_told_refund_no_longer_holds_changes_nothing(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    """The owners were told the refund of the booking as read; once an extra hour's
    payment made it dearer, that refund is not what the policy gives: refused."""
    service = world.payments.bookings
    stale, _ = await paid(world, room, user, 12)
    await world.payments.drain()  # the payout started by the payment: before the snapshot
    quote = await service.refund_quote(stale)
    entry = PaymentEntry(
        payment_id="pay_extra",
        link_id="plink_extra",
        reference=f"{stale.code}-X1",
        share_paise=60000,
        paid_paise=60000,
        paid_at=clock.now(),
        purpose=PaymentPurpose.EXTENSION,
    )
    assert await add_payment(stale, entry, extra={"amount_paise": stale.amount_paise + 60000}) is not None
    before = await Booking.get_pymongo_collection().find_one({"_id": stale.id})

    with pytest.raises(BookingNotCancellableError):
        await service.cancel_by_musician(stale.id, user.id, quote=quote, read=stale)

    assert await Booking.get_pymongo_collection().find_one({"_id": stale.id}) == before
