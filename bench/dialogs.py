"""M musicians booking at once through the Bot API over HTTP.

The real bot code runs: Bot + Dispatcher (build_dispatcher) long-polling a local
Bot API stand-in over HTTP (tests/fakes/bot_api.py, which the tests use too), dialog
state in MongoDB, the booking service on the embedded NX-27017 server. The crowd runs
in a process of its own.
For ``--seconds``, each simulated musician goes /start → Find a room → city → room →
Book → a day → two free slots → Review → Confirm (trying other slots when someone
else was faster), then My bookings → the booking → Cancel → Yes, so its slots come
free again, and starts over; it waits for the bot's answer to every update and
pauses ``--think`` seconds (on average) before the next one.

Prints, for the measured window: updates/s, p50/p95 from an update being offered to
the bot's first answer to it, and per kind of update (a slot tap, Confirm, ...) which
of them make up the slowest 5%; then bookings, double bookings (must be 0), CPU per
update of the bot (and how much of it in the kernel), the database and the simulated
Telegram side, the Bot API calls per update, garbage-collection pauses and peak RSS of
each process. With ``--commands``, also the bot's MongoDB commands per update by kind
(counted by a command listener in the bot, which costs it CPU: compare CPU figures only
between runs made alike).

The bot runs once per speed-up mode (``--modes``, bot/perf), one mode after the other
with the same seed and crowd, each in a fresh process, and a table at the end puts
them side by side: ``on`` and ``off`` (stock aiogram/aiogram-dialog) by default;
``without:NAME`` leaves one speed-up out, ``each`` leaves out each in turn, so the
"vs on" column shows the bot CPU each one saves. ``--rounds`` repeats the set,
interleaved, and adds each mode's median.

    python bench/dialogs.py [--musicians 100] [--seconds 30] [--think 0.4] [--seed 1]
    python bench/dialogs.py --modes on,off,each --rounds 3
    python bench/dialogs.py --modes on --commands
    MONGODB_URI=mongodb://... python bench/dialogs.py
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gc
import math
import multiprocessing
import os
import random
import re
import resource
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram_dialog.widgets.kbd.calendar_kbd import raw_from_date
from pymongo import monitoring

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.fakes, as a script too

from bot.config import Settings
from bot.dispatcher import FSM_COLLECTION, build_dispatcher, mongo_fsm_storage
from bot.perf import Speedups
from bot.perf import names as speedup_names
from bot.perf.database_reads import read_directly_from
from bot.perf.session import telegram_session
from bot.perf.startup_heap import freeze_startup_heap, tune_collector
from bot.services import Services, booking_rules
from domain.booking_status import HOLDS_SLOTS
from domain.clock import ManualClock
from storage.booking_service import BookingService
from storage.database import Database, open_database
from storage.demo import seed_demo
from storage.models import Booking, SlotClaim, User
from tests.fakes.bot_api import BotApi, button, buttons

NOW = datetime(2026, 11, 25, 4, 30, tzinfo=UTC)  # Wed 10:00 IST
TOKEN = "123456:BENCH"
FIRST_USER_ID = 500_000
CODE = re.compile(r"JR-[0-9A-Z]{6}")


# ---- one musician -------------------------------------------------------------------


@dataclass
class Outcome:
    booked: bool = False
    retries: int = 0
    updates: int = 0


@dataclass(frozen=True)
class Answered:
    """One update a musician sent: its kind, how long until the bot's first answer (as
    the musician saw it), and when that came."""

    kind: str
    seconds: float
    at: float


@dataclass
class Totals:
    booked: int = 0
    cancelled: int = 0
    retries: int = 0


class Musician:
    def __init__(self, api: BotApi, index: int, rng: random.Random, think: float, days: list[date]) -> None:
        self.api = api
        self.user = {"id": FIRST_USER_ID + index, "is_bot": False, "first_name": f"Musician{index}"}
        self.rng = rng
        self.think = think
        self.days = days
        self.outcome = Outcome()
        self.screen: dict[str, Any] = {}
        self.answered: list[Answered] = []
        self.first_contact = True

    async def _pause(self) -> None:
        if self.think:
            await asyncio.sleep(self.rng.uniform(0.5, 1.5) * self.think)

    async def say(self, text: str) -> None:
        kind = f"{text} (first contact)" if self.first_contact else text
        self.first_contact = False
        await self._answered(kind, self.api.send_text(self.user, text))

    async def tap(self, target: dict[str, Any] | None, kind: str) -> None:
        if target is None:
            raise RuntimeError(f"button missing on: {self.screen!r}"[:600])
        await self._answered(kind, self.api.press(self.user, self.screen, target["callback_data"]))

    async def _answered(self, kind: str, version: int) -> None:
        sent = time.perf_counter()
        self.outcome.updates += 1
        await self.api.wait_reply(self.user["id"], version)
        replied = time.perf_counter()
        self.answered.append(Answered(kind, replied - sent, replied))
        await self._look()

    async def _look(self) -> None:
        """Think, then read the screen once the bot has finished answering: its first
        answer is not always its last (an alert such as "just taken" comes before the
        screen it explains), and a person acts on what the chat shows when they tap."""
        await self._pause()
        await self.api.wait_settled(self.user["id"])
        self.screen = self.api.screen(self.user["id"])

    async def run(self) -> Outcome:
        await self._pause()  # musicians do not all arrive in the same millisecond
        await self.say("/start")
        await self.tap(button(self.screen, text="🎸 Find a room"), "Find a room")
        cities = [b for b in buttons(self.screen) if "room" in b["text"] and "Menu" not in b["text"]]
        await self.tap(self._pick(cities), "a city")
        rooms = [b for b in buttons(self.screen) if "/h" in b["text"]]
        await self.tap(self._pick(rooms), "a room")
        await self.tap(button(self.screen, text="📅 Book"), "Book")
        for _attempt in range(4):
            if await self._try_a_day():
                self.outcome.booked = True
                break
            self.outcome.retries += 1
        return self.outcome

    async def book_and_cancel(self, deadline: float) -> Totals:
        """Book, then cancel that booking from My bookings (so its slots come free for
        the others), again and again until ``deadline``."""
        totals = Totals()
        while time.perf_counter() < deadline:
            self.outcome = Outcome()
            await self.run()
            totals.retries += self.outcome.retries
            if not self.outcome.booked:
                continue
            totals.booked += 1
            code = CODE.search(self.screen.get("text", ""))
            await self.tap(button(self.screen, text="📋 My bookings"), "My bookings")
            await self.tap(button(self.screen, text=code.group() if code else "JR-"), "a booking")
            await self.tap(button(self.screen, text="✖ Cancel this booking"), "Cancel this booking")
            await self.tap(button(self.screen, text="Yes, cancel it"), "Yes, cancel it")
            if "Cancelled" in self.screen.get("text", ""):
                totals.cancelled += 1
        return totals

    def _pick(self, choices: list[dict[str, Any]]) -> dict[str, Any] | None:
        return self.rng.choice(choices) if choices else None

    async def _try_a_day(self) -> bool:
        day = self.rng.choice(self.days)
        calendar = self.screen
        day_button = button(calendar, data_suffix=f"calendar:{raw_from_date(day)}")
        if day_button is None:  # the calendar shows the other month: page to it
            forward = button(calendar, data_suffix="calendar:+")
            later = forward is not None and forward["text"].startswith(f"{day:%B %Y}")
            await self.tap(forward if later else button(calendar, data_suffix="calendar:-"), "month page")
            day_button = button(self.screen, data_suffix=f"calendar:{raw_from_date(day)}")
        await self.tap(day_button, "a day")
        if button(self.screen, text="‹ Date") is None:  # a closed day: still on the calendar
            return False
        slots = [b for b in buttons(self.screen) if "slots:" in (b.get("callback_data") or "")]
        # Two slots next to each other, both free: a booking is one run without gaps.
        pairs = [
            (a, b)
            for a, b in pairwise(slots)
            if not a["text"].startswith(("✕", "✅")) and not b["text"].startswith(("✕", "✅"))
        ]
        if not pairs:
            await self.tap(button(self.screen, text="‹ Date"), "‹ Date")
            return False
        for slot in pairs[self.rng.randrange(len(pairs))]:
            await self.tap(slot, "a slot")
        if button(self.screen, text="Review") is None:  # a slot went while choosing it
            await self.tap(button(self.screen, text="‹ Date"), "‹ Date")
            return False
        await self.tap(button(self.screen, text="Review"), "Review")
        if button(self.screen, text="✅ Confirm") is None:  # a slot went while choosing
            await self.tap(button(self.screen, text="‹ Date"), "‹ Date")
            return False
        await self.tap(button(self.screen, text="✅ Confirm"), "Confirm")
        if "Booking JR-" in self.screen.get("text", ""):
            return True
        await self.tap(button(self.screen, text="‹ Date"), "‹ Date")  # back on the slots: just taken
        return False


# ---- the run ------------------------------------------------------------------------


class GcPauses:
    """Counts this process's garbage collections and how long they stopped it."""

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.longest = 0.0
        self._started = 0.0

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._on_gc)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        pause = time.perf_counter() - self._started
        self.count += 1
        self.total += pause
        self.longest = max(self.longest, pause)

    def summary(self) -> str:
        return f"{self.count} pauses, {self.total * 1000:.0f} ms in all, longest {self.longest * 1000:.0f} ms"


