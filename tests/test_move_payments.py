"""A move's and an extra hour's difference through the real Razorpay SDK against the fake
API, settled by signed webhooks (issue 16 §2, §3): applied once with a ledger entry of its
own purpose, the invoice issued again for the new times (the old one kept as issued),
the calendar file sent again with a higher SEQUENCE, both sides told; money that comes
after the change lapsed, or that is not the difference, refunded in full; an unpaid
change let go by the clock, its link closed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.app import booking_clock
from domain.booking_status import BookingStatus
from domain.calendar_files import CalendarFileRef
from domain.clock import ManualClock
from domain.ledger import PaymentPurpose
from domain.refund_status import RefundStatus
from storage.models import Booking, Room, SlotClaim, User
from storage.moves import CHANGE_REFUSED, MOVE_REFUND_REASON, SessionChanges
from storage.times import from_ms
from tests.payment_support import PaymentWorld, held_booking, keys, outbox_to, pdf_text

THU = date(2026, 11, 26)


def at(hour: int, room: Room, day: date = THU) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=room.zone).astimezone(UTC)


async def paid(world: PaymentWorld, room: Room, user: User, *hours: int) -> Booking:
    booking = await held_booking(world, room, user, *hours)
    payment_id = world.api.pay_link(booking.payment["link_id"])
    status, answer = await world.post_event(world.api.paid_event(booking.payment["link_id"], payment_id))
    assert (status, answer["outcome"]) == (200, "confirmed")
    return await world.payments.bookings.booking(booking.id)


async def invoiced(world: PaymentWorld, booking: Booking) -> Booking:
    """The booking with its invoice issued, as the outbox's delivery issues it."""
    await world.payments.render_attachment(f"invoice:{booking.id}")
    return await world.payments.bookings.booking(booking.id)


def changes(world: PaymentWorld) -> SessionChanges:
    return SessionChanges(world.payments.bookings)


async def pay_change(
    world: PaymentWorld, booking: Booking, amount: int | None = None
) -> tuple[int, str, str]:
    """Pay the change's link on the fake API and post Razorpay's signed event."""
    assert booking.change is not None
    link_id = booking.change.link_id or ""
    payment_id = world.api.pay_link(link_id, amount)
    status, answer = await world.post_event(world.api.paid_event(link_id, payment_id, amount))
    return status, answer["outcome"], payment_id


