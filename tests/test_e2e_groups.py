"""Groups and inline mode end to end over HTTP (issue 17 §5, §6): the real Bot and
Dispatcher long-polling a local Bot API stand-in that refuses what Telegram refuses
(tests.fakes.bot_api_rules). A deep link sent in a group gets one answer with a link to
the private chat; an inline query is answered with cards Telegram accepts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram_dialog.test_tools.memory_storage import JsonMemoryStorage

from bot.dispatcher import build_dispatcher
from bot.perf import Speedups
from domain.words import groups
from storage.booking_service import BookingService
from storage.database import Database
from storage.models import Room
from tests.dialog_support import make_services
from tests.fakes.bot_api import BotApi
from tests.telegram_support import bot_for

BOT = "jamroom_bench_bot"  # what BotApi's getMe answers
ASHA = {"id": 1001, "is_bot": False, "first_name": "Asha"}
GROUP = -100_777


@pytest.fixture
async def api(db: Database, clock, service: BookingService, room: Room) -> AsyncIterator[BotApi]:
    server = BotApi()
    server.record_calls = True
    await server.start()
    services = make_services(db, clock, service, bot_username=BOT)
    speedups = Speedups.from_setting(services.settings.speedups)
    dispatcher = build_dispatcher(services, JsonMemoryStorage(), speedups=speedups)
    bot = bot_for(server.base_url)  # the production Bot, as python -m bot makes it
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1))
    yield server
    with contextlib.suppress(RuntimeError):
        await dispatcher.stop_polling()
    await asyncio.wait_for(polling, 10)
    await bot.session.close()
    await server.stop()


async def called(api: BotApi, method: str, timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [fields for name, fields in api.calls if name == method]
        if found:
            return found[-1]
        await asyncio.sleep(0.05)
    raise TimeoutError(f"the bot never called {method}")


async def test_a_deep_link_sent_in_a_group_gets_one_answer_with_a_link_to_the_private_chat(
    api: BotApi,
) -> None:
    text = "/start room_bass-cave-indiranagar"
    message = {
        "message_id": 1,
        "date": int(time.time()),
        "chat": {"id": GROUP, "type": "group", "title": "The Band"},
        "from": ASHA,
        "text": text,
        "entities": [{"type": "bot_command", "offset": 0, "length": len("/start")}],
    }
    api.push(GROUP, {"message": message})
    answer = await called(api, "sendmessage")
    await asyncio.sleep(0.3)  # anything more would have been sent by now
    sent = [fields for name, fields in api.calls if name in ("sendmessage", "editmessagetext", "sendphoto")]
    assert sent == [answer]
    assert answer["chat_id"] == str(GROUP)
    assert answer["text"] == groups.GROUP_ANSWER
    (row,) = json.loads(answer["reply_markup"])["inline_keyboard"]
    assert row == [
        {"text": groups.CONTINUE_IN_PRIVATE, "url": f"https://t.me/{BOT}?start=room_bass-cave-indiranagar"}
    ]
    assert api.refused == []


async def test_an_inline_query_is_answered_with_cards_telegram_accepts(api: BotApi) -> None:
    query = {"id": "iq1", "from": ASHA, "query": "bengaluru", "offset": ""}
    api.push(ASHA["id"], {"inline_query": query})
    answer = await called(api, "answerinlinequery")
    assert api.refused == []
    assert answer["inline_query_id"] == "iq1"
    (card,) = json.loads(answer["results"])
    assert card["title"] == "Bass Cave Studio"
    assert json.loads(answer["is_personal"]) is True
