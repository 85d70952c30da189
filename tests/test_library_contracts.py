"""What the speed-ups in bot/perf (and two behaviours of the dialogs) rely on in aiogram
and aiogram-dialog beyond their public API, checked against the installed versions.

A failure here means a release changed something a speed-up leans on: its message names
the speed-up to fix or drop. ``SPEEDUPS=off`` runs the bot without any of them. Where it
is cheap the check is behavioural (run the library, look at what it did); otherwise it
checks the signature the override must match."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
from datetime import date, timedelta, timezone
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession, Response
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import DEFAULT_DESTINY, BaseStorage, StorageKey
from aiogram.fsm.storage.pymongo import PyMongoStorage
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiogram_dialog import Dialog as StockDialog
from aiogram_dialog.api.entities import stack as stock_stack
from aiogram_dialog.api.entities.stack import Stack
from aiogram_dialog.test_tools.memory_storage import JsonMemoryStorage
from aiogram_dialog.widgets.kbd import Calendar
from aiogram_dialog.widgets.kbd.calendar_kbd import CalendarDaysView, CalendarScope
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.dialogs.base import Dialog
from bot.dialogs.widgets import BookableCalendar, struck
from bot.dispatcher import FSM_COLLECTION, mongo_fsm_storage
from bot.intent_ids import install_unique_intent_ids, unique_intent_id
from bot.perf import Speedups
from bot.perf.calendar_pages import PAGE_DATA, page_key
from bot.perf.dialog_state import CONTEXT_DESTINY, DEFAULT_STACK_DESTINY, KEY_BUILDER
from bot.perf.response_models import HOT_METHODS, pin_response_models
from bot.perf.session import JsonBodySession, loads_without_echoed_keyboards
from domain.words.musician import BUTTONS_ONLY as BUTTONS_TEXT
from storage.booking_service import BookingService
from storage.database import Database
from storage.models import Room
from tests.dialog_support import Musician, make_dispatcher, make_services

TOMORROW = date(2026, 11, 26)


def broken(speedup: str, what: str) -> str:
    return (
        f"the installed aiogram/aiogram-dialog changed {what}: fix or drop the {speedup!r} "
        "speed-up (bot/perf; SPEEDUPS=off runs without it)"
    )


def parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


# ---- dialog state: dialog_state_storage, state_from_memory, batched_state_writes --------


class RecordingStorage(JsonMemoryStorage):
    """aiogram-dialog's test storage, noting each data read and write with its task."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, StorageKey, dict[str, Any], asyncio.Task[Any] | None]] = []

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        data = await super().get_data(key)
        self.calls.append(("get", key, data, asyncio.current_task()))
        return data

    async def set_data(self, key: StorageKey, data: dict[str, Any]) -> None:
        self.calls.append(("set", key, dict(data), asyncio.current_task()))
        await super().set_data(key, data)


@pytest.fixture
def recorded(db: Database, clock, service: BookingService, room: Room) -> tuple[Musician, RecordingStorage]:
    storage = RecordingStorage()
    dispatcher, manager = make_dispatcher(make_services(db, clock, service), storage)
    return Musician(dispatcher, manager, user_id=1001, name="Asha"), storage


async def test_dialogs_keep_contexts_and_stacks_under_the_keys_the_storage_prefetches(
    db: Database, clock, service: BookingService, room: Room
) -> None:
    """Run by stock PyMongoStorage, a dialog leaves documents keyed by the destinies
    bot/perf/dialog_state.py builds keys from."""
    await db.db[FSM_COLLECTION].delete_many({})
    stock = mongo_fsm_storage(db.client, db.db.name, Speedups.none())
    assert isinstance(stock, PyMongoStorage)
    chat = Musician(*make_dispatcher(make_services(db, clock, service), stock), user_id=1001, name="Asha")
    await chat.send("/start")
    await chat.tap("🎸 Find a room")
    ids = [document["_id"] async for document in db.db[FSM_COLLECTION].find({}, {"_id": 1})]
    bot_id = chat.bot.id

    def key(destiny: str) -> str:
        return KEY_BUILDER.build(StorageKey(bot_id=bot_id, chat_id=1001, user_id=1001, destiny=destiny))

    what = "the dialog-state keys (aiogd:context:<intent> and the default aiogd:stack:)"
    assert key(DEFAULT_STACK_DESTINY) in ids, broken("dialog_state_storage", what)
    contexts = [i for i in ids if i.startswith(key(CONTEXT_DESTINY))]
    assert contexts, broken("dialog_state_storage", what)
    assert sorted(ids) == sorted([key(DEFAULT_STACK_DESTINY), *contexts]), broken(
        "dialog_state_storage", what
    )


