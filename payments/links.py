"""A booking's payment link: made once (or found again after a create that timed out),
cancelled when the hold ends, and asked about when its webhook does not come.

A weekly series has one link for all its weeks: made for its first week, with the
series' code as reference and the weeks' total as amount, then copied to every week (each
pay screen and job reads its own booking's)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.errors import ChangeGoneError
from domain.moves import ChangeKind
from domain.payment_outcomes import LINK_STATUS, Outcome
from domain.words import musician
from payments.gateway import (
    GatewayError,
    GatewayTimeoutError,
    PaymentGateway,
    PaymentLink,
    PaymentLinkRequest,
)
from payments.settlement import Paid, Settlement
from storage.booking_service import BookingService
from storage.models import Booking, Room, User, from_ms
from storage.moves import SessionChanges
from storage.payment_records import copy_series_link, store_link
from storage.series import series_weeks

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PaymentLinkView:
    url: str
    amount_paise: int
    hold_expires_at: datetime


class PaymentLinks:
    def __init__(
        self, gateway: PaymentGateway, bookings: BookingService, settlement: Settlement, *, callback_url: str
    ) -> None:
        self.gateway = gateway
        self.bookings = bookings
        self.settlement = settlement
        self.callback_url = callback_url
        self.changes = SessionChanges(bookings)

    async def ensure_payment_link(self, booking: Booking, room: Room, user: User) -> PaymentLinkView:
        """The booking's payment link (its series' link, for a week of one), created once.
        Raises GatewayError when the gateway fails; the booking keeps its hold, so the
        musician can retry."""
        if booking.series is not None:
            return await self._series_link(booking.series.code, room, user)
        existing = booking.payment.get("link_url")
        if existing:
            return PaymentLinkView(existing, booking.amount_paise, booking.hold_expires_at)
        request = PaymentLinkRequest(
            booking_id=str(booking.id),
            reference_id=booking.code,
            amount_paise=booking.amount_paise,
            description=musician.payment_link_description(booking, room)[:2048],
            expire_by=booking.hold_expires_at + timedelta(minutes=1),
            callback_url=self.callback_url,
            customer_name=user.display_name,
            customer_contact=None,
            notes={"booking_id": str(booking.id), "booking_code": booking.code, "room": room.slug},
        )
        return await self._stored(booking, request)

    async def ensure_change_link(self, booking: Booking, room: Room, user: User) -> PaymentLinkView:
        """The link for the difference of the booking's pending move or extra hour, created
        once (its reference is the change's, so a retried create finds it). Raises
        ChangeGoneError when no change waits, GatewayError when the gateway fails (the
        change keeps its claim until it lapses, so the musician can retry)."""
        change = booking.change
        if change is None:
            raise ChangeGoneError
        lapses_at = from_ms(change.lapses_ms) or self.bookings.clock.now()
        if change.link_url:
            return PaymentLinkView(change.link_url, change.due_paise, lapses_at)
        request = PaymentLinkRequest(
            booking_id=str(booking.id),
            reference_id=change.reference,
            amount_paise=change.due_paise,
            description=musician.change_link_description(booking, room, ChangeKind(change.kind))[:2048],
            expire_by=max(lapses_at, self.bookings.clock.now()) + timedelta(minutes=1),
            callback_url=self.callback_url,
            customer_name=user.display_name,
            customer_contact=None,
            notes={"booking_id": str(booking.id), "booking_code": change.reference, "room": room.slug},
        )
        link = await self._new_or_earlier_link(request)
        stored = await self.changes.store_change_link(booking, link.id, link.short_url)
        if stored is None or stored.change is None:
            kept = (await self.bookings.booking(booking.id)).change
            if kept is None or kept.reference != change.reference or not kept.link_url:
                await self._cancel_quietly(link.id)
                raise ChangeGoneError
            if kept.link_id != link.id:
                await self._cancel_quietly(link.id)
            return PaymentLinkView(kept.link_url, change.due_paise, lapses_at)
        return PaymentLinkView(link.short_url, change.due_paise, lapses_at)

    async def cancel_change_link(self, link_id: str | None) -> None:
        """Close the link of a move or an extra hour that lapsed unpaid (quietly on failure)."""
        if link_id:
            await self._cancel_quietly(link_id)

    async def _series_link(self, series_code: str, room: Room, user: User) -> PaymentLinkView:
        weeks = await series_weeks(series_code)
        lead, total = weeks[0], sum(week.amount_paise for week in weeks)
        existing = lead.payment.get("link_url")
        if existing:
            await copy_series_link(series_code, lead.payment["link_id"], existing)
            return PaymentLinkView(existing, total, lead.hold_expires_at)
        request = PaymentLinkRequest(
            booking_id=str(lead.id),
            reference_id=series_code,
            amount_paise=total,
            description=musician.series_link_description(lead, room, len(weeks))[:2048],
            expire_by=lead.hold_expires_at + timedelta(minutes=1),
            callback_url=self.callback_url,
            customer_name=user.display_name,
            customer_contact=None,
            notes={"booking_id": str(lead.id), "booking_code": series_code, "room": room.slug},
        )
        view = await self._stored(lead, request)
        fresh = await self.bookings.booking(lead.id)
        await copy_series_link(series_code, fresh.payment["link_id"], fresh.payment["link_url"])
        return view

    async def _stored(self, booking: Booking, request: PaymentLinkRequest) -> PaymentLinkView:
        """The link for ``request``, kept on ``booking`` unless a racing confirm kept its own."""
        link = await self._new_or_earlier_link(request)
        stored = await store_link(booking.id, link.id, link.short_url)
        if stored is None:
            # Another confirm of the same booking stored its link first: keep that one, and
            # cancel ours unless it is the same link (both found the one made earlier).
            fresh = await self.bookings.booking(booking.id)
            if fresh.payment.get("link_id") != link.id:
                await self._cancel_quietly(link.id)
            return PaymentLinkView(fresh.payment["link_url"], request.amount_paise, fresh.hold_expires_at)
        return PaymentLinkView(link.short_url, request.amount_paise, booking.hold_expires_at)

    async def _new_or_earlier_link(self, request: PaymentLinkRequest) -> PaymentLink:
        """A new link, or the one an earlier attempt made: a create that timed out at our
        side may have made it, and its reference (the booking's or series' code) cannot be
        used twice, so the retry is refused ("already exists") and finds it by that reference."""
        try:
            return await self.gateway.create_link(request)
        except GatewayTimeoutError:
            raise  # asking again now would likely time out too; Try again will find it
        except GatewayError:
            earlier = await self.gateway.find_link(request.reference_id)
            if earlier is None or not _payable_for(earlier, request):
                raise
            log.info(
                "payment link for %s was made by an earlier attempt: %s", request.reference_id, earlier.id
            )
            return earlier

    async def cancel_link_for(self, booking: Booking) -> None:
        """Cancel the booking's link after its hold ended, so it cannot be paid late (a
        series' link once, for its first week: all its weeks' holds end together)."""
        if booking.series is not None and not booking.series.is_lead:
            return
        link_id = booking.payment.get("link_id")
        if link_id:
            await self._cancel_quietly(link_id)

    async def _cancel_quietly(self, link_id: str) -> None:
        try:
            await self.gateway.cancel_link(link_id)
        except GatewayError as error:
            log.warning("could not cancel payment link %s: %s", link_id, error)

    async def reconcile(self, booking: Booking) -> Outcome:
        """Settle a booking whose link was paid but whose webhook has not come, by asking
        the gateway; the same path as the webhook. Raises GatewayError when it cannot ask."""
        link_id = booking.payment.get("link_id")
        if not link_id:
            return Outcome.NO_LINK
        link = await self.gateway.fetch_link(link_id)
        if link.status == "paid" and link.payment_id:
            return await self.settlement.settle_paid(_paid_from(link))
        if link.status in ("expired", "cancelled"):
            return await self.settlement.link_closed(link.reference_id)
        return LINK_STATUS.get(link.status, Outcome.LINK_UNKNOWN)

    async def reconcile_change(self, booking: Booking) -> Outcome:
        """Settle a move or an extra hour whose link was paid but whose webhook has not
        come, by asking the gateway; the same path as the webhook. Raises GatewayError
        when it cannot ask."""
        change = booking.change
        if change is None or not change.link_id:
            return Outcome.NO_LINK
        link = await self.gateway.fetch_link(change.link_id)
        if link.status == "paid" and link.payment_id:
            return await self.settlement.settle_paid(_paid_from(link))
        return LINK_STATUS.get(link.status, Outcome.LINK_UNKNOWN)


def _payable_for(link: PaymentLink, request: PaymentLinkRequest) -> bool:
    """A link found by the request's reference that can still take (or took) its money."""
    return link.amount_paise == request.amount_paise and link.status in ("created", "paid", "partially_paid")


def _paid_from(link: PaymentLink) -> Paid:
    return Paid(
        reference=link.reference_id,
        link_id=link.id,
        payment_id=link.payment_id or "",
        amount_paise=link.amount_paid_paise,
        currency=link.currency,
    )
