"""Bookings stored before the ledger (one ``payment_id`` with the payment in ``payment``,
one ``refund`` record) read as the ledger at once, are rewritten in its shape at start-up
once, and keep their money: a refund asked for before the upgrade is the same refund
after it (its idempotency key is kept), and Razorpay's word on it still finds it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from bot.owner_reports import CSV_COLUMNS, bookings_csv
from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from domain.refund_status import RefundStatus
from payments import webhook_bodies
from storage.earnings import bookings_between, earnings_by_room
from storage.models import Booking, Room, User
from storage.payment_records import migrate_to_ledger
from tests.conftest import make_user
from tests.payment_support import TOMORROW, PaymentWorld, held_booking

LEDGER_FIELDS = {
    "payments": "",
    "payment_count": "",
    "refunds": "",
    "refund_due_ms": "",
    "refund_version": "",
}


async def paid(world: PaymentWorld, room: Room, user: User, hour: int) -> tuple[Booking, str]:
    booking = await held_booking(world, room, user, hour)
    payment_id = world.api.pay_link(booking.payment["link_id"])
    await world.post_event(world.api.paid_event(booking.payment["link_id"], payment_id))
    return await world.payments.bookings.booking(booking.id), payment_id


async def as_stored_before_the_ledger(booking: Booking, refund: dict[str, Any] | None = None) -> None:
    """Rewrite ``booking`` as the code before the ledger stored it."""
    old_payment = dict(booking.payment)
    if booking.payments:
        first = booking.payments[0]
        old_payment |= {
            "payment_id": first.payment_id,
            "amount_paid_paise": first.paid_paise,
            "currency": first.currency,
            "link_id": first.link_id,
        }
    await Booking.get_pymongo_collection().update_one(
        {"_id": booking.id},
        {"$unset": LEDGER_FIELDS, "$set": {"payment": old_payment, "refund": refund or {}}},
    )


async def raw(booking: Booking) -> dict[str, Any]:
    found = await Booking.get_pymongo_collection().find_one({"_id": booking.id})
    assert found is not None
    return found


async def test_old_bookings_read_as_the_ledger_and_are_rewritten_once(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    cancelled, cancelled_pay = await paid(world, room, user, 12)
    owed, owed_pay = await paid(world, room, user, 14)
    kept, kept_pay = await paid(world, room, user, 16)
    unpaid = await held_booking(world, room, user, 18)
    await as_stored_before_the_ledger(
        cancelled,
        {"due_paise": 30000, "percent": 50, "status": "processed", "id": "rfnd_old1", "amount_paise": 30000},
    )
    await as_stored_before_the_ledger(
        owed, {"due_paise": 60000, "percent": 100, "status": "due", "attempts": 2, "last_error": "timeout"}
    )
    await as_stored_before_the_ledger(kept)
    await as_stored_before_the_ledger(unpaid)
    assert "refund" in await raw(cancelled)
    assert "payments" not in await raw(cancelled)

    # Read lazily: the ledger is there before any rewrite.
    read = await world.payments.bookings.booking(cancelled.id)
    assert [(p.payment_id, p.share_paise, p.paid_paise) for p in read.payments] == [
        (cancelled_pay, 60000, 60000)
    ]
    (entry,) = read.refunds.values()
    assert (entry.key, entry.status, entry.refund_id, entry.amount_paise, entry.percent) == (
        f"refund-{cancelled.id}",
        RefundStatus.PROCESSED,
        "rfnd_old1",
        30000,
        50,
    )
    assert (read.refunded_paise, read.amount_paid_paise) == (30000, 60000)
    assert read.refund == {
        "due_paise": 30000,
        "percent": 50,
        "status": "processed",
        "id": "rfnd_old1",
        "amount_paise": 30000,
    }
    assert (await world.payments.bookings.booking(unpaid.id)).payments == []

    assert await migrate_to_ledger() == 3  # the three that recorded money
    after = {b.code: await raw(b) for b in (cancelled, owed, kept, unpaid)}
    assert all("refund" not in after[b.code] for b in (cancelled, owed, kept))
    assert after[owed.code]["refunds"][f"refund-{owed.id}"]["attempts"] == 2
    assert after[owed.code]["refund_due_ms"] is not None  # the refund job will see it
    assert after[kept.code]["payment_count"] == 1
    assert after[kept.code]["refunds"] == {}
    assert await migrate_to_ledger() == 0
    assert {b.code: await raw(b) for b in (cancelled, owed, kept, unpaid)} == after

    earned = (await earnings_by_room([room], TOMORROW, TOMORROW))[str(room.id)]
    assert (earned.paid_paise, earned.refunded_paise, earned.bookings) == (180000, 30000, 3)
    rows = bookings_csv(room, await bookings_between(room, TOMORROW, TOMORROW), {user.id: user})
    table = [
        dict(zip(CSV_COLUMNS, row, strict=False)) for row in csv.reader(io.StringIO(rows.decode("utf-8-sig")))
    ][1:]
    assert {r["code"]: r["refunded_inr"] for r in table} == {
        cancelled.code: "300.00",
        owed.code: "0.00",
        kept.code: "0.00",
        unpaid.code: "0.00",
    }

    # The refund owed before the upgrade is paid once, by the retry job.
    assert await world.payments.retry_due_refunds() == 1
    assert world.api.refunded_total(owed_pay) == 60000
    assert world.api.refunded_total(kept_pay) == world.api.refunded_total(cancelled_pay) == 0


async def test_a_refund_asked_for_before_the_upgrade_is_the_same_refund_after_it(
    world: PaymentWorld, clock: ManualClock, room: Room
) -> None:
    musician = await make_user(4001)
    booking, payment_id = await paid(world, room, musician, 12)
    # The old code asked Razorpay with the key refund-<booking id>, and died before
    # recording the answer: Razorpay has the refund, the booking says "requesting".
    refund = await world.payments.gateway.refund(payment_id, 60000, f"refund-{booking.id}")
    old_record = {"due_paise": 60000, "percent": 100, "status": "requesting", "claimed_ms": 0}
    await as_stored_before_the_ledger(booking, old_record)
    await Booking.get_pymongo_collection().update_one(
        {"_id": booking.id}, {"$set": {"status": BookingStatus.CANCELLED.value}}
    )
    assert await migrate_to_ledger() == 1
    clock.advance(minutes=5)  # past the old request's lease
    assert await world.payments.retry_due_refunds() == 1
    assert len(world.api.refunds) == 1  # the same idempotency key: Razorpay's first refund
    assert world.api.refunded_total(payment_id) == 60000
    stored = await world.payments.bookings.booking(booking.id)
    assert (stored.refund["status"], stored.refund["id"]) == ("processed", refund.id)


async def test_razorpay_s_word_on_an_old_refund_finds_it_without_our_notes(
    world: PaymentWorld, clock: ManualClock, room: Room
) -> None:
    musician = await make_user(4002)
    booking, payment_id = await paid(world, room, musician, 12)
    await as_stored_before_the_ledger(
        booking,
        {"due_paise": 60000, "percent": 100, "status": "pending", "id": "rfnd_before", "amount_paise": 60000},
    )
    await migrate_to_ledger()
    body = webhook_bodies.refund_event(
        "refund.processed", {"id": "rfnd_before", "amount": 60000, "payment_id": payment_id}
    )
    assert (await world.post_event(body))[1]["outcome"] == "refund processed"
    stored = await world.payments.bookings.booking(booking.id)
    assert stored.refunds[f"refund-{booking.id}"].status is RefundStatus.PROCESSED
    assert (await world.post_event(body))[1]["outcome"] == "refund already processed"


async def test_a_booking_paid_before_the_upgrade_and_cancelled_after_refunds_from_its_payment(
    world: PaymentWorld, clock: ManualClock, room: Room
) -> None:
    musician = await make_user(4003)
    booking, payment_id = await paid(world, room, musician, 12)
    await as_stored_before_the_ledger(booking)
    await migrate_to_ledger()
    clock.set(booking.starts_at - timedelta(hours=8))  # 50% by the policy
    outcome = await world.payments.bookings.cancel_by_musician(booking.id, musician.id)
    assert await world.payments.refund_due(outcome.booking) == "processed"
    assert world.api.refunds[-1]["idempotency_key"] == f"refund-{booking.id}"
    assert world.api.refunds[-1]["notes"] == {
        "reason": "JamRoom booking refund",
        "booking_id": str(booking.id),
        "key": f"refund-{booking.id}",
    }
    assert world.api.refunded_total(payment_id) == 30000
