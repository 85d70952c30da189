"""Abuse that the other suites do not already cover: free text with Mongo operators
or huge strings wherever the bot reads text, callback data tampered to point at
rooms and slots the screen never offered, updates forged to the Telegram webhook,
malformed Razorpay signatures (non-ASCII, not even UTF-8, not hex: refused as
forgeries, never a 500), and secrets kept out of the logs. (Forged, unsigned,
replayed and mismatched Razorpay webhooks: test_webhook.py; another user's booking:
test_dialogs_my_bookings.py; another owner's room: test_owner_dialogs.py; floods:
test_dialogs_robustness.py.)"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import aiohttp
import pytest
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiohttp import web

from bot.app import make_bot
from bot.config import Settings
from bot.telegram_webhook import WebhookSecretMissingError, install_webhook_route
from domain.booking_status import BookingStatus
from domain.words.musician import SORRY as SORRY_TEXT
from payments import webhook_bodies
from storage.booking_service import BookingService
from storage.database import Database, document_models
from storage.models import Room, User
from tests.dialog_support import Musician, RecordingPayments, make_dispatcher, make_services, slot_keys
from tests.fakes.telegram import FakeTelegram
from tests.payment_support import WEBHOOK_SECRET, PaymentWorld, held_booking, pay, serve_app

OPERATOR = '{"$gt": ""}'
HUGE = "x" * 60_000


async def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every collection the bot writes, but the users' last-seen details."""
    return {
        model.get_collection_name(): await model.get_pymongo_collection()
        .find({}, {"document": 0, "updated_at": 0})
        .sort("_id")
        .to_list()
        for model in document_models()
        if model is not User
    }


@pytest.fixture
def chats(
    db: Database, clock, service: BookingService, room: Room, user: User, dialog_storage: BaseStorage
) -> dict[str, Musician]:
    dispatcher, manager = make_dispatcher(
        make_services(db, clock, service, RecordingPayments()), dialog_storage
    )
    return {
        "owner": Musician(dispatcher, manager, user_id=9001, name="Ravi"),
        "musician": Musician(dispatcher, manager, user_id=user.id, name="Asha"),
    }


def forged(screen: Message, data: str) -> Message:
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="forged", callback_data=data)]])
    return screen.model_copy(update={"reply_markup": markup})


def with_item(screen: Message, widget: str, item: str) -> str:
    """The screen's own callback data for ``widget``, pointing at ``item`` instead."""
    real = next(
        b.callback_data
        for row in screen.reply_markup.inline_keyboard
        for b in row  # type: ignore[union-attr]
        if b.callback_data and f"\x1d{widget}:" in b.callback_data
    )
    assert real is not None
    return re.sub(rf"\x1d{widget}:.*$", f"\x1d{widget}:{item}", real)


@pytest.mark.parametrize(
    "text",
    [
        f"/block {OPERATOR} 2026-11-26 all",
        f"/block bass-cave-indiranagar 2026-11-26 {OPERATOR}",
        f"/unblock bass-cave-indiranagar {HUGE} 12:00",
        f"/terminate {OPERATOR} because",
        f"/terminate JR-{HUGE} because",
        f"/start room_{OPERATOR}",
        f"/start owner_{OPERATOR}",
        f"/start booking_{HUGE}",
        OPERATOR,
        HUGE,
    ],
)
async def test_free_text_with_operators_or_huge_strings_changes_nothing(
    chats: dict[str, Musician], text: str
) -> None:
    for chat in chats.values():
        await chat.send("/start")  # registered first, so the snapshot is of a settled world
    before = await snapshot()
    for chat in chats.values():
        said, shown = len(chat.bot.sent_texts()), len(chat.manager.sent_messages)
        await chat.send(text)
        assert (len(chat.bot.sent_texts()), len(chat.manager.sent_messages)) != (said, shown), "unanswered"
        assert SORRY_TEXT not in chat.bot.sent_texts()
    assert await snapshot() == before