async def test_a_tap_reads_its_context_then_the_default_stack_in_its_own_task(
    recorded: tuple[Musician, RecordingStorage],
) -> None:
    chat, storage = recorded
    await chat.send("/start")
    storage.calls.clear()
    tap = asyncio.create_task(chat.tap("🎸 Find a room"))  # an update per task, as polling runs them
    await tap
    reads = [(key, task) for op, key, _, task in storage.calls if op == "get"]
    what = "the order a tap loads its dialog (context, then the stack the context names)"
    assert len(reads) >= 2, broken("dialog_state_storage", what)
    (context, first_task), (stack, second_task) = reads[:2]
    assert context.destiny.startswith(CONTEXT_DESTINY), broken("dialog_state_storage", what)
    assert stack == dataclasses.replace(context, destiny=DEFAULT_STACK_DESTINY), broken(
        "dialog_state_storage", what
    )
    assert first_task is second_task is tap, broken("dialog_state_storage", what + " in one task")


async def test_every_dialog_state_write_follows_a_read_in_the_same_update(
    recorded: tuple[Musician, RecordingStorage],
) -> None:
    """A write of what was last read is skipped (dialog_state_storage) and reads are
    answered from memory (state_from_memory): both assume aiogram-dialog reads a key in
    the update before it writes it, unless it removes the key or starts a context
    there (aiogram-dialog's intent ids are a second's count plus 0-99, so a new
    context may take the id of one removed before)."""
    chat, storage = recorded
    holds: dict[StorageKey, bool] = {}  # whether a key holds a document, as written so far
    actions = [
        lambda: chat.send("/start"),
        lambda: chat.tap("🎸 Find a room"),
        lambda: chat.tap("Bengaluru.*"),
        lambda: chat.tap("Bass Cave Studio.*"),
        lambda: chat.tap("📅 Book"),
        lambda: chat.tap_day(TOMORROW),
        lambda: chat.tap("‹ .*"),
        lambda: chat.send("/bookings"),
        lambda: chat.send("/start"),  # resets the stack: every context in it removed
    ]
    for action in actions:
        storage.calls.clear()
        await action()
        read: set[StorageKey] = set()
        for op, key, data, _ in storage.calls:
            if op == "get":
                read.add(key)
                continue
            started = key.destiny.startswith(CONTEXT_DESTINY) and not holds.get(key, False)
            assert key in read or started or not data, broken(
                "dialog_state_storage", f"when dialog state is read before it is written ({key.destiny})"
            )
            holds[key] = bool(data)
    assert sum(key.destiny.startswith(CONTEXT_DESTINY) for key in holds) >= 4


async def test_our_dialog_state_documents_are_pymongo_storages(db: Database) -> None:
    """The same documents and keys as aiogram's storage, so SPEEDUPS can change across
    a restart: each reads what the other wrote, raw FSM state included."""
    await db.db[FSM_COLLECTION].delete_many({})
    stock = mongo_fsm_storage(db.client, db.db.name, Speedups.none())
    ours = mongo_fsm_storage(db.client, db.db.name, Speedups())
    stack = StorageKey(bot_id=1, chat_id=5, user_id=5, destiny=DEFAULT_STACK_DESTINY)
    context = StorageKey(bot_id=1, chat_id=5, user_id=5, destiny=f"{CONTEXT_DESTINY}abc")
    raw = StorageKey(bot_id=1, chat_id=5, user_id=5, destiny=DEFAULT_DESTINY)
    what = "PyMongoStorage's documents ({_id: key, data, state})"

    await stock.set_data(stack, {"intents": ["abc"]})
    await stock.set_state(raw, "Form:name")
    await stock.set_data(raw, {"name": "Asha"})
    assert await ours.get_data(stack) == {"intents": ["abc"]}, broken("dialog_state_storage", what)
    await ours.set_state(raw, "Form:age")  # from now on ours reads raw states
    assert await stock.get_state(raw) == "Form:age", broken("dialog_state_storage", what)
    assert await ours.get_data(raw) == {"name": "Asha"}, broken("dialog_state_storage", what)

    await ours.set_data(context, {"state": "BookingSG:slots"})
    assert await stock.get_data(context) == {"state": "BookingSG:slots"}, broken("dialog_state_storage", what)
    await ours.set_data(raw, {})
    assert await stock.get_state(raw) == "Form:age", broken("dialog_state_storage", what)
    await ours.set_state(raw, None)
    await ours.set_data(context, {})
    await stock.set_data(stack, {})
    assert await db.db[FSM_COLLECTION].count_documents({}) == 0, broken("dialog_state_storage", what)


