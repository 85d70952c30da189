"""Finding a slot at scale (issue 17 §2, §3), on the embedded database.

50 rooms in one city and 100,000 bookings over 400 days around today, each holding its
slot claims (one to three slots), like the bot's own. Then:

1. The booking calendar's month page markers (``storage.availability.day_marks``): time
   per page and database round trips per page (counted by a PyMongo command listener),
   against the shapes the embedded database does not serve (``$in`` over the page's keys,
   an aggregation pipeline, one query per day).
2. The free-slot search over the city's 50 rooms (``active_rooms`` + ``free_slots``, as
   the /free screen runs it): time per search and round trips.

Each query's plan (``explain``) is printed: both must name an index.

    python bench/finding.py [--bookings 100000] [--rooms 50] [--runs 40]
    MONGODB_URI=mongodb://... python bench/finding.py
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bson import ObjectId
from pymongo import monitoring

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from domain.booking_status import BookingStatus
from domain.free_query import parse_free_query
from storage.availability import claims_between, claims_on_days, day_marks, free_slots
from storage.database import open_database
from storage.demo import DEMO_ROOMS
from storage.models import Booking, Room, SlotClaim, claim_id, room_day_key, to_ms
from storage.rooms import active_rooms

NOW = datetime(2026, 11, 25, 4, 30, tzinfo=UTC)  # Wed 10:00 IST
LEAD = timedelta(minutes=30)
CITY = "Bengaluru"


def server_cpu(pid: int | None) -> float:
    """CPU seconds the embedded database server has used (0 without one: MONGODB_URI)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU used by this process and the database server: unlike wall-clock time, it does
    not grow when other work shares the machine."""

    def __init__(self, server_pid: int | None) -> None:
        self.server_pid = server_pid

    def now(self) -> float:
        return time.process_time() + server_cpu(self.server_pid)


class RoundTrips(monitoring.CommandListener):
    """Counts the commands the client sends (each is one round trip)."""

    def __init__(self) -> None:
        self.count = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.count += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def load(bookings: int, room_count: int) -> list[Room]:
    """``room_count`` rooms shaped like Bass Cave and ``bookings`` paid bookings of one to
    three slots over the 400 days around NOW, each with its claims."""
    rng = random.Random(17)
    specs = [
        {**DEMO_ROOMS[0], "slug": f"bench-room-{n}", "name": f"Room {n:02d}", "owner_ids": [9000 + n]}
        for n in range(room_count)
    ]
    specs = [{**spec, "hourly_paise": spec["hourly_paise"] + 5000 * rng.randrange(6)} for spec in specs]
    rooms = [Room(**spec) for spec in specs]
    inserted = await Room.get_pymongo_collection().insert_many([r.model_dump(exclude={"id"}) for r in rooms])
    for room, room_id in zip(rooms, inserted.inserted_ids, strict=True):
        room.id = room_id
    first_day = NOW.date() - timedelta(days=200)
    days = [(room, first_day + timedelta(days=d)) for room in rooms for d in range(400)]
    rng.shuffle(days)
    booking_docs: list[dict] = []
    claim_docs: list[dict] = []
    for room, day in days:
        slots = room.slots_on(day)
        i = rng.randrange(2)
        while i < len(slots) and len(booking_docs) < bookings:
            run = slots[i : i + rng.choice((1, 1, 2, 2, 3))]
            booking_id = ObjectId()
            booking_docs.append(_booking(booking_id, len(booking_docs), room, day, run))
            claim_docs += [_claim(booking_id, room, day, slot) for slot in run]
            i += len(run) + rng.randrange(2)
        if len(booking_docs) >= bookings:
            break
    for batch in range(0, len(booking_docs), 5000):
        await Booking.get_pymongo_collection().insert_many(booking_docs[batch : batch + 5000])
    for batch in range(0, len(claim_docs), 5000):
        await SlotClaim.get_pymongo_collection().insert_many(claim_docs[batch : batch + 5000])
    print(
        f"loaded {len(booking_docs):,} bookings holding {len(claim_docs):,} slot claims in {room_count} rooms"
    )
    return rooms


def _booking(booking_id: ObjectId, n: int, room: Room, day: date, run: list) -> dict:
    start, end = run[0].start, run[-1].end
    return {
        "_id": booking_id,
        "code": f"JR-F{n:06d}",
        "user_id": 10_000 + n % 5000,
        "room_id": str(room.id),
        "day": datetime.combine(day, datetime.min.time()),
        "room_day": room_day_key(room.id, day),
        "slots": [{"start": s.start, "end": s.end, "price_paise": 60000} for s in run],
        "amount_paise": 60000 * len(run),
        "currency": "INR",
        "status": BookingStatus.COMPLETED.value if end <= NOW else BookingStatus.NOT_STARTED.value,
        "starts_at": start,
        "ends_at": end,
        "hold_expires_at": start - timedelta(days=2),
        "due_ms": None if end <= NOW else to_ms(start),
        "created_at": start - timedelta(days=2),
        "updated_at": start - timedelta(days=2),
        "payment": {},
        "refund": {},
        "flags": [],
        "reminders_sent": [],
    }


def _claim(booking_id: ObjectId, room: Room, day: date, slot) -> dict:
    return {
        "_id": claim_id(room.id, slot.key),
        "room_id": str(room.id),
        "room_day": room_day_key(room.id, day),
        "start": slot.start,
        "end": slot.end,
        "start_ms": to_ms(slot.start),
        "kind": "booking",
        "booking_id": str(booking_id),
        "created_at": slot.start - timedelta(days=2),
    }


def month_days(month: date, today: date, last: date) -> list[date]:
    first = max(today, month)
    end = min(last, (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1))
    return [first + timedelta(days=n) for n in range((end - first).days + 1)]


def figures(label: str, times: list[float], trips: list[int], cpu_seconds: float, budget_ms: float) -> None:
    ordered = sorted(times)
    p50 = statistics.median(ordered) * 1000
    p95 = ordered[int(len(ordered) * 0.95) - 1] * 1000
    cpu = cpu_seconds / len(times) * 1000
    print(
        f"  {label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {ordered[-1] * 1000:.1f} ms (budget "
        f"{budget_ms:.0f} ms); CPU {cpu:.1f} ms per call (bot and database server together); "
        f"database round trips per call: {sorted(set(trips))}"
    )


async def explain(database, collection: str, query: dict) -> str:
    plan = await database.db.command("explain", {"find": collection, "filter": query})
    return str(plan.get("queryPlanner", {}).get("winningPlan"))


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--rooms", type=int, default=50)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    trips = RoundTrips()
    monitoring.register(trips)  # before the client exists: it listens from its start
    uri = os.environ.get("MONGODB_URI")
    database = await open_database(uri, data_dir=None, database_name="jamroom_bench_finding" if uri else None)
    try:
        for model in (Room, Booking, SlotClaim):
            await model.get_pymongo_collection().delete_many({})
        started = time.perf_counter()
        rooms = await load(args.bookings, args.rooms)
        took = time.perf_counter() - started
        print(f"(loading took {took:.0f} s; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f})")
        print("Wall-clock times grow with whatever else runs on the machine; CPU per call does not.")
        rng = random.Random(3)
        today, last = NOW.date(), NOW.date() + timedelta(days=60)
        months = [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)]

        print("\n1. Month page markers (one room's page, as the calendar draws it)")
        times, counted = [], []
        cpu = CpuMeter(database.embedded.pid if database.embedded else None)
        cpu_before = cpu.now()
        for _ in range(args.runs):
            room, month = rng.choice(rooms), rng.choice(months)
            days = month_days(month, today, last)
            before = trips.count
            start = time.perf_counter()
            marks = await day_marks(room, days, now=NOW, min_lead=LEAD)
            times.append(time.perf_counter() - start)
            counted.append(trips.count - before)
        figures("day_marks", times, counted, cpu.now() - cpu_before, 20)
        reads = []
        for _ in range(args.runs):
            room, month = rng.choice(rooms), rng.choice(months)
            days = month_days(month, today, last)
            start = time.perf_counter()
            await claims_on_days(room, days[0] - timedelta(days=1), days[-1] + timedelta(days=1))
            reads.append(time.perf_counter() - start)
        print(f"  of which the query (claims_on_days alone): p50 {statistics.median(reads) * 1000:.1f} ms")
        kinds = sorted({mark.value for mark in marks.values()})
        print(f"  last page: {len(marks)} days marked {kinds}")
        room = rooms[0]
        keys = [room_day_key(room.id, d) for d in month_days(months[1], today, last)]
        ranged = {"room_day": {"$gte": keys[0], "$lte": keys[-1]}}
        print(f"  plan of the range on room_day: {await explain(database, 'slot_claims', ranged)}")
        collection = SlotClaim.get_pymongo_collection()
        start = time.perf_counter()
        await collection.find({"room_day": {"$in": keys}}, {"start": 1, "end": 1}).to_list()
        took = (time.perf_counter() - start) * 1000
        print(f"  instead, $in over the page's {len(keys)} keys: {took:.0f} ms (a scan)")
        start = time.perf_counter()
        pipeline = [{"$match": ranged}, {"$group": {"_id": "$room_day", "n": {"$sum": 1}}}]
        await (await collection.aggregate(pipeline)).to_list()
        print(
            f"  instead, an aggregation pipeline on that range: {(time.perf_counter() - start) * 1000:.0f} ms"
        )
        start = time.perf_counter()
        for key in keys:
            await collection.find({"room_day": key}, {"start": 1, "end": 1}).to_list()
        took = (time.perf_counter() - start) * 1000
        print(f"  instead, one query per day: {took:.0f} ms, {len(keys)} round trips")
        start = time.perf_counter()
        await claims_on_days(room, today, today + timedelta(days=30))
        print(f"  (one room's next 30 days of claims alone: {(time.perf_counter() - start) * 1000:.1f} ms)")

        print(f"\n2. Free-slot search over the city's {len(rooms)} rooms (as /free draws it)")
        queries = ["", "tonight", "tomorrow 18-22", "sat", "sun", "tomorrow", "fri 9-13", "2026-12-10"]
        times, counted, found = [], [], 0
        cpu_before = cpu.now()
        for n in range(args.runs):
            query = queries[n % len(queries)]
            before = trips.count
            start = time.perf_counter()
            city_rooms = await active_rooms(CITY)
            window = parse_free_query(query, now=NOW, zone=city_rooms[0].zone)
            result = await free_slots(city_rooms, window, now=NOW, lead_of=lambda _: LEAD)
            times.append(time.perf_counter() - start)
            counted.append(trips.count - before)
            found = max(found, len(result))
        figures("active_rooms + free_slots", times, counted, cpu.now() - cpu_before, 100)
        print(f"  rooms with free slots in a window: up to {found}")
        print(f"(load average now {os.getloadavg()[0]:.1f})")
        window = parse_free_query("tomorrow 18-22", now=NOW)
        claims = await claims_between(window.starts, window.ends, longest=timedelta(hours=1))
        print(f"  claims read for 'tomorrow 18-22': {sum(len(c) for c in claims.values())}")
        ranged = {"start_ms": {"$gte": to_ms(window.starts - timedelta(hours=1)), "$lt": to_ms(window.ends)}}
        print(f"  plan of the range on start_ms: {await explain(database, 'slot_claims', ranged)}")
    finally:
        await database.close()


if __name__ == "__main__":
    asyncio.run(main())