async def test_tampered_room_and_slot_buttons_are_refused(
    chats: dict[str, Musician], service: BookingService, room: Room
) -> None:
    asha = chats["musician"]
    await asha.send("/start")
    await asha.tap("🎸 Find a room")
    await asha.tap("Bengaluru.*")
    rooms = asha.last
    for item in ("000000000000000000000000", "not-an-id", OPERATOR):
        await asha.tap("forged", forged(rooms, with_item(rooms, "room", item)))
        assert asha.bot.alerts()[-1] == "That room does not exist any more."
    await asha.tap("Bass Cave Studio.*", rooms)
    await asha.tap("📅 Book")
    await asha.tap_day(service.today(room).replace(day=26))
    slots = asha.last
    past, closed = slot_keys(room, service.today(room), 9)[0], "20261126T2330Z"
    for item in (past, closed, OPERATOR):
        await asha.tap("forged", forged(slots, with_item(slots, "slots", item)))
        assert "not on this day's list" in asha.bot.alerts()[-1] or "can't be booked" in asha.bot.alerts()[-1]
    assert "Chosen:" not in asha.text
    assert (await snapshot())["slot_claims"] == []


MALFORMED_SIGNATURES = {
    "accented": "é" * 64,
    "one non-ASCII letter": "ü",
    "hex but its last character": "0" * 63 + "ÿ",
    "emoji": "🔑",
    "words": "not a signature",
    "upper-case hex": "A" * 64,
    "too long": "0" * 65,
    "blank": " ",
}


@pytest.mark.parametrize("signature", MALFORMED_SIGNATURES.values(), ids=MALFORMED_SIGNATURES.keys())
async def test_a_malformed_webhook_signature_is_a_400_and_changes_nothing(
    world: PaymentWorld, room: Room, user: User, signature: str
) -> None:
    booking = await held_booking(world, room, user, 12)
    _, body = await pay(world, booking)
    raw, headers = webhook_bodies.signed(body, WEBHOOK_SECRET)
    before = await snapshot()
    status, answer = await world.post_raw(raw, {**headers, "X-Razorpay-Signature": signature})
    assert (status, answer) == (400, {"ok": False, "error": "invalid signature"})
    assert await snapshot() == before


