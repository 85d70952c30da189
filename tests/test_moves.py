"""Moving a paid session and adding an hour (issue 16 §2, §3) in the storage service: the
new slots are claimed before the old ones go, a dearer change waits for its difference,
an unpaid one lapses leaving the booking as it was, and bad requests change nothing."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from domain.errors import (
    NoSuchSlotError,
    NotExtendableError,
    NotMovableError,
    NotYourBookingError,
    PastClosingError,
    RoomClosedError,
    SameTimeError,
    SlotsBlockedError,
    SlotsTakenError,
)
from domain.ledger import PaymentPurpose
from domain.moves import ClaimFate, claim_fate, parse_change_reference
from storage.booking_service import BookingService
from storage.database import Database
from storage.models import Booking, PaymentEntry, Room, SlotClaim, User
from storage.moves import MOVE_REFUND_REASON, SessionChanges
from tests.conftest import make_user
from tests.payment_support import keys

log = logging.getLogger(__name__)

THU = date(2026, 11, 26)
SUN = date(2026, 11, 29)  # the room is closed on no day, but Sunday closes at 21:00


def at(day: date, hour: int, room: Room) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=room.zone).astimezone(UTC)


async def paid_booking(service: BookingService, room: Room, user_id: int, day: date, *hours: int) -> Booking:
    booking = await service.create_booking(user_id, room.id, day, keys(room, day, *hours))
    confirmed = await service.confirm_payment(
        booking, {"payment_id": f"pay_{booking.code}", "amount_paid_paise": booking.amount_paise}
    )
    assert confirmed is not None
    return confirmed


async def claims() -> dict[datetime, str]:
    return {c.start: c.booking_id or "" for c in await SlotClaim.find_all().to_list()}


def entry(payment_id: str, amount: int, purpose: PaymentPurpose, clock: ManualClock) -> PaymentEntry:
    return PaymentEntry(
        payment_id=payment_id,
        share_paise=amount,
        paid_paise=amount,
        paid_at=clock.now(),
        purpose=purpose,
    )


@pytest.fixture
def changes(service: BookingService) -> SessionChanges:
    return SessionChanges(service)


async def snapshot() -> list[dict[str, Any]]:
    bookings = await Booking.get_pymongo_collection().find({}).sort("_id").to_list()
    claimed = await SlotClaim.get_pymongo_collection().find({}).sort("_id").to_list()
    return [*bookings, *claimed]


# ---- moving ----------------------------------------------------------------------------


async def test_a_move_to_a_cheaper_time_moves_at_once_and_owes_the_difference_back(
    service: BookingService, changes: SessionChanges, room: Room, user: User
) -> None:
    booking = await paid_booking(service, room, user.id, THU, 18, 19)  # peak: ₹1,600
    outcome = await changes.request_move(booking.id, user.id, THU, keys(room, THU, 14, 15))  # ₹1,200

    moved = await service.booking(booking.id)
    assert outcome.applied
    assert moved.starts_at == at(THU, 14, room)
    assert moved.ends_at == at(THU, 16, room)
    assert moved.amount_paise == 120_000
    assert moved.status is BookingStatus.NOT_STARTED
    assert moved.due_at == moved.starts_at
    assert moved.calendar_sequence == booking.calendar_sequence + 1
    (refund,) = moved.refunds.values()
    assert (refund.amount_paise, refund.reason, refund.payment_id) == (
        40_000,
        MOVE_REFUND_REASON,
        booking.payment_id,
    )
    assert outcome.refund_paise == 40_000
    assert await claims() == {at(THU, 14, room): str(booking.id), at(THU, 15, room): str(booking.id)}
    # The old slots are free for anyone at once.
    other = await make_user(2002)
    assert await service.create_booking(other.id, room.id, THU, keys(room, THU, 18, 19))


async def test_a_move_onto_overlapping_slots_keeps_the_shared_one(
    service: BookingService, changes: SessionChanges, room: Room, user: User
) -> None:
    booking = await paid_booking(service, room, user.id, THU, 14, 15)
    await changes.request_move(booking.id, user.id, THU, keys(room, THU, 15, 16))
    assert await claims() == {at(THU, 15, room): str(booking.id), at(THU, 16, room): str(booking.id)}


async def test_a_dearer_move_waits_for_its_difference_and_keeps_the_old_session(
    service: BookingService, changes: SessionChanges, room: Room, user: User, clock: ManualClock
) -> None:
    booking = await paid_booking(service, room, user.id, THU, 14, 15)  # ₹1,200
    outcome = await changes.request_move(booking.id, user.id, THU, keys(room, THU, 18, 19))  # ₹1,600

    waiting = outcome.booking
    assert not outcome.applied
    assert waiting.change is not None
    assert waiting.change.due_paise == 40_000
    reference = parse_change_reference(waiting.change.reference)
    assert reference is not None
    assert reference.booking_code == booking.code
    assert waiting.starts_at == booking.starts_at  # still booked where it was
    held = await claims()
    assert held[at(THU, 14, room)] == str(booking.id)
    assert held[at(THU, 18, room)] == waiting.change.claims_owner
    other = await make_user(2002)
    with pytest.raises(SlotsTakenError):
        await service.create_booking(other.id, room.id, THU, keys(room, THU, 18))
    with pytest.raises(NotMovableError):  # one change at a time
        await changes.request_move(booking.id, user.id, THU, keys(room, THU, 16, 17))

    moved = await changes.apply_paid(waiting, entry("pay_move", 40_000, PaymentPurpose.MOVE, clock))
    assert moved is not None
    assert moved.change is None
    assert moved.starts_at == at(THU, 18, room)
    assert moved.amount_paise == 160_000
    assert [p.purpose for p in moved.payments] == [PaymentPurpose.BOOKING, PaymentPurpose.MOVE]
    assert moved.amount_paid_paise == 160_000
    assert await claims() == {at(THU, 18, room): str(booking.id), at(THU, 19, room): str(booking.id)}
    # The same payment again changes nothing.
    assert await changes.apply_paid(moved, entry("pay_move", 40_000, PaymentPurpose.MOVE, clock)) is None


async def test_an_unpaid_move_lapses_and_leaves_the_booking_untouched(
    service: BookingService, changes: SessionChanges, room: Room, user: User, clock: ManualClock
) -> None:
    booking = await paid_booking(service, room, user.id, THU, 14, 15)
    before = await snapshot()
    outcome = await changes.request_move(booking.id, user.id, THU, keys(room, THU, 18, 19))
    assert await changes.lapse_due() == []  # not yet

    clock.advance(minutes=16)
    lapsed = await changes.lapse_due()
    assert [(b.id, c.reference) for b, c in lapsed] == [(booking.id, outcome.booking.change.reference)]
    assert await changes.lapse_due() == []  # once
    after = await service.booking(booking.id)
    assert after.change is None
    assert (after.starts_at, after.slots, after.amount_paise) == (
        booking.starts_at,
        booking.slots,
        booking.amount_paise,
    )
    assert await claims() == {at(THU, 14, room): str(booking.id), at(THU, 15, room): str(booking.id)}
    assert len(before) == len(await snapshot())
    # A payment that arrives after the lapse cannot apply it.
    assert await changes.apply_paid(after, entry("pay_late", 40_000, PaymentPurpose.MOVE, clock)) is None


async def test_bad_move_requests_are_refused_and_change_nothing(
    service: BookingService, changes: SessionChanges, room: Room, user: User, clock: ManualClock
) -> None:
    booking = await paid_booking(service, room, user.id, THU, 14, 15)
    stranger = await make_user(2002)
    taken = await service.create_booking(stranger.id, room.id, THU, keys(room, THU, 18))
    await service.block_slots(room, THU, keys(room, THU, 20), owner_id=9001)
    unpaid = await service.create_booking(stranger.id, room.id, THU, keys(room, THU, 11))
    before = await snapshot()

    cases: list[tuple[Any, type[Exception]]] = [
        (changes.request_move(booking.id, stranger.id, THU, keys(room, THU, 16)), NotYourBookingError),
        (changes.request_move(unpaid.id, stranger.id, THU, keys(room, THU, 16)), NotMovableError),
        (changes.request_move(booking.id, user.id, THU, keys(room, THU, 17, 18)), SlotsTakenError),
        (changes.request_move(booking.id, user.id, THU, keys(room, THU, 20)), SlotsBlockedError),
        (changes.request_move(booking.id, user.id, THU, keys(room, THU, 14, 15)), SameTimeError),
        (changes.request_move(booking.id, user.id, THU, ["not-a-slot"]), NoSuchSlotError),
        (changes.request_move(booking.id, user.id, THU, keys(room, THU, 8)), NoSuchSlotError),
        (changes.request_move(booking.id, user.id, THU + timedelta(days=90), []), RoomClosedError),
        (changes.request_move("0" * 24, user.id, THU, keys(room, THU, 16)), Exception),
    ]
    for call, error in cases:
        with pytest.raises(error):
            await call
    assert await snapshot() == before
    assert taken.status is BookingStatus.PENDING_PAYMENT

    clock.set(at(THU, 9, room))  # five hours before: past the 24 h full-refund deadline
    with pytest.raises(NotMovableError) as late:
        await changes.request_move(booking.id, user.id, THU, keys(room, THU, 16))
    assert "until" in str(late.value)
    clock.set(at(THU, 14, room) + timedelta(minutes=5))  # ongoing
    with pytest.raises(NotMovableError, match="started"):
        await changes.request_move(
            booking.id, user.id, THU + timedelta(days=1), keys(room, THU + timedelta(days=1), 16)
        )
    assert await snapshot() == before


async def test_a_move_racing_a_new_booking_for_the_same_slots_never_loses_or_doubles(
    service: BookingService, changes: SessionChanges, room: Room, user: User
) -> None:
    """Each round: a paid session moves to 16:00-17:00 while another band books exactly
    that hour. One of them gets it; the mover keeps its old hour if it lost, and gives it
    back if it won."""
    band = await make_user(2002)
    days = [THU + timedelta(days=n) for n in range(2, 26) if (THU + timedelta(days=n)).weekday() < 4]
    sessions = [await paid_booking(service, room, user.id, day, 11) for day in days]

    async def move(booking: Booking) -> Exception | None:
        try:
            await changes.request_move(booking.id, user.id, booking.day, keys(room, booking.day, 16))
        except SlotsTakenError as error:
            return error
        return None

    async def book(day: date) -> Exception | None:
        try:
            await service.create_booking(band.id, room.id, day, keys(room, day, 16))
        except SlotsTakenError as error:
            return error
        return None

    service.rules = type(service.rules)(max_unpaid_holds=100)
    # Who starts first alternates, so both sides win some rounds; the invariants below
    # hold whoever wins.
    calls = []
    for n, session in enumerate(sessions):
        pair = [move(session), book(session.day)]
        calls += pair if n % 2 == 0 else pair[::-1]
    outcomes = await asyncio.gather(*calls)
    results = [
        r for n in range(len(sessions)) for r in (outcomes[2 * n : 2 * n + 2][:: 1 if n % 2 == 0 else -1])
    ]
    held = await claims()
    movers_won = 0
    for n, session in enumerate(sessions):
        moved, booked = results[2 * n], results[2 * n + 1]
        assert (moved is None) != (booked is None), "both or neither got the hour"
        now = await service.booking(session.id)
        four, eleven = at(session.day, 16, room), at(session.day, 11, room)
        if moved is None:
            movers_won += 1
            assert now.starts_at == four
            assert held[four] == str(session.id)
            assert eleven not in held
        else:
            assert now.starts_at == eleven
            assert held[eleven] == str(session.id)
            band_booking = await Booking.find_one({"user_id": band.id, "room_day": now.room_day})
            assert band_booking is not None
            assert held[four] == str(band_booking.id)
    assert len(held) == sum(1 if results[2 * n] is None else 2 for n in range(len(sessions))), "orphan claims"
    assert len(sessions) >= 10
    log.info("movers won %d of %d rounds", movers_won, len(sessions))


# ---- an extra hour ---------------------------------------------------------------------


async def test_an_hour_is_added_in_the_last_hour_before_the_start_once_paid(
    service: BookingService, changes: SessionChanges, room: Room, user: User, clock: ManualClock
) -> None:
    booking = await paid_booking(service, room, user.id, THU, 14, 15)
    clock.set(at(THU, 12, room))
    assert await changes.extension_offer(booking) is None  # two hours before: not yet
    clock.set(at(THU, 13, room) + timedelta(minutes=30))
    offer = await changes.extension_offer(await service.booking(booking.id))
    assert offer is not None
    assert offer.difference_paise == 60_000

    outcome = await changes.request_extension(booking.id, user.id)
    assert outcome.booking.change is not None
    assert outcome.booking.change.lapses_ms == int(at(THU, 16, room).timestamp() * 1000)
    assert (await claims())[at(THU, 16, room)] == outcome.booking.change.claims_owner

    extended = await changes.apply_paid(
        outcome.booking, entry("pay_x", 60_000, PaymentPurpose.EXTENSION, clock)
    )
    assert extended is not None
    assert extended.ends_at == at(THU, 17, room)
    assert extended.due_at == extended.starts_at  # not started: the clock's next moment is the start
    assert set((await claims()).values()) == {str(booking.id)}
    assert len(await claims()) == 3


async def test_an_hour_added_to_an_ongoing_session_moves_its_completion(
    service: BookingService, changes: SessionChanges, room: Room, user: User, clock: ManualClock
) -> None:
    booking = await paid_booking(service, room, user.id, THU, 14)
    clock.set(at(THU, 14, room))
    ongoing = await service.start_session(booking)
    assert ongoing is not None
    clock.set(at(THU, 14, room) + timedelta(minutes=40))
    outcome = await changes.request_extension(booking.id, user.id)
    extended = await changes.apply_paid(
        outcome.booking, entry("pay_x", 60_000, PaymentPurpose.EXTENSION, clock)
    )
    assert extended is not None
    assert extended.due_at == at(THU, 16, room)
    clock.set(at(THU, 15, room) + timedelta(minutes=1))
    assert await service.complete_session(extended) is None  # not at the old end
    clock.set(at(THU, 16, room))
    assert await service.complete_session(extended) is not None


async def test_an_unpaid_hour_is_let_go_when_it_begins(
    service: BookingService, changes: SessionChanges, room: Room, user: User, clock: ManualClock
) -> None:
    booking = await paid_booking(service, room, user.id, THU, 14)
    clock.set(at(THU, 14, room) + timedelta(minutes=10))
    await changes.request_extension(booking.id, user.id)
    clock.set(at(THU, 15, room) - timedelta(seconds=1))
    assert await changes.lapse_due() == []
    clock.set(at(THU, 15, room))
    assert len(await changes.lapse_due()) == 1
    assert await claims() == {at(THU, 14, room): str(booking.id)}
    assert (await service.booking(booking.id)).ends_at == booking.ends_at


async def test_bad_extension_requests_are_refused_and_change_nothing(
    service: BookingService, changes: SessionChanges, room: Room, user: User, clock: ManualClock
) -> None:
    taken_next = await paid_booking(service, room, user.id, THU, 14)
    blocked_next = await paid_booking(service, room, user.id, THU, 11)
    closing = await paid_booking(service, room, user.id, THU, 21)
    band = await make_user(2002)
    await service.create_booking(band.id, room.id, THU, keys(room, THU, 15))
    await service.block_slots(room, THU, keys(room, THU, 12), owner_id=9001)
    clock.set(at(THU, 11, room) + timedelta(minutes=5))
    await service.start_session(blocked_next)
    before = await snapshot()

    cases: list[tuple[Any, type[Exception]]] = [
        (changes.request_extension(blocked_next.id, user.id), SlotsBlockedError),
        (changes.request_extension(blocked_next.id, band.id), NotYourBookingError),
        (changes.request_extension(closing.id, user.id), NotExtendableError),  # ten hours before
    ]
    for call, error in cases:
        with pytest.raises(error):
            await call
    clock.set(at(THU, 13, room) + timedelta(minutes=30))
    with pytest.raises(SlotsTakenError):
        await changes.request_extension(taken_next.id, user.id)
    clock.set(at(THU, 21, room) + timedelta(minutes=5))
    with pytest.raises(PastClosingError):
        await changes.request_extension(closing.id, user.id)
    clock.set(at(THU, 22, room))
    await service.complete_session(await service.booking(closing.id))
    with pytest.raises(NotExtendableError, match="over"):
        await changes.request_extension(closing.id, user.id)
    after = await snapshot()
    assert [b for b in after if b.get("change")] == []
    assert len(after) == len(before)


# ---- the sweep finishes a change cut short ------------------------------------------------


def test_the_stale_claim_sweep_finishes_a_change_cut_short() -> None:
    start = datetime(2026, 11, 26, 8, 30, tzinfo=UTC)
    other = start + timedelta(hours=1)
    own = {start}
    assert claim_fate("b1", "b1", None, own, start) is ClaimFate.KEEP
    assert claim_fate("b1", "b1", None, own, other) is ClaimFate.RELEASE  # moved away
    assert claim_fate("b1:JR-X-M1:t", "b1", "b1:JR-X-M1:t", own, other) is ClaimFate.KEEP  # waiting
    assert claim_fate("b1:JR-X-M1:t", "b1", None, own, start) is ClaimFate.ADOPT  # applied
    assert claim_fate("b1:JR-X-M1:t", "b1", None, own, other) is ClaimFate.RELEASE  # lapsed
    assert claim_fate("b1:left:t", "b1", None, own, other) is ClaimFate.RELEASE


async def test_the_sweep_hands_an_applied_changes_claims_to_the_booking(
    service: BookingService, changes: SessionChanges, room: Room, user: User, clock: ManualClock
) -> None:
    booking = await paid_booking(service, room, user.id, THU, 14)
    outcome = await changes.request_move(booking.id, user.id, THU, keys(room, THU, 18))
    owner = outcome.booking.change.claims_owner
    # A process died right after the update that applied the paid move.
    await Booking.get_pymongo_collection().update_one(
        {"_id": booking.id},
        {"$set": {"change": None, "slots": [s.model_dump() for s in outcome.booking.change.slots]}},
    )
    clock.advance(minutes=3)
    await service.release_stale_claims()
    assert await claims() == {at(THU, 18, room): str(booking.id)}
    assert owner


async def test_the_clocks_query_for_lapsed_changes_uses_its_index(db: Database) -> None:
    """The job asks every tick; NX-27017 scans without a single-field index."""
    explained = await db.db.command(
        "explain", {"find": "bookings", "filter": {"change.lapses_ms": {"$lte": 1_800_000_000_000}}}
    )
    winning = str(explained.get("queryPlanner", explained))
    assert "USING INDEX" in winning or "IXSCAN" in winning, winning


async def test_an_hour_paid_after_it_began_is_not_added(
    service: BookingService, changes: SessionChanges, room: Room, user: User, clock: ManualClock
) -> None:
    booking = await paid_booking(service, room, user.id, THU, 14)
    clock.set(at(THU, 14, room) + timedelta(minutes=10))
    outcome = await changes.request_extension(booking.id, user.id)
    clock.set(at(THU, 15, room) + timedelta(seconds=30))  # before the clock's job let it go
    late = entry("pay_x", 60_000, PaymentPurpose.EXTENSION, clock)
    assert await changes.apply_paid(outcome.booking, late) is None
    assert (await service.booking(booking.id)).ends_at == booking.ends_at
