"""The one code path that creates bookings and moves them through their life.

Dialogs, the payment webhook, jobs and the owner tools all call this service; none
of them writes a booking's status or a slot claim themselves.

Correctness rests on two things the database guarantees without transactions:
a slot claim's ``_id`` is unique, so two claims of one slot cannot both succeed;
and every status change is a single conditional update on ``status == expected``,
so racing callers change a booking once.

Every slot claim this service deletes goes through ``_free_claims`` (expiry,
cancellation, termination, an owner's unblock, a lost race giving back what it won,
a stale claim, an offer that lapsed or was declined), which tells the slots' waiting
musicians (storage/waitlist.py) and open screens (storage/live_screens.py); every
claim it writes tells the screens too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from beanie import PydanticObjectId
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

from domain.availability import SlotOffer, SlotState, day_offers
from domain.booking_status import (
    ACTIVE,
    HOLDS_SLOTS,
    BookingStatus,
    check_transition,
    releases_slots,
)
from domain.clock import Clock
from domain.codes import new_booking_code, new_series_code
from domain.errors import (
    BookingNotCancellableError,
    BookingNotFoundError,
    DateInPastError,
    NoShowWindowClosedError,
    NoSlotsChosenError,
    NoSuchSlotError,
    NotAPaidSessionError,
    NotOwnerError,
    NotYourBookingError,
    NotYourOfferError,
    NoWeekBookableError,
    OfferGoneError,
    RoomClosedError,
    RoomNotFoundError,
    RoomPausedError,
    SeriesNotPossibleError,
    SeriesWeeksTakenError,
    SessionNotOverError,
    SessionTooShortError,
    SlotNotWaitableError,
    SlotsNotBookableError,
    SlotsNotContiguousError,
    SlotsTakenError,
    TooManySlotsError,
    TooManyUnpaidHoldsError,
    TooManyWaitsError,
    UnknownUserError,
    WaitNotFoundError,
)
from domain.ledger import allocate_refund, next_refund_keys
from domain.moves import ClaimFate, booking_of_claims_owner, claim_fate
from domain.no_shows import PAID_SESSIONS, NoShowProblem, no_show_closes_at, no_show_problem
from domain.refund import RefundPolicy, RefundQuote
from domain.refund_status import RefundStatus
from domain.room_rules import (
    MINUTE,
    RefundDeadlines,
    RoomRules,
    RuleField,
    TooFarAhead,
    TooManySlots,
    TooShort,
    TooSoon,
    refund_deadlines,
    rule_breaches,
    stored_refund_policy,
)
from domain.series import (
    Obstacle,
    Occurrence,
    SeriesPlan,
    SeriesRefusedError,
    WeeklySelection,
    check_weeks,
    plan_series,
    weekly_occurrences,
)
from domain.sessions import NotOneSessionError, Session, one_session
from domain.slots import Slot, business_day, index_slots, overlaps, parse_slot_key, slot_key
from domain.waitlist import MAX_OPEN_WAITS, WAITABLE, wait_ends_at
from domain.words.owner import CANCELLED_BY_MUSICIAN
from storage import live_screens
from storage.background import BackgroundWork
from storage.bookings import delete_refused
from storage.holds import free_stale_holds, release_hold, release_series_hold, take_hold
from storage.ids import parse_object_id
from storage.models import (
    BookedSlot,
    Booking,
    PaymentEntry,
    RefundEntry,
    Room,
    SeriesMark,
    SlotClaim,
    User,
    claim_id,
    room_day_key,
    room_days_between,
    room_of_key,
)
from storage.payment_records import ledger_as_read, ledger_fields, owes_refunds, refund_fields
from storage.series import series_code_taken, series_weeks
from storage.times import as_utc, to_ms
from storage.waitlist import SlotWait, Waitlist, add_wait, remove_wait, wait_by_offer, wait_of, waits_of

log = logging.getLogger(__name__)

DUPLICATE_KEY = 11000
CODE_ATTEMPTS = 5
LEDGER_ATTEMPTS = 3
"""Reads of a booking a cancel makes while payments or refunds keep landing on it."""
ROOM_RULES_KEPT = 1000
"""Rooms' built booking rules kept at once (``BookingService.room_rules``)."""


@dataclass(frozen=True)
class BookingRules:
    hold: timedelta = timedelta(minutes=15)
    min_lead: timedelta = timedelta(minutes=30)
    max_slots: int = 8
    horizon_days: int = 60
    max_unpaid_holds: int = 2
    """How many bookings one musician may hold unpaid at once (holds lock slots for others)."""
    refund_policy: RefundPolicy = field(default_factory=RefundPolicy)

    @cached_property
    def room_defaults(self) -> RoomRules:
        """The booking rules of a room whose owner set none (or a rule they did not set):
        these settings'. RoomRuleError when the settings cannot be a room's rules
        (``bot.config`` refuses such settings at start-up)."""
        return RoomRules(
            horizon_days=self.horizon_days,
            lead_minutes=self.min_lead // MINUTE,
            max_slots=self.max_slots,
            refund_policy=self.refund_policy,
        )


@dataclass(frozen=True)
class CancelOutcome:
    booking: Booking
    refund: RefundQuote


@dataclass(frozen=True)
class Closed:
    """A booking closed with its refund (``BookingService._close_with_refund``): as it was
    read just before, as it is now, the refund worked out and what it owes in paise."""

    before: Booking
    after: Booking
    refund: RefundQuote
    owed: int


def _differs(quote: RefundQuote, told: RefundQuote) -> bool:
    return (quote.amount_paise, quote.percent) != (told.amount_paise, told.percent)


@dataclass(frozen=True)
class SeriesOffer:
    """A weekly series as it could be booked now: every week with what stands in its way
    (``domain.series``), and the price of each week that can be booked."""

    plan: SeriesPlan
    prices: Mapping[int, int]
    """Week number -> price in paise, for the bookable weeks."""

    @property
    def bookable(self) -> tuple[Occurrence, ...]:
        return self.plan.bookable

    @property
    def impossible(self) -> tuple[Occurrence, ...]:
        return self.plan.impossible

    @property
    def total_paise(self) -> int:
        return sum(self.prices[week.week] for week in self.bookable)


def due_at_for(status: BookingStatus, booking: Booking) -> datetime | None:
    """The next moment the clock must act on a booking in ``status``."""
    return {
        BookingStatus.PENDING_PAYMENT: booking.hold_expires_at,
        BookingStatus.NOT_STARTED: booking.starts_at,
        BookingStatus.ONGOING: booking.ends_at,
    }.get(status)


def claims_around_query(room_id: PydanticObjectId | str, day: date) -> dict[str, Any]:
    """The claims of ``day`` and of the days either side (one indexed range)."""
    return {"room_day": room_days_between(room_id, day - timedelta(days=1), day + timedelta(days=1))}


