"""Reads for finding a slot (issue 17 §2, §3): the booking calendar's day marks, one
query per month page, and the free-slot search, one query for every room of a city.

Both read the slot claims (bookings, holds and owner blocks alike) and decide with the
same rule as the slot screen (``domain.day_marks.is_free``), so a marker or a search
result never promises what the day's screen then refuses. Each is ONE indexed range
on a single field, which is what the embedded database's planner serves well
(``storage.models``): measured at 100,000 claims, ``$in`` over a page's ``room_day``
keys scans the collection (~200 ms), an aggregation pipeline does too (~500 ms), a
range on a datetime field walks the whole index (~200 ms), while a range on
``room_day`` (the keys of one room sort by day) or on the integer ``start_ms`` takes
a few milliseconds (bench/finding.py prints the figures)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta

from domain.availability import SlotOffer, SlotState
from domain.day_marks import ClaimedSpans, DayMark, is_free, month_marks
from domain.free_query import FreeRoom, FreeWindow, RoomFreeSlots, free_rooms
from domain.slots import Slot
from storage.models import Room, SlotClaim, room_day_key
from storage.times import as_utc, to_ms

SPAN_FIELDS = {"_id": 0, "start": 1, "end": 1}
ONE_BATCH = 100_000
"""Claims come back in one batch, so a query is one round trip (PyMongo's first batch is
otherwise 101 documents, and each further batch is another round trip)."""


def _span(claim: dict) -> Slot:
    return Slot(as_utc(claim["start"]), as_utc(claim["end"]))


async def claims_on_days(room: Room, first: date, last: date) -> ClaimedSpans:
    """Every claim of ``room``'s business days ``first`` to ``last``: one range on
    ``room_day`` (``<room id>|<YYYY-MM-DD>``; one room's keys sort by day)."""
    query = {"room_day": {"$gte": room_day_key(room.id, first), "$lte": room_day_key(room.id, last)}}
    cursor = SlotClaim.get_pymongo_collection().find(query, SPAN_FIELDS, batch_size=ONE_BATCH)
    return ClaimedSpans([_span(claim) async for claim in cursor])


async def day_marks(
    room: Room, days: Sequence[date], *, now: datetime, min_lead: timedelta
) -> dict[date, DayMark]:
    """Each of ``days`` as the calendar marks it, from one query (the neighbouring days'
    claims included: a late session can run into the next day)."""
    if not days:
        return {}
    claimed = await claims_on_days(room, min(days) - timedelta(days=1), max(days) + timedelta(days=1))
    return month_marks(room.slots_on_days(days), claimed, now=now, min_lead=min_lead)


async def claims_between(starts: datetime, ends: datetime, *, longest: timedelta) -> dict[str, list[Slot]]:
    """Claims of every room that may touch ``starts``..``ends``, by room id: one range on
    ``start_ms``, reaching back ``longest`` (no claim is longer: a claim is one slot)."""
    query = {"start_ms": {"$gte": to_ms(starts - longest), "$lt": to_ms(ends)}}
    found: dict[str, list[Slot]] = defaultdict(list)
    cursor = SlotClaim.get_pymongo_collection().find(
        query, {**SPAN_FIELDS, "room_id": 1}, batch_size=ONE_BATCH
    )
    async for claim in cursor:
        found[claim["room_id"]].append(_span(claim))
    return found


HOUR = timedelta(hours=1)


def longest_slot(room: Room) -> timedelta:
    """The longest slot ``room`` sells or sold: its slot length, or a kept day's."""
    kept = (int(grid.rpartition("/")[2]) for grid in room.kept_grids.values())
    return timedelta(minutes=max([room.slot_minutes, *kept]))


def _free_offers(
    room: Room, window: FreeWindow, claimed: ClaimedSpans, *, now: datetime, min_lead: timedelta
) -> list[SlotOffer]:
    """The room's free slots inside ``window``, priced (the free ones only: a search prices
    a few hundred slots, not every slot of every room)."""
    inside = [slot for slot in room.slots_on(window.day) if window.holds(slot)]
    free = [slot for slot in inside if is_free(slot, claimed, now=now, min_lead=min_lead)]
    prices, zone = room.prices, room.zone
    return [
        SlotOffer(slot, prices.price(slot, zone), prices.is_peak(slot, zone), SlotState.FREE) for slot in free
    ]


async def free_slots(
    rooms: Iterable[Room], window: FreeWindow, *, now: datetime, lead_of: Callable[[Room], timedelta]
) -> list[FreeRoom[SlotOffer]]:
    """The rooms among ``rooms`` with free slots in ``window``, cheapest first, each with
    those slots; one query for all of them. ``lead_of``: how long before a slot starts
    it stops being bookable at a room (its rules: ``BookingService.booking_lead``)."""
    rooms = list(rooms)
    claims = await claims_between(
        window.starts, window.ends, longest=max(map(longest_slot, rooms), default=HOUR)
    )
    found = [
        RoomFreeSlots(
            str(room.id),
            room.name,
            _free_offers(
                room, window, ClaimedSpans(claims.get(str(room.id), ())), now=now, min_lead=lead_of(room)
            ),
        )
        for room in rooms
    ]
    return free_rooms(found, window)


async def stamp_claim_starts() -> int:
    """Give claims made before ``start_ms`` existed their ``start_ms``, so the free-slot
    search sees them; returns how many were stamped. Idempotent, run at start-up."""
    collection = SlotClaim.get_pymongo_collection()
    stamped = 0
    async for claim in collection.find({"start_ms": None}, {"start": 1}):
        await collection.update_one(
            {"_id": claim["_id"], "start_ms": None}, {"$set": {"start_ms": to_ms(as_utc(claim["start"]))}}
        )
        stamped += 1
    return stamped
