"""Soak: a real ``python -m bot`` under a crowd of musicians for minutes, half of
their bookings paid through signed webhooks.

What runs:

- The bot is a subprocess given only what a deployment gives it: BOT_TOKEN,
  TELEGRAM_API_URL (a local Bot API stand-in), HOST/PORT, PUBLIC_BASE_URL (its own web
  server's 127.0.0.1 address), HOLD_MINUTES=1,
  MAX_UNPAID_HOLDS=20 (the crowd leaves holds to lapse faster than 2 would allow), and either
  DATA_DIR (a temp dir: the bot starts its own embedded NX-27017 server there) or
  MONGODB_URI when that is set in the environment. No Razorpay keys: the sandbox
  gateway. Its jobs (hold expiry on real time), outbox delivery and web server all run
  as in production. Rooms are seeded first with ``python -m bot.admin seed-demo
  --owner 9001`` in the same environment, so an owner is told of every paid booking.
- The crowd runs in its own process (so the bot's CPU figures stay honest): M
  musicians loop /start → Find a room → city → room → Book → day → two free slots →
  Review → Confirm until the time is up, with think times between taps. Half of the
  bookings are paid with the pay screen's in-chat "Pay (test)" button (the bot's
  PUBLIC_BASE_URL is a 127.0.0.1 address a phone could not open; with a public one,
  by posting the sandbox page's Pay form), which has the sandbox send the bot a
  ``payment_link.paid`` webhook signed exactly as Razorpay signs it; the other holds
  are left to lapse. Then the musician starts over.

What is measured, after the crowd stops, the last holds expire and the outbox has no
pending message left (read from the bot's own database):

- updates/s and p50/p95/p99 from an update being offered to the bot's first answer
  to it (a new or edited dialog screen, or the callback answer);
- bookings made, paid, expired; double bookings (a slot held by two bookings that
  hold slots, must be 0);
- notifications, from every message the Bot API stand-in received: each booking the
  crowd paid owes its musician exactly one "Booking confirmed" message and one invoice
  document, and the owner (9001) exactly one "New booking" notice; each lapsed hold
  owes exactly one "expired before payment" message. Missing ones are lost, extra
  ones duplicated (both must be 0). A booking whose status is not what the crowd did
  to it (paid but not confirmed, lapsed but not expired) counts as an error;
- errors: musicians stuck on a screen or without a reply in 30 s, the bot's
  "Sorry, something went wrong" answers, "This menu has expired" answers to a tap
  on the current screen, and ERROR/Traceback lines in the bot's log;
- peak RSS (VmHWM) of the bot process and of its embedded database process.

Exits 1 when any of double bookings, lost, duplicated or errors is not 0.

    .venv/bin/python bench/soak.py [--musicians 200] [--minutes 5] [--think 0.5] [--seed 1]
    MONGODB_URI=mongodb://host/throwaway_db .venv/bin/python bench/soak.py   # empties that database

The bot's log and data stay in the printed work directory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict, deque
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.dialogs import CODE, TOKEN, Musician, Outcome, cpu_seconds, double_bookings, rss_mb
from domain.words.musician import EXPIRED_MENU as EXPIRED_TEXT
from domain.words.musician import SORRY as SORRY_TEXT
from storage.database import Database, open_database
from storage.embedded import DATABASE_NAME, free_port
from storage.models import Booking
from storage.outbox import OutboxMessage, OutboxStatus
from tests.fakes.bot_api import BotApi, button, buttons
from tests.fakes.telegram import bot_api_fields

OWNER = 9001
HOLD_MINUTES = 1
DRAIN_TIMEOUT = 300.0
SETTLE_SECONDS = 5.0
MARKERS = {
    "confirmation": "Booking confirmed",
    "invoice": "Invoice ",
    "owner": "New booking",
    "expired": "expired before payment",
}


class RecordingBotApi(BotApi):
    """The bench's Bot API stand-in, keeping (method, chat, text or caption) of every
    send and each chat's last few updates (to match the bot's log lines)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, int, str]] = []
        self.trail: defaultdict[int, deque[str]] = defaultdict(lambda: deque(maxlen=4))

    def push(self, chat_id: int, update: dict[str, Any]) -> int:
        version = super().push(chat_id, update)
        what = update.get("message", {}).get("text") or update.get("callback_query", {}).get("data", "")
        self.trail[chat_id].append(f"#{update['update_id']} {what[-32:]!r}")
        return version

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        if method.startswith("send"):
            fields, _ = await bot_api_fields(request)
            refused = self.refuse(method, fields)
            if refused is not None:
                return refused
            text = fields.get("text") or fields.get("caption") or ""
            self.sent.append((method, int(str(fields.get("chat_id"))), str(text)))
            plain = {k: v for k, v in fields.items() if isinstance(v, str)}
            if not is_dialog_screen(plain.get("reply_markup", "")):
                # A notification from the outbox, not a dialog's answer to a tap (dialog
                # buttons carry aiogram-dialog's intent mark): it neither replaces the
                # musician's screen nor ends an update's wait.
                message = self._message(plain)
                if method == "senddocument":
                    message["document"] = {"file_id": "doc", "file_unique_id": "doc"}
                return web.json_response({"ok": True, "result": message})
            result = await getattr(self, f"api_{method}", self.api_default)(plain)
            return web.json_response({"ok": True, "result": result})
        return await super().handle(request)


