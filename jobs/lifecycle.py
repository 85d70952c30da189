"""The clock's work on bookings: holds expire, sessions start and end, reminders go
out, late webhooks are reconciled, refunds retried, owners get their morning digest.

Every job reads due work through one indexed field (``due_ms``, ``status``,
``room_day``) and acts through the booking service's conditional updates, so with
several processes each change happens once.

Each announcement is queued *before* the change it announces, guarded by the
statuses in which it is true (``storage.outbox.enqueue_guarded``): a crash between
the change and the write cannot lose it, a process that loses the race queues
nothing new (same dedupe key), and delivery waits until the change is stored and
skips the message if the booking went another way (paid at the last second,
cancelled before its reminder)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import timedelta
from functools import partial

from domain.booking_status import BookingStatus
from domain.check_in import PAID, reminder_brings_check_in
from domain.clock import Clock
from domain.moves import ChangeKind
from domain.payment_outcomes import Outcome
from domain.words import musician, owner
from jobs.digest import DailyDigest
from jobs.ports import GatewayError, JobPayments
from storage.booking_service import BookingService
from storage.bookings import (
    bookings_due_by,
    claim_reconcile_check,
    mark_reminder_sent,
    status_of,
    unpaid_holds,
)
from storage.models import Booking, Room, to_ms
from storage.moves import SessionChanges
from storage.outbox import enqueue, enqueue_guarded
from storage.series import news_key

log = logging.getLogger(__name__)

S = BookingStatus
CHANGE_LAST_LOOK = timedelta(minutes=1)
"""How long before a move or an extra hour lapses unpaid the clock asks the gateway
about its link (every tick until it lapses): a payment whose webhook is late or lost
still applies it."""
RECONCILE_AFTER = timedelta(minutes=3)
"""A hold's link is asked about when no webhook came this long after the hold began,
and again every RECONCILE_AFTER until the hold ends."""
REMINDERS = (timedelta(hours=24), timedelta(hours=1))
"""How long before a session its reminders go out, unless told otherwise."""
REMINDER_TEXT = "reminder:"
"""An outbox ``render`` of ``reminder:<booking id>:<seconds before>``: a reminder whose
text is made at delivery, because it tells the room's check-in info."""


def reminder_reference(booking: Booking, before: timedelta) -> str:
    return f"{REMINDER_TEXT}{booking.id}:{int(before.total_seconds())}"


