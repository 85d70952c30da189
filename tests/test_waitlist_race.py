"""Releases racing each other and new bookings, with hundreds of musicians waiting:
no slot is ever held by two, each freed slot is offered to one musician (the first
waiting), and each offer is announced once. Like tests/test_booking_race.py, on the
real database, with a second booking service standing in for a second process."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter, defaultdict
from datetime import date

from domain.booking_status import ACTIVE, BookingStatus
from domain.clock import ManualClock
from domain.errors import BookingError
from storage.booking_service import BookingRules, BookingService
from storage.models import Booking, Room, SlotClaim, User, claim_id
from storage.outbox import OutboxMessage
from storage.waitlist import SlotWait
from tests.dialog_support import slot_keys

THURSDAY = date(2026, 11, 26)  # 10:00-22:00: 12 slots
FRIDAY = date(2026, 11, 27)  # 10:00-02:00: the first 8 of its slots
WAITERS_PER_SLOT = 6
BOOKERS = 30


async def test_racing_releases_and_bookings_give_each_slot_to_one_musician(
    service: BookingService, clock: ManualClock, room: Room
) -> None:
    other_process = BookingService(clock, BookingRules())
    slots = [(THURSDAY, k) for k in slot_keys(room, THURSDAY, *range(10, 22))]
    slots += [(FRIDAY, k) for k in slot_keys(room, FRIDAY, *range(10, 18))]
    waiter_ids = range(10_000, 10_000 + WAITERS_PER_SLOT * len(slots))
    booker_ids = range(20_000, 20_000 + BOOKERS)
    holder_ids = range(30_000, 30_000 + len(slots))
    users = [*waiter_ids, *booker_ids, *holder_ids]
    await User.get_pymongo_collection().insert_many([{"_id": i, "first_name": f"m{i}"} for i in users])
    held = [
        await service.create_booking(holder, room.id, day, [key])
        for holder, (day, key) in zip(holder_ids, slots, strict=True)
    ]
    wanted = {w: slots[i % len(slots)] for i, w in enumerate(waiter_ids)}
    await asyncio.gather(
        *(service.wait_for_slots(w, room.id, day, [key]) for w, (day, key) in wanted.items()),
        # The same joins again, from the other process: one wait each all the same.
        *(other_process.wait_for_slots(w, room.id, d, [k]) for w, (d, k) in list(wanted.items())[::7]),
    )
    assert await SlotWait.count() == len(wanted)
    queues = defaultdict(list)
    for wait in await SlotWait.find_all().to_list():
        queues[wait.claim_id].append(wait)
    first_waiting = {slot: min(q, key=lambda w: (w.queued_ms, w.key)).user_id for slot, q in queues.items()}

    rng = random.Random(17)
    clock.set(held[0].hold_expires_at)  # every hold is due: the clock and the musicians race

    async def quietly(call) -> None:
        with contextlib.suppress(BookingError):
            await call

    def booker(user_id: int):
        day = rng.choice((THURSDAY, FRIDAY))
        keys = [k for d, k in slots if d == day]
        first = rng.randrange(len(keys) - 1)
        return service.create_booking(user_id, room.id, day, keys[first : first + rng.randint(1, 2)])

    races = []
    for booking in held:
        races.append(quietly(service.cancel_by_musician(booking.id, booking.user_id)))
        races.append(quietly(other_process.expire_hold(booking)))
    races += [quietly(booker(b)) for b in booker_ids]
    races.append(other_process.waitlist.offer_free({claim_id(room.id, k) for _, k in slots}))
    await asyncio.gather(*races)
    await asyncio.gather(service.waitlist.tick(), other_process.waitlist.tick())
    await asyncio.gather(service.aftermath.drain(), other_process.aftermath.drain())

    # No slot held twice: every claim belongs to one live booking or one offer, and no two
    # live bookings (or a booking and an offer) share a slot.
    claims = await SlotClaim.find_all().to_list()
    live = [b for b in await Booking.find_all().to_list() if b.status in ACTIVE]
    holders: Counter[str] = Counter()
    for booking in live:
        for slot in booking.slots:
            holders[claim_id(room.id, slot.slot.key)] += 1
    offers = [c for c in claims if c.kind == "offer"]
    for offer in offers:
        holders[offer.id] += 1
    assert max(holders.values()) == 1, "a slot is held twice"
    assert {c.id for c in claims} == set(holders), "a claim without its holder, or a holder without its claim"
    released = {b.status for b in await Booking.find({"user_id": {"$in": list(holder_ids)}}).to_list()}
    assert released <= {BookingStatus.CANCELLED, BookingStatus.EXPIRED}

    # Each contested slot is held again (by a new booking or an offer); each offer went to
    # that slot's first waiting musician, and was announced once.
    assert {c.id for c in claims} == {claim_id(room.id, k) for _, k in slots}
    announced = [m for m in await OutboxMessage.find_all().to_list() if m.dedupe_key.startswith("offer:")]
    assert sorted(m.dedupe_key for m in announced) == sorted(f"offer:{o.offer_id}" for o in offers)
    for offer in offers:
        assert offer.created_by == first_waiting[offer.id]
    offered_waits = [w for w in await SlotWait.find_all().to_list() if w.offer_id]
    assert sorted(w.offer_id for w in offered_waits) == sorted(o.offer_id for o in offers)
    assert offers, "no freed slot reached a waiting musician"
