"""The per-slot waitlist on the real database: waiting, offers on every kind of release,
confirming, declining and lapsing, crashes made good by the clock, and bad requests."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from datetime import date, timedelta

import pytest
from pymongo.errors import AutoReconnect

from bot.app import booking_clock as build_booking_clock
from domain.availability import SlotState
from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from domain.errors import (
    NotYourOfferError,
    OfferGoneError,
    RoomNotFoundError,
    SlotNotWaitableError,
    TooManyUnpaidHoldsError,
    TooManyWaitsError,
    WaitNotFoundError,
)
from domain.waitlist import MAX_OPEN_WAITS, OFFER_WINDOW, parse_offer_callback
from storage.booking_service import BookingService
from storage.demo import DEMO_ROOMS
from storage.models import Booking, Room, SlotClaim, User, claim_id, to_ms
from storage.outbox import OutboxMessage
from storage.waitlist import SlotWait, Waitlist, waiting_on, waits_of
from tests.conftest import make_user
from tests.dialog_support import slot_keys

TOMORROW = date(2026, 11, 26)  # Thursday: Bass Cave open 10:00-22:00 IST


@pytest.fixture
async def rival(db) -> User:
    return await make_user(2002, "Ravi")


@pytest.fixture
async def others(db) -> list[User]:
    return [await make_user(3000 + i, f"m{i}") for i in range(3)]


async def offers_to(user_id: int) -> list[OutboxMessage]:
    return [
        m
        for m in await OutboxMessage.find(OutboxMessage.chat_id == user_id).to_list()
        if m.dedupe_key.startswith("offer:")
    ]


def offer_id_of(message: OutboxMessage) -> str:
    parsed = parse_offer_callback(message.buttons[0][0]["callback_data"])
    assert parsed is not None
    return parsed[1]


async def claim_of(room: Room, key: str) -> SlotClaim | None:
    return await SlotClaim.get(claim_id(room.id, key))


async def held_by_rival(service: BookingService, room: Room, rival: User, *hours: int) -> Booking:
    return await service.create_booking(rival.id, room.id, TOMORROW, slot_keys(room, TOMORROW, *hours))


async def rivals_slot_waited_for(
    service: BookingService, room: Room, rival: User, waiter: User
) -> tuple[Booking, str]:
    """The rival's hold of tomorrow's 18:00, and that slot's key, which ``waiter`` waits for."""
    booking = await held_by_rival(service, room, rival, 18)
    (key,) = slot_keys(room, TOMORROW, 18)
    await service.wait_for_slots(waiter.id, room.id, TOMORROW, [key])
    return booking, key


async def test_a_cancelled_slot_is_offered_to_the_first_musician_waiting_and_held_in_their_name(
    service: BookingService, room: Room, rival: User, others: list[User]
) -> None:
    booking = await held_by_rival(service, room, rival, 18)
    (key,) = slot_keys(room, TOMORROW, 18)
    first, second, _ = others
    await service.wait_for_slots(first.id, room.id, TOMORROW, [key])
    await service.wait_for_slots(second.id, room.id, TOMORROW, [key])
    assert await offers_to(first.id) == []

    await service.cancel_by_musician(booking.id, rival.id)
    await service.aftermath.drain()  # the offers a release makes follow its answer

    claim = await claim_of(room, key)
    assert claim is not None
    assert (claim.kind, claim.created_by) == ("offer", first.id)
    (message,) = await offers_to(first.id)
    assert "A slot you wanted is free" in message.text
    assert "18:00–19:00" in message.text
    assert "10:10 on Wed 25 Nov (IST)" in message.text  # held for 10 minutes
    assert [b["text"] for row in message.buttons for b in row] == [
        "✅ Confirm & Pay",
        "✖ No thanks, pass it on",
    ]
    assert offer_id_of(message) == claim.offer_id
    assert await offers_to(second.id) == []
    offers = {o.slot.key: o for o in await service.offers(room, TOMORROW)}
    assert offers[key].state is SlotState.TAKEN  # nobody else can take it meanwhile
    with pytest.raises(Exception, match="taken"):
        await service.create_booking(second.id, room.id, TOMORROW, [key])


