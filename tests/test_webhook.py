"""POST /webhooks/razorpay over real HTTP, with bodies signed by the real algorithm."""

from __future__ import annotations

import asyncio

from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from payments import webhook_bodies
from storage.models import Booking, Room, SlotClaim, User
from storage.payment_events import PaymentEvent
from tests.conftest import make_user
from tests.payment_support import TOMORROW, PaymentWorld, held_booking, keys, outbox_to, pay, snapshot


async def test_paid_link_confirms_and_queues_confirmation_invoice_and_owner_notice(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 18, 19)
    payment_id, body = await pay(world, booking)
    status, answer = await world.post_event(body, event_id="evt_paid_1")
    assert (status, answer["outcome"]) == (200, "confirmed")
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert stored.status is BookingStatus.NOT_STARTED
    assert stored.payment_id == payment_id
    assert stored.invoice_number is None  # taken when the invoice is delivered, off this path
    to_musician = await outbox_to(user.id)
    assert [m.dedupe_key.split(":", 1)[1] for m in to_musician] == ["confirmed", "invoice", "calendar:0"]
    assert "Booking confirmed" in to_musician[0].text
    assert to_musician[0].location is not None
    assert to_musician[1].attachment == f"invoice:{booking.id}"
    name, pdf, caption = await world.payments.render_attachment(to_musician[1].attachment)
    assert pdf.startswith(b"%PDF")
    assert caption == f"Invoice JR/26-27/000001 for booking {booking.code}"
    assert name == "invoice-JR-26-27-000001.pdf"
    to_owner = await outbox_to(9001)
    assert len(to_owner) == 1
    assert "New booking" in to_owner[0].text
    assert "₹1,600" in to_owner[0].text


async def test_replays_change_nothing_and_send_nothing(world: PaymentWorld, room: Room, user: User) -> None:
    booking = await held_booking(world, room, user, 12)
    _, body = await pay(world, booking)
    assert (await world.post_event(body, event_id="evt_same"))[0] == 200
    await world.payments.drain()  # the first delivery's work after its answer (the payouts' fee read)
    after_first = await snapshot()
    again = await world.post_event(body, event_id="evt_same")
    assert again == (200, {"ok": True, "outcome": "duplicate"})
    racing = await asyncio.gather(*(world.post_event(body, event_id="evt_same") for _ in range(10)))
    assert all(r == (200, {"ok": True, "outcome": "duplicate"}) for r in racing)
    other_delivery = await world.post_event(body, event_id="evt_other_id_same_payment")
    assert other_delivery == (200, {"ok": True, "outcome": "already settled"})
    assert await snapshot() == after_first


