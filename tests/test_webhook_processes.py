"""Two ``python -m bot`` processes in Telegram webhook mode against one database, as
docs/deploy.md §3 runs them behind a load balancer. The Bot API stand-in posts one
musician's updates to the two processes in turn (with the webhook's secret), so every
tap of the booking lands on the other process than the one before: the dialog carries
on across them, each update is answered once, the sandbox payment made in the chat
confirms the booking, and the jobs both processes run (hold expiry, reminders, the
outbox) change and tell everything once.

One database for both: the session's test database (the embedded server the suite
started, or ``MONGODB_URI``), given to both as ``MONGODB_URI``, as a deployment with a
real MongoDB would be; the embedded database of ``python -m bot`` itself allows one bot
per data directory."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiogram_dialog.widgets.kbd.calendar_kbd import raw_from_date

from domain.booking_status import BookingStatus
from domain.clock import ManualClock, SystemClock
from domain.words import musician as musician_words
from storage.booking_service import BookingRules, BookingService
from storage.database import Database
from storage.demo import seed_demo
from storage.models import Booking, Room, User
from storage.outbox import OutboxMessage, OutboxStatus, enqueue
from storage.rooms import room_by_slug
from tests.dialog_support import slot_keys
from tests.fakes.bot_api import BotApi, button
from tests.process_support import BotProcess, start_bot, startup_env, until, uri_of
from tests.telegram_support import ASHA, Phone

WEBHOOK_URL = "https://bot.example.test/telegram/webhook"
WEBHOOK_SECRET = "two-processes-0123456789-abcdefghijkl"
REMINDER_HOURS = 40
"""A booking tomorrow is within it whatever the hour; Asha's, three days ahead, is not."""
OWNER = 9001
RAVI, MIRA = 2002, 2003
STARTUP_SECONDS = 90.0
NEWS_CHATS = 60


def webhook_env(workdir: Path, api: BotApi, database: Database) -> dict[str, str]:
    workdir.mkdir()
    return startup_env(
        workdir,
        api.base_url,
        MONGODB_URI=uri_of(database),
        TELEGRAM_WEBHOOK_URL=WEBHOOK_URL,
        TELEGRAM_WEBHOOK_SECRET=WEBHOOK_SECRET,
        PAYMENTS="sandbox",
        REMINDERS_BEFORE_HOURS=str(REMINDER_HOURS),
    )


async def lapsed_hold(room: Room) -> Booking:
    """Mira's hold, made two hours ago: it ran out before either process started. (At
    14:00, so that it never takes Ravi's slot, whatever the hour the test runs.)"""
    then = ManualClock(datetime.now(UTC) - timedelta(hours=2))
    await User(id=MIRA, first_name="Mira").insert()
    day = (then.now() + timedelta(days=2)).astimezone(room.zone).date()
    return await BookingService(then, BookingRules()).create_booking(
        MIRA, room.id, day, slot_keys(room, day, 14)
    )


async def paid_booking_tomorrow(room: Room) -> Booking:
    """Ravi's paid session tomorrow at noon: its reminder is due as soon as a process ticks."""
    await User(id=RAVI, first_name="Ravi").insert()
    service = BookingService(SystemClock(), BookingRules())
    day = datetime.now(UTC).astimezone(room.zone).date() + timedelta(days=1)
    held = await service.create_booking(RAVI, room.id, day, slot_keys(room, day, 12))
    paid = await service.confirm_payment(held, {"payment_id": "pay_ravi_1"})
    assert paid is not None
    return paid


class PhoneBehindTheLoadBalancer(Phone):
    """Asha's phone, whose every update the Bot API posts to the other process. She taps
    again once the process that took her last update has finished with it (aiogram logs
    ``Update id=N is handled``): a tap that arrives while the other process is still
    saving the dialog state its answer came from would find the state before it
    (docs/deploy.md §3, two taps at the same moment)."""

    def __init__(self, api: BotApi, processes: dict[str, BotProcess]) -> None:
        super().__init__(api, ASHA, timeout=30)
        self.processes = processes

    async def answered(self) -> None:
        await super().answered()
        last = self.api.deliveries[-1]
        process = self.processes[last.backend]
        await until(
            lambda: last.update_id in process.handled_updates(),
            timeout=self.timeout,
            what=f"update {last.update_id} handled by {last.backend}",
        )