async def test_confirming_an_offer_books_the_slot_and_ends_the_wait(
    service: BookingService, room: Room, rival: User, others: list[User]
) -> None:
    booking = await held_by_rival(service, room, rival, 18)
    (key,) = slot_keys(room, TOMORROW, 18)
    musician = others[0]
    await service.wait_for_slots(musician.id, room.id, TOMORROW, [key])
    await service.cancel_by_musician(booking.id, rival.id)
    await service.aftermath.drain()
    (message,) = await offers_to(musician.id)

    mine = await service.book_offer(musician.id, offer_id_of(message))

    assert mine.status is BookingStatus.PENDING_PAYMENT
    assert mine.user_id == musician.id
    assert [s.start for s in mine.slots] == [booking.slots[0].start]
    assert mine.amount_paise == 80000
    claim = await claim_of(room, key)
    assert claim is not None
    assert (claim.kind, claim.booking_id, claim.expires_ms) == ("booking", str(mine.id), None)
    assert await waits_of(musician.id) == []
    with pytest.raises(OfferGoneError):  # a second tap books nothing more
        await service.book_offer(musician.id, offer_id_of(message))
    assert await Booking.find(Booking.user_id == musician.id).count() == 1


async def test_an_offer_that_lapses_goes_to_the_next_musician(
    service: BookingService, clock: ManualClock, room: Room, rival: User, others: list[User]
) -> None:
    booking = await held_by_rival(service, room, rival, 18)
    (key,) = slot_keys(room, TOMORROW, 18)
    first, second, third = others
    for musician in others:
        await service.wait_for_slots(musician.id, room.id, TOMORROW, [key])
    await service.cancel_by_musician(booking.id, rival.id)
    await service.aftermath.drain()
    (lapsing,) = await offers_to(first.id)

    clock.set(clock.now() + OFFER_WINDOW - timedelta(seconds=1))
    assert await service.waitlist.tick() == 0
    assert (await claim_of(room, key)).created_by == first.id  # type: ignore[union-attr]
    clock.advance(seconds=1)
    await service.waitlist.tick()

    claim = await claim_of(room, key)
    assert claim is not None
    assert (claim.kind, claim.created_by) == ("offer", second.id)
    assert len(await offers_to(second.id)) == 1
    assert await offers_to(third.id) == []
    assert {w.user_id for w in await SlotWait.find_all().to_list()} == {second.id, third.id}
    with pytest.raises(OfferGoneError):
        await service.book_offer(first.id, offer_id_of(lapsing))
    assert await Booking.find(Booking.user_id == first.id).count() == 0


async def test_declining_passes_the_slot_on_at_once(
    service: BookingService, room: Room, rival: User, others: list[User]
) -> None:
    booking = await held_by_rival(service, room, rival, 18)
    (key,) = slot_keys(room, TOMORROW, 18)
    first, second, _ = others
    await service.wait_for_slots(first.id, room.id, TOMORROW, [key])
    await service.wait_for_slots(second.id, room.id, TOMORROW, [key])
    await service.cancel_by_musician(booking.id, rival.id)
    await service.aftermath.drain()
    (message,) = await offers_to(first.id)

    await service.decline_offer(first.id, offer_id_of(message))
    await service.aftermath.drain()

    claim = await claim_of(room, key)
    assert claim is not None
    assert claim.created_by == second.id
    assert await waits_of(first.id) == []
    with pytest.raises(OfferGoneError):
        await service.decline_offer(first.id, offer_id_of(message))


async def test_confirming_someone_elses_offer_or_a_made_up_one_changes_nothing(
    service: BookingService, room: Room, rival: User, others: list[User]
) -> None:
    booking = await held_by_rival(service, room, rival, 18)
    (key,) = slot_keys(room, TOMORROW, 18)
    owner_of_offer, stranger, _ = others
    await service.wait_for_slots(owner_of_offer.id, room.id, TOMORROW, [key])
    await service.cancel_by_musician(booking.id, rival.id)
    await service.aftermath.drain()
    (message,) = await offers_to(owner_of_offer.id)

    with pytest.raises(NotYourOfferError):
        await service.book_offer(stranger.id, offer_id_of(message))
    with pytest.raises(NotYourOfferError):
        await service.decline_offer(stranger.id, offer_id_of(message))
    with pytest.raises(OfferGoneError):
        await service.book_offer(owner_of_offer.id, "0" * 24)

    claim = await claim_of(room, key)
    assert claim is not None
    assert (claim.kind, claim.created_by) == ("offer", owner_of_offer.id)
    assert await Booking.find(Booking.user_id == stranger.id).count() == 0