def is_dialog_screen(reply_markup: str) -> bool:
    """Whether a sent message is a dialog's screen: its buttons carry aiogram-dialog's
    intent separator."""
    rows = json.loads(reply_markup).get("inline_keyboard", []) if reply_markup else []
    return any("\x1d" in (b.get("callback_data") or "") for row in rows for b in row)


class PayingMusician(Musician):
    """Books again and again; pays half of the bookings in the sandbox."""

    api: RecordingBotApi

    def __init__(self, *args: Any, session: aiohttp.ClientSession, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session = session
        self.paid: list[str] = []
        self.lapsed: list[str] = []
        self.failures: list[str] = []

    async def loop(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            self.outcome = Outcome()  # one booking attempt at a time
            try:
                outcome = await self.run()
            except Exception as error:  # a musician stuck on a screen: record, start over
                self.failures.append(self.describe(error))
                continue
            if not outcome.booked:
                continue
            code = CODE.search(self.screen.get("text", ""))
            if code is None:
                self.failures.append(f"musician {self.user['id']}: no booking code on {self.screen!r}"[:400])
            elif self.rng.random() < 0.5:
                await self.pay(code.group())
            else:
                self.lapsed.append(code.group())

    def describe(self, error: Exception) -> str:
        """Which step failed (the source line), on what screen, after which updates."""
        frames = traceback.extract_tb(error.__traceback__)
        step = next((f.line for f in reversed(frames) if f.name in ("run", "_try_a_day")), "?")
        kind = type(error).__name__ if isinstance(error, RuntimeError) else f"{type(error).__name__}: {error}"
        labels = [b["text"] for b in buttons(self.screen)][:8]
        head = self.screen.get("text", "")[:60]
        trail = list(self.api.trail[self.user["id"]])
        return f"musician {self.user['id']}: {kind} at `{step}` on {head!r} {labels} after {trail}"

    async def pay(self, code: str) -> None:
        in_chat = button(self.screen, text="💳 Pay")
        if in_chat is not None and in_chat.get("callback_data"):  # the sandbox, in the chat
            await self.tap(in_chat)
            if "Status: <b>confirmed</b>" not in self.screen.get("text", ""):
                self.failures.append(f"musician {self.user['id']}: Pay (test) for {code} did not confirm it")
                return
            self.paid.append(code)
            return
        url = next((b["url"] for b in buttons(self.screen) if b.get("url")), None)
        if url is None:
            self.failures.append(f"musician {self.user['id']}: no Pay button for {code}")
            return
        async with self.session.post(f"{url}/pay", allow_redirects=False) as paid:
            if paid.status != 303:
                self.failures.append(
                    f"musician {self.user['id']}: sandbox pay for {code} answered {paid.status}"
                )
                return
        self.paid.append(code)


async def crowd_main(conn: Connection, musicians: int, minutes: float, think: float, seed: int) -> None:
    """The Telegram side, in its own process: the Bot API stand-in and the musicians."""
    api = RecordingBotApi()
    await api.start()
    conn.send(api.base_url)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, conn.recv)  # the bot is up
    rng = random.Random(seed)
    today = datetime.now(UTC).date()
    days = [today + timedelta(days=d) for d in range(2, 9)]
    async with aiohttp.ClientSession() as session:
        crowd = [
            PayingMusician(api, i, random.Random(rng.random()), think, days, session=session)
            for i in range(musicians)
        ]
        started = time.perf_counter()
        deadline = time.monotonic() + minutes * 60
        await asyncio.gather(*(m.loop(deadline) for m in crowd))
        elapsed = time.perf_counter() - started
    handled, latencies = api.handled, sorted(api.latencies)
    conn.send("crowd done")
    await loop.run_in_executor(None, conn.recv)  # the bot has drained and stopped
    conn.send(
        {
            "elapsed": elapsed,
            "handled": handled,
            "latencies": latencies,
            "paid": [c for m in crowd for c in m.paid],
            "lapsed": [c for m in crowd for c in m.lapsed],
            "failures": [f for m in crowd for f in m.failures],
            "alerts": [a for chat in api.chats.values() for a in chat.alerts],
            "sent": api.sent,
            "rss_mb": rss_mb(),
        }
    )
    await api.stop()


def run_crowd(conn: Connection, musicians: int, minutes: float, think: float, seed: int) -> None:
    asyncio.run(crowd_main(conn, musicians, minutes, think, seed))


async def drained() -> bool:
    """No hold left to expire and nothing left to deliver."""
    holds = await Booking.find({"status": "PENDING_PAYMENT"}).count()
    pending = await OutboxMessage.find({"status": OutboxStatus.PENDING.value}).count()
    return holds == 0 and pending == 0


def notification_check(sent: list[tuple[str, int, str]], owed: Owed) -> tuple[int, int, list[str]]:
    """(lost, duplicated, examples) over every booking's owed (kind, chat) messages."""
    received: Counter[tuple[str, int, str]] = Counter()
    for method, chat_id, text in sent:
        code = CODE.search(text)
        for kind, marker in MARKERS.items():
            if code and marker in text and (kind != "invoice" or method == "senddocument"):
                received[(kind, chat_id, code.group())] += 1
    lost = duplicated = 0
    examples: list[str] = []
    for code, messages in owed.items():
        for kind, chat_id in messages:
            count = received[(kind, chat_id, code)]
            lost += count == 0
            duplicated += max(count - 1, 0)
            if count != 1:
                examples.append(f"{code}: {kind} to {chat_id} received {count} times")
    return lost, duplicated, examples


Owed = dict[str, list[tuple[str, int]]]


def owed_messages(bookings: list[Booking], paid: set[str], lapsed: set[str]) -> tuple[Owed, list[str]]:
    """What each booking is owed, from what the crowd did to it and its final status;
    and the bookings whose status contradicts what the crowd did."""
    owed: Owed = {}
    wrong: list[str] = []
    for booking in bookings:
        status = booking.status.value
        if booking.code in paid or status == "NOT_STARTED":
            owed[booking.code] = [
                ("confirmation", booking.user_id),
                ("invoice", booking.user_id),
                ("owner", OWNER),
            ]
        elif booking.code in lapsed or status == "EXPIRED":
            owed[booking.code] = [("expired", booking.user_id)]
        if booking.code in paid and status != "NOT_STARTED":
            wrong.append(f"{booking.code} paid through the sandbox but {status}")
        if booking.code in lapsed and status != "EXPIRED":
            wrong.append(f"{booking.code} left to lapse but {status}")
    known = {b.code for b in bookings}
    wrong += [f"{code} told to the musician but not in the database" for code in (paid | lapsed) - known]
    return owed, wrong


def percentile(values: list[float], share: float) -> float:
    return values[max(int(len(values) * share) - 1, 0)] * 1000 if values else float("nan")


def embedded_server(data_dir: Path) -> tuple[int, str]:
    """The pid and URI of the database server the bot started in its data dir."""
    pid = int((data_dir / "nx-27017.pid").read_text().strip())
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    port = argv[argv.index(b"-p") + 1].decode()
    return pid, f"mongodb://127.0.0.1:{port}/{DATABASE_NAME}"


async def empty(uri: str) -> None:
    """Start from nothing in the throwaway database MONGODB_URI names."""
    database = await open_database(uri)
    for model in database.models:
        await model.get_pymongo_collection().delete_many({})
    await database.db["fsm_states"].delete_many({})
    await database.close()


def bot_environment(api_url: str, port: int, workdir: Path, uri: str | None) -> dict[str, str]:
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BOT_", "RAZORPAY_", "TELEGRAM_", "MONGODB", "HOLD_", "PUBLIC_", "DATA_DIR"))
    }
    env = {
        **inherited,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": api_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "HOLD_MINUTES": str(HOLD_MINUTES),
        # Half the crowd's holds are left to lapse and a musician books every few seconds,
        # so the production limit of 2 unpaid holds would refuse most of them.
        "MAX_UNPAID_HOLDS": "20",
        "DATA_DIR": str(workdir / "data"),
        "LOG_LEVEL": "INFO",
    }
    if uri:
        env["MONGODB_URI"] = uri
    return env


