"""A refund is one record that we and Razorpay's webhooks both write, in either order:
whichever lands first, the amount that went back shows in earnings, the CSV and the
invoice, once, and a refund that failed shows nowhere as money returned."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from bot.owner_reports import CSV_COLUMNS, bookings_csv
from domain.clock import ManualClock
from payments import webhook_bodies
from storage.earnings import bookings_between, earnings_by_room
from storage.models import Booking, Room, User
from tests.payment_support import TOMORROW, PaymentWorld, held_booking, outbox_to, pay, pdf_text


async def paid_booking(world: PaymentWorld, room: Room, user: User, *hours: int) -> tuple[Booking, str]:
    booking = await held_booking(world, room, user, *hours)
    payment_id, body = await pay(world, booking)
    await world.post_event(body)
    return await world.payments.bookings.booking(booking.id), payment_id


async def cancelled(world: PaymentWorld, booking: Booking, user: User) -> Booking:
    return (await world.payments.bookings.cancel_by_musician(booking.id, user.id)).booking  # 100% back


async def what_the_owner_sees(
    world: PaymentWorld, room: Room, user: User, booking: Booking
) -> dict[str, Any]:
    earned = (await earnings_by_room([room], TOMORROW, TOMORROW))[str(room.id)]
    rows = bookings_csv(room, await bookings_between(room, TOMORROW, TOMORROW), {user.id: user})
    row = dict(zip(CSV_COLUMNS, list(csv.reader(io.StringIO(rows.decode("utf-8-sig"))))[1], strict=True))
    stored = await world.payments.bookings.booking(booking.id)
    invoice, _ = pdf_text((await world.payments.invoice_document(stored))[1])
    return {"refunded": earned.refunded_paise, "csv": row["refunded_inr"], "invoice": invoice}


async def test_a_processed_webhook_that_beats_our_record_keeps_the_amount(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking, payment_id = await paid_booking(world, room, user, 12)

    async def webhook_first(refund: dict[str, Any]) -> None:
        # Razorpay's webhook arrives while our refund call still waits for its answer.
        answer = await world.post_event(webhook_bodies.refund_event("refund.processed", refund))
        assert answer[1]["outcome"] == "refund processed"

    world.api.before_refund_answer = webhook_first
    assert await world.payments.refund_due(await cancelled(world, booking, user)) == "processed"
    refund = world.api.refunds[-1]
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert (stored.refund["status"], stored.refund["id"], stored.refund["amount_paise"]) == (
        "processed",
        refund["id"],
        60000,
    )
    seen = await what_the_owner_sees(world, room, user, booking)
    assert (seen["refunded"], seen["csv"]) == (60000, "600.00")
    assert f"Refund {refund['id']} (processed)" in seen["invoice"]
    assert "-₹600.00" in seen["invoice"]
    refund_news = [m.text for m in await outbox_to(user.id) if "Refund of" in m.text]
    assert len(refund_news) == 1  # "processed"; no "initiated" after it
    assert "has been processed" in refund_news[0]
    assert world.api.refunded_total(payment_id) == 60000


async def test_a_processed_webhook_after_our_request_timed_out_is_kept_and_not_paid_again(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking, payment_id = await paid_booking(world, room, user, 12)
    world.api.answer_late_next("/refund", delay=3)  # Razorpay refunds; its answer comes too late
    assert await world.payments.refund_due(await cancelled(world, booking, user)) == "retry later"
    refund = world.api.refunds[-1]
    answer = await world.post_event(webhook_bodies.refund_event("refund.processed", refund))
    assert answer[1]["outcome"] == "refund processed"
    assert await world.payments.retry_due_refunds() == 0
    assert len(world.api.refunds) == 1
    seen = await what_the_owner_sees(world, room, user, booking)
    assert (seen["refunded"], seen["csv"]) == (60000, "600.00")
    assert world.api.refunded_total(payment_id) == 60000


async def test_a_refund_that_failed_is_not_counted_as_returned(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking, _ = await paid_booking(world, room, user, 12)
    world.api.refund_status = "pending"
    assert await world.payments.refund_due(await cancelled(world, booking, user)) == "pending"
    pending = await what_the_owner_sees(world, room, user, booking)
    assert (pending["refunded"], pending["csv"]) == (60000, "600.00")  # Razorpay has it in hand
    refund = world.api.refunds[-1]
    await world.post_event(webhook_bodies.refund_event("refund.failed", refund))
    failed = await what_the_owner_sees(world, room, user, booking)
    assert (failed["refunded"], failed["csv"]) == (0, "0.00")
    assert refund["id"] not in failed["invoice"]


async def test_a_refund_made_in_the_dashboard_is_recorded(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    booking, payment_id = await paid_booking(world, room, user, 12)
    refund = {"id": "rfnd_dashboard01", "amount": 20000, "payment_id": payment_id}
    answer = await world.post_event(webhook_bodies.refund_event("refund.processed", refund))
    assert answer[1]["outcome"] == "refund processed"
    seen = await what_the_owner_sees(world, room, user, booking)
    assert (seen["refunded"], seen["csv"]) == (20000, "200.00")
    assert "rfnd_dashboard01" in seen["invoice"]
    earned = (await earnings_by_room([room], date(2026, 11, 1), date(2026, 11, 30)))[str(room.id)]
    assert earned.net_paise == 60000 - 20000
