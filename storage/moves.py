"""Moving a paid session to another time of its room, and adding an hour to one
(issue 16 §2, §3), on the same claims and conditional updates as booking.

A change claims its new slots first, under a claim owner of its own
(``domain.moves.change_claims_owner``), while the booking keeps its old ones. Then:

- a move to a time that costs the same or less is applied at once: one conditional
  update gives the booking its new times (and, for a cheaper time, a refund entry for
  the difference in the ledger), after which the old slots' claims are released through
  the booking service's release path and the new ones handed to the booking;
- a dearer move, and every extra hour, waits as the booking's ``change`` until its
  difference is paid through a link of its own (``apply_paid``, from the settlement);
  unpaid, it lapses (``lapse_due``, from the clock): its claims are released and the
  booking is untouched.

Applied, a change keeps the invoice issued for the old times in ``earlier_invoices``
and clears the booking's invoice, so the next invoice is issued anew for the new times
(a new number), and raises ``calendar_sequence`` so the calendar file is sent again.

Every step after the update that applies a change is safe to repeat and the stale-claim
sweep finishes it after a crash (``domain.moves.claim_fate``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from beanie import PydanticObjectId
from beanie.odm.utils.encoder import Encoder
from pymongo import ReturnDocument

from domain.booking_status import BookingStatus
from domain.errors import (
    BookingError,
    ChangeGoneError,
    NotExtendableError,
    NotMovableError,
    PastClosingError,
    SameTimeError,
    SlotsBlockedError,
    TooManySlotsError,
)
from domain.ledger import PaymentPurpose, next_refund_keys
from domain.moves import (
    ChangeKind,
    ExtendProblem,
    MoveProblem,
    change_claims_owner,
    change_reference,
    due_ms_after_change,
    extend_problem,
    free_move_until,
    move_problem,
)
from domain.slots import Slot
from storage.booking_service import BookingService, Claimant
from storage.models import (
    BookedSlot,
    Booking,
    PaymentEntry,
    PendingChange,
    RefundEntry,
    Room,
    SlotClaim,
    claim_id,
    room_day_key,
)
from storage.payment_records import ledger_fields, owes_refunds, refund_fields
from storage.times import to_ms

log = logging.getLogger(__name__)

MOVE_REFUND_REASON = "moved"
"""A refund entry's reason when a move to a cheaper time gives the difference back: the
new invoice already has the lower price, so no credit note reduces it again."""
CHANGE_REFUSED = "change_refused"
"""A refund entry's reason when money came for a move or an hour that could not be had
any more (it lapsed, or the amount was not the difference)."""
APPLY_ATTEMPTS = 3


@dataclass(frozen=True)
class ChangeOffer:
    """A move or an extra hour as it could be had now: the session's slots once changed,
    its new price and the difference (positive: to pay; negative: to refund)."""

    booking: Booking
    room: Room
    kind: ChangeKind
    day: date
    slots: tuple[BookedSlot, ...]
    amount_paise: int

    @property
    def difference_paise(self) -> int:
        return self.amount_paise - self.booking.amount_paise

    @property
    def starts_at(self) -> datetime:
        return self.slots[0].start

    @property
    def ends_at(self) -> datetime:
        return self.slots[-1].end

    @property
    def new_slots(self) -> list[BookedSlot]:
        """The slots the booking does not hold yet: what the change claims."""
        held = {s.start for s in self.booking.slots}
        return [s for s in self.slots if s.start not in held]


@dataclass(frozen=True)
class ChangeOutcome:
    before: Booking
    """The booking as it was."""
    booking: Booking
    """As it is now: moved, or waiting with its ``change`` for payment."""
    applied: bool
    refund_paise: int = 0


class SessionChanges:
    def __init__(self, bookings: BookingService) -> None:
        self.bookings = bookings
        self.clock = bookings.clock

    # ---- moving ----------------------------------------------------------------------

    async def free_move_until(self, booking: Booking) -> datetime:
        return free_move_until(await self.bookings.refund_policy_of(booking), booking.starts_at)

    async def check_movable(self, booking: Booking, room: Room) -> None:
        """NotMovableError (with the deadline when too late) unless the booking can move now."""
        free_until = await self.free_move_until(booking)
        problem = move_problem(
            booking.status,
            paid=bool(booking.payments),
            in_series=booking.series is not None,
            pending_change=booking.change is not None,
            starts_at=booking.starts_at,
            free_until=free_until,
            now=self.clock.now(),
        )
        if problem is not None:
            late = problem is MoveProblem.TOO_LATE
            raise NotMovableError(problem.value, free_until if late else None, room.zone if late else None)

    async def move_offer(
        self, booking_id: str | PydanticObjectId, user_id: int, day: date, slot_keys: Iterable[str]
    ) -> ChangeOffer:
        """The musician's booking moved to ``slot_keys`` of ``day`` in its room, priced;
        reads only. Raises NotYourBookingError, NotMovableError, the booking rules'
        refusals (``check_selection``: the same rules a new booking meets), SameTimeError,
        SlotsBlockedError and SlotsTakenError (slots held by others now)."""
        booking = await self.bookings.booking_of_user(booking_id, user_id)
        room = await self.bookings.room(booking.room_id)
        await self.check_movable(booking, room)
        session = self.bookings.check_selection(room, day, slot_keys)
        slots = tuple(
            BookedSlot(start=s.start, end=s.end, price_paise=room.prices.price(s, room.zone))
            for s in session.slots
        )
        if [s.start for s in slots] == booking.slot_starts and day == booking.day:
            raise SameTimeError
        offer = ChangeOffer(booking, room, ChangeKind.MOVE, day, slots, sum(s.price_paise for s in slots))
        await self._check_free(room, day, [s.slot for s in offer.new_slots])
        return offer

    async def request_move(
        self, booking_id: str | PydanticObjectId, user_id: int, day: date, slot_keys: Iterable[str]
    ) -> ChangeOutcome:
        """Claim the new slots, then move at once (same price or cheaper: the difference
        owed back as a refund entry) or wait for the difference to be paid (dearer).
        Raises what ``move_offer`` raises, changing nothing."""
        offer = await self.move_offer(booking_id, user_id, day, slot_keys)
        if offer.difference_paise > 0:
            return await self._hold(
                offer, lapses_at=min(self.clock.now() + self.bookings.rules.hold, offer.booking.starts_at)
            )
        owner = await self._claim(offer)
        refunds = self._refund_entries(offer.booking, -offer.difference_paise)
        try:
            moved = await self._apply(
                offer.booking,
                offer.day,
                list(offer.slots),
                offer.amount_paise,
                ChangeKind.MOVE,
                pending=None,
                refunds=refunds,
            )
        except BaseException:
            await self.bookings._release(owner)
            raise
        if moved is None:
            await self.bookings._release(owner)
            current = await self.bookings.booking(offer.booking.id)
            await self.check_movable(current, offer.room)
            raise ChangeGoneError
        await self._hand_over(offer.booking, moved, owner)
        log.info("booking %s moved to %s", moved.code, moved.starts_at.isoformat())
        return ChangeOutcome(
            offer.booking, moved, applied=True, refund_paise=sum(e.amount_paise for e in refunds)
        )

    # ---- an extra hour -----------------------------------------------------------------

    async def extension_offer(self, booking: Booking) -> ChangeOffer | None:
        """The hour after the session as it could be added now, if it can; reads only."""
        try:
            return await self._extension(booking)
        except BookingError:
            return None

    async def extension_check(self, booking_id: str | PydanticObjectId, user_id: int) -> ChangeOffer:
        booking = await self.bookings.booking_of_user(booking_id, user_id)
        return await self._extension(booking)

    async def request_extension(self, booking_id: str | PydanticObjectId, user_id: int) -> ChangeOutcome:
        """Claim the slot after the session and wait for its price to be paid; the claim
        lapses when the slot begins unpaid. Raises NotYourBookingError,
        NotExtendableError, PastClosingError, TooManySlotsError, SlotsBlockedError,
        SlotsTakenError, changing nothing."""
        offer = await self.extension_check(booking_id, user_id)
        return await self._hold(offer, lapses_at=offer.new_slots[0].start)

    async def _extension(self, booking: Booking) -> ChangeOffer:
        now = self.clock.now()
        problem = extend_problem(
            booking.status,
            paid=bool(booking.payments),
            pending_change=booking.change is not None,
            starts_at=booking.starts_at,
            ends_at=booking.ends_at,
            now=now,
        )
        if problem is not None:
            raise NotExtendableError(problem.value)
        room = await self.bookings.room(booking.room_id)
        following = next((s for s in room.slots_on(booking.day) if s.start == booking.ends_at), None)
        if following is None:
            raise PastClosingError
        limit = self.bookings.room_rules(room).max_slots
        if len(booking.slots) + 1 > limit:
            raise TooManySlotsError(limit)
        extra = BookedSlot(
            start=following.start, end=following.end, price_paise=room.prices.price(following, room.zone)
        )
        slots = (*booking.slots, extra)
        offer = ChangeOffer(
            booking, room, ChangeKind.EXTENSION, booking.day, slots, booking.amount_paise + extra.price_paise
        )
        await self._check_free(room, booking.day, [following])
        return offer

    # ---- waiting for the difference ---------------------------------------------------------

    async def _hold(self, offer: ChangeOffer, *, lapses_at: datetime) -> ChangeOutcome:
        """Claim the offer's new slots and keep it as the booking's pending change."""
        booking = offer.booking
        reference = change_reference(booking.code, offer.kind, booking.change_count + 1)
        owner = await self._claim(offer, reference)
        change = PendingChange(
            kind=offer.kind.value,
            reference=reference,
            claims_owner=owner,
            day=offer.day,
            slots=list(offer.slots),
            amount_paise=offer.amount_paise,
            due_paise=offer.difference_paise,
            lapses_ms=to_ms(lapses_at) or 0,
            requested_at=self.clock.now(),
        )
        raw = await Booking.get_pymongo_collection().find_one_and_update(
            {
                "_id": booking.id,
                "status": {"$in": [BookingStatus.NOT_STARTED.value, BookingStatus.ONGOING.value]},
                "change": None,
                "change_count": booking.change_count,
            },
            {
                "$set": {"change": Encoder().encode(change), "updated_at": self.clock.now()},
                "$inc": {"change_count": 1},
            },
            return_document=ReturnDocument.AFTER,
        )
        if raw is None:
            await self.bookings._release(owner)
            current = await self.bookings.booking(booking.id)
            if current.change is not None:
                raise (
                    NotMovableError(MoveProblem.PENDING.value)
                    if offer.kind is ChangeKind.MOVE
                    else NotExtendableError(ExtendProblem.PENDING.value)
                )
            raise ChangeGoneError
        return ChangeOutcome(booking, Booking.model_validate(raw), applied=False)

    async def pending_change_of(
        self, booking_id: str | PydanticObjectId, user_id: int
    ) -> tuple[Booking, PendingChange]:
        """The musician's booking and its change waiting for payment; ChangeGoneError
        when none waits (paid, lapsed)."""
        booking = await self.bookings.booking_of_user(booking_id, user_id)
        if booking.change is None or booking.change.lapses_ms <= (to_ms(self.clock.now()) or 0):
            raise ChangeGoneError
        return booking, booking.change

    async def store_change_link(self, booking: Booking, link_id: str, url: str) -> Booking | None:
        """Keep the link made for the booking's pending change unless it has one (a racing
        tap stored its own) or the change is gone: None then."""
        assert booking.change is not None
        raw = await Booking.get_pymongo_collection().find_one_and_update(
            {"_id": booking.id, "change.claims_owner": booking.change.claims_owner, "change.link_id": None},
            {"$set": {"change.link_id": link_id, "change.link_url": url}},
            return_document=ReturnDocument.AFTER,
        )
        return Booking.model_validate(raw) if raw else None

    async def apply_paid(self, booking: Booking, entry: PaymentEntry) -> Booking | None:
        """The difference of the booking's pending change arrived (``entry``): apply it, the
        payment in the same update. None when the change is not waiting any more (lapsed,
        or applied by a racing delivery), or the session can no longer take it (a move of
        a session that has started)."""
        change = booking.change
        if change is None:
            return None
        kind = ChangeKind(change.kind)
        if kind is ChangeKind.MOVE and booking.status is not BookingStatus.NOT_STARTED:
            return None
        if booking.status not in (BookingStatus.NOT_STARTED, BookingStatus.ONGOING):
            return None
        if (to_ms(self.clock.now()) or 0) >= change.lapses_ms:
            return None  # paid after it lapsed (the clock's job may not have run yet)
        changed = await self._apply(
            booking, change.day, change.slots, change.amount_paise, kind, pending=change, payment=entry
        )
        if changed is not None:
            await self._hand_over(booking, changed, change.claims_owner)
            log.info("booking %s: paid %s %s applied", changed.code, kind.value, change.reference)
        return changed

    async def record_refused_payment(
        self, booking: Booking, entry: PaymentEntry, reason: str
    ) -> Booking | None:
        """Money for a change that cannot be had any more: recorded with all of it owed
        back, in one update; None when the booking's payments changed meanwhile."""
        if any(p.payment_id == entry.payment_id for p in booking.payments):
            return None
        (key,) = next_refund_keys(str(booking.id), booking.refunds.keys(), 1)
        refund = RefundEntry(
            key=key, payment_id=entry.payment_id, amount_paise=entry.share_paise, reason=reason
        )
        owes = owes_refunds(to_ms(self.clock.now()) or 0)
        raw = await Booking.get_pymongo_collection().find_one_and_update(
            {"_id": booking.id, "payment_count": len(booking.payments)},
            {
                "$set": {
                    **ledger_fields([*booking.payments, entry]),
                    **refund_fields([refund]),
                    **owes["$set"],
                },
                "$inc": owes["$inc"],
            },
            return_document=ReturnDocument.AFTER,
        )
        return Booking.model_validate(raw) if raw else None

    # ---- letting go ----------------------------------------------------------------------

    async def due_to_lapse(self, limit: int = 200, *, within: timedelta | None = None) -> list[Booking]:
        """Bookings whose change is past its time to be paid (not yet let go), or will be
        ``within`` from now."""
        until_ms = to_ms(self.clock.now() + (within or timedelta(0))) or 0
        return await Booking.find({"change.lapses_ms": {"$lte": until_ms}}).limit(limit).to_list()

    async def lapse_due(self, limit: int = 200) -> list[tuple[Booking, PendingChange]]:
        """Changes whose difference was not paid in time: each let go once (a conditional
        update), its claims released. The bookings as they are now, with what lapsed."""
        now_ms = to_ms(self.clock.now()) or 0
        lapsed: list[tuple[Booking, PendingChange]] = []
        for booking in await self.due_to_lapse(limit):
            change = booking.change
            if change is None:
                continue
            raw = await Booking.get_pymongo_collection().find_one_and_update(
                {
                    "_id": booking.id,
                    "change.claims_owner": change.claims_owner,
                    "change.lapses_ms": {"$lte": now_ms},
                },
                {"$set": {"change": None, "updated_at": self.clock.now()}},
                return_document=ReturnDocument.AFTER,
            )
            if raw is None:
                continue
            await self.bookings._release(change.claims_owner)
            log.info("booking %s: unpaid %s %s lapsed", booking.code, change.kind, change.reference)
            lapsed.append((Booking.model_validate(raw), change))
        return lapsed

    # ---- steps ---------------------------------------------------------------------------

    async def _check_free(self, room: Room, day: date, slots: list[Slot]) -> None:
        """SlotsBlockedError when the owner closed any of ``slots``; slots taken by others
        are the claims' to refuse (SlotsTakenError), as for a new booking."""
        if not slots:
            return
        _, blocked = await self.bookings.claimed_keys(room, day, slots)
        if blocked:
            raise SlotsBlockedError

    async def _claim(self, offer: ChangeOffer, reference: str | None = None) -> str:
        """Claim the offer's new slots under a claim owner of their own; SlotsTakenError
        (claiming nothing) when someone holds any."""
        booking = offer.booking
        reference = reference or change_reference(booking.code, offer.kind, booking.change_count + 1)
        owner = change_claims_owner(str(booking.id), reference, str(PydanticObjectId()))
        new = [s.slot for s in offer.new_slots]
        if new:
            await self.bookings._claim(offer.room, offer.day, new, Claimant.booking(owner))
        return owner

    def _refund_entries(self, booking: Booking, amount_paise: int) -> list[RefundEntry]:
        if amount_paise <= 0:
            return []
        entries, _ = self.bookings._refunds_owed(booking, amount_paise, 100)
        return [entry.model_copy(update={"reason": MOVE_REFUND_REASON}) for entry in entries]

    async def _apply(
        self,
        booking: Booking,
        day: date,
        slots: list[BookedSlot],
        amount_paise: int,
        kind: ChangeKind,
        *,
        pending: PendingChange | None,
        payment: PaymentEntry | None = None,
        refunds: list[RefundEntry] | None = None,
    ) -> Booking | None:
        """Give the booking its changed times in one conditional update: still in the status
        read, its payments and invoice as read, and its pending change ``pending`` (or none).
        The invoice issued meanwhile makes it read again and retry."""
        for _ in range(APPLY_ATTEMPTS):
            changed = await self._apply_once(
                booking, day, slots, amount_paise, kind, pending, payment, refunds or []
            )
            if changed is not None:
                return changed
            current = await self.bookings.booking(booking.id)
            same_change = (current.change.claims_owner if current.change else None) == (
                pending.claims_owner if pending else None
            )
            if (
                current.status is not booking.status
                or not same_change
                or len(current.payments) != len(booking.payments)
            ):
                return None
            if refunds:
                refunds = self._refund_entries(current, sum(e.amount_paise for e in refunds))
            booking = current
        return None

    async def _apply_once(
        self,
        booking: Booking,
        day: date,
        slots: list[BookedSlot],
        amount_paise: int,
        kind: ChangeKind,
        pending: PendingChange | None,
        payment: PaymentEntry | None,
        refunds: list[RefundEntry],
    ) -> Booking | None:
        now = self.clock.now()
        starts, ends = slots[0].start, slots[-1].end
        changes: dict[str, Any] = {
            "day": Encoder().encode(day),  # as Beanie stores a date
            "room_day": room_day_key(booking.room_id, day),
            "slots": [s.model_dump() for s in slots],
            "amount_paise": amount_paise,
            "starts_at": starts,
            "ends_at": ends,
            "due_ms": due_ms_after_change(booking.status, to_ms(starts) or 0, to_ms(ends) or 0),
            "change": None,
            "updated_at": now,
        }
        if booking.invoice_number:
            changes.update(
                {
                    "earlier_invoices": [
                        *booking.earlier_invoices,
                        booking.invoice or {"number": booking.invoice_number},
                    ],
                    "invoice_number": None,
                    "invoice": {},
                    "superseded_invoice_number": booking.invoice_number,
                }
            )
        if kind is ChangeKind.MOVE:
            changes["reminders_sent"] = []  # the new time gets its own reminders
        inc: dict[str, int] = {"calendar_sequence": 1}
        if pending is None:
            inc["change_count"] = 1
        if payment is not None:
            changes.update(ledger_fields([*booking.payments, payment]))
        if refunds:
            owes = owes_refunds(to_ms(now) or 0)
            changes.update({**refund_fields(refunds), **owes["$set"]})
            inc.update(owes["$inc"])
        query: dict[str, Any] = {
            "_id": booking.id,
            "status": booking.status.value,
            "payment_count": len(booking.payments),
            "invoice_number": booking.invoice_number,
        }
        if pending is None:
            query["change"] = None
        else:
            query["change.claims_owner"] = pending.claims_owner
        raw = await Booking.get_pymongo_collection().find_one_and_update(
            query, {"$set": changes, "$inc": inc}, return_document=ReturnDocument.AFTER
        )
        return Booking.model_validate(raw) if raw else None

    async def _hand_over(self, before: Booking, after: Booking, owner: str) -> None:
        """After the update that changed the booking: release the claims of the slots it
        left (through the booking service's release path, so whoever listens for freed
        slots hears of them), then make the change's claims the booking's own."""
        room_id = after.room_id
        kept = {s.start for s in after.slots}
        left = [s for s in before.slots if s.start not in kept]
        claims = SlotClaim.get_pymongo_collection()
        if left:
            leaving = change_claims_owner(str(after.id), "left", str(PydanticObjectId()))
            await claims.update_many(
                {
                    "_id": {"$in": [claim_id(room_id, s.slot.key) for s in left]},
                    "booking_id": str(after.id),
                    "kind": "booking",
                },
                {"$set": {"booking_id": leaving}},
            )
            await self.bookings._release(leaving)
        await claims.update_many(
            {"booking_id": owner, "kind": "booking"}, {"$set": {"booking_id": str(after.id)}}
        )


def change_purpose(kind: ChangeKind) -> PaymentPurpose:
    return PaymentPurpose.MOVE if kind is ChangeKind.MOVE else PaymentPurpose.EXTENSION