async def test_an_offer_counts_against_the_unpaid_holds_when_confirmed(
    service: BookingService, room: Room, rival: User, others: list[User]
) -> None:
    booking = await held_by_rival(service, room, rival, 18)
    (key,) = slot_keys(room, TOMORROW, 18)
    musician = others[0]
    for hour in (10, 11):
        await service.create_booking(musician.id, room.id, TOMORROW, slot_keys(room, TOMORROW, hour))
    await service.wait_for_slots(musician.id, room.id, TOMORROW, [key])
    await service.cancel_by_musician(booking.id, rival.id)
    await service.aftermath.drain()
    (message,) = await offers_to(musician.id)

    with pytest.raises(TooManyUnpaidHoldsError):
        await service.book_offer(musician.id, offer_id_of(message))

    claim = await claim_of(room, key)
    assert claim is not None
    assert claim.kind == "offer"  # still theirs until it lapses: paying another hold frees a place


async def release_by_expiry(service: BookingService, clock: ManualClock, booking: Booking) -> None:
    clock.set(booking.hold_expires_at)
    assert await service.expire_hold(booking) is not None


async def release_by_termination(service: BookingService, clock: ManualClock, booking: Booking) -> None:
    paid = await service.confirm_payment(booking, {"payment_id": "pay_1"})
    assert paid is not None
    await service.terminate_by_owner(paid, owner_id=9001, reason="flooded")


async def release_by_musician(service: BookingService, clock: ManualClock, booking: Booking) -> None:
    await service.cancel_by_musician(booking.id, booking.user_id)
    await service.aftermath.drain()


async def release_by_stale_claim(service: BookingService, clock: ManualClock, booking: Booking) -> None:
    await Booking.get_pymongo_collection().delete_one({"_id": booking.id})  # a crash left the claim
    clock.advance(minutes=3)
    assert await service.release_stale_claims() >= 1


@pytest.mark.parametrize(
    "release", [release_by_expiry, release_by_termination, release_by_musician, release_by_stale_claim]
)
async def test_every_release_offers_the_slot_at_once(
    service: BookingService, clock: ManualClock, room: Room, rival: User, others: list[User], release
) -> None:
    booking = await held_by_rival(service, room, rival, 20)
    (key,) = slot_keys(room, TOMORROW, 20)
    await service.wait_for_slots(others[0].id, room.id, TOMORROW, [key])

    await release(service, clock, booking)
    await service.aftermath.drain()

    claim = await claim_of(room, key)
    assert claim is not None
    assert (claim.kind, claim.created_by) == ("offer", others[0].id)
    assert len(await offers_to(others[0].id)) == 1


async def test_a_release_finds_the_waits_of_exactly_the_slots_it_freed(
    service: BookingService, room: Room, rival: User, others: list[User]
) -> None:
    """One read per room for the freed run (a range of claim ids): a wait on a slot
    inside the range that was not freed, or on another room's, is not among them."""
    other_room = await Room(**DEMO_ROOMS[1], owner_ids=[9002]).insert()
    await held_by_rival(service, room, rival, 12, 13, 14)
    (there,) = slot_keys(other_room, TOMORROW, 12)
    await service.create_booking(rival.id, other_room.id, TOMORROW, [there])
    noon, one, two = slot_keys(room, TOMORROW, 12, 13, 14)
    for musician, key in zip(others, (noon, one, two), strict=True):
        await service.wait_for_slots(musician.id, room.id, TOMORROW, [key])
    await service.wait_for_slots(others[0].id, other_room.id, TOMORROW, slot_keys(other_room, TOMORROW, 12))

    queues = await waiting_on(
        [claim_id(room.id, noon), claim_id(room.id, two), claim_id(other_room.id, there)]
    )

    assert {slot: [w.user_id for w in queue] for slot, queue in queues.items()} == {
        claim_id(room.id, noon): [others[0].id],
        claim_id(room.id, two): [others[2].id],
        claim_id(other_room.id, there): [others[0].id],
    }


