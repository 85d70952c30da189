"""Owners' payouts through Razorpay Route, with the real SDK against the fake Razorpay and
our signed webhook: a paid booking on a room with a linked account makes exactly one
transfer of the owner's share, a refund exactly one reversal of the owner's part, under
replayed and out-of-order webhooks, lost answers and a process that died mid-way; a
room without an account makes none."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import razorpay

from bot.app import booking_clock
from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from domain.payouts import PayoutStatus, ReversalStatus
from domain.refund_status import RefundStatus
from payments import webhook_bodies
from payments.gateway import GatewayRefusedError
from payments.payouts import PAYOUT_LEASE_MS, transfer_notes
from payments.razorpay_gateway import RazorpayGateway
from storage.booking_service import BookingService
from storage.models import Booking, Room, User
from storage.moves import SessionChanges
from storage.payouts import claim_transfer, set_payout_account
from storage.series import series_weeks
from storage.times import to_ms
from tests.conftest import make_user
from tests.fakes.razorpay_api import FakeRazorpayAPI
from tests.payment_support import TOMORROW, PaymentWorld, held_booking, keys, open_world, outbox_to

ACCOUNT = "acc_Owner0000000001"
COMMISSION_BP = 1000  # 10%


@pytest.fixture
async def world(
    db: object, clock: ManualClock, service: BookingService, razorpay_api: FakeRazorpayAPI
) -> AsyncIterator[PaymentWorld]:
    razorpay_api.accounts.add(ACCOUNT)
    async with open_world(razorpay_api, clock, service, commission_bp=COMMISSION_BP) as opened:
        yield opened


@pytest.fixture
async def linked(room: Room) -> Room:
    return await set_payout_account(room, ACCOUNT)


async def paid(world: PaymentWorld, room: Room, user: User, *hours: int) -> tuple[Booking, str, dict]:
    """A booking paid through its link, Razorpay's paid event posted once and the payouts done."""
    booking = await held_booking(world, room, user, *hours)
    payment_id = world.api.pay_link(booking.payment["link_id"])
    body = world.api.paid_event(booking.payment["link_id"], payment_id)
    assert (await world.post_event(body))[1]["outcome"] == "confirmed"
    await world.payments.drain()
    return await world.payments.bookings.booking(booking.id), payment_id, body


def transfer_requests(world: PaymentWorld) -> list[dict]:
    return [
        body
        for method, path, body, _ in world.api.requests
        if method == "POST" and path.endswith("/transfers")
    ]


async def test_a_paid_booking_transfers_the_owner_share_once_with_the_fee_recorded(
    world: PaymentWorld, linked: Room, user: User
) -> None:
    booking, payment_id, body = await paid(world, linked, user, 12, 13)
    (transfer,) = world.api.transfers_of(payment_id)
    assert transfer["recipient"] == ACCOUNT
    assert transfer["amount"] == booking.amount_paise * 9 // 10
    assert transfer["notes"]["booking_id"] == str(booking.id)
    payout = booking.payouts[payment_id]
    assert payout.status is PayoutStatus.TRANSFERRED
    assert payout.transfer_id == transfer["id"]
    assert (payout.commission_paise, payout.transfer_paise) == (
        booking.amount_paise // 10,
        transfer["amount"],
    )
    assert payout.transferred_ms == to_ms(world.payments.clock.now())
    fee, tax = world.api.charges(booking.amount_paise)
    assert (payout.fee_paise, payout.tax_paise) == (fee, tax)

    # payment_link.paid again, as a new delivery and as a replay of the same event
    assert (await world.post_event(body))[1]["outcome"] == "already settled"
    await world.payments.drain()
    assert await world.payments.retry_due_payouts() == 0
    assert len(world.api.transfers_of(payment_id)) == 1
    assert len(transfer_requests(world)) == 1