# ---- the Bot API session: json_requests, unparsed_echoes ---------------------------------


def test_the_session_overrides_match_aiogram() -> None:
    what = "AiohttpSession.build_form_data(bot, method) or prepare_value(..., _dumps_json=...)"
    assert parameters(AiohttpSession.build_form_data) == ["self", "bot", "method"], broken(
        "json_requests", what
    )
    assert parameters(BaseSession.prepare_value) == ["self", "value", "bot", "files", "_dumps_json"], broken(
        "json_requests", what
    )
    session = JsonBodySession()
    structured = {"inline_keyboard": [[{"text": "Book", "callback_data": "book"}]]}
    prepared = session.prepare_value(structured, bot=None, files={}, _dumps_json=False)  # type: ignore[arg-type]
    assert prepared == structured, broken("json_requests", what)
    assert json.loads(session.prepare_value(structured, bot=None, files={})) == structured, broken(  # type: ignore[arg-type]
        "json_requests", what
    )


async def test_answers_are_read_through_the_sessions_json_loads() -> None:
    """Where unparsed_echoes drops the echoed keyboard: aiogram reads the Bot API's
    answers with ``session.json_loads``."""
    session = AiohttpSession(json_loads=loads_without_echoed_keyboards)
    keyboard = {"inline_keyboard": [[{"text": "Book", "callback_data": "book"}]]}
    message = {"message_id": 7, "date": 1, "chat": {"id": 5, "type": "private"}, "text": "Hi"}
    answer = json.dumps({"ok": True, "result": {**message, "reply_markup": keyboard}})
    bot = Bot("123456:TEST-contracts", session=session)
    response = session.check_response(bot, SendMessage(chat_id=5, text="Hi"), 200, answer)
    assert response.result.reply_markup is None, broken("unparsed_echoes", "how answers are parsed")
    await session.close()


async def test_webhook_updates_are_read_through_the_sessions_json_loads() -> None:
    """In webhook mode an update arrives on our server; aiogram parses it with the bot
    session's json_loads, which drops the keyboard of the tapped message."""
    seen: list[CallbackQuery] = []
    router = Router()

    @router.callback_query()
    async def tapped(callback: CallbackQuery) -> None:
        seen.append(callback)

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    bot = Bot("123456:TEST-contracts", session=AiohttpSession(json_loads=loads_without_echoed_keyboards))
    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, handle_in_background=False).register(app, path="/telegram/webhook")
    tap = {
        "update_id": 11,
        "callback_query": {
            "id": "5:1",
            "from": {"id": 5, "is_bot": False, "first_name": "Asha"},
            "message": {
                "message_id": 7,
                "date": 1,
                "chat": {"id": 5, "type": "private"},
                "text": "Tide Room",
                "reply_markup": {"inline_keyboard": [[{"text": "Book", "callback_data": "book"}]]},
            },
            "chat_instance": "5",
            "data": "book",
        },
    }
    async with TestClient(TestServer(app)) as client:
        answer = await client.post("/telegram/webhook", json=tap)
        assert answer.status == 200
    await bot.session.close()
    assert len(seen) == 1
    assert seen[0].message is not None
    assert seen[0].message.reply_markup is None, broken("unparsed_echoes", "how webhook updates are parsed")