async def test_an_owner_unblocking_a_slot_offers_it(
    service: BookingService, room: Room, others: list[User]
) -> None:
    (key,) = slot_keys(room, TOMORROW, 15)
    await service.block_slots(room, TOMORROW, [key], owner_id=9001)
    await service.wait_for_slots(others[0].id, room.id, TOMORROW, [key])
    assert await offers_to(others[0].id) == []

    assert await service.unblock_slots(room, TOMORROW, [key]) == 1
    await service.aftermath.drain()

    assert (await claim_of(room, key)).created_by == others[0].id  # type: ignore[union-attr]


async def test_a_crash_between_release_and_offer_is_made_good_by_the_next_tick(
    service: BookingService, room: Room, rival: User, others: list[User]
) -> None:
    booking, key = await rivals_slot_waited_for(service, room, rival, others[0])
    # The release happened, the process died before offering: only the claim is gone.
    await SlotClaim.get_pymongo_collection().delete_many({"booking_id": str(booking.id)})

    assert await service.waitlist.tick() == 1
    assert await service.waitlist.tick() == 0

    assert (await claim_of(room, key)).created_by == others[0].id  # type: ignore[union-attr]
    assert len(await offers_to(others[0].id)) == 1


class OffersOnHold(Waitlist):
    """The real waitlist, whose offers wait for the test's go (or fail, as a database
    that went away between the release and its offers would make them)."""

    def __init__(self, service: BookingService, *, fail: bool = False) -> None:
        super().__init__(service, service.clock)
        self.go = asyncio.Event()
        self.fail = fail

    async def offer_free(self, slot_claim_ids: Collection[str]) -> int:
        await self.go.wait()
        if self.fail:
            raise AutoReconnect("the database went away")
        return await super().offer_free(slot_claim_ids)


async def test_a_cancel_is_answered_before_the_slot_it_freed_is_offered(
    service: BookingService, room: Room, rival: User, others: list[User]
) -> None:
    booking, _ = await rivals_slot_waited_for(service, room, rival, others[0])
    service.waitlist = held = OffersOnHold(service)

    outcome = await asyncio.wait_for(service.cancel_by_musician(booking.id, rival.id), timeout=10)

    assert outcome.booking.status is BookingStatus.CANCELLED
    assert await offers_to(others[0].id) == []
    held.go.set()
    await service.aftermath.drain()
    assert len(await offers_to(others[0].id)) == 1


async def test_offers_that_fail_after_a_cancel_are_logged_and_made_by_the_next_tick(
    service: BookingService, room: Room, rival: User, others: list[User], caplog: pytest.LogCaptureFixture
) -> None:
    booking, _ = await rivals_slot_waited_for(service, room, rival, others[0])
    real = service.waitlist
    service.waitlist = failing = OffersOnHold(service, fail=True)
    failing.go.set()

    await service.cancel_by_musician(booking.id, rival.id)
    await service.aftermath.drain()

    assert "freed 1 claims; offering them waits for the clock" in caplog.text
    assert await offers_to(others[0].id) == []
    assert await real.tick() == 1
    assert len(await offers_to(others[0].id)) == 1


async def test_the_booking_clock_runs_the_waitlist_pass(
    service: BookingService, clock: ManualClock, room: Room, rival: User, others: list[User]
) -> None:
    booking, _ = await rivals_slot_waited_for(service, room, rival, others[0])
    await SlotClaim.get_pymongo_collection().delete_many({"booking_id": str(booking.id)})

    done = await build_booking_clock(service, clock, None).tick()

    assert done["slots offered"] == 1
    assert len(await offers_to(others[0].id)) == 1


