"""Soak: a real ``python -m bot`` under a crowd of musicians for minutes, half of
their bookings paid through signed webhooks.

- The bot is a subprocess with only what a deployment gives it (BOT_TOKEN,
  TELEGRAM_API_URL pointing at a local Bot API stand-in, MONGODB_URI, PORT, a one-
  minute hold) and the sandbox gateway: its jobs, outbox delivery and web server all
  run as in production, on real time.
- The crowd runs in its own process (so the bot's CPU figures stay honest): M
  musicians loop /start → Find a room → city → room → Book → day → two slots →
  Review → Confirm until the time is up; half of the bookings are paid by posting
  the sandbox's Pay form, which sends the bot a ``payment_link.paid`` webhook signed
  exactly as Razorpay signs it; the others let their hold lapse.
- Afterwards the holds are left to expire and the outbox to drain, then every
  booking is checked against what the Bot API stand-in received: a paid booking owes
  exactly one confirmation and one invoice document to its musician and one notice
  to the room's owner; a lapsed hold owes exactly one "expired" message.

Prints updates/s, p50/p95/p99 from update to reply, bookings paid and expired,
double bookings, lost and duplicated notifications, errors (musicians' failures, the
bot's apologies, ERROR lines in its log) and peak RSS of the bot and database
processes. Exits 1 when any of double bookings, lost, duplicated or errors is not 0.

    python bench/soak.py [--musicians 200] [--minutes 5] [--think 0.5] [--seed 1]
    MONGODB_URI=mongodb://host/throwaway_db python bench/soak.py   # empties that database
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import re
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.dialogs import TOKEN, BotApi, Musician, Outcome, double_bookings, rss_mb
from bot.handlers.errors import SORRY_TEXT
from storage.database import open_database
from storage.demo import seed_demo
from storage.embedded import EmbeddedMongo, free_port
from storage.models import Booking
from storage.outbox import OutboxMessage, OutboxStatus

OWNER = 9001
BOT_SETTINGS = ("BOT_", "RAZORPAY_", "TELEGRAM_", "MONGODB")
CODE = re.compile(r"JR-[0-9A-Z]{6}")
HOLD_MINUTES = 1
DRAIN_TIMEOUT = 240.0
MARKERS = {
    "confirmation": "Booking confirmed",
    "invoice": "Invoice ",
    "owner": "New booking",
    "expired": "expired before payment",
}


class RecordingBotApi(BotApi):
    """The bench's Bot API stand-in, keeping (method, chat, text or caption) of every send."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, int, str]] = []

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        if method.startswith("send"):
            fields = await request.post()
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

    def __init__(self, *args: Any, session: aiohttp.ClientSession, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session = session
        self.paid = 0
        self.lapsed = 0
        self.failures: list[str] = []

    async def loop(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            self.outcome = Outcome()  # one booking attempt at a time
            try:
                outcome = await self.run()
            except Exception as error:  # a musician stuck on a screen: record, start over
                self.failures.append(f"{type(error).__name__}: {error}"[:300])
                continue
            if outcome.booked:
                if self.rng.random() < 0.5:
                    await self.pay()
                else:
                    self.lapsed += 1

    async def pay(self) -> None:
        url = next(
            (
                b["url"]
                for row in self.screen.get("reply_markup", {}).get("inline_keyboard", [])
                for b in row
                if b.get("url")
            ),
            None,
        )
        if url is None:
            self.failures.append("no Pay button on the payment screen")
            return
        async with self.session.post(f"{url}/pay", allow_redirects=False) as paid:
            if paid.status != 303:
                self.failures.append(f"sandbox pay answered {paid.status}")
                return
        self.paid += 1


async def crowd_main(conn: Connection, musicians: int, minutes: float, think: float, seed: int) -> None:
    api = RecordingBotApi()
    await api.start()
    conn.send(api.base_url)
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # the bot is up
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
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # the bot has drained
    conn.send(
        {
            "elapsed": elapsed,
            "handled": handled,
            "latencies": latencies,
            "paid": sum(m.paid for m in crowd),
            "lapsed": sum(m.lapsed for m in crowd),
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


def notification_check(sent: list[tuple[str, int, str]], bookings: list[Booking]) -> tuple[int, int]:
    """(lost, duplicated) notifications over every booking's expected messages."""
    received: Counter[tuple[str, int, str]] = Counter()
    for method, chat_id, text in sent:
        code = CODE.search(text)
        for kind, marker in MARKERS.items():
            if code and marker in text and (kind != "invoice" or method == "senddocument"):
                received[(kind, chat_id, code.group())] += 1
    lost = duplicated = 0
    for booking in bookings:
        if booking.status.value == "NOT_STARTED":
            owed = [("confirmation", booking.user_id), ("invoice", booking.user_id), ("owner", OWNER)]
        elif booking.status.value == "EXPIRED":
            owed = [("expired", booking.user_id)]
        else:
            continue
        for kind, chat_id in owed:
            count = received[(kind, chat_id, booking.code)]
            lost += count == 0
            duplicated += max(count - 1, 0)
    return lost, duplicated


def percentile(values: list[float], share: float) -> float:
    return values[max(int(len(values) * share) - 1, 0)] * 1000 if values else float("nan")


async def main(musicians: int, minutes: float, think: float, seed: int) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="jamroom-soak-"))
    uri = os.environ.get("MONGODB_URI")
    server = None
    if uri is None:
        server = EmbeddedMongo(workdir / "db")
        uri = await server.astart()
    database = await open_database(uri)
    for model in database.models:
        await model.get_pymongo_collection().delete_many({})
    await database.db["fsm_states"].delete_many({})
    await seed_demo([OWNER])

    here, there = multiprocessing.get_context("spawn").Pipe()
    crowd = multiprocessing.get_context("spawn").Process(
        target=run_crowd, args=(there, musicians, minutes, think, seed), daemon=True
    )
    crowd.start()
    loop = asyncio.get_running_loop()
    api_url = await loop.run_in_executor(None, here.recv)
    port = free_port()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("BOT_", "RAZORPAY_", "TELEGRAM_", "MONGODB"))
        },
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": api_url,
        "MONGODB_URI": uri,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "HOLD_MINUTES": str(HOLD_MINUTES),
        "DATA_DIR": str(workdir / "data"),
    }
    log_path = workdir / "bot.log"
    with log_path.open("wb") as log:
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", env=env, cwd=workdir, stdout=log, stderr=log
        )
    try:
        await wait_healthy(port)
        here.send("go")
        await loop.run_in_executor(None, here.recv)  # the crowd's time is up
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while not await drained() and time.monotonic() < deadline:  # noqa: ASYNC110  (polls the database)
            await asyncio.sleep(2)
        here.send("collect")
        result = await loop.run_in_executor(None, here.recv)
        bot_rss = rss_mb(bot.pid)
        db_rss = rss_mb(server.pid) if server is not None else float("nan")
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
            await asyncio.wait_for(bot.wait(), 30)
    crowd.join(10)

    bookings = await Booking.find_all().to_list()
    lost, duplicated = notification_check(result["sent"], bookings)
    doubles = await double_bookings()
    log_text = log_path.read_text(errors="replace")
    error_lines = [line for line in log_text.splitlines() if " ERROR " in line or "Traceback" in line]
    apologies = [t for _, _, t in result["sent"] if t == SORRY_TEXT] + [
        a for a in result["alerts"] if a == SORRY_TEXT
    ]
    errors = len(result["failures"]) + len(apologies) + len(error_lines)
    statuses = Counter(b.status.value for b in bookings)
    latencies = result["latencies"]

    print(f"musicians: {musicians} for {minutes:g} min (think ~{think:.2f} s), hold {HOLD_MINUTES} min")
    print(f"database: {'embedded NX-27017' if server is not None else 'MongoDB from MONGODB_URI'}")
    print(
        f"updates handled: {result['handled']} in {result['elapsed']:.0f} s = "
        f"{result['handled'] / result['elapsed']:.0f} updates/s"
    )
    print(
        f"update -> reply: p50 {percentile(latencies, 0.5):.0f} ms, "
        f"p95 {percentile(latencies, 0.95):.0f} ms, p99 {percentile(latencies, 0.99):.0f} ms"
    )
    print(
        f"bookings: {len(bookings)} ({dict(statuses)}); paid through signed webhooks: {result['paid']}, "
        f"left to lapse: {result['lapsed']}"
    )
    print(f"double bookings: {doubles}")
    print(f"notifications: {len(result['sent'])} sends; lost {lost}, duplicated {duplicated}")
    print(
        f"errors: {errors} (musicians {len(result['failures'])}, apologies {len(apologies)}, "
        f"bot log ERROR/Traceback lines {len(error_lines)})"
    )
    for line in (result["failures"] + error_lines)[:5]:
        print(f"  {line[:200]}")
    print(f"peak RSS: bot process {bot_rss:.0f} MB, database process {db_rss:.0f} MB")
    await database.close()
    if server is not None:
        await server.astop()
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