async def test_a_room_without_a_linked_account_makes_no_transfer(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking, payment_id, _ = await paid(world, room, user, 12)
    assert booking.status is BookingStatus.NOT_STARTED
    assert booking.payouts[payment_id].status is PayoutStatus.OFF
    assert booking.payouts[payment_id].fee_paise == world.api.charges(booking.amount_paise)[0]
    assert world.api.transfers == []
    assert transfer_requests(world) == []
    assert booking.payout_due_ms is None


async def test_a_lost_transfer_answer_is_found_by_its_notes_not_made_again(
    world: PaymentWorld, linked: Room, user: User, clock: ManualClock
) -> None:
    world.api.answer_late_next("/transfers", delay=3.0, method="POST")  # the transfer happens; we time out
    booking, payment_id, _ = await paid(world, linked, user, 12)
    assert booking.payouts[payment_id].status is PayoutStatus.DUE
    assert booking.payout_due_ms is not None
    assert len(world.api.transfers_of(payment_id)) == 1
    clock.advance(seconds=15)
    assert await world.payments.retry_due_payouts() == 1
    after = await world.payments.bookings.booking(booking.id)
    assert after.payouts[payment_id].status is PayoutStatus.TRANSFERRED
    assert after.payouts[payment_id].transfer_id == world.api.transfers[0]["id"]
    assert after.payout_due_ms is None
    assert len(world.api.transfers_of(payment_id)) == 1


async def test_a_process_that_died_after_transferring_is_not_paid_twice(
    world: PaymentWorld, linked: Room, user: User, clock: ManualClock
) -> None:
    world.api.fail_next("/transfers", status=500)  # the webhook's try fails: the transfer stays due
    booking, payment_id, _ = await paid(world, linked, user, 12)
    assert booking.payouts[payment_id].status is PayoutStatus.DUE
    # Another process claims it, Razorpay makes its transfer, and the process dies before
    # recording it.
    claimed = await claim_transfer(booking.id, payment_id, to_ms(clock.now()) or 0, PAYOUT_LEASE_MS)
    assert claimed is not None
    await world.payments.gateway.transfer(  # type: ignore[attr-defined]
        payment_id,
        ACCOUNT,
        claimed.payouts[payment_id].transfer_paise,
        transfer_notes(claimed, payment_id),
    )
    assert await world.payments.retry_due_payouts() == 0  # its lease still holds
    assert (await world.payments.bookings.booking(booking.id)).payouts[
        payment_id
    ].status is PayoutStatus.REQUESTING
    clock.advance(milliseconds=PAYOUT_LEASE_MS + 1)
    assert await world.payments.retry_due_payouts() == 1
    after = await world.payments.bookings.booking(booking.id)
    assert after.payouts[payment_id].status is PayoutStatus.TRANSFERRED
    assert after.payouts[payment_id].transfer_id == world.api.transfers[0]["id"]
    assert len(world.api.transfers_of(payment_id)) == 1
    assert len(transfer_requests(world)) == 1


async def test_a_gateway_failure_leaves_the_transfer_due_for_the_job(
    world: PaymentWorld, linked: Room, user: User, clock: ManualClock
) -> None:
    world.api.fail_next("/transfers", status=500, times=2)  # the lookup, then the job's lookup
    booking, payment_id, _ = await paid(world, linked, user, 12)
    assert booking.payouts[payment_id].status is PayoutStatus.DUE
    assert booking.payouts[payment_id].attempts == 1
    assert world.api.transfers == []
    assert await world.payments.retry_due_payouts() == 0
    assert await world.payments.retry_due_payouts() == 1
    assert len(world.api.transfers_of(payment_id)) == 1


async def test_an_account_razorpay_does_not_know_is_refused_and_the_owner_told(
    world: PaymentWorld, room: Room, user: User
) -> None:
    unknown = await set_payout_account(room, "acc_Unknown0000000")
    booking, payment_id, _ = await paid(world, unknown, user, 12)
    payout = booking.payouts[payment_id]
    assert payout.status is PayoutStatus.FAILED
    assert payout.last_error
    assert world.api.transfers == []
    assert booking.payout_due_ms is None or await world.payments.retry_due_payouts() == 1
    told = [m.text for m in await outbox_to(9001) if "Payout not made" in m.text]
    assert len(told) == 1
    assert booking.code in told[0]
    assert len(transfer_requests(world)) == 1


async def test_a_refund_reverses_the_owner_part_once_in_proportion(
    world: PaymentWorld, linked: Room, user: User, clock: ManualClock
) -> None:
    booking, payment_id, _ = await paid(world, linked, user, 12, 13)
    clock.set(booking.starts_at - timedelta(hours=8))  # 50% back by the policy
    outcome = await world.payments.bookings.cancel_by_musician(booking.id, user.id)
    assert await world.payments.refund_due(outcome.booking) == RefundStatus.PROCESSED
    (transfer,) = world.api.transfers_of(payment_id)
    (reversal,) = world.api.reversals_of(transfer["id"])
    assert reversal["amount"] == transfer["amount"] // 2
    assert reversal["notes"]["refund_key"] == f"refund-{booking.id}"
    after = await world.payments.bookings.booking(booking.id)
    (entry,) = after.payouts[payment_id].reversals.values()
    assert (entry.status, entry.reversal_id, entry.amount_paise) == (
        ReversalStatus.DONE,
        reversal["id"],
        reversal["amount"],
    )
    assert after.payouts[payment_id].settled_paise == transfer["amount"] - reversal["amount"]

    # Razorpay's refund.processed, twice, and the job: nothing more is reversed
    refund = world.api.refunds[-1]
    for event_id in ("evt_r1", "evt_r1", "evt_r2"):
        await world.post_event(webhook_bodies.refund_event("refund.processed", refund), event_id=event_id)
    await world.payments.drain()
    assert await world.payments.retry_due_payouts() == 0
    assert len(world.api.reversals) == 1


async def test_a_refund_webhook_before_our_own_record_reverses_once(
    world: PaymentWorld, linked: Room, user: User
) -> None:
    booking, payment_id, _ = await paid(world, linked, user, 12)

    async def webhook_first(refund: dict) -> None:
        status, answer = await world.post_event(webhook_bodies.refund_event("refund.processed", refund))
        assert (status, answer["outcome"]) == (200, "refund processed")

    world.api.before_refund_answer = webhook_first
    outcome = await world.payments.bookings.cancel_by_musician(booking.id, user.id)
    assert await world.payments.refund_due(outcome.booking) == RefundStatus.PROCESSED
    await world.payments.drain()
    (transfer,) = world.api.transfers_of(payment_id)
    (reversal,) = world.api.reversals_of(transfer["id"])
    assert reversal["amount"] == transfer["amount"]  # a full refund takes all of it back
    assert transfer["status"] == "reversed"


async def test_a_refund_waits_for_a_transfer_still_due_then_both_happen_in_order(
    world: PaymentWorld, linked: Room, user: User, clock: ManualClock
) -> None:
    world.api.fail_next("/transfers", status=503, times=2)
    booking, payment_id, _ = await paid(world, linked, user, 12)
    outcome = await world.payments.bookings.cancel_by_musician(booking.id, user.id)
    # the refund asks for the transfer first, which fails again: the refund waits
    assert await world.payments.refund_due(outcome.booking) == "retry later"
    assert world.api.refunds == []
    assert await world.payments.retry_due_payouts() == 1
    assert await world.payments.retry_due_refunds() == 1
    (transfer,) = world.api.transfers_of(payment_id)
    assert [r["amount"] for r in world.api.reversals_of(transfer["id"])] == [transfer["amount"]]
    paths = [path for method, path, _, _ in world.api.requests if method == "POST"]
    assert paths.index(f"/v1/payments/{payment_id}/transfers") < paths.index(
        f"/v1/payments/{payment_id}/refund"
    )


async def test_money_refused_on_arrival_is_not_transferred(
    world: PaymentWorld, linked: Room, user: User
) -> None:
    booking = await held_booking(world, linked, user, 12)
    payment_id = world.api.pay_link(booking.payment["link_id"], booking.amount_paise - 100)  # wrong amount
    await world.post_event(
        world.api.paid_event(booking.payment["link_id"], payment_id, booking.amount_paise - 100)
    )
    await world.payments.drain()
    after = await world.payments.bookings.booking(booking.id)
    assert after.payouts[payment_id].status is PayoutStatus.SKIPPED
    assert world.api.transfers == []
    assert world.api.refunded_total(payment_id) == booking.amount_paise - 100


async def test_a_weekly_series_pays_each_week_out_once_and_a_cancelled_week_reverses_only_its_own(
    world: PaymentWorld, linked: Room, user: User, clock: ManualClock
) -> None:
    held = await world.payments.bookings.create_series(
        user.id, linked.id, TOMORROW, keys(linked, TOMORROW, 12, 13), 4
    )
    await world.payments.ensure_payment_link(held[0], linked, user)
    weeks = await series_weeks(held[0].series.code)  # type: ignore[union-attr]
    link_id = weeks[0].payment["link_id"]
    payment_id = world.api.pay_link(link_id)
    body = world.api.paid_event(link_id, payment_id)
    for _ in range(2):  # payment_link.paid, then again
        await world.post_event(body)
        await world.payments.drain()
    transfers = world.api.transfers_of(payment_id)
    assert sorted(t["notes"]["booking_id"] for t in transfers) == sorted(str(w.id) for w in weeks)
    assert {t["amount"] for t in transfers} == {120000 * 9 // 10}
    assert sum(t["amount"] for t in transfers) <= 4 * 120000

    clock.set(weeks[0].starts_at - timedelta(hours=8))  # week 3 is weeks ahead: back in full
    third = await world.payments.bookings.cancel_by_musician(weeks[2].id, user.id)
    assert await world.payments.refund_due(third.booking) == RefundStatus.PROCESSED
    (reversal,) = world.api.reversals
    third_transfer = next(t for t in transfers if t["notes"]["booking_id"] == str(weeks[2].id))
    assert (reversal["transfer_id"], reversal["amount"]) == (third_transfer["id"], third_transfer["amount"])
    assert await world.payments.retry_due_payouts() == 0
    assert len(world.api.transfers_of(payment_id)) == 4


# ---- the fake refuses what Razorpay refuses --------------------------------------------


async def test_route_refuses_what_razorpay_refuses(world: PaymentWorld, linked: Room, user: User) -> None:
    gateway = world.payments.gateway
    assert isinstance(gateway, RazorpayGateway)
    booking = await held_booking(world, linked, user, 12)
    payment_id = world.api.pay_link(booking.payment["link_id"])
    notes = {"booking_id": "x"}
    with pytest.raises(GatewayRefusedError, match="greater than the captured"):
        await gateway.transfer(payment_id, ACCOUNT, booking.amount_paise + 1, notes)
    with pytest.raises(GatewayRefusedError, match="does not exist"):
        await gateway.transfer(payment_id, "acc_Unknown0000000", 10000, notes)
    sdk = razorpay.Client(auth=(world.api.key_id, world.api.key_secret), base_url=world.api.base_url)
    usd = {"transfers": [{"account": ACCOUNT, "amount": 10000, "currency": "USD"}]}
    with pytest.raises(razorpay.errors.BadRequestError, match="Currency"):
        await asyncio.to_thread(sdk.payment.transfer, payment_id, usd)
    made = await gateway.transfer(payment_id, ACCOUNT, 30000, notes)
    with pytest.raises(GatewayRefusedError, match="greater than the captured"):
        await gateway.transfer(payment_id, ACCOUNT, booking.amount_paise - 30000 + 1, notes)
    await gateway.reverse(made.id, 20000, notes)
    with pytest.raises(GatewayRefusedError, match="unreversed"):
        await gateway.reverse(made.id, 10001, notes)
    await gateway.refund(payment_id, 100, "refund-key-0001")
    with pytest.raises(GatewayRefusedError, match="refunded payment"):
        await gateway.transfer(payment_id, ACCOUNT, 100, notes)
    assert [t.id for t in await gateway.transfers_of(payment_id)] == [made.id]
    assert [r.amount_paise for r in await gateway.reversals_of(made.id)] == [20000]
    charges = await gateway.payment_charges(payment_id)
    assert (charges.fee_paise, charges.tax_paise) == world.api.charges(booking.amount_paise)


async def test_a_lost_reversal_answer_is_found_by_its_notes_not_made_again(
    world: PaymentWorld, linked: Room, user: User, clock: ManualClock
) -> None:
    booking, payment_id, _ = await paid(world, linked, user, 12)
    world.api.answer_late_next("/reversals", delay=3.0, method="POST")
    outcome = await world.payments.bookings.cancel_by_musician(booking.id, user.id)
    assert await world.payments.refund_due(outcome.booking) == RefundStatus.PROCESSED
    after = await world.payments.bookings.booking(booking.id)
    (reversal,) = after.payouts[payment_id].reversals.values()
    assert reversal.status is ReversalStatus.DUE
    assert len(world.api.reversals) == 1  # Razorpay made it; we never heard
    clock.advance(seconds=15)
    assert await world.payments.retry_due_payouts() == 1
    after = await world.payments.bookings.booking(booking.id)
    (reversal,) = after.payouts[payment_id].reversals.values()
    assert (reversal.status, reversal.reversal_id) == (ReversalStatus.DONE, world.api.reversals[0]["id"])
    assert len(world.api.reversals) == 1
    assert after.payout_due_ms is None


async def test_a_series_paid_late_transfers_the_weeks_it_books_before_refunding_the_one_that_went(
    world: PaymentWorld, linked: Room, user: User, clock: ManualClock
) -> None:
    held = await world.payments.bookings.create_series(
        user.id, linked.id, TOMORROW, keys(linked, TOMORROW, 12), 4
    )
    await world.payments.ensure_payment_link(held[0], linked, user)
    weeks = await series_weeks(held[0].series.code)  # type: ignore[union-attr]
    clock.set(weeks[0].hold_expires_at)
    assert await booking_clock(world.payments.bookings, clock, None).expire_holds() == 4
    second = TOMORROW + timedelta(weeks=1)
    rival = await make_user(2002)
    await world.payments.bookings.create_booking(rival.id, linked.id, second, keys(linked, second, 12))
    link_id = weeks[0].payment["link_id"]
    payment_id = world.api.pay_link(link_id)  # the link was still open at Razorpay
    body = world.api.paid_event(link_id, payment_id)
    assert (await world.post_event(body))[1]["outcome"] == "confirmed in part: refunded the rest"
    await world.payments.drain()
    # The refund and the transfers run after the answer, side by side: a refund that found a
    # transfer of its payment in flight waited for the clock's retry.
    await world.payments.retry_due_payouts()
    await world.payments.retry_due_refunds()
    assert world.api.refunded_total(payment_id) == 60000
    after = await series_weeks(held[0].series.code)  # type: ignore[union-attr]
    booked = [w for w in after if w.status is BookingStatus.NOT_STARTED]
    transfers = world.api.transfers_of(payment_id)
    assert sorted(t["notes"]["booking_id"] for t in transfers) == sorted(str(w.id) for w in booked)
    assert after[1].payouts[payment_id].status is PayoutStatus.SKIPPED
    paths = [path for method, path, _, _ in world.api.requests if method == "POST"]
    refund_at = paths.index(f"/v1/payments/{payment_id}/refund")
    transfer_posts = [i for i, p in enumerate(paths) if p == f"/v1/payments/{payment_id}/transfers"]
    assert len(transfer_posts) == 3
    assert all(i < refund_at for i in transfer_posts)  # Razorpay refuses transfers after a refund
    assert world.api.reversals == []


async def test_a_dearer_moves_difference_is_transferred_when_its_webhook_comes(
    world: PaymentWorld, linked: Room, user: User
) -> None:
    """The move's own payment gets its own transfer of the owner's share at once, not
    only when the retry job comes round."""
    booking, first_payment, _ = await paid(world, linked, user, 14)  # ₹600
    moving = await SessionChanges(world.payments.bookings).request_move(
        booking.id, user.id, TOMORROW, keys(linked, TOMORROW, 18)
    )  # ₹800
    await world.payments.ensure_change_link(moving.booking, linked, user)
    waiting = await world.payments.bookings.booking(booking.id)
    assert waiting.change is not None
    assert waiting.change.link_id
    move_payment = world.api.pay_link(waiting.change.link_id)
    status, answer = await world.post_event(world.api.paid_event(waiting.change.link_id, move_payment))
    assert (status, answer["outcome"]) == (200, "move or extra hour applied")
    await world.payments.drain()

    (transfer,) = world.api.transfers_of(move_payment)
    assert (transfer["recipient"], transfer["amount"]) == (ACCOUNT, 20_000 * 9 // 10)
    moved = await world.payments.bookings.booking(booking.id)
    assert moved.payouts[move_payment].status is PayoutStatus.TRANSFERRED
    assert len(world.api.transfers_of(first_payment)) == 1  # the booking's own, once
    assert await world.payments.retry_due_payouts() == 0