def rss_mb(pid: int | None = None) -> float:
    """Peak resident memory (VmHWM) of a process, in MB."""
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def cpu_seconds(pid: int | None) -> float:
    """CPU time (user + system) a process has used so far; NaN without a process."""
    return sum(user_and_system_seconds(pid))


def user_and_system_seconds(pid: int | None) -> tuple[float, float]:
    """CPU time a process has used so far in its own code and in the kernel's (system
    calls: sockets, polling); NaN without a process."""
    if pid is None:
        return float("nan"), float("nan")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


async def double_bookings() -> int:
    held = Counter()
    async for raw in Booking.get_pymongo_collection().find(
        {"status": {"$in": [s.value for s in HOLDS_SLOTS]}}
    ):
        for slot in raw["slots"]:
            held[(raw["room_id"], slot["start"])] += 1
    return sum(1 for n in held.values() if n > 1)


async def crowd_main(conn: Connection, musicians: int, seconds: float, think: float, seed: int) -> None:
    """The Telegram side, in its own process: the Bot API stand-in and the musicians.

    Figures cover the ``seconds`` the crowd is busy, not the last bookings finishing
    after it: while only a few musicians are left the bot idles, and counting that
    would measure the crowd thinning out rather than the bot."""
    api = BotApi()
    await api.start()
    conn.send(api.base_url)
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # the bot is polling
    calls_before = api.call_counts.copy()
    rng = random.Random(seed)
    days = [NOW.date() + timedelta(days=d) for d in range(1, 8)]
    crowd = [Musician(api, i, random.Random(rng.random()), think, days) for i in range(musicians)]
    freeze_startup_heap()
    with GcPauses() as gc_pauses:
        started = time.perf_counter()
        deadline = started + seconds
        totals = await asyncio.gather(*(m.book_and_cancel(deadline) for m in crowd), return_exceptions=True)
        elapsed = time.perf_counter() - started
    done = [t for t in totals if isinstance(t, Totals)]
    answered = [a for m in crowd for a in m.answered if a.at <= deadline]
    in_window = [lat for lat, at in zip(api.latencies, api.replied_at, strict=True) if at <= deadline]
    per_second = Counter(int(at - started) for at in api.replied_at if at <= deadline)
    conn.send(
        {
            "elapsed": elapsed,
            "handled": api.handled,
            "handled_in_window": len(in_window),
            "latencies": sorted(in_window),
            "per_second": [per_second[i] for i in range(int(seconds))],
            "booked": sum(t.booked for t in done),
            "cancelled": sum(t.cancelled for t in done),
            "retries": sum(t.retries for t in done),
            "failures": [repr(t) for t in totals if isinstance(t, BaseException)],
            "rss_mb": rss_mb(),
            "cpu_s": cpu_seconds(os.getpid()),
            "gc": gc_pauses.summary(),
            "calls": dict(api.call_counts - calls_before),
            "by_kind": latency_by_kind(answered),
        }
    )
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # the bot stopped polling
    await api.stop()