async def test_a_crash_between_offer_and_message_is_made_good_once(
    service: BookingService, room: Room, others: list[User]
) -> None:
    (key,) = slot_keys(room, TOMORROW, 19)
    await service.block_slots(room, TOMORROW, [key], owner_id=9001)
    (wait,) = await service.wait_for_slots(others[0].id, room.id, TOMORROW, [key])
    await SlotClaim.get_pymongo_collection().delete_many({"kind": "block"})
    # The offer's claim was written, then the process died: no message, no mark.
    assert await service.claim_offer(
        room,
        TOMORROW,
        wait.slot,
        user_id=others[0].id,
        offer_id="a" * 24,
        expires_at=service.clock.now() + OFFER_WINDOW,
    )

    for _ in range(3):
        await service.waitlist.tick()

    (message,) = await offers_to(others[0].id)
    assert offer_id_of(message) == "a" * 24
    (stored,) = await waits_of(others[0].id)
    assert stored.offer_id == "a" * 24


async def test_waits_end_when_the_slot_can_no_longer_be_booked(
    service: BookingService, clock: ManualClock, room: Room, rival: User, others: list[User]
) -> None:
    booking, _ = await rivals_slot_waited_for(service, room, rival, others[0])
    clock.set(booking.starts_at - service.rules.min_lead)

    await service.waitlist.tick()

    assert await waits_of(others[0].id) == []
    clock.set(booking.hold_expires_at)
    await service.cancel_by_musician(booking.id, rival.id)
    await service.aftermath.drain()
    assert await offers_to(others[0].id) == []


async def test_an_offer_never_runs_past_the_last_moment_the_slot_can_be_booked(
    service: BookingService, clock: ManualClock, room: Room, rival: User, others: list[User]
) -> None:
    booking, key = await rivals_slot_waited_for(service, room, rival, others[0])
    last = booking.starts_at - service.rules.min_lead
    clock.set(last - timedelta(minutes=4))

    await service.cancel_by_musician(booking.id, rival.id)
    await service.aftermath.drain()

    claim = await claim_of(room, key)
    assert claim is not None
    assert claim.expires_ms == int(last.timestamp() * 1000)


async def test_a_musician_waits_for_at_most_ten_slots(
    service: BookingService, room: Room, others: list[User]
) -> None:
    keys = slot_keys(room, TOMORROW, *range(10, 21))
    await service.block_slots(room, TOMORROW, keys, owner_id=9001)
    musician = others[0]
    await service.wait_for_slots(musician.id, room.id, TOMORROW, keys[:MAX_OPEN_WAITS])
    await service.wait_for_slots(musician.id, room.id, TOMORROW, keys[:2])  # again: nothing new

    with pytest.raises(TooManyWaitsError):
        await service.wait_for_slots(musician.id, room.id, TOMORROW, keys[MAX_OPEN_WAITS:])

    assert len(await waits_of(musician.id)) == MAX_OPEN_WAITS
    (dropped, *_) = await waits_of(musician.id)
    await service.drop_wait(musician.id, dropped.id)
    await service.wait_for_slots(musician.id, room.id, TOMORROW, keys[MAX_OPEN_WAITS:])
    assert len(await waits_of(musician.id)) == MAX_OPEN_WAITS


@pytest.mark.parametrize(
    ("day", "hour", "state"),
    [
        (TOMORROW, 12, "free"),  # free: book it instead
        (date(2026, 11, 25), 10, "past"),  # today 10:00: now
    ],
)
async def test_a_free_or_past_slot_cannot_be_waited_for(
    service: BookingService, room: Room, others: list[User], day: date, hour: int, state: str
) -> None:
    with pytest.raises(SlotNotWaitableError) as refused:
        await service.wait_for_slots(others[0].id, room.id, day, slot_keys(room, day, hour))
    assert refused.value.state == state
    assert await waits_of(others[0].id) == []


async def test_a_taken_slot_starting_too_soon_cannot_be_waited_for(
    service: BookingService, clock: ManualClock, room: Room, rival: User, others: list[User]
) -> None:
    today = date(2026, 11, 25)
    await service.create_booking(rival.id, room.id, today, slot_keys(room, today, 11))
    clock.advance(minutes=40)  # 10:40: the 11:00 slot is inside the booking lead

    with pytest.raises(SlotNotWaitableError) as refused:
        await service.wait_for_slots(others[0].id, room.id, today, slot_keys(room, today, 11))

    assert refused.value.state == "too_soon"
    assert await waits_of(others[0].id) == []


