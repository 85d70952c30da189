"""storage.availability on the real database (issue 17 §2, §3): the day marks and the
free-slot search agree with the slot screen (BookingService.offers) whatever the claims,
read only the room's and window's claims, and see claims made before ``start_ms``."""

from __future__ import annotations

import random
from datetime import date, timedelta

from bot.dialogs.marks_cache import read_marks
from domain.availability import BLOCKABLE, SlotState
from domain.day_marks import FEW_LEFT, DayMark
from domain.free_query import parse_free_query
from storage.availability import claims_on_days, day_marks, free_slots, longest_slot, stamp_claim_starts
from storage.booking_service import BookingService
from storage.demo import DEMO_ROOMS
from storage.models import Room, SlotClaim, User
from storage.users import last_city, remember_city
from tests.conftest import NOW, make_user
from tests.dialog_support import slot_keys

TODAY = date(2026, 11, 25)
THURSDAY = date(2026, 11, 26)


def expected_mark(offers: list) -> DayMark:
    free = sum(1 for offer in offers if offer.state is SlotState.FREE)
    if not offers:
        return DayMark.CLOSED
    if free == 0:
        return DayMark.FULL
    return DayMark.FEW if free <= FEW_LEFT else DayMark.OPEN


async def test_the_marks_agree_with_the_slot_screen_on_every_day_of_a_busy_month(
    service: BookingService, room: Room, user: User
) -> None:
    rng = random.Random(5)
    days = [TODAY + timedelta(days=n) for n in range(36)]
    other = await make_user(1002, "Ravi")
    for booker in (user, other):  # two unpaid holds each, as the service allows
        for _ in range(2):
            day = rng.choice(days[1:])
            hours = [s.start for s in room.slots_on(day)]
            if hours:
                first = rng.randrange(len(hours))
                keys = [s.key for s in room.slots_on(day)[first : first + 2]]
                await service.create_booking(booker.id, room.id, day, keys)
    for day in days:
        slots = room.slots_on(day)
        if slots and rng.random() < 0.7:
            chosen = set(rng.sample(slots, k=rng.randrange(len(slots) + 1)))
            offers = await service.offers(room, day)
            keys = [o.slot.key for o in offers if o.state in BLOCKABLE and o.slot in chosen]
            if keys:
                await service.block_slots(room, day, keys, owner_id=9001)
    for day, left in ((days[10], 0), (days[11], 1)):  # one full day, one with a slot left, surely
        free = [o.slot.key for o in await service.offers(room, day) if o.state in BLOCKABLE]
        await service.block_slots(room, day, free[left:], owner_id=9001)
    marks = await day_marks(room, days, now=NOW, min_lead=service.rules.min_lead)
    for day in days:
        assert marks[day] is expected_mark(await service.offers(room, day)), day
    assert {DayMark.FULL, DayMark.FEW, DayMark.OPEN} <= set(marks.values())


async def test_a_page_reads_only_its_rooms_claims_of_its_days(service: BookingService, room: Room) -> None:
    other = await Room(**DEMO_ROOMS[1]).insert()
    await service.block_slots(other, THURSDAY, slot_keys(other, THURSDAY, 12), owner_id=9002)
    await service.block_slots(room, THURSDAY, slot_keys(room, THURSDAY, 12, 13), owner_id=9001)
    week_later = THURSDAY + timedelta(days=7)
    await service.block_slots(room, week_later, slot_keys(room, week_later, 12), owner_id=9001)
    assert len(await claims_on_days(room, THURSDAY, THURSDAY)) == 2
    assert len(await claims_on_days(room, THURSDAY - timedelta(days=1), THURSDAY + timedelta(days=6))) == 2
    assert len(await claims_on_days(room, THURSDAY, THURSDAY + timedelta(days=7))) == 3


async def test_the_search_agrees_with_each_rooms_slot_screen(service: BookingService, room: Room) -> None:
    loud = await Room(**DEMO_ROOMS[1]).insert()
    await service.block_slots(room, THURSDAY, slot_keys(room, THURSDAY, 18, 20), owner_id=9001)
    await service.block_slots(loud, THURSDAY, slot_keys(loud, THURSDAY, 19), owner_id=9002)
    window = parse_free_query("tomorrow 17:30-23", now=NOW)
    found = await free_slots([room, loud], window, now=NOW, lead_of=service.booking_lead)
    assert [f.name for f in found] == ["Loud Lane Jam Pad", "Bass Cave Studio"]  # ₹550 before ₹800
    for free, which in zip(found, (loud, room), strict=True):
        screen = [o for o in await service.offers(which, THURSDAY) if o.bookable and window.holds(o.slot)]
        assert [(o.slot, o.price_paise, o.peak) for o in free.slots] == [
            (o.slot, o.price_paise, o.peak) for o in screen
        ]
    assert [o.slot.start.hour for o in found[1].slots] == [13, 15]  # 19:00 and 21:00 IST


async def test_claims_made_before_start_ms_are_stamped_and_then_seen(
    service: BookingService, room: Room
) -> None:
    await service.block_slots(room, THURSDAY, slot_keys(room, THURSDAY, 18, 19, 20, 21), owner_id=9001)
    await SlotClaim.get_pymongo_collection().update_many({}, {"$unset": {"start_ms": ""}})
    window = parse_free_query("tomorrow 18-22", now=NOW)
    assert await free_slots([room], window, now=NOW, lead_of=service.booking_lead)  # wrongly free
    assert await stamp_claim_starts() == 4
    assert await stamp_claim_starts() == 0
    assert await free_slots([room], window, now=NOW, lead_of=service.booking_lead) == []


async def test_the_longest_slot_counts_the_days_kept_under_another_length(room: Room) -> None:
    assert longest_slot(room) == timedelta(hours=1)
    kept = room.model_copy(update={"kept_grids": {THURSDAY.isoformat(): "10:00-22:00/120"}})
    assert longest_slot(kept) == timedelta(hours=2)


async def test_the_last_city_chosen_is_remembered(user: User) -> None:
    assert await last_city(user.id) is None
    await remember_city(user.id, "Mumbai")
    await remember_city(user.id, "Bengaluru")
    assert await last_city(user.id) == "Bengaluru"
    assert await last_city(4242) is None  # never talked to the bot


async def test_the_search_and_the_marks_keep_each_rooms_own_lead(service: BookingService, room: Room) -> None:
    """A room whose owner asks for three hours' notice (the global lead is 30 minutes):
    its slots of the next three hours are neither found nor counted free, as its slot
    screen shows them."""
    await service.block_slots(room, TODAY, slot_keys(room, TODAY, *range(13, 22)), owner_id=9001)
    await Room.get_pymongo_collection().update_one({"_id": room.id}, {"$set": {"rules.lead_minutes": 180}})
    strict = await service.room(room.id)
    screen = await service.offers(strict, TODAY)
    assert [o for o in screen if o.bookable] == []  # 11:00 and 12:00 are inside the lead

    window = parse_free_query("today 10-23", now=NOW)
    assert await free_slots([strict], window, now=NOW, lead_of=service.booking_lead) == []
    marks = await read_marks(service, strict, [TODAY])
    assert marks[TODAY] is expected_mark(screen) is DayMark.FULL