class BookingClock:
    def __init__(
        self,
        bookings: BookingService,
        clock: Clock,
        payments: JobPayments | None,
        reminder_offsets: tuple[timedelta, ...] = REMINDERS,
        *,
        bot_username: str | None = None,
    ) -> None:
        self.bookings = bookings
        self.clock = clock
        self.payments = payments
        self.reminder_offsets = tuple(sorted(reminder_offsets, reverse=True))
        self.bot_username = bot_username
        self.digest = DailyDigest(clock)
        self.changes = SessionChanges(bookings)
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
            "changes lapsed": await self.lapse_changes(),
            "started": await self.start_sessions(),
            "completed": await self.complete_sessions(),
            "reminded": await self.send_reminders(),
            "reconciled": await self.reconcile_payments(),
            "refunds": await self.retry_refunds(),
            "payouts": await self.retry_payouts(),
            "claims freed": await self.bookings.release_stale_claims(),
            "slots offered": await self.offer_waited_slots(),
            "digests": await self.send_digests(),
        }

    async def expire_holds(self) -> int:
        """Holds past their deadline expire, free their slots and cancel their link. A
        link paid without a webhook is settled first, so it is confirmed, not expired."""
        done = 0
        gateway_up = self.payments is not None
        for booking in await self.bookings.due_bookings(S.PENDING_PAYMENT):
            if gateway_up and booking.payment.get("link_id"):
                gateway_up = await self._reconcile(booking) is not None
                if await self._status(booking) is not S.PENDING_PAYMENT:
                    continue
            room = await self._room(booking.room_id)
            await enqueue_guarded(
                booking.user_id,
                # The same text as the webhook's payment_link.expired path: one dedupe key, one wording.
                partial(musician.hold_expired, booking, room),
                dedupe_key=news_key(booking, "expired"),
                now=self.clock.now(),
                booking_id=str(booking.id),
                send_if=[S.EXPIRED],
                wait_if=[S.PENDING_PAYMENT],
                buttons=partial(musician.book_again_buttons, room, self.bot_username),
            )
            expired = await self.bookings.expire_hold(booking)
            if expired is None:
                continue
            done += 1
            if self.payments is not None:
                await self.payments.cancel_link_for(expired)
        return done

    async def lapse_changes(self) -> int:
        """Moves not paid within their hold, and extra hours not paid when they begin: the
        claim of their new slots is released (once: a conditional update), the booking
        stays as it was, the link is closed and the musician told. In a change's last
        minute and once it is due, its link is asked about first: money paid without a
        webhook (yet) applies the change while it may still be had, and is refunded in full
        once it lapsed, as a late webhook's would be."""
        if self.payments is not None:
            for booking in await self.changes.due_to_lapse(within=CHANGE_LAST_LOOK):
                link_id = booking.change.link_id if booking.change else None
                if link_id and await self._reconcile_change(booking) is None:
                    break  # the gateway is down: they lapse as unpaid
        lapsed = await self.changes.lapse_due()
        for booking, change in lapsed:
            room = await self._room(booking.room_id)
            words = musician.move_lapsed if change.kind == ChangeKind.MOVE else musician.hour_lapsed
            await enqueue(
                booking.user_id,
                partial(words, booking, room),  # in the musician's language
                dedupe_key=f"{booking.id}:lapsed:{change.reference}",
                now=self.clock.now(),
            )
            if self.payments is not None:
                await self.payments.cancel_change_link(change.link_id)
        return len(lapsed)

    async def start_sessions(self) -> int:
        done = 0
        for booking in await self.bookings.due_bookings(S.NOT_STARTED):
            room = await self._room(booking.room_id)
            now = self.clock.now()
            guard = {"booking_id": str(booking.id), "send_if": [S.ONGOING], "wait_if": [S.NOT_STARTED]}
            await enqueue_guarded(
                booking.user_id,
                partial(musician.session_started, booking, room),
                dedupe_key=f"{booking.id}:started",
                now=now,
                **guard,
            )
            for owner_id in room.owner_ids:
                await enqueue_guarded(
                    owner_id,
                    partial(owner.session_started, booking, room),
                    dedupe_key=f"{booking.id}:started:owner:{owner_id}",
                    now=now,
                    **guard,
                )
            if await self.bookings.start_session(booking) is not None:
                done += 1
        return done

    async def complete_sessions(self) -> int:
        done = 0
        for booking in await self.bookings.due_bookings(S.ONGOING):
            room = await self._room(booking.room_id)
            await enqueue_guarded(
                booking.user_id,
                partial(musician.session_completed, booking, room),
                dedupe_key=f"{booking.id}:completed",
                now=self.clock.now(),
                booking_id=str(booking.id),
                send_if=[S.COMPLETED],
                wait_if=[S.ONGOING],
            )
            if await self.bookings.complete_session(booking) is not None:
                done += 1
        return done

    async def offer_waited_slots(self) -> int:
        """Waits end when their slot can no longer be booked, lapsed offers pass to the
        next musician, and any waited slot found free is offered (a release offers its
        slots at once; this pass makes good one a crash interrupted)."""
        return await self.bookings.waitlist.tick()

    async def send_reminders(self) -> int:
        """Each reminder once, only for confirmed sessions, and only the nearest one due
        (a booking paid an hour before gets the 1 h reminder, not the 24 h one)."""
        if not self.reminder_offsets:
            return 0
        now = self.clock.now()
        soon = await bookings_due_by(now + self.reminder_offsets[0])
        sent = 0
        for booking in soon:
            label = self._reminder_due(booking)
            if label is None:
                continue
            room = await self._room(booking.room_id)
            before = booking.starts_at - now
            # Queued first (the dedupe key makes it once), then noted on the booking so
            # later ticks skip it; a crash in between only repeats the no-op enqueue.
            queued = await enqueue_guarded(
                booking.user_id,
                partial(musician.reminder, booking, room, before),
                dedupe_key=f"{booking.id}:remind:{label}",
                now=now,
                booking_id=str(booking.id),
                send_if=[S.NOT_STARTED],
                buttons=partial(musician.map_buttons, room),
                render=reminder_reference(booking, before) if reminder_brings_check_in(before) else None,
            )
            await mark_reminder_sent(booking, label)
            sent += queued
        return sent

    def _reminder_due(self, booking: Booking) -> str | None:
        if booking.status is not S.NOT_STARTED:
            return None
        now = self.clock.now()
        due = [o for o in self.reminder_offsets if booking.starts_at - o <= now < booking.starts_at]
        if not due:
            return None
        offset = min(due)
        label = f"{offset.total_seconds() / 3600:g}h"
        paid_too_late = booking.paid_at is not None and booking.paid_at > booking.starts_at - offset
        if label in booking.reminders_sent or (paid_too_late and offset != self.reminder_offsets[-1]):
            return None
        return label

    async def render_text(self, reference: str) -> str:
        """A reminder made at delivery (``reminder_reference``), with the room's check-in
        info as it is now: a code changed after the reminder was queued reaches it, and
        the code is stored in no message. Only a paid booking is told."""
        kind, _, rest = reference.partition(":")
        booking_id, _, seconds = rest.partition(":")
        if f"{kind}:" != REMINDER_TEXT or not seconds.isdecimal():
            raise ValueError(f"not a reminder: {reference!r}")
        booking = await self.bookings.booking(booking_id)
        room = await self.bookings.room(booking.room_id)  # fresh: the code may have changed
        check_in = room.access_info if booking.status in PAID else ""
        return musician.reminder(booking, room, timedelta(seconds=int(seconds)), check_in)

    async def reconcile_payments(self) -> int:
        """A hold whose link may have been paid without a webhook (yet): ask the gateway,
        at most once per RECONCILE_AFTER per booking across all processes."""
        if self.payments is None:
            return 0
        now = self.clock.now()
        now_ms = to_ms(now) or 0
        cutoff = now - RECONCILE_AFTER
        settled = 0
        for booking in await unpaid_holds():
            checked = booking.payment.get("check_after_ms")
            if not booking.payment.get("link_id") or booking.created_at > cutoff:
                continue
            if checked is not None and checked > now_ms:
                continue
            next_check_ms = now_ms + int(RECONCILE_AFTER.total_seconds() * 1000)
            if not await claim_reconcile_check(booking, next_check_ms=next_check_ms):
                continue  # another process is asking about it
            outcome = await self._reconcile(booking)
            if outcome is None:
                break  # the gateway is down; the next tick tries again
            if outcome.confirmed_or_expired:
                settled += 1
        return settled

    async def _reconcile(self, booking: Booking) -> Outcome | None:
        """The gateway's word on the booking's link, settled like its webhook; None when
        the gateway could not be reached."""
        assert self.payments is not None
        return await _unless_gateway_down(self.payments.reconcile(booking), booking.code)

    async def _reconcile_change(self, booking: Booking) -> Outcome | None:
        """The gateway's word on the link of the booking's change, settled like its
        webhook; None when the gateway could not be reached (the change lapses as if
        unpaid, and a late webhook's money is refunded in full)."""
        assert self.payments is not None
        about = booking.change.reference if booking.change else booking.code  # JR-XXXXXX-M1
        return await _unless_gateway_down(self.payments.reconcile_change(booking), about)

    async def _status(self, booking: Booking) -> BookingStatus | None:
        return await status_of(booking.id)

    async def retry_refunds(self) -> int:
        return await self.payments.retry_due_refunds() if self.payments is not None else 0

    async def retry_payouts(self) -> int:
        """Owners' transfers and reversals left due (``payments.payouts``)."""
        return await self.payments.retry_due_payouts() if self.payments is not None else 0

    async def send_digests(self) -> int:
        return await self.digest.send_due()


async def _unless_gateway_down(asking: Awaitable[Outcome], about: str) -> Outcome | None:
    """What ``asking`` the gateway settled; None, logged, when it could not be reached."""
    try:
        return await asking
    except GatewayError as error:
        log.warning("could not reconcile %s: %s", about, error)
        return None
