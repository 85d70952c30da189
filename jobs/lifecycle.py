"""The clock's work on bookings: holds expire, sessions start and end, reminders go
out, late webhooks are reconciled, refunds retried, owners get their morning digest.

Every job reads due work through an indexed field (``due_ms``, ``status``,
``room_day``) and acts through the booking service's conditional updates, so with
several processes each change happens once and only the winner sends the message
(which the outbox also deduplicates by key)."""

from __future__ import annotations

import logging
from datetime import time, timedelta

from domain.booking_status import BookingStatus
from domain.clock import Clock
from jobs import messages
from payments import messages as payment_messages
from payments.gateway import GatewayError
from payments.service import PaymentService
from storage.booking_service import BookingService
from storage.models import Booking, Room, room_day_key, to_ms
from storage.outbox import OutboxMessage, enqueue

log = logging.getLogger(__name__)

RECONCILE_AFTER = timedelta(minutes=3)
DIGEST_AT = time(8, 0)
ACTIVE_DAY_STATUSES = [
    BookingStatus.NOT_STARTED.value,
    BookingStatus.ONGOING.value,
    BookingStatus.COMPLETED.value,
]


class BookingClock:
    def __init__(
        self,
        bookings: BookingService,
        clock: Clock,
        payments: PaymentService | None,
        reminder_offsets: tuple[timedelta, ...] = (timedelta(hours=24), timedelta(hours=1)),
    ) -> None:
        self.bookings = bookings
        self.clock = clock
        self.payments = payments
        self.reminder_offsets = tuple(sorted(reminder_offsets, reverse=True))
        self._rooms: dict[str, Room] = {}

    async def _room(self, room_id: str) -> Room:
        room = self._rooms.get(room_id)
        if room is None:
            room = self._rooms[room_id] = await self.bookings.room(room_id)
        return room

    async def tick(self) -> dict[str, int]:
        """One pass of every booking job; returns what each did (for logs and tests)."""
        self._rooms.clear()
        return {
            "expired": await self.expire_holds(),
            "started": await self.start_sessions(),
            "completed": await self.complete_sessions(),
            "reminded": await self.send_reminders(),
            "reconciled": await self.reconcile_payments(),
            "refunds": await self.retry_refunds(),
            "claims freed": await self.bookings.release_stale_claims(),
            "digests": await self.send_digests(),
        }

    async def expire_holds(self) -> int:
        done = 0
        for booking in await self.bookings.due_bookings(BookingStatus.PENDING_PAYMENT):
            expired = await self.bookings.expire_hold(booking)
            if expired is None:
                continue
            done += 1
            room = await self._room(expired.room_id)
            await enqueue(
                expired.user_id,
                # The same text as the webhook's payment_link.expired path: one dedupe key, one wording.
                payment_messages.hold_expired(expired, room),
                dedupe_key=f"{expired.id}:expired",
                now=self.clock.now(),
            )
            if self.payments is not None:
                await self.payments.cancel_link_for(expired)
        return done

    async def start_sessions(self) -> int:
        done = 0
        for booking in await self.bookings.due_bookings(BookingStatus.NOT_STARTED):
            started = await self.bookings.start_session(booking)
            if started is None:
                continue
            done += 1
            room = await self._room(started.room_id)
            now = self.clock.now()
            await enqueue(
                started.user_id,
                messages.session_started(started, room),
                dedupe_key=f"{started.id}:started",
                now=now,
            )
            for owner_id in room.owner_ids:
                await enqueue(
                    owner_id,
                    messages.owner_session_started(started, room),
                    dedupe_key=f"{started.id}:started:owner:{owner_id}",
                    now=now,
                )
        return done

    async def complete_sessions(self) -> int:
        done = 0
        for booking in await self.bookings.due_bookings(BookingStatus.ONGOING):
            completed = await self.bookings.complete_session(booking)
            if completed is None:
                continue
            done += 1
            room = await self._room(completed.room_id)
            await enqueue(
                completed.user_id,
                messages.session_completed(completed, room),
                dedupe_key=f"{completed.id}:completed",
                now=self.clock.now(),
            )
        return done

    async def send_reminders(self) -> int:
        """Each reminder once, only for confirmed sessions, and only the nearest one due
        (a booking paid an hour before gets the 1 h reminder, not the 24 h one)."""
        if not self.reminder_offsets:
            return 0
        now = self.clock.now()
        horizon = to_ms(now + self.reminder_offsets[0])
        # due_ms alone (see BookingService.due_bookings); the status is checked below.
        soon = await Booking.find({"due_ms": {"$lte": horizon}}).to_list()
        sent = 0
        for booking in soon:
            if booking.status is not BookingStatus.NOT_STARTED:
                continue
            due = [o for o in self.reminder_offsets if booking.starts_at - o <= now < booking.starts_at]
            if not due:
                continue
            offset = min(due)
            label = f"{offset.total_seconds() / 3600:g}h"
            paid_too_late = booking.paid_at is not None and booking.paid_at > booking.starts_at - offset
            if label in booking.reminders_sent or (paid_too_late and offset != self.reminder_offsets[-1]):
                continue
            marked = await Booking.get_pymongo_collection().update_one(
                {
                    "_id": booking.id,
                    "status": BookingStatus.NOT_STARTED.value,
                    "reminders_sent": {"$nin": [label]},
                },
                {"$addToSet": {"reminders_sent": label}},
            )
            if not marked.modified_count:
                continue
            room = await self._room(booking.room_id)
            await enqueue(
                booking.user_id,
                messages.reminder(booking, room, booking.starts_at - now),
                dedupe_key=f"{booking.id}:remind:{label}",
                now=now,
            )
            sent += 1
        return sent

    async def reconcile_payments(self) -> int:
        """A hold whose link may have been paid without a webhook (yet): ask the gateway."""
        if self.payments is None:
            return 0
        cutoff = self.clock.now() - RECONCILE_AFTER
        pending = await Booking.find({"status": BookingStatus.PENDING_PAYMENT.value}).to_list()
        settled = 0
        for booking in pending:
            if not booking.payment.get("link_id") or booking.created_at > cutoff:
                continue
            try:
                outcome = await self.payments.reconcile(booking)
            except GatewayError as error:
                log.warning("could not reconcile %s: %s", booking.code, error)
                continue
            if outcome.startswith("confirmed") or outcome == "expired":
                settled += 1
        return settled

    async def retry_refunds(self) -> int:
        return await self.payments.retry_due_refunds() if self.payments is not None else 0

    async def send_digests(self) -> int:
        """At 08:00 in each room's zone, its owners get the day's bookings, once."""
        sent = 0
        rooms = await Room.find({"active": True}).to_list()
        for room in rooms:
            local = self.clock.now().astimezone(room.zone)
            if local.time() < DIGEST_AT or not room.owner_ids:
                continue
            keys = {o: f"digest:{room.id}:{local.date()}:{o}" for o in room.owner_ids}
            already = await OutboxMessage.find({"dedupe_key": {"$in": list(keys.values())}}).count()
            if already == len(keys):
                continue
            todays = await Booking.find(
                {"room_day": room_day_key(room.id, local.date()), "status": {"$in": ACTIVE_DAY_STATUSES}}
            ).to_list()
            text = messages.daily_digest(room, local, todays)
            for owner_id, key in keys.items():
                if await enqueue(owner_id, text, dedupe_key=key, now=self.clock.now()):
                    sent += 1
        return sent
