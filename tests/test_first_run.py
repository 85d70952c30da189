"""The README's "Run it" command, followed literally: ``python -m bot.admin seed-demo``,
then ``python -m bot`` with a bot token and nothing else (no PUBLIC_BASE_URL, no
Razorpay keys), as real processes. Telegram is the local Bot API stand-in, which
refuses what Telegram refuses (a button to http://localhost:8080 above all).

A musician books, a "Fail the payment (test)" tap tells them and keeps the hold, then
"Pay (test)" in the chat confirms the booking through the sandbox's signed webhook;
the confirmation and the invoice PDF arrive in the chat."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from aiogram_dialog.widgets.kbd.calendar_kbd import raw_from_date
from icalendar import Calendar
from pypdf import PdfReader

from tests.fakes.bot_api import TOKEN, BotApi, button, buttons
from tests.process_support import aadmin, start_bot, startup_env, until
from tests.telegram_support import ASHA, Phone

STARTUP_SECONDS = 60.0


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
    tmp_path: Path, bot_api: BotApi
) -> None:
    env = startup_env(tmp_path, bot_api.base_url, BOT_TOKEN=TOKEN)
    env.pop("HOST")  # the README's command sets nothing but the token
    seed = await aadmin(env, tmp_path, "seed-demo")
    assert seed.returncode == 0, seed.stderr[-2000:]
    bot = await start_bot(env, tmp_path)
    phone = Phone(bot_api)
    try:
        await book_the_first_free_slot_tomorrow(phone)
        assert bot_api.refused == []  # the pay screen: Telegram takes it
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
        failed = await until(lambda: sent_to_asha(bot_api, "did not go through"))
        assert code in failed[0]
        assert "still held" in failed[0]
        pay_screen = phone.message(pay_screen["message_id"])
        assert "held until" in pay_screen["text"]

        await phone.tap(button(pay_screen, text="💳 Pay ₹"), on=pay_screen)
        assert phone.alerts()[-1].startswith("✅ Paid (test)")
        assert "Status: <b>confirmed</b>" in phone.message(pay_screen["message_id"])["text"]
        confirmed = await until(lambda: sent_to_asha(bot_api, "Booking confirmed"))
        assert code in confirmed[0]
        caption, pdf = (await until(lambda: invoices(bot_api)))[0]
        assert code in caption
        invoice = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
        assert code in invoice
        assert "₹" in invoice
        calendar_caption, ics = (await until(lambda: invoices(bot_api)[1:]))[0]  # after the invoice
        assert "open this file to add the session" in calendar_caption
        (event,) = Calendar.from_ical(ics).events
        assert str(event["UID"]).startswith(f"{code}@")
        assert bot_api.refused == []  # Telegram would have taken every call
    finally:
        code = await bot.stop()
    output = bot.output
    assert code == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert "payment_link.paid: confirmed" in output  # through /webhooks/razorpay, as Razorpay's would
    assert TOKEN not in output