async def news_for_many(now: datetime) -> list[int]:
    """A message queued for each of many chats before the processes start: both delivery
    loops find them due at once."""
    chats = list(range(3_000, 3_000 + NEWS_CHATS))
    for chat_id in chats:
        await User(id=chat_id, first_name="Fan").insert()
        await enqueue(chat_id, f"news for {chat_id}", dedupe_key=f"news:{chat_id}", now=now)
    return chats


async def book_and_pay_in_the_chat(phone: Phone, room: Room) -> str:
    """Asha's whole journey: /start, the room, a day three days ahead, two slots, Confirm,
    then the sandbox's Pay (test) in the chat; the booking's code."""
    day = datetime.now(UTC).astimezone(room.zone).date() + timedelta(days=3)
    await phone.send("/start", timeout=STARTUP_SECONDS)
    assert phone.screen["text"].startswith("Hi Asha!")
    await phone.tap(button(phone.screen, text="🎸 Find a room"))
    await phone.tap(button(phone.screen, text="Bengaluru"))
    await phone.tap(button(phone.screen, text="Bass Cave Studio"))
    await phone.tap(button(phone.screen, text="📅 Book"))
    if button(phone.screen, data_suffix=f"calendar:{raw_from_date(day)}") is None:  # next month
        await phone.tap(button(phone.screen, data_suffix="calendar:+"))
    await phone.tap(button(phone.screen, data_suffix=f"calendar:{raw_from_date(day)}"))
    for key in slot_keys(room, day, 17, 18):
        await phone.tap(button(phone.screen, data_suffix=f"slots:{key}"))
    assert "Chosen: 2 slot(s)" in phone.screen["text"]
    await phone.tap(button(phone.screen, text="Review"))
    await phone.tap(button(phone.screen, text="✅ Confirm"))
    text = phone.screen["text"]
    assert "Booking JR-" in text, text
    code = text.split("Booking ", 1)[1].split("<", 1)[0].split()[0]
    await phone.tap(button(phone.screen, text="💳 Pay ₹"))
    assert phone.alerts()[-1].startswith("✅ Paid (test)")
    return code


def tap_answers(api: BotApi) -> dict[str, list[str]]:
    """The texts of every answer to each tap, by the tap's callback query id."""
    answers: dict[str, list[str]] = {}
    for method, fields in api.calls:
        if method == "answercallbackquery":
            answers.setdefault(str(fields["callback_query_id"]), []).append(str(fields.get("text") or ""))
    return answers


def sends(api: BotApi) -> Counter[tuple[str, str, str]]:
    """(method, chat, text or caption) of every message the bot sent."""
    return Counter(
        (method, str(fields.get("chat_id")), str(fields.get("text") or fields.get("caption") or ""))
        for method, fields in api.calls
        if method.startswith("send")
    )


def sent_to(api: BotApi, chat_id: int, words: str) -> list[str]:
    return [
        text
        for (method, chat, text), times in sends(api).items()
        for _ in range(times)
        if chat == str(chat_id) and words in text
    ]


async def all_delivered() -> bool:
    return await OutboxMessage.find(OutboxMessage.status != OutboxStatus.SENT.value).count() == 0


