"""Hundreds of musicians grabbing overlapping slots of one room and day at once."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import date

from domain.errors import SlotsTakenError
from storage.booking_service import BookingService
from storage.models import Booking, Room, SlotClaim, User

DAY = date(2026, 11, 26)
ATTEMPTS = 240


async def test_concurrent_overlapping_bookings_never_double_book(service: BookingService, room: Room) -> None:
    await User.get_pymongo_collection().insert_many(
        [{"_id": 5000 + i, "first_name": f"m{i}"} for i in range(ATTEMPTS)]
    )
    offers = await service.offers(room, DAY)
    slot_keys = [o.slot.key for o in offers]
    rng = random.Random(7)
    wanted = []
    for _ in range(ATTEMPTS):
        first = rng.randrange(len(slot_keys) - 1)
        wanted.append(slot_keys[first : first + rng.randint(1, 3)])

    async def attempt(i: int) -> Booking | SlotsTakenError:
        try:
            return await service.create_booking(5000 + i, room.id, DAY, wanted[i])
        except SlotsTakenError as error:
            return error

    outcomes = await asyncio.gather(*(attempt(i) for i in range(ATTEMPTS)))

    winners = [o for o in outcomes if isinstance(o, Booking)]
    losers = [(i, o) for i, o in enumerate(outcomes) if isinstance(o, SlotsTakenError)]
    assert winners
    assert len(winners) + len(losers) == ATTEMPTS

    held = Counter(s.start for b in winners for s in b.slots)
    assert max(held.values()) == 1, "a slot is held by two bookings"

    claims = await SlotClaim.find_all().to_list()
    assert len(claims) == sum(held.values()), "orphan claims left behind"
    assert {c.start for c in claims} == set(held)
    claim_owner = {c.start: c.booking_id for c in claims}
    for booking in winners:
        assert all(claim_owner[s.start] == str(booking.id) for s in booking.slots)

    start_of = {o.slot.key: o.slot.start for o in offers}
    for i, error in losers:
        assert error.starts, "a loser was not told which slots were taken"
        asked = {start_of[k] for k in wanted[i]}
        assert set(error.starts) <= asked
        # A slot reported taken was held at that moment by another attempt: a winner,
        # or a loser that gave it back after losing elsewhere.
        wanted_by_others = {start_of[k] for j, w in enumerate(wanted) if j != i for k in w}
        assert set(error.starts) <= wanted_by_others, "a loser was told an uncontested slot was taken"
    assert await Booking.count() == len(winners)
