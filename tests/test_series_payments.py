"""A weekly series' money through the real SDK against the fake Razorpay and our webhook:
one link and one payment for every week, one confirmation and one invoice listing every
date; each week cancelled on its own and refunded by the policy for its own date; a late
payment whose weeks went meanwhile refunds their shares; the wrong amount refunds all;
a lapsed hold is told once."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from pypdf import PdfReader

from bot.app import booking_clock
from bot.owner_reports import CSV_COLUMNS, bookings_csv
from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from domain.ledger import PaymentPurpose
from domain.refund_status import RefundStatus
from domain.words import owner_screens
from payments import webhook_bodies
from storage.earnings import bookings_between, earnings_by_room
from storage.holds import HoldClaim
from storage.models import Booking, Room, SlotClaim, User
from storage.series import series_weeks
from storage.users import users_by_ids
from tests.conftest import make_user
from tests.payment_support import TOMORROW, PaymentWorld, keys, outbox_to

WEEKS = 4


async def held_series(
    world: PaymentWorld, room: Room, user: User, *hours: int, weeks: int = WEEKS
) -> list[Booking]:
    """A weekly series of Thursdays from TOMORROW, held, with its one payment link."""
    held = await world.payments.bookings.create_series(
        user.id, room.id, TOMORROW, keys(room, TOMORROW, *hours), weeks
    )
    await world.payments.ensure_payment_link(held[0], room, user)
    return await series_weeks(code_of(held))


def code_of(weeks: list[Booking]) -> str:
    assert weeks[0].series is not None
    return weeks[0].series.code


async def pay(world: PaymentWorld, weeks: list[Booking], amount: int | None = None) -> tuple[str, dict]:
    link_id = weeks[0].payment["link_id"]
    payment_id = world.api.pay_link(link_id, amount)
    return payment_id, world.api.paid_event(link_id, payment_id, amount)


async def paid_series(world: PaymentWorld, room: Room, user: User, *hours: int) -> tuple[list[Booking], str]:
    weeks = await held_series(world, room, user, *hours)
    payment_id, body = await pay(world, weeks)
    assert (await world.post_event(body))[1]["outcome"] == "confirmed"
    return await series_weeks(code_of(weeks)), payment_id


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def texts_to(chat_id: int) -> list[str]:
    return [m.text for m in await outbox_to(chat_id)]


async def test_one_link_pays_every_week_and_is_told_once_with_one_invoice(
    world: PaymentWorld, room: Room, user: User
) -> None:
    weeks = await held_series(world, room, user, 12, 13)
    code = code_of(weeks)
    (link,) = world.api.links_with_reference(code)
    assert link["amount"] == WEEKS * 120000
    assert {w.payment["link_id"] for w in weeks} == {link["id"]}

    payment_id, body = await pay(world, weeks)
    assert (await world.post_event(body))[1]["outcome"] == "confirmed"
    settled = await series_weeks(code)
    assert {w.status for w in settled} == {BookingStatus.NOT_STARTED}
    for week in settled:
        (entry,) = week.payments
        assert (entry.payment_id, entry.share_paise, entry.paid_paise, entry.purpose) == (
            payment_id,
            120000,
            WEEKS * 120000,
            PaymentPurpose.SERIES,
        )
    to_musician = await outbox_to(user.id)
    assert [m.dedupe_key for m in to_musician] == [
        f"{weeks[0].id}:confirmed",
        f"{weeks[0].id}:invoice",
        f"{code}:calendar",  # one file of every week (tests/test_calendar_delivery.py)
    ]
    told = to_musician[0].text
    assert "Weekly booking confirmed" in told
    assert code in told
    assert all(w.code in told for w in settled)
    owners = await texts_to(9001)
    assert len(owners) == 1
    assert "New weekly booking" in owners[0]

    _, pdf, caption = await world.payments.render_attachment(to_musician[1].attachment or "")
    text = pdf_text(pdf)
    assert code in text
    for day in ("26 Nov 2026", "03 Dec 2026", "10 Dec 2026", "17 Dec 2026"):
        assert day in text
    assert "₹4,800.00" in text
    assert code in caption
    again = await world.payments.render_attachment(f"invoice:{settled[2].id}")
    assert again[2] == caption  # any week's invoice is the series'

    before = await outbox_to(user.id)
    assert (await world.post_event(body))[1]["outcome"] == "already settled"
    assert len(await outbox_to(user.id)) == len(before)


async def test_each_week_is_cancelled_on_its_own_and_refunded_by_its_own_date(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    weeks, payment_id = await paid_series(world, room, user, 12, 13)
    clock.set(weeks[0].starts_at - timedelta(hours=8))  # the first week: 50%; the others: in full
    first = await world.payments.bookings.cancel_by_musician(weeks[0].id, user.id)
    assert (first.refund.percent, first.refund.amount_paise) == (50, 60000)
    third = await world.payments.bookings.cancel_by_musician(weeks[2].id, user.id)
    assert (third.refund.percent, third.refund.amount_paise) == (100, 120000)
    world.api.refund_status = "pending"
    assert await world.payments.refund_due(first.booking) == "pending"
    assert await world.payments.refund_due(third.booking) == "pending"
    assert world.api.refunded_total(payment_id) == 180000
    assert [(r["amount"], r["notes"]["booking_id"]) for r in world.api.refunds] == [
        (60000, str(weeks[0].id)),
        (120000, str(weeks[2].id)),
    ]
    for refund in world.api.refunds:
        assert (await world.post_event(webhook_bodies.refund_event("refund.processed", refund)))[1][
            "outcome"
        ] == "refund processed"
    after = await series_weeks(code_of(weeks))
    assert [w.status for w in after] == [
        BookingStatus.CANCELLED,
        BookingStatus.NOT_STARTED,
        BookingStatus.CANCELLED,
        BookingStatus.NOT_STARTED,
    ]
    assert [w.refunded_paise for w in after] == [60000, 0, 120000, 0]
    assert [len(w.refunds) for w in after] == [1, 0, 1, 0]
    assert await SlotClaim.count() == 4  # the two weeks still booked, two slots each
    earned = (await earnings_by_room([room], TOMORROW, TOMORROW + timedelta(weeks=3)))[str(room.id)]
    assert (earned.paid_paise, earned.refunded_paise, earned.bookings) == (480000, 180000, 4)
    invoice = pdf_text((await world.payments.invoice_document(after[1]))[1])
    assert "-₹600.00" in invoice
    assert "-₹1,200.00" in invoice


async def test_the_room_cancelling_one_week_refunds_that_week_in_full(
    world: PaymentWorld, room: Room, user: User
) -> None:
    weeks, payment_id = await paid_series(world, room, user, 18)  # peak: ₹800 a week
    ended = await world.payments.bookings.terminate_by_owner(weeks[1], owner_id=9001, reason="flooded")
    assert await world.payments.refund_due(ended) == "processed"
    assert world.api.refunded_total(payment_id) == 80000
    assert [w.status for w in await series_weeks(code_of(weeks))].count(BookingStatus.NOT_STARTED) == 3


async def test_a_late_payment_books_the_weeks_still_free_and_refunds_the_others(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    weeks = await held_series(world, room, user, 12)
    clock.set(weeks[0].hold_expires_at)
    assert await booking_clock(world.payments.bookings, clock, None).expire_holds() == WEEKS
    rival = await make_user(2002)
    second = TOMORROW + timedelta(weeks=1)
    await world.payments.bookings.create_booking(rival.id, room.id, second, keys(room, second, 12))
    payment_id, body = await pay(world, weeks)  # the link was still open at Razorpay
    assert (await world.post_event(body))[1]["outcome"] == "confirmed in part: refunded the rest"
    await world.payments.drain()
    after = await series_weeks(code_of(weeks))
    assert [w.status for w in after] == [
        BookingStatus.NOT_STARTED,
        BookingStatus.EXPIRED,
        BookingStatus.NOT_STARTED,
        BookingStatus.NOT_STARTED,
    ]
    assert world.api.refunded_total(payment_id) == 60000
    assert after[1].refund["reason"] == "slots_taken"
    told = [t for t in await texts_to(user.id) if "Weekly booking confirmed" in t]
    assert len(told) == 1
    assert "booked by someone else after your hold ran out" in told[0]
    assert (await world.post_event(body))[1]["outcome"] == "already settled"
    assert world.api.refunded_total(payment_id) == 60000


async def test_the_wrong_amount_for_a_series_is_refunded_in_full_and_nothing_is_booked(
    world: PaymentWorld, room: Room, user: User
) -> None:
    weeks = await held_series(world, room, user, 12)
    payment_id, body = await pay(world, weeks, amount=60000)  # one week's price for four
    assert (await world.post_event(body))[1]["outcome"] == "refunded: wrong amount"
    await world.payments.drain()
    after = await series_weeks(code_of(weeks))
    assert {w.status for w in after} == {BookingStatus.CANCELLED}
    assert world.api.refunded_total(payment_id) == 60000
    assert await SlotClaim.count() == 0
    assert await HoldClaim.count() == 0
    assert [t for t in await texts_to(user.id) if "could not confirm it" in t] != []
    assert (await world.post_event(body))[1]["outcome"] == "already settled"
    assert world.api.refunded_total(payment_id) == 60000


async def test_a_lapsed_series_hold_is_told_once_and_its_link_cancelled(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    weeks = await held_series(world, room, user, 12, 13)
    clock.set(weeks[0].hold_expires_at)
    jobs = booking_clock(world.payments.bookings, clock, world.payments)
    # The first week expires and cancels the link; asked about the next week's link, the
    # gateway says cancelled, which ends every week's hold at once.
    assert await jobs.expire_holds() >= 1
    assert {w.status for w in await series_weeks(code_of(weeks))} == {BookingStatus.EXPIRED}
    assert await SlotClaim.count() == 0
    assert await HoldClaim.count() == 0
    assert world.api.links[weeks[0].payment["link_id"]]["status"] == "cancelled"
    told = await outbox_to(user.id)
    assert [m.dedupe_key for m in told] == [f"{code_of(weeks)}:expired"]
    assert "weekly booking" in (told[0].text or "")
    body = webhook_bodies.payment_link_closed(
        world.api.links[weeks[0].payment["link_id"]], "payment_link.cancelled"
    )
    assert (await world.post_event(body))[1]["outcome"] == "nothing to expire"


async def test_a_lost_webhook_is_settled_by_reconciling_the_series_link(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    weeks = await held_series(world, room, user, 12)
    world.api.pay_link(weeks[0].payment["link_id"])  # Razorpay has the money; the webhook is lost
    clock.advance(minutes=4)
    assert await booking_clock(world.payments.bookings, clock, world.payments).reconcile_payments() >= 1
    assert {w.status for w in await series_weeks(code_of(weeks))} == {BookingStatus.NOT_STARTED}
    assert len([t for t in await texts_to(user.id) if "Weekly booking confirmed" in t]) == 1


async def test_a_dashboard_refund_of_a_series_payment_is_left_to_a_person(
    world: PaymentWorld, room: Room, user: User
) -> None:
    weeks, payment_id = await paid_series(world, room, user, 12)
    refund = {"id": "rfnd_dash", "amount": 60000, "payment_id": payment_id}
    answer = await world.post_event(webhook_bodies.refund_event("refund.processed", refund))
    assert answer[1]["outcome"] == "unknown refund"  # which week's? a person must say
    assert all(not w.refunds for w in await series_weeks(code_of(weeks)))


async def test_the_owner_sees_each_week_marked_on_the_schedule_and_in_the_csv(
    world: PaymentWorld, room: Room, user: User
) -> None:
    weeks, _ = await paid_series(world, room, user, 12)
    musicians = await users_by_ids([user.id])
    line = owner_screens.schedule_line(weeks[1], room, musicians.get(user.id))
    assert "🔁 2/4" in line
    details = owner_screens.booking_details(weeks[1], room, musicians.get(user.id))
    assert f"Week 2 of 4 of the weekly booking <code>{code_of(weeks)}</code>" in details
    found = await bookings_between(room, TOMORROW, TOMORROW + timedelta(weeks=3))
    rows = list(csv.reader(io.StringIO(bookings_csv(room, found, {user.id: user}).decode("utf-8-sig"))))
    table = [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows[1:]]
    assert [r["series"] for r in table] == [f"{code_of(weeks)} {n}/4" for n in range(1, 5)]
    assert {r["status"] for r in table} == {"NOT_STARTED"}


async def test_a_refused_week_keeps_its_refund_owed_until_the_gateway_takes_it(
    world: PaymentWorld, clock: ManualClock, room: Room, user: User
) -> None:
    weeks = await held_series(world, room, user, 12)
    clock.set(weeks[0].hold_expires_at)
    await booking_clock(world.payments.bookings, clock, None).expire_holds()
    rival = await make_user(2002)
    await world.payments.bookings.create_booking(rival.id, room.id, TOMORROW, keys(room, TOMORROW, 12))
    world.api.fail_next("/refund", status=500)
    payment_id, body = await pay(world, weeks)
    assert (await world.post_event(body))[1]["outcome"] == "confirmed in part: refunded the rest"
    await world.payments.drain()
    owed = await world.payments.bookings.booking(weeks[0].id)
    assert owed.refund["status"] == "due"
    assert owed.refund_due_ms is not None
    assert await world.payments.retry_due_refunds() == 1
    assert world.api.refunded_total(payment_id) == 60000
    assert (await world.payments.bookings.booking(weeks[0].id)).refund_due_ms is None
    assert owed.refunds[next(iter(owed.refunds))].status is RefundStatus.DUE