async def test_two_webhook_processes_share_one_musicians_booking_and_run_each_job_once(
    db: Database, tmp_path: Path, bot_api: BotApi
) -> None:
    await seed_demo([OWNER])
    room = await room_by_slug("bass-cave-indiranagar")
    assert room is not None
    lapsed = await lapsed_hold(room)
    tomorrow = await paid_booking_tomorrow(room)
    fans = await news_for_many(datetime.now(UTC))
    envs = [webhook_env(tmp_path / name, bot_api, db) for name in ("a", "b")]
    processes: list[BotProcess] = []
    try:
        processes = list(
            await asyncio.gather(*(start_bot(env, Path(env["DATA_DIR"]).parent) for env in envs))
        )
        await until(
            lambda: sum(method == "setwebhook" for method, _ in bot_api.calls) == 2,
            timeout=STARTUP_SECONDS,
            what="both processes set the webhook",
        )
        assert bot_api.webhook is not None
        assert (bot_api.webhook.url, bot_api.webhook.secret) == (WEBHOOK_URL, WEBHOOK_SECRET)
        backends = [f"http://127.0.0.1:{env['PORT']}" for env in envs]
        bot_api.serve_webhook_through(backends)

        phone = PhoneBehindTheLoadBalancer(bot_api, dict(zip(backends, processes, strict=True)))
        code = await book_and_pay_in_the_chat(phone, room)
        await until(lambda: sent_to(bot_api, ASHA["id"], "Booking confirmed"), what="the confirmation")
        await until(lambda: [c for c in bot_api.files if c[0] == "senddocument"], what="the invoice")
        await until(all_delivered, what="every queued message sent")
    finally:
        codes = [await process.stop() for process in processes]
    for process, exit_code in zip(processes, codes, strict=True):
        assert exit_code == 0, process.output[-3000:]
        assert "Traceback" not in process.output, process.output[-3000:]
    assert len(processes) == 2

    # Every update went to the other process than the one before, was taken, and was
    # handled once, by the process it went to.
    deliveries = bot_api.deliveries
    assert [d.backend for d in deliveries] == [backends[n % 2] for n in range(len(deliveries))]
    assert [(d.status, d.error) for d in deliveries] == [(200, "")] * len(deliveries)
    for n, process in enumerate(processes):
        assert process.handled_updates() == [d.update_id for d in deliveries[n::2]]
    # Each tap answered once: by one empty answer (the spinner stops), or by an alert, after
    # which aiogram-dialog still gives the empty answer it ends every tap with (and only
    # logs it when Telegram refuses that as a second answer). Only the payment said anything.
    answers = tap_answers(bot_api)
    assert len(answers) == len(deliveries) - 1  # all but /start were taps
    assert {tuple(bool(text) for text in given) for given in answers.values()} <= {(False,), (True, False)}
    assert [alert.startswith("✅ Paid (test)") for alert in phone.alerts()] == [True]
    assert bot_api.refused == []

    # The booking is paid, and everything told is told once, whichever process sent it.
    booking = await Booking.find_one(Booking.code == code)
    assert booking is not None
    assert booking.status is BookingStatus.NOT_STARTED
    assert [n for n in sends(bot_api).values() if n > 1] == []
    assert len(sent_to(bot_api, ASHA["id"], "Booking confirmed")) == 1
    captions = [str(c[1].get("caption")) for c in bot_api.files if c[0] == "senddocument"]
    assert len(captions) == 2  # the invoice, then the calendar file: each once
    assert captions[0].startswith("Invoice ")
    assert len(sent_to(bot_api, OWNER, code)) == 1
    # Both processes' booking clocks found the lapsed hold and the reminder due: once each.
    expired = await Booking.get(lapsed.id)
    assert expired is not None
    assert expired.status is BookingStatus.EXPIRED
    assert sent_to(bot_api, MIRA, "") == [musician_words.hold_expired(lapsed, room)]
    reminded = await Booking.get(tomorrow.id)
    assert reminded is not None
    assert reminded.reminders_sent == [f"{REMINDER_HOURS}h"]
    assert len(sent_to(bot_api, RAVI, "")) == 1
    # And both delivery loops, finding the same news due at once, sent each of it once.
    assert sorted(chat for (_, chat, text) in sends(bot_api) if text.startswith("news for")) == sorted(
        str(chat) for chat in fans
    )