async def test_a_tap_is_handled_the_same_without_the_keyboard_it_was_made_on(
    db: Database, clock, service: BookingService, room: Room, dialog_storage: BaseStorage
) -> None:
    """aiogram-dialog does not read the echoed keyboard of a tapped message, which
    unparsed_echoes drops: the same tap with and without it leads to the same screen."""
    dispatcher, manager = make_dispatcher(make_services(db, clock, service), dialog_storage)
    screens = []
    for user_id, strip in ((1001, False), (1002, True)):
        chat = Musician(dispatcher, manager, user_id=user_id, name="Asha")
        await chat.send("/start")
        await chat.tap("🎸 Find a room")
        shown = chat.last
        button = next(b for b in chat.buttons(shown) if b.text.startswith("Bengaluru"))
        message = shown.model_copy(update={"reply_markup": None}) if strip else shown
        callback = CallbackQuery(
            id=f"{user_id}:1",
            data=button.callback_data,
            chat_instance="--",
            from_user=chat.client.user,
            message=message,
        )
        await dispatcher.feed_update(chat.bot, Update(update_id=100 + user_id, callback_query=callback))
        screens.append((chat.text, chat.button_texts()))
    assert screens[0] == screens[1], broken("unparsed_echoes", "what a tap reads of the tapped message")
    assert "Rehearsal rooms in <b>Bengaluru</b>" in screens[0][0]


# ---- pinned_response_models -------------------------------------------------------------


def test_answers_are_validated_with_the_pinned_response_models() -> None:
    pin_response_models()
    session = AiohttpSession()
    bot = Bot("123456:TEST-contracts", session=session)
    answer = json.dumps(
        {"ok": True, "result": {"message_id": 7, "date": 1, "chat": {"id": 5, "type": "private"}}}
    )
    response = session.check_response(bot, SendMessage(chat_id=5, text="Hi"), 200, answer)
    what = "the model answers are validated with (Response[method.__returning__])"
    assert type(response) is Response[SendMessage.__returning__], broken("pinned_response_models", what)
    assert all(hasattr(method, "__returning__") for method in HOT_METHODS), broken(
        "pinned_response_models", what
    )


# ---- the booking calendar: calendar_pages, and its behaviour overrides ------------------


def test_the_calendar_overrides_match_aiogram_dialog() -> None:
    """BookableCalendar overrides three of Calendar's methods and one of its days view's
    (behaviour: bounds and today by the booking clock, closed days struck; and the
    page cache of calendar_pages)."""
    expected = {
        Calendar._init_views: ["self"],
        Calendar._get_user_config: ["self", "data", "manager"],
        Calendar._render_keyboard: ["self", "data", "manager"],
        CalendarDaysView._render_date_button: ["self", "selected_date", "today", "data", "manager"],
    }
    for method, names in expected.items():
        assert parameters(method) == names, broken("calendar_pages", f"{method.__qualname__}'s signature")
    calendar = BookableCalendar(id="calendar")
    assert set(calendar.views) == set(CalendarScope), broken("calendar_pages", "Calendar._init_views")
    assert callable(calendar._item_callback_data), broken("calendar_pages", "Calendar._item_callback_data")


class AnyManager:
    """All a days page may ask of the dialog manager: nothing about the user or dialog."""

    def is_preview(self) -> bool:
        return False


async def test_a_calendar_page_depends_on_the_window_data_alone() -> None:
    """calendar_pages keys a month's page on the widget, the month and the window's
    data: the host's date (aiogram-dialog's own "today", by the config's time zone)
    and the user (a manager that knows nothing of either) must not change it."""
    calendar = BookableCalendar(id="calendar")
    view = calendar.views[CalendarScope.DAYS]
    data = {"today": date(2026, 11, 25), "last_day": date(2027, 1, 24), "closed_weekdays": frozenset({4})}
    anyone = AnyManager()
    config = calendar.config.merge(await calendar._get_user_config(data, anyone))  # type: ignore[arg-type]
    east, west = (dataclasses.replace(config, timezone=timezone(timedelta(hours=h))) for h in (14, -12))
    # Fourteen hours east and twelve west are 26 hours apart: never the same date.
    page = await view.render(east, data["today"], data, anyone)  # type: ignore[arg-type]
    assert page == await view.render(west, data["today"], data, anyone), broken(  # type: ignore[arg-type]
        "calendar_pages", "what a days page depends on (the host's date)"
    )
    texts = [button.text for row in page for button in row]
    assert "[ 25 ]" in texts  # today by the booking clock
    assert "24" not in texts  # the past left out
    assert struck("27") in texts  # a closed Friday
    later = await view.render(east, data["today"], {**data, "today": date(2026, 11, 26)}, anyone)  # type: ignore[arg-type]
    assert later != page