async def test_first_delivery_racing_itself_confirms_once(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    _, body = await pay(world, booking)
    results = await asyncio.gather(*(world.post_event(body, event_id="evt_race") for _ in range(12)))
    assert [r[0] for r in results] == [200] * 12
    assert [r[1]["outcome"] for r in results].count("confirmed") == 1
    assert len(await outbox_to(user.id)) == 3  # the confirmation, the invoice, the calendar file
    assert len(await outbox_to(9001)) == 1


async def test_bad_or_missing_signature_is_refused_and_changes_nothing(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    _, body = await pay(world, booking)
    before = await snapshot()
    forged = await world.post_event(body, secret="not-the-secret")
    raw, headers = webhook_bodies.signed(body, "whsec_test_0123456789")
    tampered = await world.post_raw(raw.replace(b'"amount":60000', b'"amount":100'), headers)
    unsigned = await world.post_raw(raw, {"Content-Type": "application/json"})
    assert [r[0] for r in (forged, tampered, unsigned)] == [400, 400, 400]
    assert await snapshot() == before
    assert await PaymentEvent.count() == 0


async def test_a_wrong_amount_is_refunded_in_full_and_both_sides_are_told(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    payment_id, body = await pay(world, booking, amount=100)
    status, answer = await world.post_event(body)
    assert (status, answer["outcome"]) == (200, "refunded: wrong amount")
    await world.payments.drain()
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert stored.status is BookingStatus.CANCELLED  # nothing booked: its slots are free again
    assert await SlotClaim.count() == 0
    assert (stored.payment_id, stored.refund["status"], stored.refund["amount_paise"]) == (
        payment_id,
        "processed",
        100,
    )
    assert world.api.refunded_total(payment_id) == 100
    to_musician = [m.text for m in await outbox_to(user.id)]
    assert "I received ₹1 for booking" in to_musician[0]
    assert "could not confirm it. I am refunding the full ₹1" in to_musician[0]
    assert "Refund of ₹1" in to_musician[1]
    assert not any("on hold" in t or "Booking confirmed" in t for t in to_musician)
    to_owner = (await outbox_to(9001))[0].text
    assert "Payment mismatch" in to_owner
    assert "expected ₹600. It is being refunded in full (₹1) and nothing was booked" in to_owner


async def test_a_signed_body_for_another_booking_reference_is_ignored(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    _, body = await pay(world, booking)
    body["payload"]["payment_link"]["entity"]["reference_id"] = "JR-NOSUCH"
    assert (await world.post_event(body))[1]["outcome"] == "unknown booking"
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert stored.status is BookingStatus.PENDING_PAYMENT


async def test_late_payment_with_free_slots_is_confirmed(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    clock.advance(minutes=20)
    expired = await world.payments.bookings.expire_hold(booking)
    assert expired is not None
    _, body = await pay(world, expired)
    assert (await world.post_event(body))[1]["outcome"] == "confirmed late"
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert stored.status is BookingStatus.NOT_STARTED
    assert await SlotClaim.find(SlotClaim.booking_id == str(booking.id)).count() == 1


async def test_late_payment_with_taken_slots_is_refunded_in_full(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    rival = await make_user(2002)
    booking = await held_booking(world, room, user, 12, 13)
    clock.advance(minutes=20)
    expired = await world.payments.bookings.expire_hold(booking)
    assert expired is not None
    await world.payments.bookings.create_booking(rival.id, room.id, TOMORROW, keys(room, TOMORROW, 13))
    payment_id, body = await pay(world, expired)
    assert (await world.post_event(body))[1]["outcome"] == "refunded: slots taken"
    await world.payments.drain()
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert stored.status is BookingStatus.EXPIRED
    assert stored.refund["status"] == "processed"
    assert world.api.refunded_total(payment_id) == booking.amount_paise
    texts = [m.text for m in await outbox_to(user.id)]
    assert any("booked by someone else" in t for t in texts)
    assert any("Refund of ₹1,200" in t for t in texts)
    assert any("refunded in full" in m.text for m in await outbox_to(9001))
    assert await world.post_event(body, event_id="evt_replay_late") == (
        200,
        {"ok": True, "outcome": "already settled"},
    )
    assert world.api.refunded_total(payment_id) == booking.amount_paise


async def test_expired_link_frees_the_slots(world: PaymentWorld, room: Room, user: User) -> None:
    booking = await held_booking(world, room, user, 12)
    link = world.api.links[booking.payment["link_id"]]
    assert (await world.post_event(webhook_bodies.payment_link_closed(link, "payment_link.expired")))[1][
        "outcome"
    ] == "expired"
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert stored.status is BookingStatus.EXPIRED
    assert await SlotClaim.count() == 0
    assert "the slots are free again" in (await outbox_to(user.id))[0].text


async def test_failed_payment_is_told_and_the_hold_kept(world: PaymentWorld, room: Room, user: User) -> None:
    booking = await held_booking(world, room, user, 12)
    link = world.api.links[booking.payment["link_id"]]
    status, answer = await world.post_event(
        webhook_bodies.payment_failed(link, "pay_failed_1", "Card declined")
    )
    assert (status, answer["outcome"]) == (200, "failure told")
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert stored.status is BookingStatus.PENDING_PAYMENT
    assert await SlotClaim.count() == 1
    assert "did not go through (Card declined)" in (await outbox_to(user.id))[0].text


async def test_refund_events_are_recorded_and_told(world: PaymentWorld, room: Room, user: User) -> None:
    booking = await held_booking(world, room, user, 12)
    _, body = await pay(world, booking)
    await world.post_event(body)
    outcome = await world.payments.bookings.cancel_by_musician(booking.id, user.id)  # ₹600 at 100%
    world.api.refund_status = "pending"  # a normal-speed refund: the bank pays it later
    assert await world.payments.refund_due(outcome.booking) == "pending"
    refund = world.api.refunds[-1]
    failed = await world.post_event(webhook_bodies.refund_event("refund.failed", refund))
    assert failed[1]["outcome"] == "refund failed"
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert stored.refund["status"] == "failed"
    assert any("Refund failed" in m.text for m in await outbox_to(9001))
    # The owner refunds it again from the dashboard, and that one is paid.
    paid_again = await world.post_event(webhook_bodies.refund_event("refund.processed", refund))
    assert paid_again[1]["outcome"] == "refund processed"
    assert any("Refund of ₹600" in m.text and "processed" in m.text for m in await outbox_to(user.id))


async def test_a_refund_failure_reported_after_it_was_processed_changes_nothing(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    _, body = await pay(world, booking)
    await world.post_event(body)
    outcome = await world.payments.bookings.cancel_by_musician(booking.id, user.id)
    assert await world.payments.refund_due(outcome.booking) == "processed"
    refund = world.api.refunds[-1]
    processed = await world.post_event(webhook_bodies.refund_event("refund.processed", refund))
    assert processed[1]["outcome"] == "refund already processed"
    before = await snapshot()
    stale = await world.post_event(webhook_bodies.refund_event("refund.failed", refund))
    assert stale[1]["outcome"] == "refund already processed"
    assert await snapshot() == before


async def test_unknown_events_are_acknowledged_and_ignored(world: PaymentWorld) -> None:
    body = {"event": "payment.dispute.created", "payload": {}}
    assert await world.post_event(body) == (200, {"ok": True, "outcome": "ignored"})


async def test_an_event_left_half_processed_is_processed_on_the_retry(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    _, body = await pay(world, booking)
    # A process claimed the event, then died before settling it and could not clean up.
    await PaymentEvent(
        id="evt_crashed", event="payment_link.paid", received_at=clock.now(), claimed_ms=0
    ).insert()
    assert (await world.post_event(body, event_id="evt_crashed"))[1]["outcome"] == "confirmed"
    assert (await world.post_event(body, event_id="evt_crashed"))[1]["outcome"] == "duplicate"


async def test_a_crash_between_confirming_and_announcing_loses_no_message(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    payment_id, body = await pay(world, booking)
    # A process claimed the event and confirmed the booking, then died before queueing
    # the confirmation, the invoice and the owner's notice.
    await PaymentEvent(
        id="evt_died", event="payment_link.paid", received_at=clock.now(), claimed_ms=0
    ).insert()
    record = {"payment_id": payment_id, "amount_paid_paise": booking.amount_paise}
    assert await world.payments.bookings.confirm_payment(booking, record) is not None
    assert await outbox_to(user.id) == []
    assert (await world.post_event(body, event_id="evt_died"))[1]["outcome"] == "already settled"
    assert len(await outbox_to(user.id)) == 3  # the confirmation, the invoice, the calendar file
    assert len(await outbox_to(9001)) == 1
    assert (await world.post_event(body, event_id="evt_died_again"))[1]["outcome"] == "already settled"
    assert len(await outbox_to(user.id)) == 3  # queued once, however often it is retried
    assert len(await outbox_to(9001)) == 1