async def with_lead(room: Room, minutes: int) -> Room:
    """The room with its owner's booking lead set to ``minutes`` (the global one is 30)."""
    await Room.get_pymongo_collection().update_one(
        {"_id": room.id}, {"$set": {"rules.lead_minutes": minutes}}
    )
    stored = await Room.get(room.id)
    assert stored is not None
    return stored


async def test_a_slot_inside_the_rooms_own_lead_cannot_be_waited_for(
    service: BookingService, room: Room, others: list[User]
) -> None:
    """Two hours ahead is outside the global 30-minute lead but inside this room's three
    hours: it cannot be booked, so it is not worth waiting for."""
    today = date(2026, 11, 25)  # now 10:00
    keys = slot_keys(room, today, 12)
    await service.block_slots(room, today, keys, owner_id=9001)
    await with_lead(room, 180)

    with pytest.raises(SlotNotWaitableError) as refused:
        await service.wait_for_slots(others[0].id, room.id, today, keys)

    assert refused.value.state == "too_soon"
    assert await waits_of(others[0].id) == []


async def test_a_slot_freed_inside_the_rooms_own_lead_is_not_offered(
    service: BookingService, clock: ManualClock, room: Room, others: list[User]
) -> None:
    """A wait lasts while the slot can be booked by the room's rules, not the global
    lead: an offer made later could not be taken."""
    today = date(2026, 11, 25)  # now 10:00; the slot starts at 14:00
    keys = slot_keys(room, today, 14)
    await service.block_slots(room, today, keys, owner_id=9001)
    await with_lead(room, 180)
    (wait,) = await service.wait_for_slots(others[0].id, room.id, today, keys)
    assert wait.ends_ms == to_ms(wait.start - timedelta(hours=3))

    clock.advance(minutes=90)  # 11:30: 2.5 h ahead, inside the room's lead
    await service.unblock_slots(room, today, keys)
    await service.aftermath.drain()
    await service.waitlist.tick()

    assert await offers_to(others[0].id) == []
    assert await waits_of(others[0].id) == []
    assert await claim_of(room, keys[0]) is None


async def test_no_offer_is_made_inside_a_lead_the_owner_lengthened_after_the_wait(
    service: BookingService, clock: ManualClock, room: Room, others: list[User]
) -> None:
    """The lead is the room's as it is when the slot frees, not when the wait began."""
    today = date(2026, 11, 25)  # now 10:00; the slot starts at 14:00
    keys = slot_keys(room, today, 14)
    await service.block_slots(room, today, keys, owner_id=9001)
    await service.wait_for_slots(others[0].id, room.id, today, keys)  # the global 30 minutes
    await with_lead(room, 180)

    clock.advance(minutes=90)  # 11:30: inside the room's new lead
    await service.unblock_slots(room, today, keys)
    await service.aftermath.drain()
    await service.waitlist.tick()

    assert await offers_to(others[0].id) == []
    assert await claim_of(room, keys[0]) is None


async def test_a_tampered_wait_for_another_room_or_slot_is_refused(
    service: BookingService, room: Room, others: list[User]
) -> None:
    (key,) = slot_keys(room, TOMORROW, 18)
    await service.block_slots(room, TOMORROW, [key], owner_id=9001)
    musician = others[0]

    with pytest.raises(SlotNotWaitableError):  # not a slot of that day (07:00 is before opening)
        await service.wait_for_slots(musician.id, room.id, TOMORROW, slot_keys(room, TOMORROW, 7))
    with pytest.raises(SlotNotWaitableError):  # another day's slot key under this day
        await service.wait_for_slots(
            musician.id, room.id, TOMORROW, slot_keys(room, TOMORROW + timedelta(1), 18)
        )
    with pytest.raises(RoomNotFoundError):
        await service.wait_for_slots(musician.id, "65a000000000000000000000", TOMORROW, [key])
    with pytest.raises(SlotNotWaitableError):
        await service.wait_for_slots(musician.id, room.id, TOMORROW, ["not-a-slot"])
    assert await waits_of(musician.id) == []
    with pytest.raises(WaitNotFoundError):
        await service.drop_wait(musician.id, f"{others[1].id}|0")
