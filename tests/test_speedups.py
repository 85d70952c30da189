"""SPEEDUPS=on|off: the bot behaves the same with the speed-ups of bot/perf and without
them (stock aiogram and aiogram-dialog). These run both modes explicitly, whatever
SPEEDUPS the suite runs under, so the stock mode cannot rot; ``SPEEDUPS=off pytest``
runs the whole suite in it."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import json
import os
import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.fsm.storage.pymongo import PyMongoStorage
from aiogram_dialog.widgets.kbd.calendar_kbd import raw_from_date
from pydantic import ValidationError
from pymongo import AsyncMongoClient

from bot.config import Settings
from bot.dispatcher import FSM_COLLECTION, build_dispatcher, mongo_fsm_storage
from bot.perf import Speedups
from bot.perf.dialog_state import DialogStateStorage
from bot.perf.session import JsonBodySession, loads_without_echoed_keyboards, telegram_session
from bot.perf.startup_heap import collect_less_often
from bot.perf.state_writes import BatchedStateWrites
from bot.services import Services
from domain.words.musician import DATABASE_UNAVAILABLE as UNAVAILABLE_TEXT
from storage.booking_service import BookingService
from storage.database import Database, document_models, make_client
from storage.embedded import free_port
from storage.models import Room
from tests.dialog_support import Musician, make_dispatcher, make_services, open_day, slot_keys
from tests.fakes.bot_api import TOKEN, BotApi, button
from tests.process_support import bot_env, run_module, start_bot, startup_env
from tests.telegram_support import ASHA, bot_for

TOMORROW = date(2026, 11, 26)
MODES = ("on", "off")


def in_mode(services: Services, mode: str) -> Services:
    return dataclasses.replace(services, settings=Settings(_env_file=None, speedups=mode))  # type: ignore[call-arg]


def test_the_setting_is_on_unless_set_off_and_takes_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPEEDUPS", raising=False)
    assert Settings(_env_file=None).speedups == "on"  # type: ignore[call-arg]
    assert Speedups.from_setting("on") == Speedups()
    assert not Speedups.from_setting("off").any
    monkeypatch.setenv("SPEEDUPS", "fast")
    with pytest.raises(ValidationError, match="speedups"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_off_is_stock_aiogram() -> None:
    off = Speedups.none()
    client: AsyncMongoClient = AsyncMongoClient("mongodb://127.0.0.1:1", connect=False)
    assert type(mongo_fsm_storage(client, "jamroom", off, single_process=True)) is PyMongoStorage
    assert type(telegram_session(None, off)) is AiohttpSession
    assert isinstance(mongo_fsm_storage(client, "jamroom", Speedups()), DialogStateStorage)
    assert isinstance(telegram_session(None, Speedups()), JsonBodySession)


async def test_each_speed_up_left_out_alone_gives_the_stock_part(
    db: Database, clock, service: BookingService
) -> None:
    """What bench/dialogs.py --modes each measures: one speed-up off, the rest on."""
    on = Speedups()
    client: AsyncMongoClient = AsyncMongoClient("mongodb://127.0.0.1:1", connect=False)

    def storage(speedups: Speedups) -> Any:
        return mongo_fsm_storage(client, db.db.name, speedups, single_process=True)

    def dispatcher(speedups: Speedups) -> Any:
        return build_dispatcher(make_services(db, clock, service), storage(speedups), speedups=speedups)

    def batched(speedups: Speedups) -> bool:
        return any(isinstance(m, BatchedStateWrites) for m in dispatcher(speedups).message.outer_middleware)

    assert type(storage(on.without("dialog_state_storage"))) is PyMongoStorage
    assert storage(on).single_process
    assert not storage(on.without("state_from_memory")).single_process
    assert batched(on)
    assert not batched(on.without("batched_state_writes"))
    assert dispatcher(on)["calendar_pages"] is not None
    assert dispatcher(on.without("calendar_pages"))["calendar_pages"] is None
    assert type(telegram_session(None, on.without("json_requests"))) is AiohttpSession
    assert telegram_session(None, on.without("json_requests")).json_loads is loads_without_echoed_keyboards
    assert telegram_session(None, on.without("unparsed_echoes")).json_loads is json.loads
    assert on.without("frozen_startup_heap").describe() == "on without frozen_startup_heap"
    with pytest.raises(ValueError, match="no speed-up called"):
        on.without("turbo")


def test_collections_run_less_often_with_the_speed_up() -> None:
    before = gc.get_threshold()
    try:
        collect_less_often()
        young, older, oldest = gc.get_threshold()
        assert young >= 10 * before[0]
        assert (older, oldest) >= before[1:]
    finally:
        gc.set_threshold(*before)


# ---- the same screens in both modes, over HTTP -------------------------------------------


async def walk_to_a_booking(api: BotApi, room: Room) -> list[tuple[str, list[str]]]:
    """A musician's taps from /start to a confirmed booking; each screen's text (the
    booking code blanked) and buttons."""
    screens: list[tuple[str, list[str]]] = []
    screen: dict[str, Any] = {}

    async def answered(version: int) -> None:
        nonlocal screen
        await api.wait_reply(ASHA["id"], version, timeout=20)
        await api.wait_settled(ASHA["id"], timeout=20)
        screen = api.screen(ASHA["id"])
        labels = [
            b["text"] for row in (screen.get("reply_markup") or {}).get("inline_keyboard", []) for b in row
        ]
        screens.append((re.sub(r"JR-[0-9A-Z]{6}", "JR-?", screen["text"]), labels))

    async def tap(target: dict[str, Any] | None) -> None:
        assert target is not None, screens[-1]
        await answered(api.press(ASHA, screen, target["callback_data"]))

    await answered(api.send_text(ASHA, "/start"))
    await tap(button(screen, text="🎸 Find a room"))
    await tap(button(screen, text="Bengaluru"))
    await tap(button(screen, text="Bass Cave Studio"))
    await tap(button(screen, text="📅 Book"))
    await tap(button(screen, data_suffix=f"calendar:{raw_from_date(TOMORROW)}"))
    for key in slot_keys(room, TOMORROW, 17, 18):
        await tap(button(screen, data_suffix=f"slots:{key}"))
    await tap(button(screen, text="Review"))
    await tap(button(screen, text="✅ Confirm"))
    return screens


@contextlib.asynccontextmanager
async def polling_bot(db: Database, services: Services, api: BotApi, mode: str) -> AsyncIterator[None]:
    """The bot as python -m bot runs it in long polling: its session and dialog-state
    storage chosen by the speed-ups ``mode``."""
    speedups = Speedups.from_setting(mode)  # type: ignore[arg-type]
    # Polling's shutdown closes the dialog-state storage's client: it gets its own.
    storage = mongo_fsm_storage(make_client(db.uri), db.db.name, speedups, single_process=True)
    dispatcher = build_dispatcher(services, storage, speedups=speedups)
    dispatcher["throttle"].rate = dispatcher["throttle"].burst = 1000
    bot = bot_for(api.base_url, speedups=mode)
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        yield
    finally:
        with contextlib.suppress(RuntimeError):
            await dispatcher.stop_polling()
        await asyncio.wait_for(polling, 10)
        await bot.session.close()


async def forget_everything_but_rooms(db: Database) -> None:
    for model in document_models():
        if model is not Room:
            await model.get_pymongo_collection().delete_many({})
    await db.db[FSM_COLLECTION].delete_many({})


async def test_both_modes_show_the_same_screens_over_the_bot_api(
    db: Database, clock, service: BookingService, room: Room
) -> None:
    seen = {}
    for mode in MODES:
        await forget_everything_but_rooms(db)
        api = BotApi()
        await api.start()
        try:
            services = in_mode(make_services(db, clock, service), mode)
            async with polling_bot(db, services, api, mode):
                seen[mode] = await walk_to_a_booking(api, room)
        finally:
            await api.stop()
    assert seen["on"] == seen["off"]
    text, _ = seen["off"][-1]
    assert "Booking JR-?" in text
    assert "Online payment is not available right now" in text


# ---- switching modes across a restart ------------------------------------------------


@pytest.mark.parametrize(("before", "after"), [("on", "off"), ("off", "on")])
async def test_a_dialog_carries_on_when_the_setting_changes_across_a_restart(
    db: Database, clock, service: BookingService, room: Room, before: str, after: str
) -> None:
    await db.db[FSM_COLLECTION].delete_many({})
    services = make_services(db, clock, service)
    first, manager = make_dispatcher(
        in_mode(services, before), mongo_fsm_storage(db.client, db.db.name, Speedups.from_setting(before))
    )
    chat = Musician(first, manager, user_id=1001, name="Asha")
    await open_day(chat, TOMORROW)
    first_key, second_key = slot_keys(room, TOMORROW, 19, 20)
    await chat.tap_slot(first_key)
    screen = chat.last

    second, manager2 = make_dispatcher(
        in_mode(services, after), mongo_fsm_storage(db.client, db.db.name, Speedups.from_setting(after))
    )
    chat.client.dp, chat.manager = second, manager2
    await chat.tap_data(rf".*slots:{second_key}", screen)
    assert "Chosen: 2 slot(s) · total <b>₹1,600</b>" in chat.text


# ---- a database outage, answered in both modes -----------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_unreachable_dialog_state_is_answered_in_either_mode(
    db: Database, clock, service: BookingService, room: Room, mode: str
) -> None:
    """Stock PyMongoStorage reads the raw FSM state of every update, in aiogram's own
    middleware; the outage answer must cover that read too."""
    nowhere: AsyncMongoClient = AsyncMongoClient(
        f"mongodb://127.0.0.1:{free_port()}", serverSelectionTimeoutMS=200, tz_aware=True
    )
    storage = mongo_fsm_storage(nowhere, db.db.name, Speedups.from_setting(mode))
    dispatcher, manager = make_dispatcher(in_mode(make_services(db, clock, service), mode), storage)
    chat = Musician(dispatcher, manager, user_id=1001, name="Asha")
    try:
        await chat.send("/start")
    finally:
        await nowhere.close()
    assert chat.bot.sent_texts() == [UNAVAILABLE_TEXT]


# ---- python -m bot in the stock mode ---------------------------------------------------


@pytest.mark.skipif(bool(os.environ.get("MONGODB_URI")), reason="the bot starts its own embedded database")
async def test_the_bot_process_runs_in_the_stock_mode(tmp_path: Path, bot_api: BotApi) -> None:
    bot = await start_bot(startup_env(tmp_path, bot_api.base_url, SPEEDUPS="off"), tmp_path)
    try:
        menu = await bot_api.wait_reply(ASHA["id"], bot_api.send_text(ASHA, "/start"), timeout=60)
        assert "Asha" in menu["text"]
        found = button(menu, text="ℹ️ Help")
        assert found is not None
        reply = await bot_api.wait_reply(
            ASHA["id"], bot_api.press(ASHA, menu, found["callback_data"]), timeout=30
        )
        assert "How JamRoom bot works" in reply["text"]
    finally:
        code = await bot.stop()
    assert code == 0, bot.output[-2000:]
    # aiogram closes the storage when polling stops without waiting for the updates in
    # flight (in either mode): a save cut short there is logged after this line.
    served, _, _ = bot.output.partition("Polling stopped")
    assert "Traceback" not in served, served[-4000:]


def test_a_setting_other_than_on_or_off_stops_the_start(tmp_path: Path) -> None:
    result = run_module("bot", bot_env(tmp_path, BOT_TOKEN=TOKEN, SPEEDUPS="fast"), tmp_path)
    assert result.returncode == 2
    assert "speedups" in result.stderr.lower()
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()
