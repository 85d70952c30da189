"""Payments for bookings: the single code path for links, webhook events, refunds and
invoices. Dialogs, the webhook, jobs and owner tools all call this service."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from pymongo import ReturnDocument

from domain.clock import Clock
from payments.gateway import GatewayError, PaymentGateway, PaymentLinkRequest
from storage.models import Booking, Room, User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PaymentLinkView:
    url: str
    amount_paise: int
    hold_expires_at: datetime


class PaymentService:
    def __init__(self, gateway: PaymentGateway, clock: Clock, *, public_base_url: str) -> None:
        self.gateway = gateway
        self.clock = clock
        self.public_base_url = public_base_url.rstrip("/")

    @property
    def callback_url(self) -> str:
        return f"{self.public_base_url}/payments/callback"

    async def ensure_payment_link(self, booking: Booking, room: Room, user: User) -> PaymentLinkView:
        """The booking's payment link, created once. Raises GatewayError when the
        gateway fails; the booking keeps its hold, so the musician can retry."""
        existing = booking.payment.get("link_url")
        if existing:
            return PaymentLinkView(existing, booking.amount_paise, booking.hold_expires_at)
        request = PaymentLinkRequest(
            booking_id=str(booking.id),
            reference_id=booking.code,
            amount_paise=booking.amount_paise,
            description=f"{room.name} · {booking.day:%d %b %Y} · {len(booking.slots)} slot(s)"[:2048],
            expire_by=booking.hold_expires_at + timedelta(minutes=1),
            callback_url=self.callback_url,
            customer_name=user.display_name,
            customer_contact=None,
            notes={"booking_id": str(booking.id), "booking_code": booking.code, "room": room.slug},
        )
        link = await self.gateway.create_link(request)
        stored = await Booking.get_pymongo_collection().find_one_and_update(
            {"_id": booking.id, "payment.link_id": {"$exists": False}},
            {"$set": {"payment": {**booking.payment, "link_id": link.id, "link_url": link.short_url}}},
            return_document=ReturnDocument.AFTER,
        )
        if stored is None:
            # Another confirm of the same booking won the race: keep its link, drop ours.
            try:
                await self.gateway.cancel_link(link.id)
            except GatewayError:
                log.warning("could not cancel duplicate link for %s", booking.code)
            fresh = await Booking.get(booking.id)
            assert fresh is not None
            return PaymentLinkView(fresh.payment["link_url"], fresh.amount_paise, fresh.hold_expires_at)
        return PaymentLinkView(link.short_url, booking.amount_paise, booking.hold_expires_at)