@dataclass(frozen=True)
class Claimant:
    """Who claims slots: a booking (by its id, or a change's claim owner), an owner's
    block, or a waitlist offer (``extra``: the offer's fields)."""

    booking_id: str | None
    kind: str
    created_by: int | None = None
    note: str | None = None
    extra: Mapping[str, Any] | None = None

    @classmethod
    def booking(cls, booking_id: str | PydanticObjectId) -> Claimant:
        return cls(str(booking_id), "booking")

    def fields(self) -> dict[str, Any]:
        """What each of its claims records of it."""
        return {
            "kind": self.kind,
            "booking_id": self.booking_id,
            "note": self.note,
            "created_by": self.created_by,
            **(self.extra or {}),
        }

    def own(self) -> dict[str, Any]:
        """The fields that tell its claims from anyone else's, for freeing only those."""
        offer = {"offer_id": self.extra["offer_id"]} if self.extra else {}
        return {"booking_id": self.booking_id, "kind": self.kind, **offer}


async def _all_at_once(works: Iterable[Awaitable[object]]) -> None:
    """Run ``works`` together, each to its end, then raise the first failure (the stale
    passes retry what a failed release left)."""
    for failed in await asyncio.gather(*works, return_exceptions=True):
        if isinstance(failed, BaseException):
            raise failed


