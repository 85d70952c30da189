"""Cancelling a booking and telling the other side, for musicians and owners alike.

The announcements are queued *before* the change, guarded by the status they
announce (``enqueue_guarded``), so a crash between the two loses no message and a
cancellation that loses a race (the musician and the owner at once) sends nothing."""

from __future__ import annotations

from functools import partial

from bot.services import Payments
from domain.booking_status import BookingStatus
from domain.words import musician, owner
from storage.booking_service import BookingService, CancelOutcome
from storage.calendar_messages import send_calendar_cancellation
from storage.models import Booking, Room
from storage.outbox import enqueue_guarded
from storage.users import user_by_id

S = BookingStatus
REASON_LIMIT = 300


async def cancel_for_musician(
    service: BookingService, booking_id: str, user_id: int, payments: Payments | None
) -> CancelOutcome:
    """The musician cancels their booking; the owners of a paid one are told the refund,
    and the musician gets the file that takes it off their calendar.
    Raises the service's BookingError subclasses, changing and queueing nothing."""
    booking = await service.booking_of_user(booking_id, user_id)
    quote = await service.refund_quote(booking)
    if booking.status is S.NOT_STARTED:
        room = await service.room(booking.room_id)
        who = await user_by_id(booking.user_id)
        await send_calendar_cancellation(
            booking, ended_as=S.CANCELLED, wait_if=[S.NOT_STARTED], now=service.clock.now()
        )
        for owner_id in room.owner_ids:
            await enqueue_guarded(
                owner_id,
                partial(owner.musician_cancelled, booking, room, who, quote.amount_paise),
                dedupe_key=f"{booking.id}:cancelled:owner:{owner_id}",
                now=service.clock.now(),
                booking_id=str(booking.id),
                send_if=[S.CANCELLED],
                wait_if=[S.NOT_STARTED],
            )
    outcome = await service.cancel_by_musician(booking_id, user_id, quote=quote, read=booking)
    await _refund(payments, outcome.booking)
    return outcome


async def terminate_for_owner(
    service: BookingService,
    booking: Booking,
    room: Room,
    owner_id: int,
    reason: str,
    payments: Payments | None,
) -> Booking:
    """The owner cancels a paid booking with a reason: full refund, the musician and the
    room's other owners are told. Raises BookingError subclasses, changing nothing."""
    reason = reason.strip()[:REASON_LIMIT]
    before = [S.NOT_STARTED, S.ONGOING]
    now = service.clock.now()
    if booking.status in before:
        told = [
            (booking.user_id, partial(musician.terminated, booking, room, reason), f"{booking.id}:terminated")
        ]
        told += [
            (
                other,
                partial(owner.co_owner_terminated, booking, room, reason),
                f"{booking.id}:terminated:owner:{other}",
            )
            for other in room.owner_ids
            if other != owner_id
        ]
        for chat_id, text, dedupe_key in told:
            await enqueue_guarded(
                chat_id,
                text,
                dedupe_key=dedupe_key,
                now=now,
                booking_id=str(booking.id),
                send_if=[S.TERMINATED],
                wait_if=before,
            )
        await send_calendar_cancellation(booking, ended_as=S.TERMINATED, wait_if=before, now=now)
    ended = await service.terminate_by_owner(booking, owner_id=owner_id, reason=reason)
    await _refund(payments, ended)
    return ended


async def _refund(payments: Payments | None, booking: Booking) -> None:
    if payments is not None and (booking.refund or {}).get("due_paise"):
        await payments.refund_due(booking)
