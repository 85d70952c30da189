"""Owners' payouts through Razorpay Route: the owner's share of each captured payment
(``domain.payouts.owner_share``) transferred to the room's linked account once, and the
owner's part of every refund reversed from that transfer once.

Once, under replays, races and crashes:

- the intent is recorded on the booking before Razorpay is asked (``payouts.<payment id>``,
  DUE, one conditional update), and one process at a time claims it under a lease;
- the transfer carries ``notes: {booking_id, payment_id}``; before making one we list the
  payment's transfers and take the one with our notes, so a process that died between
  Razorpay's answer and our record of it, or a request whose answer was lost, never
  makes a second transfer;
- a reversal is recorded per refund entry (its key) with its amount before it is asked
  for, its notes name the refund, and the transfer's reversals are looked through first
  in the same way.

Razorpay refuses a transfer from a payment once a refund of it has begun, so every refund
first settles the transfers of its payment (``before_refund``): made, refused, or skipped
because a refund of the payment was already under way. A series' weeks share one payment
and each has its own transfer of its own share.

A transfer Razorpay refuses (an account it does not know, say) is FAILED and the room's
owners are told; a gateway that does not answer leaves it DUE for the payout job."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial

from domain.clock import Clock
from domain.payouts import PayoutStatus, ReversalStatus, owner_share, reversal_owed
from domain.refund_status import RefundStatus
from domain.words import owner
from payments.gateway import GatewayError, GatewayRefusedError, RouteGateway, Transfer
from storage.announcements import announce
from storage.background import BackgroundWork
from storage.booking_service import BookingService
from storage.models import Booking, PaymentEntry, PayoutEntry, ReversalEntry, Room, to_ms
from storage.payment_records import bookings_paid_by
from storage.payouts import (
    add_reversal,
    claim_reversal,
    claim_transfer,
    payouts_settled,
    payouts_to_retry,
    record_fees,
    record_payouts,
    reversal_made,
    reversal_not_made,
    transfer_made,
    transfer_not_made,
)

log = logging.getLogger(__name__)

PAYOUT_LEASE_MS = 120_000
"""A transfer or reversal claimed this long ago and not recorded (its process died) may be
claimed again; the notes lookup finds what the first request made."""

REFUND_BEGUN = frozenset(
    {RefundStatus.REQUESTING, RefundStatus.PENDING, RefundStatus.PROCESSED, RefundStatus.FAILED}
)
"""Refund states in which Razorpay may already know of the refund (a transfer is refused
then). A DUE refund waits for the transfer."""


def transfer_notes(booking: Booking, payment_id: str) -> dict[str, str]:
    return {"booking_id": str(booking.id), "payment_id": payment_id, "code": booking.code}


def reversal_notes(booking: Booking, refund_key: str) -> dict[str, str]:
    return {"booking_id": str(booking.id), "refund_key": refund_key}


class Payouts:
    def __init__(
        self, gateway: RouteGateway, clock: Clock, bookings: BookingService, *, commission_bp: int = 0
    ) -> None:
        self.gateway = gateway
        self.clock = clock
        self.bookings = bookings
        self.commission_bp = commission_bp
        self.background = BackgroundWork()

    def _now_ms(self) -> int:
        return to_ms(self.clock.now()) or 0

    # ---- the intent ----------------------------------------------------------------

    def intents(self, booking: Booking, room: Room) -> list[PayoutEntry]:
        """What each payment of the booking not yet in its payouts owes the room's owner."""
        return [
            self._intent(booking, room, payment)
            for payment in booking.payments
            if payment.payment_id not in booking.payouts
        ]

    def _intent(self, booking: Booking, room: Room, payment: PaymentEntry) -> PayoutEntry:
        base = PayoutEntry(
            payment_id=payment.payment_id,
            share_paise=payment.share_paise,
            paid_paise=payment.paid_paise,
            account_id=room.payout_account,
        )
        if room.payout_account is None or payment.currency != "INR":
            return base.model_copy(update={"status": PayoutStatus.OFF})
        refunding = [
            r for r in booking.refunds.values() if r.payment_id == payment.payment_id and r.status is not None
        ]
        if any(r.reason for r in refunding) or any(r.status in REFUND_BEGUN for r in refunding):
            # Refused money goes back whole, and a refund under way rules out a transfer.
            return base.model_copy(update={"status": PayoutStatus.SKIPPED})
        share = owner_share(payment.share_paise, self.commission_bp)
        return base.model_copy(
            update={
                "commission_bp": self.commission_bp,
                "commission_paise": share.commission_paise,
                "transfer_paise": share.transfer_paise,
                "status": PayoutStatus.DUE if share.transfers_anything else PayoutStatus.SKIPPED,
            }
        )

    async def record(self, booking: Booking) -> Booking:
        """The booking as read again with an entry for every payment it records."""
        current = await self.bookings.booking(booking.id)
        if all(p.payment_id in current.payouts for p in current.payments):
            return current
        room = await self.bookings.room(current.room_id)
        recorded = await record_payouts(current, self.intents(current, room), self._now_ms())
        return recorded or await self.bookings.booking(booking.id)

    # ---- transfers -----------------------------------------------------------------

    async def pay_owner(self, booking: Booking, *, read_fees: bool = True) -> None:
        """Record the booking's payouts and make each transfer that is due (and read the
        payments' fees, unless ``read_fees`` is False). Safe to call again at any time:
        from the webhook, a replay, the job, a refund."""
        current = await self.record(booking)
        for payment_id, payout in current.payouts.items():
            if payout.status in (PayoutStatus.DUE, PayoutStatus.REQUESTING):
                await self._transfer(current, payment_id)
        if read_fees:
            await self._fees(await self.bookings.booking(booking.id))
        await payouts_settled(await self.bookings.booking(booking.id))

    async def _transfer(self, booking: Booking, payment_id: str) -> None:
        claimed = await claim_transfer(booking.id, payment_id, self._now_ms(), PAYOUT_LEASE_MS)
        if claimed is None:
            return
        payout = claimed.payouts[payment_id]
        notes = transfer_notes(claimed, payment_id)
        try:
            made = await self._existing_transfer(claimed, payment_id)
            if made is None:
                if self._refund_began(claimed, payment_id):
                    await transfer_not_made(
                        claimed.id,
                        payment_id,
                        "refund_began_first",
                        self._now_ms(),
                        final=PayoutStatus.SKIPPED,
                    )
                    return
                assert payout.account_id is not None
                made = await self.gateway.transfer(
                    payment_id, payout.account_id, payout.transfer_paise, notes
                )
        except GatewayRefusedError as error:
            await transfer_not_made(
                claimed.id, payment_id, str(error), self._now_ms(), final=PayoutStatus.FAILED
            )
            log.warning("transfer of %s for %s refused: %s", payment_id, claimed.code, error)
            await self._tell_failed(claimed, payout.transfer_paise)
            return
        except GatewayError as error:
            await transfer_not_made(claimed.id, payment_id, str(error), self._now_ms(), final=None)
            log.warning("transfer of %s for %s failed, will retry: %s", payment_id, claimed.code, error)
            return
        await transfer_made(claimed.id, payment_id, made.id, self._now_ms())

    async def _existing_transfer(self, booking: Booking, payment_id: str) -> Transfer | None:
        for transfer in await self.gateway.transfers_of(payment_id):
            if (
                transfer.notes.get("booking_id") == str(booking.id)
                and transfer.notes.get("payment_id") == payment_id
            ):
                return transfer
        return None

    def _refund_began(self, booking: Booking, payment_id: str) -> bool:
        return any(r.payment_id == payment_id and r.status in REFUND_BEGUN for r in booking.refunds.values())

    async def _tell_failed(self, booking: Booking, amount_paise: int) -> None:
        room = await self.bookings.room(booking.room_id)
        await announce(
            booking,
            room,
            owners=partial(owner.payout_failed, booking, room, amount_paise),
            key="payout:failed",
            now=self.clock.now(),
        )

    async def _fees(self, booking: Booking) -> None:
        """Read Razorpay's fee and tax on each payment once (quietly: the job tries again)."""
        for payment_id, payout in booking.payouts.items():
            if payout.fee_paise is not None:
                continue
            try:
                charges = await self.gateway.payment_charges(payment_id)
            except GatewayError as error:
                log.info("fee of %s not read yet: %s", payment_id, error)
                continue
            await record_fees(booking.id, payment_id, charges.fee_paise, charges.tax_paise)

    async def before_refund(self, payment_id: str) -> bool:
        """Settle every transfer from ``payment_id`` before a refund of it begins (Razorpay
        refuses transfers after). False while one is still unsettled: the refund waits."""
        settled = True
        for booking in await bookings_paid_by(payment_id):
            await self.pay_owner(booking, read_fees=False)
            current = await self.bookings.booking(booking.id)
            payout = current.payouts.get(payment_id)
            if payout is not None and not payout.status.settled:
                settled = False
        return settled

    # ---- reversals -----------------------------------------------------------------

    async def after_refund(self, booking: Booking) -> None:
        """Reverse the owner's part of every refund the gateway accepted, once each."""
        current = await self.bookings.booking(booking.id)
        for payment_id in list(current.payouts):
            current = await self._record_reversals(current, payment_id)
            for key, reversal in current.payouts[payment_id].reversals.items():
                if reversal.status in (ReversalStatus.DUE, ReversalStatus.REQUESTING):
                    await self._reverse(current, payment_id, key)
        await payouts_settled(await self.bookings.booking(booking.id))

    async def _record_reversals(self, booking: Booking, payment_id: str) -> Booking:
        for _attempt in range(5):
            payout = booking.payouts[payment_id]
            if payout.status is not PayoutStatus.TRANSFERRED:
                return booking
            new = _new_reversal(booking, payout)
            if new is None:
                return booking
            added = await add_reversal(booking, payment_id, new, self._now_ms())
            booking = added or await self.bookings.booking(booking.id)
        return booking

    async def _reverse(self, booking: Booking, payment_id: str, refund_key: str) -> None:
        claimed = await claim_reversal(booking.id, payment_id, refund_key, self._now_ms(), PAYOUT_LEASE_MS)
        if claimed is None:
            return
        payout = claimed.payouts[payment_id]
        reversal = payout.reversals[refund_key]
        assert payout.transfer_id is not None
        try:
            made = next(
                (
                    r
                    for r in await self.gateway.reversals_of(payout.transfer_id)
                    if r.notes.get("booking_id") == str(claimed.id)
                    and r.notes.get("refund_key") == refund_key
                ),
                None,
            )
            if made is None:
                made = await self.gateway.reverse(
                    payout.transfer_id, reversal.amount_paise, reversal_notes(claimed, refund_key)
                )
        except GatewayRefusedError as error:
            await reversal_not_made(claimed.id, payment_id, refund_key, self._now_ms(), refused=True)
            log.warning("reversal for %s of %s refused: %s", refund_key, claimed.code, error)
            return
        except GatewayError as error:
            await reversal_not_made(claimed.id, payment_id, refund_key, self._now_ms(), refused=False)
            log.warning("reversal for %s of %s failed, will retry: %s", refund_key, claimed.code, error)
            return
        await reversal_made(claimed.id, payment_id, refund_key, made.id, self._now_ms())

    # ---- in the background, and the job ---------------------------------------------

    def pay_in_background(self, bookings: Iterable[Booking]) -> None:
        """Webhooks must answer within seconds: the transfers run after; what fails stays
        due for the job."""
        self.background.start(
            self._pay_each(list(bookings)), lambda: log.exception("payouts failed; the job tries again")
        )

    async def _pay_each(self, bookings: list[Booking]) -> None:
        """One after the other, as the weeks of a series share their payment."""
        for booking in bookings:
            try:
                await self.pay_owner(booking)
            except Exception:
                log.exception("payout for %s failed; the job tries again", booking.code)

    async def retry_due(self, limit: int = 50) -> int:
        """Transfers and reversals left due (a gateway failure, a crash): try each again;
        returns how many bookings have nothing due after. For a job."""
        done = 0
        for booking in await payouts_to_retry(self._now_ms(), limit):
            await self.pay_owner(booking)
            await self.after_refund(booking)
            if (await self.bookings.booking(booking.id)).payout_due_ms is None:
                done += 1
        return done


def _new_reversal(booking: Booking, payout: PayoutEntry) -> ReversalEntry | None:
    """The next refund of the payout's payment the gateway took that has no reversal yet,
    with what it takes back by the rule on totals (``domain.payouts.reversal_owed``)."""
    refunded = 0
    for refund in booking.refunds.values():
        if (
            refund.payment_id != payout.payment_id
            or refund.status is None
            or not refund.status.money_returned
        ):
            continue
        refunded += refund.amount_paise
        if refund.key in payout.reversals:
            continue
        amount = reversal_owed(
            transfer_paise=payout.transfer_paise,
            paid_paise=payout.share_paise,
            refunded_paise=min(refunded, payout.share_paise),
            reversed_paise=payout.reversed_paise,
        )
        status = ReversalStatus.DUE if amount > 0 else ReversalStatus.DONE
        return ReversalEntry(refund_key=refund.key, amount_paise=amount, status=status)
    return None