async def test_a_dearer_move_is_paid_end_to_end_and_its_invoice_issued_again(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking = await invoiced(world, await paid(world, room, user, 14))  # ₹600
    first_invoice = booking.invoice_number
    assert first_invoice
    outcome = await changes(world).request_move(booking.id, user.id, THU, keys(room, THU, 18))  # ₹800
    link = await world.payments.ensure_change_link(outcome.booking, room, user)
    assert link.amount_paise == 20_000
    waiting = await world.payments.bookings.booking(booking.id)
    assert waiting.change is not None
    (fake_link,) = world.api.links_with_reference(waiting.change.reference)
    assert fake_link["amount"] == 20_000
    # Asked again, the same link.
    assert (await world.payments.ensure_change_link(waiting, room, user)).url == link.url

    status, said, payment_id = await pay_change(world, waiting)
    assert (status, said) == (200, "move or extra hour applied")
    moved = await world.payments.bookings.booking(booking.id)
    assert moved.starts_at == at(18, room)
    assert [(p.purpose, p.share_paise) for p in moved.payments] == [
        (PaymentPurpose.BOOKING, 60_000),
        (PaymentPurpose.MOVE, 20_000),
    ]
    assert moved.payments[1].payment_id == payment_id
    assert moved.calendar_sequence == 1
    assert [i["number"] for i in moved.earlier_invoices] == [first_invoice]
    assert moved.invoice_number is None

    told = await outbox_to(user.id)
    news = [m for m in told if m.dedupe_key.startswith(f"{booking.id}:changed:")]
    assert len(news) == 1
    assert "Session moved" in news[0].text
    attachments = [m.attachment for m in told if m.attachment]
    assert f"invoice:{booking.id}" in attachments
    assert CalendarFileRef.parse(attachments[-1]).sequence == 1
    owner_news = [m.text for m in await outbox_to(9001) if "Booking moved" in m.text]
    assert owner_news == [
        f"🔁 <b>Booking moved</b> · <code>{booking.code}</code>\n"
        "Bass Cave Studio: moved from Thu 26 Nov 2026, 14:00–15:00 to <b>Thu 26 Nov 2026, 18:00–19:00</b>\n"
        f'Musician: <a href="tg://user?id={user.id}">Asha</a> (@asha_drums)\nPrice now: ₹800'
    ]

    # The invoice is issued again: a new number, the new time, the whole price paid.
    _, pdf, _ = await world.payments.invoice_document(moved)
    text, _ = pdf_text(pdf)
    again = await world.payments.bookings.booking(booking.id)
    assert again.invoice_number
    assert again.invoice_number != first_invoice
    assert "18:00" in text
    assert "800.00" in text

    # Razorpay delivers the event again: nothing changes twice.
    before = await world.payments.bookings.booking(booking.id)
    status, answer = await world.post_event(world.api.paid_event(waiting.change.link_id or "", payment_id))
    assert answer["outcome"] in ("duplicate", "already settled")
    assert (await world.payments.bookings.booking(booking.id)).payments == before.payments


async def test_an_extra_hour_is_paid_end_to_end_and_the_session_ends_later(
    world: PaymentWorld, room: Room, user: User, clock: ManualClock
) -> None:
    booking = await paid(world, room, user, 14)
    clock.set(at(14, room) + timedelta(minutes=1))
    ticked = await booking_clock(world.payments.bookings, clock, world.payments).tick()
    assert ticked["started"] == 1
    outcome = await changes(world).request_extension(booking.id, user.id)
    await world.payments.ensure_change_link(outcome.booking, room, user)
    waiting = await world.payments.bookings.booking(booking.id)

    _, said, _ = await pay_change(world, waiting)
    assert said == "move or extra hour applied"
    extended = await world.payments.bookings.booking(booking.id)
    assert extended.status is BookingStatus.ONGOING
    assert (extended.ends_at, extended.amount_paise) == (at(16, room), 120_000)
    assert [p.purpose for p in extended.payments] == [PaymentPurpose.BOOKING, PaymentPurpose.EXTENSION]
    assert any("➕ <b>Hour added</b>" in m.text for m in await outbox_to(user.id))
    assert any("now ends at <b>16:00</b> (was 15:00)" in m.text for m in await outbox_to(9001))

    jobs = booking_clock(world.payments.bookings, clock, world.payments)
    clock.set(at(15, room) + timedelta(minutes=1))
    assert (await jobs.tick())["completed"] == 0
    clock.set(at(16, room))
    assert (await jobs.tick())["completed"] == 1


async def test_money_for_a_lapsed_move_is_refunded_in_full_and_the_session_stays(
    world: PaymentWorld, room: Room, user: User, clock: ManualClock
) -> None:
    booking = await paid(world, room, user, 14)
    outcome = await changes(world).request_move(booking.id, user.id, THU, keys(room, THU, 18))
    await world.payments.ensure_change_link(outcome.booking, room, user)
    waiting = await world.payments.bookings.booking(booking.id)
    assert waiting.change is not None
    link_id = waiting.change.link_id or ""

    clock.advance(minutes=16)
    jobs = booking_clock(world.payments.bookings, clock, world.payments)
    assert (await jobs.tick())["changes lapsed"] == 1
    assert world.api.links[link_id]["status"] == "cancelled"
    assert any("was not paid in time" in m.text for m in await outbox_to(user.id))
    assert {c.start for c in await SlotClaim.find_all().to_list()} == {at(14, room)}

    # Paid anyway (it raced the cancel): refunded in full, the session where it was.
    payment_id = world.api.pay_link(link_id)
    _, answer = await world.post_event(world.api.paid_event(link_id, payment_id))
    assert answer["outcome"] == "refunded: move or extra hour not to be had"
    await world.payments.drain()
    after = await world.payments.bookings.booking(booking.id)
    assert after.starts_at == at(14, room)
    (refund,) = after.refunds.values()
    assert (refund.reason, refund.amount_paise, refund.payment_id) == (CHANGE_REFUSED, 20_000, payment_id)
    assert refund.status in (RefundStatus.PENDING, RefundStatus.PROCESSED)
    assert world.api.refunded_total(payment_id) == 20_000


async def test_a_payment_that_is_not_the_difference_is_refunded_and_the_move_still_waits(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking = await paid(world, room, user, 14)
    outcome = await changes(world).request_move(booking.id, user.id, THU, keys(room, THU, 18))
    await world.payments.ensure_change_link(outcome.booking, room, user)
    waiting = await world.payments.bookings.booking(booking.id)
    _, said, payment_id = await pay_change(world, waiting, amount=10_000)
    assert said == "refunded: move or extra hour not to be had"
    await world.payments.drain()
    after = await world.payments.bookings.booking(booking.id)
    assert after.starts_at == at(14, room)
    assert world.api.refunded_total(payment_id) == 10_000


async def test_a_cheaper_move_refunds_the_difference_without_a_credit_note(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking = await invoiced(world, await paid(world, room, user, 18))  # ₹800
    outcome = await changes(world).request_move(booking.id, user.id, THU, keys(room, THU, 14))  # ₹600
    assert outcome.applied
    assert outcome.refund_paise == 20_000
    await world.payments.announce_change(outcome.before, outcome.booking, room, outcome.refund_paise)
    await world.payments.refund_due(outcome.booking)
    after = await world.payments.bookings.booking(booking.id)
    (refund,) = after.refunds.values()
    assert (refund.reason, refund.status) == (MOVE_REFUND_REASON, RefundStatus.PROCESSED)
    assert world.api.refunded_total(booking.payment_id or "") == 20_000
    assert after.credit_note_number is None
    assert not [m for m in await outbox_to(user.id) if (m.attachment or "").startswith("credit_note:")]
    text, _ = pdf_text((await world.payments.invoice_document(after))[1])
    assert "600.00" in text


async def requested_move(world: PaymentWorld, room: Room, user: User) -> tuple[Booking, Booking, str]:
    """A paid 14:00 booking with a move to 18:00 (₹200 more) waiting for its link's money."""
    booking = await paid(world, room, user, 14)
    outcome = await changes(world).request_move(booking.id, user.id, THU, keys(room, THU, 18))
    await world.payments.ensure_change_link(outcome.booking, room, user)
    waiting = await world.payments.bookings.booking(booking.id)
    assert waiting.change is not None
    assert waiting.change.link_id
    return booking, waiting, waiting.change.link_id


def link_fetches(world: PaymentWorld, link_id: str) -> int:
    return sum(1 for method, path, _, _ in world.api.requests if method == "GET" and path.endswith(link_id))


async def test_a_move_paid_without_a_webhook_is_applied_in_its_last_minute(
    world: PaymentWorld, room: Room, user: User, clock: ManualClock
) -> None:
    booking, waiting, link_id = await requested_move(world, room, user)
    payment_id = world.api.pay_link(link_id)  # paid in time; Razorpay's webhook does not come
    jobs = booking_clock(world.payments.bookings, clock, world.payments)
    await jobs.tick()
    assert link_fetches(world, link_id) == 0  # not asked about before its last minute
    assert (await world.payments.bookings.booking(booking.id)).change is not None

    assert waiting.change is not None
    clock.set((from_ms(waiting.change.lapses_ms) or clock.now()) - timedelta(seconds=30))
    assert (await jobs.tick())["changes lapsed"] == 0
    moved = await world.payments.bookings.booking(booking.id)
    assert moved.change is None
    assert moved.starts_at == at(18, room)
    assert [(p.payment_id, p.purpose) for p in moved.payments][-1] == (payment_id, PaymentPurpose.MOVE)
    told = [m.text for m in await outbox_to(user.id)]
    assert any("Session moved" in text for text in told)
    assert not any("was not paid in time" in text for text in told)
    clock.advance(minutes=1)
    assert (await jobs.tick())["changes lapsed"] == 0  # nothing left to let go or ask about
    assert link_fetches(world, link_id) == 1


async def test_a_move_paid_without_a_webhook_and_found_after_it_lapsed_is_refunded_in_full(
    world: PaymentWorld, room: Room, user: User, clock: ManualClock
) -> None:
    """No tick ran in the change's last minute (the bot was down): the money is found when
    it lapses and given back, as a late webhook's would be; the session stays."""
    booking, _, link_id = await requested_move(world, room, user)
    payment_id = world.api.pay_link(link_id)
    clock.advance(minutes=16)
    jobs = booking_clock(world.payments.bookings, clock, world.payments)
    assert (await jobs.tick())["changes lapsed"] == 1
    await world.payments.drain()
    after = await world.payments.bookings.booking(booking.id)
    assert after.starts_at == at(14, room)
    (refund,) = after.refunds.values()
    assert (refund.reason, refund.amount_paise, refund.payment_id) == (CHANGE_REFUSED, 20_000, payment_id)
    assert world.api.refunded_total(payment_id) == 20_000


async def test_with_the_gateway_down_an_unpaid_move_still_lapses(
    world: PaymentWorld, room: Room, user: User, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    booking, _, link_id = await requested_move(world, room, user)
    world.api.fail_next(link_id, status=500, times=5)  # asking about the link fails
    clock.advance(minutes=16)
    jobs = booking_clock(world.payments.bookings, clock, world.payments)
    assert (await jobs.tick())["changes lapsed"] == 1
    after = await world.payments.bookings.booking(booking.id)
    assert after.change is None
    assert after.starts_at == at(14, room)
    assert any("was not paid in time" in m.text for m in await outbox_to(user.id))
    assert f"could not reconcile {booking.code}-M1" in caplog.text  # the change's reference