class BookingService:
    def __init__(self, clock: Clock, rules: BookingRules | None = None) -> None:
        self.clock = clock
        self.rules = rules or BookingRules()
        self._room_rules: dict[str, RoomRules] = {}
        self._claims_versions: dict[str, int] = {}
        self.waitlist = Waitlist(self, clock)
        self.aftermath = BackgroundWork()
        """What follows a change of claims without holding up the answer to the change:
        open screens of the day marked for a redraw, freed slots offered to whoever
        waits for them. Drained at shutdown (and by tests before they look)."""

    # ---- reading -------------------------------------------------------------------

    async def room(self, room_id: str | PydanticObjectId) -> Room:
        object_id = parse_object_id(room_id)
        room = await Room.get(object_id) if object_id else None
        if room is None:
            raise RoomNotFoundError
        return room

    async def _room_to_book(self, user_id: int, room_id: str | PydanticObjectId) -> Room:
        """The room, if the musician is known and it takes bookings; both read at once
        (a confirm's first round trip). Raises UnknownUserError, then RoomNotFoundError
        or RoomPausedError."""
        user, room = await asyncio.gather(User.get(user_id), self.room(room_id), return_exceptions=True)
        if user is None:
            raise UnknownUserError
        for outcome in (user, room):
            if isinstance(outcome, BaseException):
                raise outcome
        assert isinstance(room, Room)
        if not room.active:
            raise RoomPausedError
        return room

    def today(self, room: Room) -> date:
        """The room's business day now: still yesterday while yesterday's session runs
        past midnight, so its late slots stay bookable until they start."""
        return business_day(self.clock.now(), room.zone, lambda day: room.grid_on(day)[0])

    def room_rules(self, room: Room) -> RoomRules:
        """The room's booking rules: what its owner set, the settings' for the rest.

        Asked several times per tap (offers, the slot limit, the checks): building and
        checking RoomRules costs 50-120 µs, so each stored form is built once."""
        if not room.rules:
            return self.rules.room_defaults
        key = repr(sorted(room.rules.items()))
        rules = self._room_rules.get(key)
        if rules is None:
            if len(self._room_rules) >= ROOM_RULES_KEPT:
                self._room_rules.clear()
            rules = self._room_rules[key] = RoomRules.from_dict(room.rules, self.rules.room_defaults)
        return rules

    def booking_lead(self, room: Room) -> timedelta:
        """How long before a slot starts it stops being bookable at ``room`` (its rules):
        a wait for the slot ends then, and an offer of it lapses by then."""
        return self.room_rules(room).lead

    def last_bookable_day(self, room: Room) -> date:
        return self.room_rules(room).last_bookable_day(self.today(room))

    def is_bookable_day(self, room: Room, day: date) -> bool:
        return self.today(room) <= day <= self.last_bookable_day(room) and room.is_open_on(day)

    async def claims_around(self, room: Room, day: date) -> list[tuple[Slot, str, str]]:
        """(slot, kind, claim id) of every claim of ``day`` and its neighbours, whose
        sessions can run into it across midnight."""
        cursor = SlotClaim.get_pymongo_collection().find(
            claims_around_query(room.id, day), {"kind": 1, "start": 1, "end": 1}
        )
        return [
            (Slot(as_utc(c["start"]), as_utc(c["end"])), c.get("kind", "booking"), str(c["_id"]))
            async for c in cursor
        ]

    async def claimed_keys(self, room: Room, day: date, slots: Sequence[Slot]) -> tuple[set[str], set[str]]:
        """Keys of ``slots`` held by bookings and by owner blocks. A slot counts as held
        when any claim overlaps it, so days booked under other hours or another slot
        length (see ``Room.kept_grids``) never sell the same minutes twice."""
        taken: set[str] = set()
        blocked: set[str] = set()
        for claimed, kind, _ in await self.claims_around(room, day):
            for slot in slots:
                if overlaps(slot, claimed):
                    (blocked if kind == "block" else taken).add(slot.key)
        return taken, blocked

    async def offers(self, room: Room, day: date) -> list[SlotOffer]:
        """The day's slots with price and state, read fresh from the claims."""
        slots = room.slots_on(day)
        if not slots:
            return []
        taken, blocked = await self.claimed_keys(room, day, slots)
        return day_offers(
            slots,
            prices=room.prices,
            tz=room.zone,
            now=self.clock.now(),
            min_lead=self.booking_lead(room),
            taken=taken,
            blocked=blocked,
        )

    async def booking(self, booking_id: str | PydanticObjectId) -> Booking:
        object_id = parse_object_id(booking_id)
        booking = await Booking.get(object_id) if object_id else None
        if booking is None:
            raise BookingNotFoundError
        return booking

    async def series_weeks(self, series_code: str) -> list[Booking]:
        """Every week of a weekly series, first week first (none for an unknown code)."""
        return await series_weeks(series_code)

    async def booking_of_user(self, booking_id: str | PydanticObjectId, user_id: int) -> Booking:
        booking = await self.booking(booking_id)
        if booking.user_id != user_id:
            raise NotYourBookingError
        return booking

    async def bookings_of_user(self, user_id: int, *, upcoming: bool, limit: int = 20) -> list[Booking]:
        now = self.clock.now()
        query: dict[str, Any] = {"user_id": user_id}
        if upcoming:  # not every booking a musician ever made, cancelled ones included
            query["status"] = {"$in": [status.value for status in ACTIVE]}
        found = await Booking.find(query).to_list()
        if upcoming:
            chosen = [b for b in found if b.status in ACTIVE and b.ends_at > now]
            chosen.sort(key=lambda b: b.starts_at)
        else:
            chosen = [b for b in found if not (b.status in ACTIVE and b.ends_at > now)]
            chosen.sort(key=lambda b: b.starts_at, reverse=True)
        return chosen[:limit]

    async def refund_policy_of(self, booking: Booking) -> RefundPolicy:
        """The refund tiers a cancellation of ``booking`` follows: those of its room when it
        was made (the review screen showed them); for a booking older than per-room rules,
        its room's now (the settings' for a room that is gone)."""
        if booking.refund_tiers is not None:
            return stored_refund_policy(booking.refund_tiers)
        try:
            room = await self.room(booking.room_id)
        except RoomNotFoundError:
            return self.rules.refund_policy
        return self.room_rules(room).refund_policy

    async def refund_quote(self, booking: Booking) -> RefundQuote:
        if booking.status is BookingStatus.PENDING_PAYMENT:
            return RefundQuote(0, 0, booking.starts_at - self.clock.now())
        policy = await self.refund_policy_of(booking)
        return policy.quote(booking.amount_paise, booking.starts_at, self.clock.now())

    def refund_deadlines(self, room: Room, session_starts: datetime) -> RefundDeadlines:
        """When a cancellation of a session at ``room`` starting at ``session_starts``
        stops getting each share back, from now on (the review screen's clock times)."""
        policy = self.room_rules(room).refund_policy
        return refund_deadlines(policy, session_starts).still_open(self.clock.now())

    # ---- creating ------------------------------------------------------------------

    async def create_booking(
        self, user_id: int, room_id: str | PydanticObjectId, day: date, slot_keys: Iterable[str]
    ) -> Booking:
        """Hold the chosen slots for ``user_id`` as a PENDING_PAYMENT booking.

        Raises a BookingError subclass, changing nothing, when the request is not
        valid; SlotsTakenError names the slots someone else holds.
        """
        room = await self._room_to_book(user_id, room_id)
        rules = self.room_rules(room)
        slots = list(self.check_selection(room, day, slot_keys).slots)
        booking_id = PydanticObjectId()
        limit = self.rules.max_unpaid_holds
        # The musician's hold and the slots are claimed at once, and the booking is
        # written while the claims are checked for overlaps: a confirm waits for three
        # round trips here instead of five. Whatever fails is undone, so a refused
        # confirm changes nothing (the slots it held for a moment are freed the usual way).
        held, claimed = await asyncio.gather(
            take_hold(user_id, str(booking_id), limit=limit, now=self.clock.now()),
            self._insert_claims(room, day, slots, Claimant.booking(booking_id)),
            return_exceptions=True,
        )
        if held is not True or isinstance(claimed, BaseException):
            claims_in = not isinstance(claimed, BaseException)
            await self._undo_confirm(booking_id, hold=held is True, claims=claims_in)
            if held is False:
                raise TooManyUnpaidHoldsError(limit)
            raise held if isinstance(held, BaseException) else claimed
        tiers = rules.to_dict()[RuleField.REFUND_TIERS.value]
        clashes, booking = await asyncio.gather(
            self._overlapping(room, day, slots, set(claimed)),
            self._insert_booking(booking_id, user_id, room, day, slots, tiers),
            return_exceptions=True,
        )
        if isinstance(booking, Booking) and clashes == []:
            self._claims_taken({room_day_key(room.id, day)})
            return booking
        await self._undo_confirm(booking_id, hold=True, claims=True, booking=isinstance(booking, Booking))
        if isinstance(clashes, BaseException):
            raise clashes
        if isinstance(booking, BaseException):
            raise booking
        raise SlotsTakenError(clashes)

    async def _undo_confirm(
        self, booking_id: PydanticObjectId, *, hold: bool, claims: bool, booking: bool = False
    ) -> None:
        """Give back what a refused confirm took: its booking first, then its slots and its
        hold. Stopped in between, it leaves claims without a booking, which the
        stale-claims pass frees, never a booking whose slots are free to others."""
        if booking:
            await delete_refused([booking_id])
        releases: list[Awaitable[object]] = []
        if claims:
            releases.append(self._release(booking_id))
        if hold:
            releases.append(release_hold(booking_id))
        await _all_at_once(releases)

    # ---- weekly series ---------------------------------------------------------------

    async def plan_weekly(self, room: Room, day: date, slot_keys: Iterable[str], weeks: int) -> SeriesOffer:
        """The chosen slots of ``day`` repeated weekly for ``weeks`` weeks: which weeks can
        be booked now and which cannot, and why (closed, taken, too soon, too far ahead,
        a change of the clocks). Reads only. Raises SeriesNotPossibleError when the
        selection cannot repeat at all (weeks out of 2-12, not one run of slots), and
        NoSuchSlotError for keys that are not slots."""
        keys = parse_slot_keys(slot_keys)
        try:
            check_weeks(weeks)
            selection = WeeklySelection.from_keys(day, keys, room.grid_on(day)[1], room.zone)
        except SeriesRefusedError as refused:
            raise SeriesNotPossibleError(refused.problem.value, weeks) from None
        except ValueError:
            raise NoSuchSlotError from None
        obstacles: dict[int, Obstacle | None] = {}
        prices: dict[int, int] = {}
        for week in weekly_occurrences(selection, weeks):
            if week.obstacle is not None:
                continue
            obstacles[week.week] = obstacle = await self._week_obstacle(room, week)
            if obstacle is None:
                slots = index_slots(room.slots_on(week.day))
                prices[week.week] = sum(room.prices.price(slots[key], room.zone) for key in week.slot_keys)
        plan = plan_series(selection, weeks, lambda week: obstacles.get(week.week))
        return SeriesOffer(plan, prices)

    async def _week_obstacle(self, room: Room, week: Occurrence) -> Obstacle | None:
        """What stands in the way of one week of a series: the same rules a single booking
        of it meets, and the claims on its day."""
        rules = self.room_rules(room)
        if week.day > self.last_bookable_day(room):
            return Obstacle.TOO_FAR
        if week.day < self.today(room):
            return Obstacle.TOO_SOON
        offered = index_slots(room.slots_on(week.day))
        if any(key not in offered for key in week.slot_keys):
            return Obstacle.CLOSED
        slots = [offered[key] for key in week.slot_keys]
        if any(slot.start < self.clock.now() + rules.lead for slot in slots):
            return Obstacle.TOO_SOON
        taken, blocked = await self.claimed_keys(room, week.day, slots)
        if blocked:
            return Obstacle.CLOSED
        return Obstacle.TAKEN if taken else None

    async def create_series(
        self,
        user_id: int,
        room_id: str | PydanticObjectId,
        day: date,
        slot_keys: Iterable[str],
        weeks: int,
        *,
        only: Collection[date] | None = None,
    ) -> list[Booking]:
        """Hold the chosen slots of ``day`` and of the same times on the following weeks
        that can be booked now (``plan_weekly``), as one PENDING_PAYMENT booking per week,
        marked as one series: one unpaid hold, one payment.

        Every week is claimed with the same claims as a single booking, all or none:
        when weeks were taken meanwhile, SeriesWeeksTakenError names them and nothing is
        held. Raises the other BookingError subclasses, changing nothing, like
        ``create_booking``; NoWeekBookableError when no week can be booked.

        ``only``: the weeks (their days) the musician saw as bookable and confirmed; when
        any of them cannot be booked any more, SeriesWeeksTakenError names them and
        nothing is held, so nobody pays for fewer weeks than they agreed to."""
        room = await self._room_to_book(user_id, room_id)
        offer = await self.plan_weekly(room, day, slot_keys, weeks)
        bookable = offer.bookable
        if only is not None:
            gone = sorted(set(only) - {week.day for week in bookable})
            if gone:
                raise SeriesWeeksTakenError(gone)
            bookable = tuple(week for week in bookable if week.day in only)
        if not bookable:
            raise NoWeekBookableError
        chosen = [
            (week, list(self.check_selection(room, week.day, week.slot_keys).slots)) for week in bookable
        ]
        tiers = self.room_rules(room).to_dict()[RuleField.REFUND_TIERS.value]
        code = await self._new_series_code()
        ids = [PydanticObjectId() for _ in chosen]
        limit = self.rules.max_unpaid_holds
        if not await take_hold(user_id, code, limit=limit, now=self.clock.now()):
            raise TooManyUnpaidHoldsError(limit)
        try:
            await self._claim_weeks(room, chosen, ids)
            try:
                return [
                    await self._insert_booking(
                        booking_id,
                        user_id,
                        room,
                        week.day,
                        slots,
                        tiers,
                        series=SeriesMark(code=code, index=n, count=len(ids)),
                    )
                    for n, (booking_id, (week, slots)) in enumerate(zip(ids, chosen, strict=True))
                ]
            except BaseException:
                await delete_refused(ids)
                for booking_id in ids:
                    await self._release(booking_id)
                raise
        except BaseException:
            await release_hold(code)
            raise

    async def _claim_weeks(
        self, room: Room, weeks: Sequence[tuple[Occurrence, list[Slot]]], ids: Sequence[PydanticObjectId]
    ) -> None:
        """Claim every week's slots for its booking, or none: SeriesWeeksTakenError names the
        weeks someone else holds."""
        taken: list[date] = []
        claimed: list[PydanticObjectId] = []
        for booking_id, (week, slots) in zip(ids, weeks, strict=True):
            try:
                await self._claim(room, week.day, slots, Claimant.booking(booking_id))
            except SlotsTakenError:
                taken.append(week.day)
                continue
            claimed.append(booking_id)
        if taken:
            for booking_id in claimed:
                await self._release(booking_id)
            raise SeriesWeeksTakenError(taken)

    async def _new_series_code(self) -> str:
        for _ in range(CODE_ATTEMPTS):
            code = new_series_code()
            if not await series_code_taken(code):
                return code
        raise RuntimeError("could not find a free series code")

    async def _cancel_unpaid_weeks(self, series_code: str) -> None:
        """The musician gave up a series before paying: every week still held goes (one
        link pays for all of them)."""
        for week in await series_weeks(series_code):
            if week.status is BookingStatus.PENDING_PAYMENT:
                await self.transition(
                    week,
                    BookingStatus.PENDING_PAYMENT,
                    BookingStatus.CANCELLED,
                    extra={"cancelled_at": self.clock.now(), "cancel_reason": CANCELLED_BY_MUSICIAN},
                )

    def check_selection(self, room: Room, day: date, slot_keys: Iterable[str]) -> Session:
        """The one session ``slot_keys`` make on business ``day``, if the room's rules let
        it be booked now; otherwise the BookingError that says why (the dialog asks this
        when the musician taps Review; ``create_booking`` asks it again, whatever was sent).
        Claims nothing: whether the slots are free is the claims' to decide."""
        rules = self.room_rules(room)
        today = self.today(room)
        if day < today:
            raise DateInPastError
        if day > rules.last_bookable_day(today) or not room.is_open_on(day):
            raise RoomClosedError
        keys = sorted(set(slot_keys))
        if not keys:
            raise NoSlotsChosenError
        offered = index_slots(room.slots_on(day))
        if any(key not in offered for key in keys):
            raise NoSuchSlotError
        try:
            session = one_session(offered[key] for key in keys)
        except NotOneSessionError as refused:
            runs = [(run.start, run.end) for run in refused.sessions]
            raise SlotsNotContiguousError(runs, room.zone) from None
        for breach in rule_breaches(rules, session, day=day, today=today, now=self.clock.now()):
            match breach:
                case TooManySlots(limit=limit):
                    raise TooManySlotsError(limit)
                case TooSoon(starts=starts):
                    raise SlotsNotBookableError(starts)
                case TooShort(chosen_minutes=chosen, minimum_minutes=minimum):
                    raise SessionTooShortError(chosen, minimum)
                case TooFarAhead():
                    raise RoomClosedError
        return session

    async def _insert_booking(
        self,
        booking_id: PydanticObjectId,
        user_id: int,
        room: Room,
        day: date,
        slots: Sequence[Slot],
        refund_tiers: list[dict[str, int]],
        *,
        series: SeriesMark | None = None,
    ) -> Booking:
        now = self.clock.now()
        prices = room.prices
        booked = [BookedSlot(start=s.start, end=s.end, price_paise=prices.price(s, room.zone)) for s in slots]
        hold_expires_at = now + self.rules.hold
        for attempt in range(CODE_ATTEMPTS):
            booking = Booking(
                id=booking_id,
                code=new_booking_code(),
                user_id=user_id,
                room_id=str(room.id),
                day=day,
                room_day=room_day_key(room.id, day),
                slots=booked,
                amount_paise=sum(s.price_paise for s in booked),
                starts_at=slots[0].start,
                ends_at=slots[-1].end,
                hold_expires_at=hold_expires_at,
                due_ms=to_ms(hold_expires_at),
                created_at=now,
                updated_at=now,
                refund_tiers=refund_tiers,
                series=series,
            )
            try:
                await booking.insert()
            except DuplicateKeyError:
                if attempt == CODE_ATTEMPTS - 1:
                    raise
                continue
            return booking
        raise AssertionError("unreachable")

    # ---- slot claims ---------------------------------------------------------------

    async def _claim(self, room: Room, day: date, slots: Sequence[Slot], claimant: Claimant) -> None:
        """Claim every slot or none: on a conflict, release what this call claimed and
        raise SlotsTakenError with the slots that were already held."""
        ours = await self._insert_claims(room, day, slots, claimant)
        clashes = await self._overlapping(room, day, slots, set(ours))
        if clashes:
            await self._free_claims({"_id": {"$in": ours}, **claimant.own()})
            raise SlotsTakenError(clashes)
        self._claims_taken({room_day_key(room.id, day)})

    async def _insert_claims(
        self, room: Room, day: date, slots: Sequence[Slot], claimant: Claimant
    ) -> list[str]:
        """Insert a claim of every slot or none (equal slots collide on ``_id``): on a
        conflict, free what this call inserted and raise SlotsTakenError with the slots
        already held. Returns the claims' ids; overlaps are the caller's next look."""
        now = self.clock.now()
        documents = [
            {
                "_id": claim_id(room.id, s.key),
                "room_id": str(room.id),
                "room_day": room_day_key(room.id, day),
                "start": s.start,
                "end": s.end,
                "start_ms": to_ms(s.start),
                "created_at": now,
                **claimant.fields(),
            }
            for s in slots
        ]
        collection = SlotClaim.get_pymongo_collection()
        try:
            await collection.insert_many(documents, ordered=False)
        except BulkWriteError as error:
            errors = error.details.get("writeErrors", [])
            failed = {e["index"] for e in errors}
            won = [d["_id"] for i, d in enumerate(documents) if i not in failed]
            if won:
                await self._free_claims({"_id": {"$in": won}, **claimant.own()})
            if any(e.get("code") != DUPLICATE_KEY for e in errors):
                raise
            raise SlotsTakenError([slots[i].start for i in sorted(failed)]) from None
        return [d["_id"] for d in documents]

    async def _overlapping(
        self, room: Room, day: date, slots: Sequence[Slot], ours: set[str]
    ) -> list[datetime]:
        """The starts of ``slots`` that other claims overlap. Equal slots collide on
        ``_id``; this catches overlapping ones with other starts, which only exist around
        a change of hours or slot length. Claim first, then look: of two racing
        overlapping claims at least one sees the other."""
        return sorted(
            {
                slot.start
                for claimed, _, claim in await self.claims_around(room, day)
                if claim not in ours
                for slot in slots
                if overlaps(slot, claimed)
            }
        )

    async def _release(self, booking_id: PydanticObjectId | str) -> int:
        return await self._free_claims({"booking_id": str(booking_id), "kind": "booking"})

    async def _free_claims(self, query: dict[str, Any]) -> int:
        """The one way a slot claim is deleted: every release ends here, so the freed
        slots' waiting musicians and open screens hear of it. Returns how many went."""
        collection = SlotClaim.get_pymongo_collection()
        found = await collection.find(query, {"room_day": 1}).to_list()
        if not found:
            return 0
        result = await collection.delete_many(query)
        if result.deleted_count:
            self._claims_freed(found)
        return result.deleted_count

    def claims_version(self, room_id: str | PydanticObjectId) -> int:
        """Counts the changes of the room's claims made through this service (this
        process): what was read of them before stays true while this stays the same,
        unless another process serving the bot changed them."""
        return self._claims_versions.get(str(room_id), 0)

    def _claims_changed(self, room_days: Iterable[str]) -> None:
        for room_id in {room_of_key(room_day) for room_day in room_days}:
            self._claims_versions[room_id] = self._claims_versions.get(room_id, 0) + 1

    def _claims_freed(self, claims: list[dict[str, Any]]) -> None:
        """Offer the freed slots to whoever waits for them and redraw their days' open
        screens, after the answer (``aftermath``). The release stands whatever happens
        there: should it fail, the clock's next pass offers the slots (it looks at every
        waited slot)."""
        room_days = {c["room_day"] for c in claims}
        self._claims_changed(room_days)
        self.aftermath.start(
            self._tell_freed(room_days, {c["_id"] for c in claims}, self.clock.now()),
            failed=lambda: log.warning(
                "freed %d claims; offering them waits for the clock", len(claims), exc_info=True
            ),
        )

    async def _tell_freed(self, room_days: set[str], claim_ids: set[str], now: datetime) -> None:
        await live_screens.days_changed(room_days, now)
        await self.waitlist.offer_free(claim_ids)

    def _claims_taken(self, room_days: set[str]) -> None:
        self._claims_changed(room_days)
        self.aftermath.start(
            live_screens.days_changed(room_days, self.clock.now()),
            failed=lambda: log.warning("open screens of %s not marked", sorted(room_days), exc_info=True),
        )

    # ---- owner blocks --------------------------------------------------------------

    async def block_slots(
        self, room: Room, day: date, slot_keys: Iterable[str], *, owner_id: int, note: str | None = None
    ) -> list[Slot]:
        """Block slots with the same claim mechanism as bookings, so a block and a
        booking of one slot can never both win. Raises SlotsTakenError naming held slots."""
        offered = index_slots(room.slots_on(day))
        keys = sorted(set(slot_keys))
        if not keys:
            raise NoSlotsChosenError
        if any(key not in offered for key in keys):
            raise NoSuchSlotError
        slots = [offered[k] for k in keys]
        now = self.clock.now()
        if any(s.start <= now for s in slots):
            raise SlotsNotBookableError([s.start for s in slots if s.start <= now])
        await self._claim(room, day, slots, Claimant(None, "block", created_by=owner_id, note=note))
        return slots

    async def unblock_slots(self, room: Room, day: date, slot_keys: Iterable[str]) -> int:
        ids = [claim_id(room.id, key) for key in set(slot_keys)]
        return await self._free_claims(
            {"_id": {"$in": ids}, "kind": "block", "room_day": room_day_key(room.id, day)}
        )

    # ---- moving through the life ---------------------------------------------------

    async def transition(
        self,
        booking: Booking,
        expected: BookingStatus,
        target: BookingStatus,
        *,
        extra: dict[str, Any] | None = None,
        condition: dict[str, Any] | None = None,
        inc: dict[str, int] | None = None,
    ) -> Booking | None:
        """Move ``booking`` from ``expected`` to ``target`` if it is still ``expected``.

        Returns the updated booking, or None when another caller changed it first.
        Raises IllegalTransitionError for a change the life does not allow. Leaving a
        slot-holding status releases the booking's claims.
        """
        check_transition(expected, target)
        now = self.clock.now()
        changes: dict[str, Any] = {
            "status": target.value,
            "updated_at": now,
            "due_ms": to_ms(due_at_for(target, booking)),
            **(extra or {}),
        }
        update: dict[str, Any] = {"$set": changes}
        if inc:
            update["$inc"] = inc
        raw = await Booking.get_pymongo_collection().find_one_and_update(
            {"_id": booking.id, "status": expected.value, **(condition or {})},
            update,
            return_document=ReturnDocument.AFTER,
        )
        if raw is None:
            return None
        releases: list[Awaitable[object]] = []  # at once: a cancel's answer waits for one of them, not both
        if releases_slots(expected, target):
            releases.append(self._release(booking.id))
        if expected is BookingStatus.PENDING_PAYMENT:
            if booking.series is not None:
                releases.append(release_series_hold(booking.series.code))
            else:
                releases.append(release_hold(booking.id))
        await _all_at_once(releases)
        log.info("booking %s %s -> %s", booking.code, expected.value, target.value)
        return Booking.model_validate(raw)

    def _first_payment(self, booking: Booking, payment: Mapping[str, Any] | PaymentEntry) -> dict[str, Any]:
        """The changes that record ``booking``'s first payment (``payment_entry``)."""
        entry = payment_entry(booking, payment, self.clock.now())
        return {"paid_at": entry.paid_at, **ledger_fields([entry])}

    async def confirm_payment(
        self, booking: Booking, payment: Mapping[str, Any] | PaymentEntry
    ) -> Booking | None:
        """PENDING_PAYMENT -> NOT_STARTED once the money is in; None if already moved.
        ``payment``: the ledger's entry, or the gateway's record (``payment_entry``)."""
        return await self.transition(
            booking,
            BookingStatus.PENDING_PAYMENT,
            BookingStatus.NOT_STARTED,
            extra=self._first_payment(booking, payment),
        )

    async def confirm_late_payment(
        self, booking: Booking, payment: Mapping[str, Any] | PaymentEntry
    ) -> Booking | None:
        """EXPIRED -> NOT_STARTED when paid after the hold: re-claim every slot first.
        Raises SlotsTakenError (claiming nothing) when any slot went to someone else."""
        room = await self.room(booking.room_id)
        slots = [s.slot for s in booking.slots]
        await self._claim(room, booking.day, slots, Claimant.booking(booking.id))
        moved = await self.transition(
            booking,
            BookingStatus.EXPIRED,
            BookingStatus.NOT_STARTED,
            extra=self._first_payment(booking, payment),
        )
        if moved is None:
            await self._release(booking.id)
        return moved

    async def refuse_payment(
        self,
        booking: Booking,
        payment: Mapping[str, Any] | PaymentEntry,
        refund: Mapping[str, Any] | RefundEntry,
        *,
        close_as: BookingStatus,
        reason: str,
    ) -> Booking | None:
        """Record money that cannot buy ``booking`` and the full refund it is owed, in one
        update. A booking still held is closed as ``close_as`` in that update, giving its
        slots back; an expired or cancelled one only records it. None when the booking
        already records a payment (this one, by a racing delivery, or another).
        ``refund``: the entry, or the record before the ledger (``due_paise``, ``percent``,
        ``reason``)."""
        now = self.clock.now()
        entry = payment_entry(booking, payment, now)
        owed = refund_entry(booking, refund, entry.payment_id)
        owes = owes_refunds(to_ms(now) or 0)
        record = {**ledger_fields([entry]), **refund_fields([owed]), **owes["$set"]}
        if booking.status is BookingStatus.PENDING_PAYMENT:
            closed = await self.transition(
                booking,
                BookingStatus.PENDING_PAYMENT,
                close_as,
                extra={**record, "cancelled_at": now, "cancel_reason": reason},
                condition={"payment_id": None},
                inc=owes["$inc"],
            )
            if closed is not None:
                return closed
        raw = await Booking.get_pymongo_collection().find_one_and_update(
            {"_id": booking.id, "payment_id": None, "status": {"$ne": BookingStatus.PENDING_PAYMENT.value}},
            {"$set": record, "$inc": owes["$inc"]},
            return_document=ReturnDocument.AFTER,
        )
        return Booking.model_validate(raw) if raw else None

    def _refunds_owed(
        self, booking: Booking, amount_paise: int, percent: int
    ) -> tuple[list[RefundEntry], int]:
        """The entries of a refund of ``amount_paise`` out of the booking's payments
        (``domain.ledger.allocate_refund``), and what they add up to. Owed with nothing
        paid (a booking confirmed without a payment), one entry without a payment, which
        the refund service marks not needed."""
        if amount_paise <= 0:
            return [], 0
        parts = allocate_refund(amount_paise, booking.payments, booking.refunds.values())
        if not booking.payments:
            parts_or_none: list[tuple[str | None, int]] = [(None, amount_paise)]
        else:
            parts_or_none = [(part.payment_id, part.amount_paise) for part in parts]
        keys = next_refund_keys(str(booking.id), booking.refunds.keys(), len(parts_or_none))
        entries = [
            RefundEntry(key=key, payment_id=payment_id, amount_paise=amount, percent=percent)
            for key, (payment_id, amount) in zip(keys, parts_or_none, strict=True)
        ]
        return entries, sum(entry.amount_paise for entry in entries)

    def _owing(self, entries: list[RefundEntry]) -> tuple[dict[str, Any], dict[str, int] | None]:
        """The ``$set`` and ``$inc`` that record ``entries`` as owed."""
        if not entries:
            return {}, None
        owes = owes_refunds(to_ms(self.clock.now()) or 0)
        return {**refund_fields(entries), **owes["$set"]}, owes["$inc"]

    def _due_now(self) -> dict[str, Any]:
        return {"due_ms": {"$lte": to_ms(self.clock.now())}}

    async def expire_hold(self, booking: Booking) -> Booking | None:
        """PENDING_PAYMENT -> EXPIRED, only once the hold deadline has passed."""
        return await self.transition(
            booking,
            BookingStatus.PENDING_PAYMENT,
            BookingStatus.EXPIRED,
            condition=self._due_now(),
        )

    async def expire_now(self, booking: Booking) -> Booking | None:
        """PENDING_PAYMENT -> EXPIRED regardless of the deadline (link expired or cancelled)."""
        return await self.transition(booking, BookingStatus.PENDING_PAYMENT, BookingStatus.EXPIRED)

    async def start_session(self, booking: Booking) -> Booking | None:
        return await self.transition(
            booking,
            BookingStatus.NOT_STARTED,
            BookingStatus.ONGOING,
            condition=self._due_now(),
        )

    async def complete_session(self, booking: Booking) -> Booking | None:
        return await self.transition(
            booking,
            BookingStatus.ONGOING,
            BookingStatus.COMPLETED,
            condition=self._due_now(),
        )

    async def cancel_by_musician(
        self,
        booking_id: str | PydanticObjectId,
        user_id: int,
        *,
        quote: RefundQuote | None = None,
        read: Booking | None = None,
    ) -> CancelOutcome:
        """Cancel the musician's own booking; the refund is what the policy gives now
        (or ``quote``, when the caller already told someone that amount). ``read``: the
        booking as the caller read it through ``booking_of_user``, not read again here.

        A held (unpaid) booking is simply released. Raises NotYourBookingError,
        BookingNotCancellableError; changes nothing in those cases, nor when the booking
        changed since ``quote`` was worked out so that it no longer holds.
        """
        if read is None or read.id != parse_object_id(booking_id) or read.user_id != user_id:
            read = await self.booking_of_user(booking_id, user_id)
        as_read = read  # for the closure: ``read`` is typed optional there

        async def refund_of(booking: Booking) -> RefundQuote:
            if quote is None:
                return await self.refund_quote(booking)
            if booking is not as_read and (
                booking.status is not as_read.status or _differs(await self.refund_quote(booking), quote)
            ):
                raise BookingNotCancellableError(booking.status)  # not what the caller told
            return quote

        closed = await self._close_with_refund(
            read,
            (BookingStatus.PENDING_PAYMENT, BookingStatus.NOT_STARTED),
            BookingStatus.CANCELLED,
            refund_of,
            {"cancel_reason": CANCELLED_BY_MUSICIAN},
            reread=lambda: self.booking_of_user(booking_id, user_id),
        )
        if closed.after.series is not None and closed.before.status is BookingStatus.PENDING_PAYMENT:
            await self._cancel_unpaid_weeks(closed.after.series.code)
        refund = closed.refund
        if closed.owed != refund.amount_paise:
            refund = RefundQuote(refund.percent, closed.owed, refund.notice)
        return CancelOutcome(closed.after, refund)

    async def terminate_by_owner(self, booking: Booking, *, owner_id: int, reason: str) -> Booking:
        """Owner cancels a paid booking: TERMINATED with a full refund due."""

        async def everything(current: Booking) -> RefundQuote:
            everything_paid = current.refundable_paise if current.payments else current.amount_paise
            return RefundQuote(100, everything_paid, timedelta(0))

        closed = await self._close_with_refund(
            booking,
            (BookingStatus.NOT_STARTED, BookingStatus.ONGOING),
            BookingStatus.TERMINATED,
            everything,
            {"cancel_reason": reason, "terminated_by": owner_id},
            reread=lambda: self.booking(booking.id),
        )
        return closed.after

    async def _close_with_refund(
        self,
        booking: Booking,
        closable: tuple[BookingStatus, ...],
        target: BookingStatus,
        refund_of: Callable[[Booking], Awaitable[RefundQuote]],
        extra: dict[str, Any],
        *,
        reread: Callable[[], Awaitable[Booking]],
    ) -> Closed:
        """Close ``booking`` as ``target`` in one update that records the refund
        ``refund_of`` works out from it, while its payments and refunds are still as read
        (``payment_records.ledger_as_read``): should a payment or a refund land in between,
        the booking is read again (``reread``) and the refund worked out anew. Raises
        BookingNotCancellableError, changing nothing, once it is not ``closable``."""
        for _ in range(LEDGER_ATTEMPTS):
            if booking.status not in closable:
                raise BookingNotCancellableError(booking.status)
            refund = await refund_of(booking)
            entries, owed = self._refunds_owed(booking, refund.amount_paise, refund.percent)
            refunds, inc = self._owing(entries)
            moved = await self.transition(
                booking,
                booking.status,
                target,
                extra={"cancelled_at": self.clock.now(), **extra, **refunds},
                condition=ledger_as_read(booking, entries),
                inc=inc,
            )
            if moved is not None:
                return Closed(before=booking, after=moved, refund=refund, owed=owed)
            booking = await reread()
        raise BookingNotCancellableError(booking.status)

    # ---- no-shows --------------------------------------------------------------------

    async def mark_no_show(self, booking_id: str | PydanticObjectId, owner_id: int) -> Booking:
        """The room's owner records that nobody came to a paid session, from its end until
        a day later. Nothing else changes (no fee, no status). Raises NotOwnerError,
        NotAPaidSessionError, SessionNotOverError or NoShowWindowClosedError, changing
        nothing; marking a marked session again changes nothing."""
        return await self._set_no_show(booking_id, owner_id, no_show=True)

    async def undo_no_show(self, booking_id: str | PydanticObjectId, owner_id: int) -> Booking:
        """Take a no-show mark back, within the same window and with the same refusals."""
        return await self._set_no_show(booking_id, owner_id, no_show=False)

    async def _set_no_show(
        self, booking_id: str | PydanticObjectId, owner_id: int, *, no_show: bool
    ) -> Booking:
        booking = await self.booking(booking_id)
        try:
            room = await self.room(booking.room_id)
        except RoomNotFoundError:
            raise NotOwnerError from None
        if not room.is_owned_by(owner_id):
            raise NotOwnerError
        now = self.clock.now()
        match no_show_problem(booking.status, booking.ends_at, now):
            case NoShowProblem.NOT_PAID:
                raise NotAPaidSessionError(booking.status)
            case NoShowProblem.NOT_OVER:
                raise SessionNotOverError(booking.ends_at, room.zone)
            case NoShowProblem.WINDOW_CLOSED:
                raise NoShowWindowClosedError(no_show_closes_at(booking.ends_at), room.zone)
        raw = await Booking.get_pymongo_collection().find_one_and_update(
            {
                "_id": booking.id,
                "status": {"$in": sorted(status.value for status in PAID_SESSIONS)},
                "no_show": {"$ne": no_show},
            },
            {
                "$set": {
                    "no_show": no_show,
                    "no_show_marked_at": now if no_show else None,
                    "no_show_marked_by": owner_id if no_show else None,
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        if raw is not None:
            log.info("booking %s no-show %s by %s", booking.code, "marked" if no_show else "undone", owner_id)
            return Booking.model_validate(raw)
        current = await self.booking(booking.id)
        if current.status not in PAID_SESSIONS:
            raise NotAPaidSessionError(current.status)
        return current

    # ---- waiting for a slot (storage/waitlist.py keeps the waits) ---------------------

    async def wait_for_slots(
        self, user_id: int, room_id: str | PydanticObjectId, day: date, slot_keys: Iterable[str]
    ) -> list[SlotWait]:
        """The musician waits for each of these slots of ``room_id``'s ``day`` (taken or
        blocked ones); waiting again for a slot changes nothing. Raises a BookingError
        subclass, adding no wait, when any slot cannot be waited for or the musician
        would wait for more than MAX_OPEN_WAITS slots."""
        room = await self._room_to_book(user_id, room_id)
        if day < self.today(room):
            raise DateInPastError
        if day > self.last_bookable_day(room) or not room.is_open_on(day):
            raise RoomClosedError
        keys = sorted(set(slot_keys))
        if not keys:
            raise NoSlotsChosenError
        offers = {o.slot.key: o for o in await self.offers(room, day)}
        now = self.clock.now()
        lead = self.booking_lead(room)
        for key in keys:
            offer = offers.get(key)
            if offer is None:
                raise SlotNotWaitableError(None)
            if offer.state not in WAITABLE:
                raise SlotNotWaitableError(offer.state)
            if wait_ends_at(offer.slot.start, lead) <= now:
                raise SlotNotWaitableError("too_soon")
        mine = {w.claim_id for w in await waits_of(user_id)}
        new = {claim_id(room.id, key) for key in keys} - mine
        if len(mine) + len(new) > MAX_OPEN_WAITS:
            raise TooManyWaitsError(MAX_OPEN_WAITS)
        waits = []
        for key in keys:
            slot = offers[key].slot
            ends_at = wait_ends_at(slot.start, lead)
            waits.append(await add_wait(user_id, room, day, slot, ends_at=ends_at, now=now))
        # A slot freed between the look and the wait is offered now, not at the next tick.
        await self.waitlist.offer_free({w.claim_id for w in waits})
        return waits

    async def drop_wait(self, user_id: int, wait_id: str) -> SlotWait:
        """The musician stops waiting; a slot held for them goes on to the next musician.
        Raises WaitNotFoundError for a wait that is not theirs (or gone already)."""
        wait = await wait_of(user_id, wait_id)
        if wait is None or not await remove_wait(wait):
            raise WaitNotFoundError
        if wait.offer_id:
            await self.free_offer(wait.claim_id, wait.offer_id)
        return wait

    async def drop_waits_of(self, user_id: int) -> int:
        """Every wait of the musician ends (Delete my data); slots held for them go on to
        the next musician waiting."""
        dropped = 0
        for wait in await waits_of(user_id):
            with contextlib.suppress(WaitNotFoundError):
                await self.drop_wait(user_id, wait.id)
                dropped += 1
        return dropped

    async def claim_offer(
        self, room: Room, day: date, slot: Slot, *, user_id: int, offer_id: str, expires_at: datetime
    ) -> bool:
        """Hold ``slot`` for the musician it is offered to, with the claim a booking
        takes; False when someone holds it."""
        try:
            offer = {"offer_id": offer_id, "expires_ms": to_ms(expires_at), "claimed_ms": None}
            await self._claim(room, day, [slot], Claimant(None, "offer", created_by=user_id, extra=offer))
        except SlotsTakenError:
            return False
        return True

    async def free_offer(self, slot_claim_id: str, offer_id: str) -> int:
        return await self._free_claims({"_id": slot_claim_id, "kind": "offer", "offer_id": offer_id})

    async def free_lapsed_offers(self) -> int:
        """Offers past their deadline give their slots back (to the next musician waiting)."""
        return await self._free_claims({"expires_ms": {"$lte": to_ms(self.clock.now())}, "kind": "offer"})

    async def book_offer(self, user_id: int, offer_id: str) -> Booking:
        """Book the slot offered to the musician: the offer's claim becomes the new
        PENDING_PAYMENT booking's, held like any booking while they pay. Raises
        OfferGoneError (lapsed, declined, used), NotYourOfferError, and what booking the
        slot would raise (the unpaid-holds limit...), changing nothing."""
        wait = await wait_by_offer(offer_id)
        if wait is None:
            raise OfferGoneError
        if wait.user_id != user_id:
            raise NotYourOfferError
        room = await self._room_to_book(user_id, wait.room_id)
        rules = self.room_rules(room)
        slots = list(self.check_selection(room, wait.day, [wait.slot.key]).slots)
        now = self.clock.now()
        booking_id = PydanticObjectId()
        limit = self.rules.max_unpaid_holds
        if not await take_hold(user_id, str(booking_id), limit=limit, now=now):
            raise TooManyUnpaidHoldsError(limit)
        try:
            taken = await SlotClaim.get_pymongo_collection().update_one(
                {
                    "_id": wait.claim_id,
                    "kind": "offer",
                    "offer_id": offer_id,
                    "created_by": user_id,
                    "expires_ms": {"$gt": to_ms(now)},
                },
                {
                    "$set": {
                        "kind": "booking",
                        "booking_id": str(booking_id),
                        "expires_ms": None,
                        "claimed_ms": to_ms(now),
                    }
                },
            )
            if not taken.modified_count:
                raise OfferGoneError
            try:
                tiers = rules.to_dict()[RuleField.REFUND_TIERS.value]
                booking = await self._insert_booking(booking_id, user_id, room, wait.day, slots, tiers)
            except BaseException:
                await self._release(booking_id)
                raise
        except BaseException:
            await release_hold(booking_id)
            raise
        await remove_wait(wait)
        return booking

    async def decline_offer(self, user_id: int, offer_id: str) -> SlotWait:
        """The musician passes: their wait ends and the slot goes to the next musician."""
        wait = await wait_by_offer(offer_id)
        if wait is None:
            raise OfferGoneError
        if wait.user_id != user_id:
            raise NotYourOfferError
        # The wait first: should the release not follow, the offer's claim lapses by itself.
        await remove_wait(wait)
        await self.free_offer(wait.claim_id, offer_id)
        return wait

    # ---- jobs' reads ---------------------------------------------------------------

    async def due_bookings(self, status: BookingStatus, *, limit: int = 200) -> list[Booking]:
        """Bookings in ``status`` whose next moment has come.

        The query names ``due_ms`` alone and the status is checked here: only active
        bookings carry a ``due_ms``, so the range is small, whereas with a status
        condition NX-27017's planner picks the far less selective status index
        (measured: 0.6 ms against 58 ms at 100,000 bookings)."""
        due = await Booking.find({"due_ms": {"$lte": to_ms(self.clock.now())}}).sort("due_ms").to_list()
        return [b for b in due if b.status is status][:limit]

    async def release_stale_claims(self, older_than: timedelta = timedelta(minutes=2)) -> int:
        """Delete booking claims whose booking never got written or no longer holds
        slots (a crash between two writes). Returns how many were freed."""
        cutoff = self.clock.now() - older_than
        collection = SlotClaim.get_pymongo_collection()
        stale: list[str] = []
        async for claim in collection.find({"kind": "booking", "created_at": {"$lte": cutoff}}):
            if (claim.get("claimed_ms") or 0) > (to_ms(cutoff) or 0):
                continue  # an offer just became this booking's claim; its booking is being written
            owner = str(claim.get("booking_id") or "")
            booking_id = parse_object_id(booking_of_claims_owner(owner) or owner)
            booking = await Booking.get(booking_id) if booking_id else None
            if booking is None or booking.status not in HOLDS_SLOTS:
                stale.append(claim["_id"])
                continue
            # A move or an extra hour (storage.moves) left this claim mid-way: finish it.
            pending = booking.change.claims_owner if booking.change else None
            fate = claim_fate(
                owner, str(booking.id), pending, set(booking.slot_starts), as_utc(claim["start"])
            )
            if fate is ClaimFate.RELEASE:
                stale.append(claim["_id"])
            elif fate is ClaimFate.ADOPT:
                await collection.update_one(
                    {"_id": claim["_id"], "booking_id": owner}, {"$set": {"booking_id": str(booking.id)}}
                )
        if stale:
            await self._free_claims({"_id": {"$in": stale}, "kind": "booking"})
            log.warning("released %d stale slot claims", len(stale))
        holds = await free_stale_holds(self.clock.now())
        if holds:
            log.warning("released %d stale unpaid-hold claims", holds)
        return len(stale) + holds


def payment_entry(booking: Booking, payment: Mapping[str, Any] | PaymentEntry, now: datetime) -> PaymentEntry:
    """The ledger's entry for ``payment``: as given, or made from the gateway's record
    (``payment_id``, ``amount_paid_paise``, ``currency``, ``link_id``), all of it this
    booking's, paid now."""
    if isinstance(payment, PaymentEntry):
        return payment
    paid = int(payment.get("amount_paid_paise") or booking.amount_paise)
    return PaymentEntry(
        payment_id=str(payment.get("payment_id") or ""),
        link_id=payment.get("link_id") or booking.payment.get("link_id"),
        reference=booking.code,
        share_paise=paid,
        paid_paise=paid,
        currency=str(payment.get("currency") or "INR"),
        paid_at=now,
    )


def refund_entry(booking: Booking, refund: Mapping[str, Any] | RefundEntry, payment_id: str) -> RefundEntry:
    """The booking's next refund entry from ``refund`` (an entry is kept as it is)."""
    if isinstance(refund, RefundEntry):
        return refund
    (key,) = next_refund_keys(str(booking.id), booking.refunds.keys(), 1)
    return RefundEntry(
        key=key,
        payment_id=payment_id,
        amount_paise=int(refund.get("due_paise") or 0),
        percent=int(refund.get("percent") or 100),
        reason=refund.get("reason"),
        status=RefundStatus(refund.get("status") or RefundStatus.DUE.value),
    )


def slot_keys_of(starts: Collection[datetime]) -> list[str]:
    return sorted(slot_key(s) for s in starts)


def parse_slot_keys(raw: Iterable[str]) -> list[str]:
    """Keep only well-formed slot keys (tampered ones are dropped, never trusted)."""
    keys = []
    for key in raw:
        try:
            parse_slot_key(key)
        except ValueError:
            continue
        keys.append(key)
    return keys


__all__ = ["BookingRules", "BookingService", "CancelOutcome", "SeriesOffer", "SlotState", "due_at_for"]