async def test_a_calendar_pages_key_holds_everything_a_page_is_drawn_from() -> None:
    """calendar_pages keys a page on PAGE_DATA: each of those changes the page (a key
    without one would hand out a page drawn for other data: old day marks, say), and
    no other window data does."""
    calendar = BookableCalendar(id="calendar")
    view = calendar.views[CalendarScope.DAYS]
    anyone = AnyManager()
    base = {
        "today": date(2026, 11, 25),
        "last_day": date(2027, 1, 24),
        "closed_weekdays": frozenset({4}),
        "full_days": frozenset(),
        "few_days": frozenset(),
    }

    async def render(data: dict[str, Any]) -> list[list[Any]]:
        config = calendar.config.merge(await calendar._get_user_config(data, anyone))  # type: ignore[arg-type]
        return await view.render(config, data["today"], data, anyone)  # type: ignore[arg-type]

    page = await render(base)
    changed = {
        "today": date(2026, 11, 26),
        "last_day": date(2026, 11, 28),
        "closed_weekdays": frozenset({3}),
        "full_days": frozenset({TOMORROW}),
        "few_days": frozenset({TOMORROW}),
    }
    assert set(changed) == set(PAGE_DATA)
    for name, value in changed.items():
        assert await render({**base, name: value}) != page, broken("calendar_pages", f"a page without {name}")
    assert await render({**base, "room_name": "Another room"}) == page
    assert page_key("calendar", TOMORROW, base) != page_key("calendar", TOMORROW, {**base, **changed})


async def test_the_booking_calendar_opens_on_the_booking_clocks_month(
    db: Database, clock, service: BookingService, room: Room, dialog_storage: BaseStorage
) -> None:
    """Our _render_keyboard sets the first page; stock Calendar would open on the host's month."""
    chat = Musician(
        *make_dispatcher(make_services(db, clock, service), dialog_storage), user_id=1001, name="Asha"
    )
    await chat.send("/start")
    await chat.tap("🎸 Find a room")
    await chat.tap("Bengaluru.*")
    await chat.tap("Bass Cave Studio.*")
    await chat.tap("📅 Book")
    texts = chat.button_texts()
    assert "🗓 November 2026" in texts, broken("calendar_pages", "Calendar._render_keyboard")
    assert "[ 25 ]" in texts, broken("calendar_pages", "CalendarDaysView._render_date_button")


# ---- bot/dialogs/base.py: text a window does not read is answered ----------------------


async def test_dialogs_route_messages_through_the_overridden_message_handler(
    db: Database, clock, service: BookingService, room: Room, dialog_storage: BaseStorage
) -> None:
    what = (
        "the installed aiogram-dialog changed Dialog._message_handler or _current_window: "
        "fix bot/dialogs/base.py (text a window does not read is answered with a hint)"
    )
    assert parameters(StockDialog._message_handler) == ["self", "message", "dialog_manager"], what
    assert parameters(StockDialog._current_window) == ["self", "manager"], what
    assert inspect.iscoroutinefunction(StockDialog._current_window), what
    chat = Musician(
        *make_dispatcher(make_services(db, clock, service), dialog_storage), user_id=1001, name="Asha"
    )
    await chat.send("/start")
    await chat.send("hello?")
    assert chat.bot.sent_texts()[-1] == BUTTONS_TEXT, what
    assert "Hi Asha!" in chat.text  # the menu again, below the hint
    assert issubclass(Dialog, StockDialog)


def test_a_pushed_dialog_takes_its_id_from_the_module_we_replace() -> None:
    """bot/intent_ids.py: ``Stack.push`` reads ``new_id`` through its module when called,
    so ours is used; stock ids collide once in 100 for dialogs opened in one second."""
    install_unique_intent_ids()
    state = State("probe", group_name="ProbeSG")
    pushed = {Stack().push(state, None).id for _ in range(2000)}
    assert len(pushed) == 2000  # 2,000 dialogs in one second: stock ids would repeat
    assert all(1 <= len(intent_id) <= 7 for intent_id in pushed)
    assert stock_stack.new_id is unique_intent_id
