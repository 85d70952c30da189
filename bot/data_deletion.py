"""Delete my data (``/privacy``, issue 18 §4): what deleting would do, and doing it.

First the musician's upcoming bookings are cancelled by the usual rules
(``bot.cancellations``: the owners are told, a paid one is refunded by its tiers, an
unpaid hold released); then every paid booking gets its invoice if it has none yet, so
the tax record names the buyer as it must; then ``storage.privacy.erase_person``
removes the person and leaves a pseudonym where the money ledger must stay.

Refunds still on their way need no chat: Razorpay returns them to the account or card
they were paid from, and the refund job keeps asking for them under the pseudonym."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from bot.cancellations import cancel_for_musician
from bot.services import Payments
from domain.booking_status import BookingStatus
from domain.errors import BookingError, OwnsRoomsError, RoomNotFoundError, SessionInProgressError
from domain.refund_status import RefundStatus
from storage.booking_service import BookingService
from storage.models import Booking
from storage.privacy import UPCOMING, bookings_of, erase_person, owned_room_names

PAID = frozenset(
    {
        BookingStatus.NOT_STARTED,
        BookingStatus.ONGOING,
        BookingStatus.COMPLETED,
        BookingStatus.CANCELLED,
        BookingStatus.TERMINATED,
    }
)
"""Statuses in which a booking with ``paid_at`` bought a session, and so has an invoice."""


@dataclass(frozen=True)
class DeletionPlan:
    """What deleting would do now: shown on the confirmation screen."""

    upcoming: int
    """Bookings that would be cancelled (paid or held)."""
    refund_paise: int
    """What their cancellation would give back, by their rooms' tiers."""
    refunds_on_the_way_paise: int
    """Refunds already asked for that have not reached the musician yet."""


@dataclass(frozen=True)
class Deleted:
    cancelled: int
    refund_paise: int
    """What comes back: the refunds of the bookings cancelled now, and those asked for
    before that had not reached the musician yet."""


async def _check_can_delete(service: BookingService, user_id: int, bookings: list[Booking]) -> None:
    rooms = await owned_room_names(user_id)
    if rooms:
        raise OwnsRoomsError(rooms)
    now = service.clock.now()
    for booking in bookings:
        if booking.status is BookingStatus.ONGOING or (
            booking.status is BookingStatus.NOT_STARTED and booking.starts_at <= now
        ):
            room = await service.room(booking.room_id)
            raise SessionInProgressError(booking.ends_at, room.zone)


def _upcoming(bookings: list[Booking]) -> list[Booking]:
    return sorted((b for b in bookings if b.status in UPCOMING), key=lambda b: b.starts_at)


ON_THE_WAY = frozenset({RefundStatus.DUE, RefundStatus.REQUESTING, RefundStatus.PENDING})


def _on_the_way(bookings: list[Booking]) -> int:
    """Refunds owed or asked for that have not reached the musician yet."""
    return sum(e.amount_paise for b in bookings for e in b.refunds.values() if e.status in ON_THE_WAY)


async def plan_deletion(service: BookingService, user_id: int) -> DeletionPlan:
    """What deleting would do; raises OwnsRoomsError or SessionInProgressError when it
    cannot be done now."""
    bookings = await bookings_of(user_id)
    await _check_can_delete(service, user_id, bookings)
    upcoming = _upcoming(bookings)
    refund = sum([(await service.refund_quote(b)).amount_paise for b in upcoming])
    return DeletionPlan(len(upcoming), refund, _on_the_way(bookings))


async def delete_my_data(service: BookingService, payments: Payments | None, user_id: int) -> Deleted:
    """Cancel, invoice, erase (see the module's docstring). Raises OwnsRoomsError or
    SessionInProgressError, changing nothing. Deleting twice finds nothing the second
    time and changes nothing."""
    bookings = await bookings_of(user_id)
    await _check_can_delete(service, user_id, bookings)
    cancelled = 0
    refund = _on_the_way(bookings)
    for booking in _upcoming(bookings):
        try:
            outcome = await cancel_for_musician(service, str(booking.id), user_id, payments)
        except BookingError:
            continue  # a week cancelled with its series, or paid/expired meanwhile: as it is now
        cancelled += 1
        refund += outcome.refund.amount_paise
    bookings = await bookings_of(user_id)
    if payments is not None:
        for booking in bookings:
            if booking.paid_at is not None and booking.status in PAID and not booking.invoice_number:
                with contextlib.suppress(RoomNotFoundError):  # a room removed since: no seller left
                    await payments.issue_invoice(booking)
    await service.drop_waits_of(user_id)
    await erase_person(user_id)
    return Deleted(cancelled, refund)