async def raw_http(url: str, request: bytes) -> bytes:
    """Send bytes no HTTP client would build (a header that is not UTF-8)."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(request)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    return answer


async def test_a_signature_header_that_is_not_even_utf8_is_a_400(
    world: PaymentWorld, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    _, body = await pay(world, booking)
    raw, _ = webhook_bodies.signed(body, WEBHOOK_SECRET)
    before = await snapshot()
    answer = await raw_http(
        world.url,
        b"POST /webhooks/razorpay HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
        b"X-Razorpay-Signature: \xff\xfe" + b"0" * 62 + b"\r\nConnection: close\r\n"
        b"Content-Length: " + str(len(raw)).encode() + b"\r\n\r\n" + raw,
    )
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert await snapshot() == before


@pytest.mark.parametrize("signature", MALFORMED_SIGNATURES.values(), ids=MALFORMED_SIGNATURES.keys())
async def test_a_malformed_callback_signature_is_a_400_page(world: PaymentWorld, signature: str) -> None:
    query = {
        "razorpay_payment_id": "pay_1",
        "razorpay_payment_link_id": "plink_1",
        "razorpay_payment_link_reference_id": "JR-ABC234",
        "razorpay_payment_link_status": "paid",
        "razorpay_signature": signature,
    }
    async with world.session.get(f"{world.url}/payments/callback", params=query) as response:
        assert response.status == 400
        assert "We could not verify this payment" in await response.text()


async def test_secrets_never_reach_the_logs(
    world: PaymentWorld, room: Room, user: User, caplog: pytest.LogCaptureFixture
) -> None:
    secret = WEBHOOK_SECRET
    booking = await held_booking(world, room, user, 12)
    _, body = await pay(world, booking)
    with caplog.at_level(logging.DEBUG):
        assert (await world.post_event(body, secret="not-the-secret"))[0] == 400
        raw, headers = webhook_bodies.signed(body, secret)
        assert (await world.post_raw(raw, headers))[0] == 200
        assert (await world.post_raw(raw, {**headers, "X-Razorpay-Signature": "0" * 64}))[0] == 400
    logged: list[Any] = [r.getMessage() for r in caplog.records]
    assert any("signature" in line.lower() for line in logged)  # the refusal is logged...
    for line in logged:  # ...without the secret or the signatures that prove it
        assert secret not in line
        assert headers["X-Razorpay-Signature"] not in line
        assert world.api.key_secret not in line


TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
TELEGRAM_SECRET = "Zq4Xk2m9_Lp0-Ws7Yt6Rv5Ub3Nc1Hd8Jf"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
OWNER = {"id": 9001, "is_bot": False, "first_name": "Ravi"}


def webhook_settings(telegram: FakeTelegram) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TOKEN,
        telegram_api_url=telegram.base_url,
        telegram_webhook_url="https://bot.example.com/telegram/webhook",
        telegram_webhook_secret=TELEGRAM_SECRET,
        payments="sandbox",
    )


@dataclass
class TelegramWebhook:
    url: str
    session: aiohttp.ClientSession
    telegram: FakeTelegram
    payments: RecordingPayments

    async def post(self, update: dict[str, Any], headers: dict[str, str], method: str = "POST") -> int:
        async with self.session.request(method, self.url, json=update, headers=headers) as response:
            return response.status


@pytest.fixture
async def telegram_webhook(
    db: Database, clock, service: BookingService, dialog_storage: BaseStorage, telegram: FakeTelegram
) -> AsyncIterator[TelegramWebhook]:
    payments = RecordingPayments()
    dispatcher, _ = make_dispatcher(make_services(db, clock, service, payments), dialog_storage)
    settings = webhook_settings(telegram)
    bot = make_bot(settings)
    app = web.Application()
    install_webhook_route(app, bot, dispatcher, settings)
    runner, url = await serve_app(app)
    async with aiohttp.ClientSession() as session:
        yield TelegramWebhook(f"{url}/telegram/webhook", session, telegram, payments)
    await runner.cleanup()
    await bot.session.close()


def owner_sends(text: str, update_id: int = 1) -> dict[str, Any]:
    command = text.split(" ", 1)[0]
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_764_000_000,
            "chat": {"id": OWNER["id"], "type": "private"},
            "from": OWNER,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(command)}],
        },
    }


FORGED_HEADERS = {
    "no secret": {},
    "empty": {SECRET_HEADER: ""},
    "wrong": {SECRET_HEADER: "not-the-secret"},
    "one character short": {SECRET_HEADER: TELEGRAM_SECRET[:-1]},
    "one character more": {SECRET_HEADER: TELEGRAM_SECRET + "x"},
    "other case": {SECRET_HEADER: TELEGRAM_SECRET.swapcase()},
    "non-ASCII": {SECRET_HEADER: "é" * len(TELEGRAM_SECRET)},
    "in another header": {"X-Telegram-Bot-Api-Secret": TELEGRAM_SECRET},
}


async def test_a_forged_telegram_update_is_refused_and_changes_nothing(
    telegram_webhook: TelegramWebhook, service: BookingService, room: Room, user: User
) -> None:
    """Someone who found the webhook path posts, as the room's owner, /terminate for a
    paid booking: without the exact secret it is a 401 and nothing happens."""
    day = date(2026, 11, 26)
    booking = await service.create_booking(user.id, room.id, day, slot_keys(room, day, 12))
    assert await service.confirm_payment(booking, {"payment_id": "pay_1"}) is not None
    forged = owner_sends(f"/terminate {booking.code} Power cut in the building")
    before = await snapshot()
    for headers in FORGED_HEADERS.values():
        assert await telegram_webhook.post(forged, headers) == 401
    for method in ("GET", "PUT", "DELETE"):
        assert await telegram_webhook.post(forged, {}, method=method) == 401
    assert await snapshot() == before
    assert (await service.booking(booking.id)).status is BookingStatus.NOT_STARTED
    assert telegram_webhook.payments.refunds == []
    assert telegram_webhook.telegram.calls == []

    # The same update with the secret is what Telegram sends, and is acted on.
    assert await telegram_webhook.post(forged, {SECRET_HEADER: TELEGRAM_SECRET}) == 200
    for _ in range(200):
        if telegram_webhook.telegram.delivered("sendMessage"):
            break
        await asyncio.sleep(0.05)
    assert "Cancelled" in telegram_webhook.telegram.delivered("sendMessage")[-1].fields["text"]
    assert (await service.booking(booking.id)).status is BookingStatus.TERMINATED
    assert telegram_webhook.payments.refunds == [booking.code]


async def test_the_telegram_webhook_cannot_be_served_without_a_secret(
    db: Database, clock, service, dialog_storage: BaseStorage
) -> None:
    telegram = FakeTelegram()
    telegram.base_url = "http://127.0.0.1:9"
    unsafe = webhook_settings(telegram).model_copy(update={"telegram_webhook_secret": None})
    dispatcher, _ = make_dispatcher(make_services(db, clock, service, RecordingPayments()), dialog_storage)
    bot = make_bot(unsafe)
    try:
        with pytest.raises(WebhookSecretMissingError):
            install_webhook_route(web.Application(), bot, dispatcher, unsafe)
    finally:
        await bot.session.close()
