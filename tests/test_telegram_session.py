"""The Bot API session sends calls as JSON (uploads as forms) and drops the inline
keyboards Telegram echoes back, and only those."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.perf import Speedups
from bot.perf.session import loads_without_echoed_keyboards, telegram_session
from tests.fakes.telegram import FakeTelegram

KEYBOARD = {"inline_keyboard": [[{"text": "Book", "callback_data": "aB1\x1dbook"}]]}
MESSAGE = {"message_id": 7, "date": 1, "chat": {"id": 5, "type": "private"}, "text": "Tide Room"}
TAP = {
    "update_id": 11,
    "callback_query": {
        "id": "5:1",
        "from": {"id": 5, "is_bot": False, "first_name": "Asha"},
        "message": {**MESSAGE, "reply_markup": KEYBOARD},
        "chat_instance": "5",
        "data": "aB1\x1dbook",
    },
}


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = await FakeTelegram().start()
    yield fake
    await fake.stop()


def test_a_tapped_message_loses_its_keyboard_and_nothing_else() -> None:
    answer = loads_without_echoed_keyboards(json.dumps({"ok": True, "result": [TAP]}))
    callback = answer["result"][0]["callback_query"]
    assert "reply_markup" not in callback["message"]
    assert callback["message"] == MESSAGE
    assert callback["data"] == "aB1\x1dbook"


def test_an_update_posted_to_the_webhook_loses_the_keyboard_too() -> None:
    update = loads_without_echoed_keyboards(json.dumps(TAP))
    assert update["callback_query"]["message"] == MESSAGE


def test_a_reply_keyboard_and_other_answers_are_kept() -> None:
    reply_keyboard = {"keyboard": [[{"text": "Share contact"}]]}
    answer = loads_without_echoed_keyboards(
        json.dumps({"ok": True, "result": {**MESSAGE, "reply_markup": reply_keyboard}})
    )
    assert answer["result"]["reply_markup"] == reply_keyboard
    assert loads_without_echoed_keyboards('{"ok": true, "result": true}') == {"ok": True, "result": True}
    error = {"ok": False, "error_code": 429, "parameters": {"retry_after": 3}}
    assert loads_without_echoed_keyboards(json.dumps(error)) == error


async def test_the_bot_sends_its_keyboard_and_does_not_parse_the_echo(telegram: FakeTelegram) -> None:
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Book", callback_data="book")]])
    api = TelegramAPIServer.from_base(telegram.base_url)
    plain = Bot("123456:TEST-session", session=AiohttpSession(api=api))
    ours = Bot("123456:TEST-session", session=telegram_session(telegram.base_url, Speedups()))
    try:
        echoed = await plain.send_message(5, "Tide Room", reply_markup=markup)
        assert isinstance(echoed.reply_markup, InlineKeyboardMarkup)  # echoed, as Telegram does
        assert echoed.reply_markup.inline_keyboard[0][0].callback_data == "book"

        sent = await ours.send_message(5, "Tide Room", reply_markup=markup)
        assert sent.reply_markup is None
        assert (sent.chat.id, sent.text) == (5, "Tide Room")
        received = json.loads(telegram.delivered("sendMessage")[-1].fields["reply_markup"])
        assert received["inline_keyboard"][0][0]["callback_data"] == "book"
    finally:
        await plain.session.close()
        await ours.session.close()


async def test_calls_go_as_json_with_the_parameters_a_form_would_carry(telegram: FakeTelegram) -> None:
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="₹ Pay", url="https://rzp.io/l/x")]]
    )
    api = TelegramAPIServer.from_base(telegram.base_url)
    default = DefaultBotProperties(parse_mode=ParseMode.HTML)
    plain = Bot("123456:TEST-session", session=AiohttpSession(api=api), default=default)
    ours = Bot(
        "123456:TEST-session", session=telegram_session(telegram.base_url, Speedups()), default=default
    )
    try:
        for bot in (plain, ours):
            await bot.send_message(
                5, "<b>Tide Room</b> · ₹1,200", reply_markup=markup, disable_notification=False
            )
        as_form, as_json = telegram.delivered("sendMessage")
        assert as_form.content_type != "application/json"
        assert as_json.content_type == "application/json"
        assert as_json.fields == as_form.fields
        assert as_json.fields["parse_mode"] == "HTML"  # the bot's defaults are filled in

        await ours.send_document(
            5, BufferedInputFile(b"%PDF-1.4 invoice", "JR-ABC123.pdf"), caption="Invoice"
        )
        upload = telegram.delivered("sendDocument")[-1]
        assert upload.content_type == "multipart/form-data"
        assert list(upload.files.values()) == [b"%PDF-1.4 invoice"]
        assert upload.fields["caption"] == "Invoice"
    finally:
        await plain.session.close()
        await ours.session.close()