async def main(musicians: int, minutes: float, think: float, seed: int) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="jamroom-soak-"))
    given_uri = os.environ.get("MONGODB_URI")
    if given_uri:
        await empty(given_uri)
    spawn = multiprocessing.get_context("spawn")
    here, there = spawn.Pipe()
    crowd = spawn.Process(target=run_crowd, args=(there, musicians, minutes, think, seed), daemon=True)
    crowd.start()
    loop = asyncio.get_running_loop()
    api_url = await loop.run_in_executor(None, here.recv)
    port = free_port()
    env = bot_environment(api_url, port, workdir, given_uri)
    seeding = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bot.admin", "seed-demo", "--owner", str(OWNER)),
        env=env,
        cwd=workdir,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    seed_output, _ = await seeding.communicate()
    if seeding.returncode != 0:
        raise SystemExit(f"seed-demo failed: {seed_output.decode(errors='replace')[-2000:]}")

    log_path = workdir / "bot.log"
    with log_path.open("wb") as log:
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", env=env, cwd=workdir, stdout=log, stderr=log
        )
    database: Database | None = None
    db_pid: int | None = None
    try:
        await wait_healthy(port)
        if given_uri:
            uri = given_uri
        else:
            db_pid, uri = embedded_server(workdir / "data")
        database = await open_database(uri)
        here.send("go")
        cpu_before = cpu_seconds(bot.pid), cpu_seconds(db_pid)
        await loop.run_in_executor(None, here.recv)  # the crowd's time is up
        crowd_done = time.monotonic()
        bot_cpu = cpu_seconds(bot.pid) - cpu_before[0]
        db_cpu = cpu_seconds(db_pid) - cpu_before[1]
        deadline = crowd_done + DRAIN_TIMEOUT
        while not await drained() and time.monotonic() < deadline:  # noqa: ASYNC110  (polls the database)
            await asyncio.sleep(2)
        undrained = not await drained()
        await asyncio.sleep(SETTLE_SECONDS)  # a send marked sent has been received; a margin anyway
        drain_seconds = time.monotonic() - crowd_done
        bookings = await Booking.find_all().to_list()
        doubles = await double_bookings()
        outbox = Counter(
            [m["status"] async for m in OutboxMessage.get_pymongo_collection().find({}, {"status": 1})]
        )
        bot_rss = rss_mb(bot.pid)
        db_rss = rss_mb(db_pid) if db_pid is not None else float("nan")
    finally:
        if database is not None:
            await database.client.close()
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
            await asyncio.wait_for(bot.wait(), 60)
    here.send("collect")
    result = await loop.run_in_executor(None, here.recv)
    crowd.join(10)

    paid, lapsed = set(result["paid"]), set(result["lapsed"])
    owed, wrong = owed_messages(bookings, paid, lapsed)
    lost, duplicated, missing = notification_check(result["sent"], owed)
    log_text = log_path.read_text(errors="replace")
    error_lines = [line for line in log_text.splitlines() if " ERROR " in line or "Traceback" in line]
    apologies = [t for _, _, t in result["sent"] if t == SORRY_TEXT] + [
        a for a in result["alerts"] if a == SORRY_TEXT
    ]
    stale = [a for a in result["alerts"] if a == EXPIRED_TEXT]
    errors = len(result["failures"]) + len(apologies) + len(stale) + len(error_lines) + len(wrong)
    errors += undrained
    statuses = Counter(b.status.value for b in bookings)
    latencies = result["latencies"]

    print(f"work directory (bot log, data): {workdir}")
    print(f"musicians: {musicians} for {minutes:g} min (think ~{think:.2f} s), hold {HOLD_MINUTES} min")
    print(f"database: {'MongoDB from MONGODB_URI' if given_uri else 'embedded NX-27017 (the bot’s own)'}")
    print(
        f"updates handled: {result['handled']} in {result['elapsed']:.0f} s = "
        f"{result['handled'] / result['elapsed']:.0f} updates/s"
    )
    print(
        f"CPU while the crowd ran: bot {bot_cpu:.0f} s = {1000 * bot_cpu / max(result['handled'], 1):.1f} ms "
        f"per update (all its work: dialogs, webhooks, outbox, jobs), database {db_cpu:.0f} s"
    )
    print(
        f"update -> reply: p50 {percentile(latencies, 0.5):.0f} ms, "
        f"p95 {percentile(latencies, 0.95):.0f} ms, p99 {percentile(latencies, 0.99):.0f} ms, "
        f"max {percentile(latencies, 1.0):.0f} ms"
    )
    print(
        f"bookings made: {len(bookings)} ({', '.join(f'{k} {v}' for k, v in sorted(statuses.items()))}); "
        f"paid through signed webhooks: {len(paid)}, left to lapse: {len(lapsed)}"
    )
    print(f"double bookings: {doubles}")
    print(
        f"notifications: {len(result['sent'])} sends received; owed {sum(len(v) for v in owed.values())}: "
        f"lost {lost}, duplicated {duplicated}; outbox {dict(outbox)}; "
        f"drained {drain_seconds:.0f} s after the crowd stopped{' (NOT drained)' if undrained else ''}"
    )
    print(
        f"errors: {errors} (musicians stuck {len(result['failures'])}, 'something went wrong' "
        f"{len(apologies)}, 'menu has expired' {len(stale)}, status contradicting the crowd {len(wrong)}, "
        f"bot log ERROR/Traceback lines {len(error_lines)})"
    )
    for line in (missing + wrong + result["failures"] + error_lines)[:8]:
        print(f"  {line[:400]}")
    print(
        f"peak RSS: bot process {bot_rss:.0f} MB, database process {db_rss:.0f} MB, "
        f"simulated Telegram process {result['rss_mb']:.0f} MB"
    )
    return 1 if doubles or lost or duplicated or errors else 0


async def wait_healthy(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as health:
                    if health.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.5)
    raise RuntimeError("the bot did not come up")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--musicians", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--think", type=float, default=0.5, help="mean pause between a musician's taps, s")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.musicians, args.minutes, args.think, args.seed)))
