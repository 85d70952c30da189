"""The README's "Run it" command, followed literally: ``python -m bot.admin seed-demo``,
then ``python -m bot`` with a bot token and nothing else (no PUBLIC_BASE_URL, no
Razorpay keys), as real processes. Telegram is the local Bot API stand-in, which
refuses what Telegram refuses (a button to http://localhost:8080 above all).

A musician books, a "Fail the payment (test)" tap tells them and keeps the hold, then
"Pay (test)" in the chat confirms the booking through the sandbox's signed webhook;
the confirmation and the invoice PDF arrive in the chat."""

from __future__ import annotations

import asyncio
import io
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram_dialog.widgets.kbd.calendar_kbd import raw_from_date
from icalendar import Calendar
from pypdf import PdfReader

from bench.dialogs import TOKEN, BotApi, button, buttons
from storage.embedded import free_port
from tests.test_process import bot_env

ASHA = {"id": 1001, "is_bot": False, "first_name": "Asha"}
STARTUP_SECONDS = 60.0


@pytest.fixture
async def api() -> AsyncIterator[BotApi]:
    server = BotApi()
    server.record_calls = True
    await server.start()
    yield server
    await server.stop()


class Phone:
    """Asha's Telegram app: sends, taps a button on a screen, and waits for the answer."""

    def __init__(self, api: BotApi) -> None:
        self.api = api
        self.screen: dict[str, Any] = {}

    async def send(self, text: str, timeout: float = 10.0) -> None:
        version = self.api.send_text(ASHA, text)
        await self.api.wait_reply(ASHA["id"], version, timeout=timeout)
        await self._settled()

    async def tap(self, target: dict[str, Any] | None, on: dict[str, Any] | None = None) -> None:
        screen = on or self.screen
        assert target is not None, (
            f"no such button on {screen.get('text')!r}: {[b['text'] for b in buttons(screen)]}"
        )
        version = self.api.press(ASHA, screen, target["callback_data"])
        await self.api.wait_reply(ASHA["id"], version, timeout=10)
        await self._settled()

    async def _settled(self) -> None:
        await self.api.wait_settled(ASHA["id"], timeout=10)
        self.screen = self.api.screen(ASHA["id"])

    def alerts(self) -> list[str]:
        return self.api.chat(ASHA["id"]).alerts

    def message(self, message_id: int) -> dict[str, Any]:
        """A message as it is now (dialog screens are edited in place)."""
        return self.api.chat(ASHA["id"]).messages[message_id]


async def until(found: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := found()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not there after {timeout}s")
        await asyncio.sleep(0.2)
    return result


def sent_to_asha(api: BotApi, words: str) -> list[str]:
    return [
        str(fields["text"])
        for method, fields in api.calls
        if method == "sendmessage"
        and fields.get("chat_id") == str(ASHA["id"])
        and words in str(fields.get("text"))
    ]


def invoices(api: BotApi) -> list[tuple[str, bytes]]:
    """(caption, PDF) of every document sent to Asha."""
    return [
        (str(fields.get("caption")), next(iter(files.values())))
        for method, fields, files in api.files
        if method == "senddocument" and str(fields.get("chat_id")) == str(ASHA["id"])
    ]


async def book_the_first_free_slot_tomorrow(phone: Phone) -> None:
    tomorrow = datetime.now(ZoneInfo("Asia/Kolkata")).date() + timedelta(days=1)
    await phone.send("/start room_bass-cave-indiranagar", timeout=STARTUP_SECONDS)
    await phone.tap(button(phone.screen, text="📅 Book"))
    day = button(phone.screen, data_suffix=f"calendar:{raw_from_date(tomorrow)}")
    if day is None:  # tomorrow is next month
        await phone.tap(button(phone.screen, data_suffix="calendar:+"))
        day = button(phone.screen, data_suffix=f"calendar:{raw_from_date(tomorrow)}")
    await phone.tap(day)
    slot = next(b for b in buttons(phone.screen) if "slots:" in (b.get("callback_data") or ""))
    await phone.tap(slot)
    await phone.tap(button(phone.screen, text="Review"))
    await phone.tap(button(phone.screen, text="✅ Confirm"))


async def test_the_readme_run_command_lets_a_musician_book_and_pay_in_the_chat(
    tmp_path: Path, api: BotApi
) -> None:
    env = bot_env(tmp_path, BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.base_url, PORT=str(free_port()))
    seed = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bot.admin", "seed-demo"),
        cwd=tmp_path,
        env=env,
        stderr=asyncio.subprocess.PIPE,
    )
    _, seed_errors = await asyncio.wait_for(seed.communicate(), 120)
    assert seed.returncode == 0, seed_errors.decode()[-2000:]
    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as log:
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=tmp_path, env=env, stdout=log, stderr=log, start_new_session=True
        )
    phone = Phone(api)
    try:
        await book_the_first_free_slot_tomorrow(phone)
        assert api.refused == []  # the pay screen: Telegram takes it
        pay_screen = phone.screen
        text = pay_screen["text"]
        assert "Booking JR-" in text, text
        code = text.split("Booking ", 1)[1].split("<", 1)[0].split()[0]
        assert "Test payments: no real money moves" in text
        labels = [b["text"] for b in buttons(pay_screen)]
        assert any(label.startswith("💳 Pay ₹") and label.endswith(" (test)") for label in labels), labels
        assert "Fail the payment (test)" in labels
        assert not any(b.get("url") for b in buttons(pay_screen))

        await phone.tap(button(pay_screen, text="Fail the payment (test)"), on=pay_screen)
        assert phone.alerts()[-1].startswith("❌ The test payment was declined. Your slots stay held")
        failed = await until(lambda: sent_to_asha(api, "did not go through"))
        assert code in failed[0]
        assert "still held" in failed[0]
        pay_screen = phone.message(pay_screen["message_id"])
        assert "held until" in pay_screen["text"]

        await phone.tap(button(pay_screen, text="💳 Pay ₹"), on=pay_screen)
        assert phone.alerts()[-1].startswith("✅ Paid (test)")
        assert "Status: <b>confirmed</b>" in phone.message(pay_screen["message_id"])["text"]
        confirmed = await until(lambda: sent_to_asha(api, "Booking confirmed"))
        assert code in confirmed[0]
        caption, pdf = (await until(lambda: invoices(api)))[0]
        assert code in caption
        invoice = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert code in invoice
        assert "₹" in invoice
        calendar_caption, ics = (await until(lambda: invoices(api)[1:]))[0]  # after the invoice
        assert "open this file to add the session" in calendar_caption
        (event,) = Calendar.from_ical(ics).events
        assert str(event["UID"]).startswith(f"{code}@")
        assert api.refused == []  # Telegram would have taken every call
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot.wait(), 30)
    output = log_path.read_text(errors="replace")
    assert bot.returncode == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert "payment_link.paid: confirmed" in output  # through /webhooks/razorpay, as Razorpay's would
    assert TOKEN not in output
