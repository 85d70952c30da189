"""Contested bookings: N musicians at once over the 20 slots of one room and day.

Prints double-booked slots (must be 0), bookings/s and p50/p95 latency for our
claim-based booking service, then runs the same workload through the original web
app's approach (find conflicting bookings, then insert) and prints how many double
bookings that produces.

    python bench/contention.py [--attempts 1000] [--seed 1]
    MONGODB_URI=mongodb://... python bench/contention.py    # a real MongoDB
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

from bson import ObjectId

from domain.clock import ManualClock
from domain.errors import SlotsTakenError
from storage.booking_service import BookingService
from storage.database import Database, open_database
from storage.models import Booking, Room, SlotClaim, User

DAY = date(2026, 12, 2)
NOW = datetime(2026, 11, 25, 4, 30, tzinfo=UTC)


async def insert_bench_room() -> Room:
    """The benches' room: open 04:00-24:00 every day, 20 one-hour slots."""
    return await Room(
        slug="bench-room",
        name="Bench Room",
        city="Pune",
        address="-",
        opening_hours={str(d): "04:00-00:00" for d in range(7)},
        hourly_paise=50000,
        peak_hourly_paise=70000,
    ).insert()


async def prepare(attempts: int) -> tuple[Room, list[str]]:
    for model in (User, Room, Booking, SlotClaim):
        await model.get_pymongo_collection().delete_many({})
    room = await insert_bench_room()
    await User.get_pymongo_collection().insert_many(
        [{"_id": 10_000 + i, "first_name": f"m{i}"} for i in range(attempts)]
    )
    service = BookingService(ManualClock(NOW))
    keys = [o.slot.key for o in await service.offers(room, DAY)]
    assert len(keys) == 20, len(keys)
    return room, keys


def wanted_sets(keys: list[str], attempts: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    result = []
    for _ in range(attempts):
        first = rng.randrange(len(keys))
        result.append(keys[first : first + rng.randint(1, 3)])
    return result


CONCURRENCY = 0  # 0: every attempt at once; set by --concurrency


async def timed(calls: list[Callable[[], Awaitable[bool]]]) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    gate = asyncio.Semaphore(CONCURRENCY or len(calls))

    async def one(call: Callable[[], Awaitable[bool]]) -> bool:
        async with gate:
            started = time.perf_counter()
            won = await call()
            latencies.append((time.perf_counter() - started) * 1000)
            return won

    started = time.perf_counter()
    results = await asyncio.gather(*(one(c) for c in calls))
    return latencies, sum(results), time.perf_counter() - started


async def run_claims(room: Room, wanted: list[list[str]]) -> None:
    service = BookingService(ManualClock(NOW))

    def attempt(i: int) -> Callable[[], Awaitable[bool]]:
        async def call() -> bool:
            try:
                await service.create_booking(10_000 + i, room.id, DAY, wanted[i])
            except SlotsTakenError:
                return False
            return True

        return call

    latencies, won, elapsed = await timed([attempt(i) for i in range(len(wanted))])
    bookings = await Booking.find_all().to_list()
    held = Counter(s.start for b in bookings for s in b.slots)
    double = sum(1 for n in held.values() if n > 1)
    claims = await SlotClaim.count()
    report("claims under a unique _id (ours)", len(wanted), won, elapsed, latencies, double)
    print(f"  orphan claims: {claims - sum(held.values())}")


async def run_find_then_insert(database: Database, wanted: list[list[str]]) -> None:
    """The web app's createBooking: look for conflicting bookings, then insert."""
    collection = database.db["naive_bookings"]
    await collection.delete_many({})
    await collection.create_index("room_day")

    room_day = "bench|2026-12-02"

    def attempt(i: int) -> Callable[[], Awaitable[bool]]:
        async def call() -> bool:
            conflict = await collection.find_one({"room_day": room_day, "slots": {"$in": wanted[i]}})
            if conflict is not None:
                return False
            await collection.insert_one({"_id": ObjectId(), "room_day": room_day, "slots": wanted[i]})
            return True

        return call

    latencies, won, elapsed = await timed([attempt(i) for i in range(len(wanted))])
    held = Counter(k for doc in await collection.find({}).to_list() for k in doc["slots"])
    double = sum(1 for n in held.values() if n > 1)
    report("find, then insert (original web app)", len(wanted), won, elapsed, latencies, double)
    await collection.drop()


def report(name: str, attempts: int, won: int, elapsed: float, latencies: list[float], double: int) -> None:
    cuts = statistics.quantiles(latencies, n=100)
    print(f"\n{name}")
    print(f"  attempts: {attempts}   bookings made: {won}   double-booked slots: {double}")
    print(f"  {attempts / elapsed:,.0f} attempts/s   {won / elapsed:,.1f} bookings/s   total {elapsed:.2f}s")
    print(f"  latency p50 {cuts[49]:.1f} ms   p95 {cuts[94]:.1f} ms   max {max(latencies):.1f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=0, help="attempts in flight (0: all at once)")
    args = parser.parse_args()
    global CONCURRENCY
    CONCURRENCY = args.concurrency
    uri = os.environ.get("MONGODB_URI")
    database = await open_database(uri, data_dir=None, database_name="jamroom_bench" if uri else None)
    try:
        print(f"database: {database.description}")
        room, keys = await prepare(args.attempts)
        wanted = wanted_sets(keys, args.attempts, args.seed)
        in_flight = args.concurrency or args.attempts
        print(f"workload: {args.attempts} attempts, {in_flight} in flight, {len(keys)} slots, 1-3 each")
        await run_claims(room, wanted)
        await run_find_then_insert(database, wanted)
        if uri:
            await database.client.drop_database("jamroom_bench")
    finally:
        await database.close()


if __name__ == "__main__":
    asyncio.run(main())