@dataclass(frozen=True)
class KindLatency:
    kind: str
    count: int
    p50_ms: float
    p95_ms: float
    in_tail: int
    """How many of this kind are among the slowest 5% of all updates."""


def latency_by_kind(answered: list[Answered]) -> list[KindLatency]:
    """Which updates make the p95: each kind's latencies and its share of the slowest 5%,
    most of the tail first."""
    if not answered:
        return []
    ranked = sorted(a.seconds for a in answered)
    tail_from = ranked[int(len(ranked) * 0.95)]
    kinds: dict[str, list[float]] = {}
    for a in answered:
        kinds.setdefault(a.kind, []).append(a.seconds)
    rows = []
    for kind, seconds in kinds.items():
        seconds.sort()
        rows.append(
            KindLatency(
                kind,
                len(seconds),
                statistics.median(seconds) * 1000,
                seconds[max(math.ceil(len(seconds) * 0.95) - 1, 0)] * 1000,
                sum(1 for x in seconds if x >= tail_from),
            )
        )
    return sorted(rows, key=lambda row: (-row.in_tail, -row.count))


def run_crowd(conn: Connection, musicians: int, seconds: float, think: float, seed: int) -> None:
    asyncio.run(crowd_main(conn, musicians, seconds, think, seed))


class CommandCounter(monitoring.CommandListener):
    """Counts the MongoDB commands of every client this process makes."""

    def __init__(self) -> None:
        self.count = 0
        self.kinds: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.count += 1
        target = event.command.get(event.command_name)
        self.kinds[f"{event.command_name}:{target}" if isinstance(target, str) else event.command_name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@dataclass
class Run:
    """One mode's figures over the measured window."""

    mode: str
    updates_per_s: float
    p50_ms: float
    p95_ms: float
    bot_cpu_ms: float
    db_cpu_ms: float
    commands: float
    gc_longest_ms: float
    errors: int
    double_bookings: int


async def run_mode(
    speedups: Speedups,
    musicians: int,
    seconds: float,
    think: float,
    seed: int,
    profile: str | None,
    count_commands: bool,
) -> Run:
    """The bot with ``speedups`` under the crowd, in this process; prints its figures.
    ``count_commands``: count the bot's MongoDB commands by kind (a command listener,
    which costs the bot CPU of its own, so the CPU figures of such a run read high)."""
    commands = CommandCounter()
    if count_commands:
        monitoring.register(commands)
    uri = os.environ.get("MONGODB_URI")
    database: Database = await open_database(uri, data_dir=None, database_name="jamroom_bench_dialogs")
    read_directly_from(uri, speedups)  # as python -m bot does
    for model in database.models:
        await model.get_pymongo_collection().delete_many({})
    await database.db[FSM_COLLECTION].delete_many({})
    await seed_demo([9001])
    clock = ManualClock(NOW)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    bookings = BookingService(clock, booking_rules(settings))
    services = Services(
        settings=settings,
        clock=clock,
        bookings=bookings,
        database=database,
        payments=None,
        bot_username="jamroom_bot",
    )

    here, there = multiprocessing.get_context("spawn").Pipe()
    crowd = multiprocessing.get_context("spawn").Process(
        target=run_crowd, args=(there, musicians, seconds, think, seed), daemon=True
    )
    crowd.start()
    loop = asyncio.get_running_loop()
    base_url = await loop.run_in_executor(None, here.recv)
    bot = Bot(
        TOKEN,
        session=telegram_session(base_url, speedups),
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    # Polling, as python -m bot does by default: the only process serving the bot.
    storage = mongo_fsm_storage(database.client, database.db.name, speedups, single_process=True)
    dispatcher = build_dispatcher(services, storage, speedups=speedups)
    tune_collector(speedups)  # as python -m bot does
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, polling_timeout=10))
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    db_pid = database.embedded.pid if database.embedded else None
    cpu_before = cpu_seconds(os.getpid()), cpu_seconds(db_pid)
    system_before = user_and_system_seconds(os.getpid())[1]
    commands_before = commands.count
    kinds_before = commands.kinds.copy()
    here.send("go")
    with GcPauses() as gc_pauses:
        result = await loop.run_in_executor(None, here.recv)
    bot_cpu = cpu_seconds(os.getpid()) - cpu_before[0]
    bot_system = user_and_system_seconds(os.getpid())[1] - system_before
    db_cpu = cpu_seconds(db_pid) - cpu_before[1]
    used_commands = commands.count - commands_before
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)

    latencies = result["latencies"]
    p50 = statistics.median(latencies) * 1000
    p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000
    in_window, rates = result["handled_in_window"], result["per_second"]
    print(f"== speed-ups {speedups.describe()}")
    print(f"musicians: {musicians} for {seconds:.0f} s (think time ~{think:.2f} s between taps)")
    print(f"database: {database.description}")
    print(
        f"updates handled: {in_window} in {seconds:.0f} s = {in_window / seconds:.0f} updates/s "
        f"(slowest second {min(rates)}, busiest {max(rates)})"
    )
    print(f"update -> reply: p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
    print(
        f"booked: {result['booked']}, cancelled again: {result['cancelled']}, "
        f"retries after a lost slot: {result['retries']}, "
        f"musicians who hit an error: {len(result['failures'])}"
    )
    for failure in result["failures"][:3]:
        print(f"  error: {failure}")
    per_update = 1000 / max(result["handled"], 1)
    print(
        f"CPU per update: bot {bot_cpu * per_update:.2f} ms (in the kernel {bot_system * per_update:.2f}), "
        f"database {db_cpu * per_update:.2f} ms, "
        f"simulated Telegram {result['cpu_s'] * per_update:.2f} ms (on {os.cpu_count()} cores)"
    )
    print(
        "Bot API calls per update: "
        + ", ".join(
            f"{method} {n * per_update / 1000:.2f}"
            for method, n in sorted(result["calls"].items(), key=lambda item: -item[1])
            if method != "getupdates"
        )
    )
    if count_commands:
        kinds = commands.kinds - kinds_before
        print(
            f"MongoDB commands per update {used_commands * per_update / 1000:.2f}, of which: "
            + ", ".join(f"{kind} {n * per_update / 1000:.2f}" for kind, n in kinds.most_common(10))
        )
    print("by kind of update (as the musician waited for it): count, p50/p95 ms, among the slowest 5%:")
    for row in result["by_kind"]:
        print(f"  {row.kind:<26} {row.count:>6} {row.p50_ms:>6.0f} {row.p95_ms:>6.0f} {row.in_tail:>6}")
    print(f"garbage collection: bot {gc_pauses.summary()}; simulated Telegram {result['gc']}")
    print(f"bookings held: {await Booking.find({'status': 'PENDING_PAYMENT'}).count()}")
    print(f"claims: {await SlotClaim.find_all().count()}, users: {await User.find_all().count()}")
    doubled = await double_bookings()
    print(f"double bookings: {doubled}")
    print(
        f"peak RSS: bot process {rss_mb():.0f} MB, database process {rss_mb(db_pid):.0f} MB, "
        f"simulated Telegram process {result['rss_mb']:.0f} MB",
        flush=True,
    )
    # Polling's shutdown closes the FSM storage, and with it the shared Mongo client: last.
    await dispatcher.stop_polling()
    with contextlib.suppress(asyncio.CancelledError, RuntimeError):
        await polling
    here.send("stop")
    crowd.join(10)
    await bot.session.close()
    if database.embedded is not None:
        await database.embedded.astop()
    return Run(
        mode=speedups.describe(),
        updates_per_s=in_window / seconds,
        p50_ms=p50,
        p95_ms=p95,
        bot_cpu_ms=bot_cpu * per_update,
        db_cpu_ms=db_cpu * per_update,
        commands=used_commands * per_update / 1000 if count_commands else float("nan"),
        gc_longest_ms=gc_pauses.longest * 1000,
        errors=len(result["failures"]),
        double_bookings=doubled,
    )


def run_bot(conn: Connection, speedups: Speedups, *args: Any) -> None:
    """One mode in a fresh process: a frozen heap or pinned models must not carry over."""
    conn.send(asyncio.run(run_mode(speedups, *args)))


def modes(text: str) -> list[Speedups]:
    """``on``, ``off``, ``without:NAME`` (every speed-up on but that one) and ``each``
    (``without:`` every speed-up in turn), comma-separated."""
    chosen: list[Speedups] = []
    for word in (w.strip() for w in text.split(",") if w.strip()):
        if word in ("on", "off"):
            chosen.append(Speedups.from_setting(word))
        elif word == "each":
            chosen.extend(Speedups().without(name) for name in speedup_names())
        elif word.startswith("without:"):
            chosen.append(Speedups().without(word.removeprefix("without:")))
        else:
            raise argparse.ArgumentTypeError(f"not a mode: {word!r} (on, off, without:NAME, each)")
    return chosen


def print_side_by_side(runs: list[Run]) -> None:
    """Every run, then each mode's median, with what it costs against ``on``: the bot's
    extra CPU per update is what the speed-ups left out buy."""
    print()
    print(
        "| speed-ups | updates/s | p50 ms | p95 ms | bot CPU ms/update | vs on | db CPU ms/update | "
        "db commands/update | longest GC pause ms | errors | double bookings |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    by_mode: dict[str, list[Run]] = {}
    for run in runs:
        by_mode.setdefault(run.mode, []).append(run)
    on = by_mode.get("on")
    baseline = statistics.median(r.bot_cpu_ms for r in on) if on else None
    rows = runs if len(runs) == len(by_mode) else [*runs, *(_median(m, rs) for m, rs in by_mode.items())]
    for run in rows:
        versus = f"{(run.bot_cpu_ms / baseline - 1) * 100:+.0f}%" if baseline else "-"
        commands = "-" if math.isnan(run.commands) else f"{run.commands:.2f}"
        print(
            f"| {run.mode} | {run.updates_per_s:.0f} | {run.p50_ms:.0f} | {run.p95_ms:.0f} | "
            f"{run.bot_cpu_ms:.2f} | {versus} | {run.db_cpu_ms:.2f} | {commands} | "
            f"{run.gc_longest_ms:.0f} | {run.errors} | {run.double_bookings} |"
        )


def _median(mode: str, runs: list[Run]) -> Run:
    def mid(name: str) -> float:
        return statistics.median(getattr(r, name) for r in runs)

    return Run(
        mode=f"{mode} (median of {len(runs)})",
        updates_per_s=mid("updates_per_s"),
        p50_ms=mid("p50_ms"),
        p95_ms=mid("p95_ms"),
        bot_cpu_ms=mid("bot_cpu_ms"),
        db_cpu_ms=mid("db_cpu_ms"),
        commands=mid("commands"),
        gc_longest_ms=mid("gc_longest_ms"),
        errors=max(r.errors for r in runs),
        double_bookings=max(r.double_bookings for r in runs),
    )


def main(args: argparse.Namespace) -> None:
    """Each mode in turn, ``--rounds`` times (interleaved, so a machine that gets busier
    during the run does not favour the first mode), each in a fresh bot process."""
    runs: list[Run] = []
    spawn = multiprocessing.get_context("spawn")
    for round_ in range(args.rounds):
        for speedups in args.modes:
            profile = (
                f"{args.profile}.{speedups.describe().replace(' ', '_')}.{round_}" if args.profile else None
            )
            here, there = spawn.Pipe()
            bot = spawn.Process(
                target=run_bot,
                args=(
                    there,
                    speedups,
                    args.musicians,
                    args.seconds,
                    args.think,
                    args.seed,
                    profile,
                    args.commands,
                ),
            )
            bot.start()
            runs.append(here.recv())
            bot.join(30)
            print()
    print_side_by_side(runs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--musicians", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the crowd keeps booking")
    parser.add_argument("--think", type=float, default=0.4, help="mean pause between a musician's taps, s")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--modes",
        type=modes,
        default="on,off",
        help="speed-up modes to run one after the other: on, off, without:NAME, each "
        f"(without: each in turn); names: {', '.join(speedup_names())}",
    )
    parser.add_argument("--rounds", type=int, default=1, help="run the modes this many times, interleaved")
    parser.add_argument("--profile", help="write a cProfile of the bot process per run, named after this")
    parser.add_argument(
        "--commands",
        action="store_true",
        help="count the bot's MongoDB commands per update, by kind (the listener costs the bot CPU)",
    )
    main(parser.parse_args())
