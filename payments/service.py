"""Payments for bookings, as one object for dialogs, the webhook, jobs and owner tools.

The work lives in four rooms, each with one job, and this facade only builds them and
passes calls on:

- ``payments.links``: a booking's payment link (made once, found again, cancelled) and
  reconciliation by asking the gateway;
- ``payments.events``: a verified Razorpay event, claimed once by its event id and passed
  to what it means, ``payments.settlement`` (confirm, or refund in full and say why);
- ``payments.refunds``: a refund's life at the gateway, retries, the idempotency key;
- ``payments.payouts``: the owners' share of each payment through Razorpay Route, and
  its reversal when money is refunded (off on the sandbox);
- ``payments.invoices``: the invoice's and the credit note's numbers (each seller's own
  series), their PDFs, and the attachments rendered at delivery.

Money safety rests on the same two database guarantees as bookings: a Razorpay event
is recorded under its unique event id, and every change to a booking's payment or
refund state is one conditional update, so a replayed or racing event, a job and a
user change it once. Refund requests also carry an idempotency key, so even a
retried request after a timeout cannot pay twice.
"""

from __future__ import annotations

from typing import Any, TypeGuard

from domain.clock import Clock
from domain.payment_outcomes import Outcome
from domain.refund_status import RefundStatus
from payments.events import PaymentEvents
from payments.gateway import PaymentGateway, RouteGateway
from payments.invoices import Invoices
from payments.links import PaymentLinks, PaymentLinkView
from payments.payouts import Payouts
from payments.refunds import Refunds
from payments.settlement import Paid, Settlement
from storage.booking_service import BookingService
from storage.models import Booking, Room, User


def pays_owners(gateway: PaymentGateway) -> TypeGuard[RouteGateway]:
    """Razorpay pays owners through Route; the sandbox does not."""
    return callable(getattr(gateway, "transfer", None)) and callable(getattr(gateway, "reverse", None))


class PaymentService:
    def __init__(
        self,
        gateway: PaymentGateway,
        clock: Clock,
        bookings: BookingService,
        *,
        public_base_url: str,
        bot_username: str = "jamroom_bot",
        commission_bp: int = 0,
    ) -> None:
        self._gateway = gateway
        self.clock = clock
        self.bookings = bookings
        self.public_base_url = public_base_url.rstrip("/")
        self.bot_username = bot_username
        self.invoices = Invoices(clock, bookings)
        self.payouts = (
            Payouts(gateway, clock, bookings, commission_bp=commission_bp) if pays_owners(gateway) else None
        )
        """Owners' payouts through Razorpay Route; None on the sandbox (payouts are off)."""
        self.refunds = Refunds(gateway, clock, bookings, credit_notes=self.invoices, payouts=self.payouts)
        self.settlement = Settlement(
            clock, bookings, refunds=self.refunds, invoices=self.invoices, payouts=self.payouts
        )
        self.events = PaymentEvents(clock, self.settlement, self.refunds)
        self.links = PaymentLinks(gateway, bookings, self.settlement, callback_url=self.callback_url)

    @property
    def gateway(self) -> PaymentGateway:
        """Fixed at construction: the rooms share it (build another service for another)."""
        return self._gateway

    @property
    def callback_url(self) -> str:
        return f"{self.public_base_url}/payments/callback"

    # ---- links ---------------------------------------------------------------------

    async def ensure_payment_link(self, booking: Booking, room: Room, user: User) -> PaymentLinkView:
        return await self.links.ensure_payment_link(booking, room, user)

    async def cancel_link_for(self, booking: Booking) -> None:
        await self.links.cancel_link_for(booking)

    async def ensure_change_link(self, booking: Booking, room: Room, user: User) -> PaymentLinkView:
        return await self.links.ensure_change_link(booking, room, user)

    async def cancel_change_link(self, link_id: str | None) -> None:
        await self.links.cancel_change_link(link_id)

    async def announce_change(
        self, before: Booking, after: Booking, room: Room, refund_paise: int = 0
    ) -> None:
        await self.settlement.announce_change(before, after, room, refund_paise)

    async def reconcile(self, booking: Booking) -> Outcome:
        return await self.links.reconcile(booking)

    async def reconcile_change(self, booking: Booking) -> Outcome:
        return await self.links.reconcile_change(booking)

    # ---- events --------------------------------------------------------------------

    async def handle_event(self, event_id: str, payload: dict[str, Any]) -> Outcome:
        return await self.events.handle_event(event_id, payload)

    async def settle_paid(self, paid: Paid) -> Outcome:
        return await self.settlement.settle_paid(paid)

    # ---- refunds -------------------------------------------------------------------

    async def refund_due(self, booking: Booking) -> Outcome | RefundStatus:
        return await self.refunds.refund_due(booking)

    async def retry_due_refunds(self, limit: int = 50) -> int:
        return await self.refunds.retry_due_refunds(limit)

    async def drain(self) -> None:
        """Wait for background refunds and payouts (tests, shutdown); each may start the other."""
        while self.refunds.background.busy or (self.payouts is not None and self.payouts.background.busy):
            await self.refunds.background.drain()
            if self.payouts is not None:
                await self.payouts.background.drain()

    # ---- owners' payouts -----------------------------------------------------------

    async def retry_due_payouts(self, limit: int = 50) -> int:
        return await self.payouts.retry_due(limit) if self.payouts is not None else 0

    # ---- invoices ------------------------------------------------------------------

    async def invoice_document(
        self, booking: Booking, *, room: Room | None = None, buyer: User | None = None
    ) -> tuple[str, bytes, str]:
        return await self.invoices.invoice_document(booking, room=room, buyer=buyer)

    async def send_invoice(self, booking: Booking, *, dedupe_key: str | None = None) -> bool:
        return await self.invoices.send_invoice(booking, dedupe_key=dedupe_key)

    async def issue_invoice(self, booking: Booking) -> None:
        await self.invoices.issued_invoice(booking)

    async def render_attachment(self, attachment: str) -> tuple[str, bytes, str]:
        return await self.invoices.render_attachment(attachment)
