"""Never miss a slot (issue 17 §1 and §4): the waitlist and the live slot screens.

Waitlist: N musicians wait on the 20 slots of one room's day, all held by others; the
20 holds are then released at once (each cancelled while a second booking service, a
stand-in for a second process, runs the clock's waitlist pass). Prints how many offers
each slot got (must be exactly 1, to the first musician waiting), slots held twice
(must be 0), offer messages queued, and how the outbox delivered them: busiest second
for the bot (Telegram: 30/s) and the shortest gap between two messages to one chat.

Live screens: W musicians have the same room's day open while B others book it one
after another (a confirmation each through the outbox). The delivery loop (messages,
then a batch of redraws, the loop's 0.5 s idle sleep) runs on a manual clock that the
send budget moves, so the figures are the budget's, not this machine's. Prints how
long after the last change the last screen showed the day right, the worst delay of a
confirmation from the moment its booking was made, redraws sent, and the busiest second.
The redraw itself is a recording painter (the day's states read through the booking
service, as bot/live_screens.py's painter does, minus aiogram-dialog's rendering);
tests/test_live_screens.py drives the real painter through the dispatcher.

    python bench/waitlist.py [--waiters 1000] [--watchers 200] [--bookers 20]
    MONGODB_URI=mongodb://... python bench/waitlist.py    # a real MongoDB
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from aiogram.methods import EditMessageText, SendMessage, TelegramMethod

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.dialog_support, as a script too
from bench.contention import insert_bench_room
from domain.booking_status import ACTIVE
from domain.clock import ManualClock
from domain.live_screens import states_shown
from jobs.delivery import OutboxDeliverer, RateLimits
from jobs.live_screens import SlotScreenRedraws
from jobs.setup import DELIVERY_IDLE_SECONDS
from storage import live_screens
from storage.booking_service import BookingRules, BookingService
from storage.database import open_database
from storage.documents import document_models
from storage.models import Booking, Room, SlotClaim, User, claim_id, room_day_key
from storage.outbox import OutboxMessage, OutboxStatus, enqueue
from storage.waitlist import SlotWait
from tests.dialog_support import RecordingBot

DAY = date(2026, 12, 2)
NOW = datetime(2026, 11, 25, 4, 30, tzinfo=UTC)


class StampingBot(RecordingBot):
    """Records when (on the manual clock) each message or edit reached "Telegram"."""

    def __init__(self, clock: ManualClock) -> None:
        super().__init__()
        self.clock = clock
        self.sends: list[tuple[float, int]] = []

    async def __call__(self, method: TelegramMethod[Any], request_timeout: int | None = None) -> Any:
        if isinstance(method, SendMessage | EditMessageText):
            self.sends.append((self.clock.now().timestamp(), int(method.chat_id or 0)))
        return await super().__call__(method, request_timeout)


def busiest_second(moments: list[float]) -> int:
    moments = sorted(moments)
    busiest, first = 0, 0
    for last, moment in enumerate(moments):
        while moment - moments[first] >= 1.0:
            first += 1
        busiest = max(busiest, last - first + 1)
    return busiest


def shortest_chat_gap(sends: list[tuple[float, int]]) -> float | None:
    last: dict[int, float] = {}
    gap: float | None = None
    for moment, chat in sorted(sends):
        if chat in last:
            gap = min(gap if gap is not None else moment - last[chat], moment - last[chat])
        last[chat] = moment
    return gap


async def fresh_room() -> tuple[Room, list[str]]:
    for model in document_models():
        await model.get_pymongo_collection().delete_many({})
    room = await insert_bench_room()
    keys = [o.slot.key for o in await BookingService(ManualClock(NOW)).offers(room, DAY)]
    assert len(keys) == 20, len(keys)
    return room, keys


async def add_users(ids: range) -> None:
    await User.get_pymongo_collection().insert_many([{"_id": i, "first_name": f"m{i}"} for i in ids])


async def bench_waitlist(waiters: int) -> None:
    room, keys = await fresh_room()
    clock = ManualClock(NOW)
    service = BookingService(clock, BookingRules())
    other_process = BookingService(clock, BookingRules())
    holder_ids, waiter_ids = range(1, 1 + len(keys)), range(10_000, 10_000 + waiters)
    await add_users(holder_ids)
    await add_users(waiter_ids)
    held = [await service.create_booking(u, room.id, DAY, [k]) for u, k in zip(holder_ids, keys, strict=True)]
    started = time.perf_counter()
    joins = (service.wait_for_slots(w, room.id, DAY, [keys[w % len(keys)]]) for w in waiter_ids)
    await asyncio.gather(*joins)
    joined = time.perf_counter() - started
    first_waiting: dict[str, int] = {}
    for wait in await SlotWait.find_all().sort("queued_ms", "key").to_list():
        first_waiting.setdefault(wait.claim_id, wait.user_id)

    started = time.perf_counter()
    await asyncio.gather(
        *(service.cancel_by_musician(b.id, b.user_id) for b in held),
        other_process.waitlist.tick(),
        service.waitlist.tick(),
    )
    await asyncio.gather(service.aftermath.drain(), other_process.aftermath.drain())  # the offers
    released = time.perf_counter() - started

    claims = await SlotClaim.find_all().to_list()
    offers = [c for c in claims if c.kind == "offer"]
    holders: Counter[str] = Counter(o.id for o in offers)
    for booking in await Booking.find_all().to_list():
        if booking.status in ACTIVE:
            holders.update(claim_id(room.id, s.slot.key) for s in booking.slots)
    offers_per_slot = Counter(o.id for o in offers)
    to_first = sum(1 for o in offers if o.created_by == first_waiting.get(o.id))
    announced = await OutboxMessage.find({"dedupe_key": {"$regex": "^offer:"}}).count()

    pace = ManualClock(NOW)
    bot = StampingBot(pace)
    deliverer = OutboxDeliverer(bot, pace, RateLimits(clock=pace))
    while await OutboxMessage.find({"status": OutboxStatus.PENDING.value}).count():
        if not await deliverer.deliver_due():
            pace.advance(seconds=DELIVERY_IDLE_SECONDS)
    moments = [m for m, _ in bot.sends]

    print(f"\nwaitlist: {waiters} musicians waiting on {len(keys)} slots, all released at once")
    print(f"  joining the waitlist: {waiters / joined:,.0f} waits/s ({joined:.2f}s)")
    print(f"  release of {len(held)} holds racing two waitlist passes: {released * 1000:.0f} ms")
    print(
        f"  slots offered: {len(offers_per_slot)}/{len(keys)}, offers per slot: "
        f"{sorted(set(offers_per_slot.values()))}, to the first musician waiting: {to_first}/{len(offers)}"
    )
    print(f"  slots held twice: {sum(1 for n in holders.values() if n > 1)}")
    print(f"  offer messages: {announced} queued, {len(bot.sends)} sent")
    print(
        f"  sent over {max(moments) - min(moments):.2f}s (send-budget clock): busiest second "
        f"{busiest_second(moments)} messages (limit 30)"
    )


async def bench_live_screens(watchers: int, bookers: int) -> None:
    room, keys = await fresh_room()
    sim = ManualClock(NOW)
    service = BookingService(sim, BookingRules())
    watcher_ids, booker_ids = range(50_000, 50_000 + watchers), range(60_000, 60_000 + bookers)
    await add_users(watcher_ids)
    await add_users(booker_ids)
    room_day = room_day_key(room.id, DAY)
    shown = states_shown(await service.offers(room, DAY))
    for watcher in watcher_ids:
        await live_screens.watch(watcher, watcher, room_day, shown, sim.now())

    bot = StampingBot(sim)
    drawn: dict[int, tuple[datetime, str]] = {}

    async def paint(user_id: int, chat_id: int, screen_day: str) -> str | None:
        states = states_shown(await service.offers(room, DAY))
        await bot.edit_message_text(text=states, chat_id=chat_id, message_id=1)
        drawn[user_id] = (sim.now(), states)
        return states

    redraws = SlotScreenRedraws(service, sim, paint)
    deliverer = OutboxDeliverer(bot, sim, RateLimits(clock=sim), redraws=redraws.redraw_due)
    # One booking every 0.5 s: a busy evening's burst.
    plan = [(NOW + timedelta(seconds=i / 2), b, keys[i % len(keys)]) for i, b in enumerate(booker_ids)]
    booked_at: dict[int, datetime] = {}
    last_change = NOW
    started = time.perf_counter()
    while (
        plan
        or await OutboxMessage.find({"status": OutboxStatus.PENDING.value}).count()
        or (await live_screens.due_screens(sim.now() + timedelta(seconds=10), 1))
    ):
        while plan and plan[0][0] <= sim.now():
            at, booker, key = plan.pop(0)
            await service.create_booking(booker, room.id, DAY, [key])
            await service.aftermath.drain()  # the day's screens marked, as a moment later in the bot
            # A confirmation queued at the moment planned for the booking, however late
            # the loop got to it: its delay counts the redraws that held it up.
            await enqueue(booker, "Booking confirmed", dedupe_key=f"confirmed:{booker}", now=at)
            booked_at[booker], last_change = at, at
        if not await deliverer.deliver_due():
            sim.advance(seconds=DELIVERY_IDLE_SECONDS)
    wall = time.perf_counter() - started

    final = states_shown(await service.offers(room, DAY))
    right = [drawn[w] for w in watcher_ids if w in drawn and drawn[w][1] == final]
    last_right = max((t for t, _ in right), default=last_change)
    confirmed = {chat: moment for moment, chat in bot.sends if chat in booked_at}
    delays = [confirmed[b] - booked_at[b].timestamp() for b in booked_at]
    edits = [c for c in bot.calls if isinstance(c, EditMessageText)]
    print(f"\nlive screens: {watchers} musicians watching one day while {bookers} book it (one every 0.5 s)")
    print(f"  screens showing the final day: {len(right)}/{watchers}")
    print(f"  last screen right {(last_right - last_change).total_seconds():.2f}s after the last change")
    # After the last change every open screen needs one edit, and edits share the bot's
    # 30/s (spaced 1.05/30 s) with the messages: no schedule can beat this floor.
    floor = watchers * 1.05 / 30
    print(f"  (floor at the send budget: {watchers} edits at {30 / 1.05:.1f}/s = {floor:.2f}s)")
    print(f"  confirmations sent {len(confirmed)}/{bookers}, worst delay {max(delays):.2f}s after booking")
    print(f"  redraws sent: {len(edits)} (a redraw per screen and change would be {watchers * bookers})")
    print(f"  busiest second: {busiest_second([m for m, _ in bot.sends])} sends (limit 30)")
    gap = shortest_chat_gap(bot.sends)
    print(f"  shortest gap between two sends to one chat: {gap:.2f}s (limit 1 s)" if gap else "")
    print(f"  wall time {wall:.1f}s for {(sim.now() - NOW).total_seconds():.1f}s of the loop's clock")


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--waiters", type=int, default=1000)
    parser.add_argument("--watchers", type=int, default=200)
    parser.add_argument("--bookers", type=int, default=20)
    args = parser.parse_args()
    uri = os.environ.get("MONGODB_URI")
    database = await open_database(uri, data_dir=None, database_name="jamroom_bench" if uri else None)
    try:
        print(f"database: {database.description}")
        await bench_waitlist(args.waiters)
        await bench_live_screens(args.watchers, args.bookers)
        if uri:
            await database.client.drop_database("jamroom_bench")
    finally:
        await database.close()


if __name__ == "__main__":
    asyncio.run(main())
