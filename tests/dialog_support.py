"""Driving the real dispatcher (build_dispatcher) with aiogram-dialog's test tools.

Every dialog test runs twice, through the ``dialog_storage`` fixture: on aiogram-dialog's
JsonMemoryStorage (it catches dialog data that is not JSON), and on the dialog-state
storage ``python -m bot`` runs in long polling (MongoDB, with the speed-ups the suite
runs under: state read from memory, an update's writes batched).

``Musician`` is one user's chat: it sends text and taps buttons through BotClient and
reads what the dialogs showed (MockMessageManager) and what the handlers sent
directly through the bot (RecordingBot: alerts, venues, plain answers).

Both apply Telegram's rules (``tests.fakes.bot_api_rules``) to every message and
keyboard they record, and refuse what Telegram refuses with the error aiogram raises
for Telegram's 400 answer, so a dialog test cannot pass with a screen Telegram would
not show."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from itertools import count
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.enums import ContentType
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.storage.base import BaseStorage
from aiogram.methods import (
    AnswerCallbackQuery,
    AnswerInlineQuery,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendVenue,
    TelegramMethod,
)
from aiogram.types import Chat, InlineKeyboardButton, Message, PhotoSize, Update
from aiogram.types import User as TelegramUser
from aiogram_dialog.api.entities import NewMessage, OldMessage
from aiogram_dialog.test_tools import BotClient, MockMessageManager
from aiogram_dialog.test_tools.bot_client import FakeBot
from aiogram_dialog.test_tools.keyboard import InlineButtonDataLocator, InlineButtonTextLocator
from aiogram_dialog.test_tools.memory_storage import JsonMemoryStorage
from aiogram_dialog.widgets.kbd.calendar_kbd import raw_from_date
from pydantic import BaseModel

from bot.config import Settings
from bot.dispatcher import FSM_COLLECTION, build_dispatcher, mongo_fsm_storage
from bot.perf import Speedups
from bot.services import Payments, Services
from domain.clock import Clock
from domain.slots import slot_key
from jobs.delivery import RateLimits
from jobs.live_screens import SlotScreenRedraws
from payments.gateway import PaymentGateway
from payments.service import PaymentLinkView
from storage.booking_service import BookingService
from storage.database import Database, make_client
from storage.models import Booking, Room, User
from tests.fakes.bot_api_rules import refusal

BOT_PARSE_MODE = "HTML"
"""The bot's default parse mode (``python -m bot`` sets it): what Telegram reads a
text with when the call names none."""


def check_telegram_rules(method: TelegramMethod[Any]) -> None:
    """Raise what aiogram raises when Telegram refuses ``method``; nothing when Telegram
    accepts it."""
    markup = getattr(method, "reply_markup", None)
    parse_mode = getattr(method, "parse_mode", None)
    fields = {
        "text": getattr(method, "text", None),
        "caption": getattr(method, "caption", None),
        "parse_mode": parse_mode if isinstance(parse_mode, str) else BOT_PARSE_MODE,
        "reply_markup": markup.model_dump(exclude_none=True) if isinstance(markup, BaseModel) else None,
    }
    if isinstance(method, AnswerInlineQuery):
        fields["results"] = [result.model_dump(exclude_none=True) for result in method.results]
        fields["button"] = method.button.model_dump(exclude_none=True) if method.button else None
    why = refusal(method.__api_method__, fields)
    if why is not None:
        raise TelegramBadRequest(method=method, message=why)


class RuleKeepingMessageManager(MockMessageManager):
    """aiogram-dialog's MockMessageManager that refuses a screen Telegram would refuse,
    as Telegram would, before recording it."""

    async def show_message(
        self, bot: Bot, new_message: NewMessage, old_message: OldMessage | None
    ) -> OldMessage:
        check_telegram_rules(as_bot_api_call(new_message))
        return await super().show_message(bot, new_message, old_message)


def as_bot_api_call(screen: NewMessage) -> TelegramMethod[Any]:
    """The Bot API call that sends a dialog's screen: a message, or a document or photo
    whose caption is the screen's text."""
    common: dict[str, Any] = {"chat_id": screen.chat.id, "reply_markup": screen.reply_markup}
    if screen.parse_mode is not None:
        common["parse_mode"] = screen.parse_mode
    if screen.media is None:
        return SendMessage(text=screen.text or "", **common)
    attached = screen.media.file_id.file_id if screen.media.file_id else "attach://file"
    if screen.media.type == ContentType.PHOTO:
        return SendPhoto(photo=attached, caption=screen.text, **common)
    return SendDocument(document=attached, caption=screen.text, **common)


class RecordingBot(FakeBot):
    """FakeBot that records what handlers send through the bot and answers plausibly,
    refusing what Telegram refuses."""

    def __init__(self) -> None:
        self.calls: list[TelegramMethod[Any]] = []
        self._message_id = 10_000

    async def __call__(self, method: TelegramMethod[Any], request_timeout: int | None = None) -> Any:
        check_telegram_rules(method)
        self.calls.append(method)
        if isinstance(method, AnswerCallbackQuery):
            return True
        if isinstance(method, SendMessage | SendVenue):
            self._message_id += 1
            return Message(
                message_id=self._message_id,
                date=datetime.now(UTC),
                chat=Chat(id=int(method.chat_id), type="private"),
                text=getattr(method, "text", None),
            )
        return True

    def alerts(self) -> list[str]:
        return [c.text or "" for c in self.calls if isinstance(c, AnswerCallbackQuery) and c.text]

    def sent_texts(self) -> list[str]:
        return [c.text for c in self.calls if isinstance(c, SendMessage)]

    def venues(self) -> list[SendVenue]:
        return [c for c in self.calls if isinstance(c, SendVenue)]


@dataclass
class RecordingPayments:
    """The bot's ``Payments`` as the dialogs use it, recording calls. It hands out a link
    and never marks anything paid; there is no gateway, so no test payments either."""

    base_url: str = "https://pay.example/l"
    refunds: list[str] = field(default_factory=list)
    invoices: list[str] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)

    @property
    def gateway(self) -> PaymentGateway | None:
        return None

    async def ensure_payment_link(self, booking: Booking, room: Room, user: User) -> PaymentLinkView:
        url = f"{self.base_url}/{booking.code}"
        await Booking.get_pymongo_collection().update_one(
            {"_id": booking.id}, {"$set": {"payment": {"link_url": url}}}
        )
        return PaymentLinkView(
            url=url, amount_paise=booking.amount_paise, hold_expires_at=booking.hold_expires_at
        )

    async def refund_due(self, booking: Booking) -> str:
        self.refunds.append(booking.code)
        return "recorded"

    async def send_invoice(self, booking: Booking) -> bool:
        self.invoices.append(booking.code)
        return True

    async def issue_invoice(self, booking: Booking) -> None:
        self.issued.append(booking.code)

    async def ensure_change_link(self, booking: Booking, room: Room, user: User) -> PaymentLinkView:
        change = booking.change
        assert change is not None
        url = f"{self.base_url}/{change.reference}"
        await Booking.get_pymongo_collection().update_one(
            {"_id": booking.id}, {"$set": {"change.link_url": url}}
        )
        return PaymentLinkView(
            url=url, amount_paise=change.due_paise, hold_expires_at=booking.hold_expires_at
        )

    async def announce_change(
        self, before: Booking, after: Booking, room: Room, refund_paise: int = 0
    ) -> None:
        self.changes.append(after.code)


def make_services(
    database: Database,
    clock: Clock,
    service: BookingService,
    payments: Payments | None = None,
    *,
    settings: Settings | None = None,
    bot_username: str = "jamroom_bot",
) -> Services:
    """The services as ``python -m bot`` builds them (bot/app.py), from this test's parts."""
    return Services(
        settings=settings or Settings(_env_file=None),  # type: ignore[call-arg]
        clock=clock,
        bookings=service,
        database=database,
        payments=payments,
        bot_username=bot_username,
    )


DIALOG_STATE_STORAGES = ("memory", "mongodb")


@pytest.fixture(params=DIALOG_STATE_STORAGES)
async def dialog_storage(request: pytest.FixtureRequest, db: Database) -> AsyncIterator[BaseStorage]:
    """Where a dialog test's dialog state lives: ``memory``, aiogram-dialog's
    JsonMemoryStorage; ``mongodb``, the storage ``python -m bot`` builds for long
    polling (bot/app.py), on a client of its own, emptied first."""
    if request.param == "memory":
        yield JsonMemoryStorage()
        return
    await db.db[FSM_COLLECTION].delete_many({})
    client = make_client(db.uri)
    speedups = Speedups.from_setting(Settings(_env_file=None).speedups)  # type: ignore[call-arg]
    yield mongo_fsm_storage(client, db.db.name, speedups, single_process=True)
    await client.close()


def make_dispatcher(
    services: Services, storage: BaseStorage, *, throttle: bool = False
) -> tuple[Dispatcher, RuleKeepingMessageManager]:
    """The real dispatcher with a mock message manager, keeping dialog state in
    ``storage`` (the ``dialog_storage`` fixture's, unless the test is about another).
    Throttling is relaxed unless asked for, since a test taps far faster than a person."""
    manager = RuleKeepingMessageManager()
    dispatcher = build_dispatcher(services, storage, message_manager=manager)
    if not throttle:
        dispatcher["throttle"].rate = dispatcher["throttle"].burst = 10_000
    return dispatcher, manager


class Musician:
    """One musician's private chat with the bot."""

    def __init__(self, dispatcher: Dispatcher, manager: MockMessageManager, user_id: int, name: str) -> None:
        self.bot = RecordingBot()
        self.client = BotClient(dispatcher, user_id=user_id, chat_id=user_id, bot=self.bot)
        self.client.user = TelegramUser(id=user_id, is_bot=False, first_name=name)
        self.manager = manager
        self.user_id = user_id
        # Ids of the updates and messages sent here, apart from BotClient's own.
        self._ids = count(1_000_000)

    @property
    def last(self) -> Message:
        """The latest dialog message shown in this chat."""
        mine = [m for m in self.manager.sent_messages if m.chat.id == self.user_id and (m.text or m.caption)]
        return mine[-1]

    @property
    def text(self) -> str:
        return self.last.text or self.last.caption or ""

    async def _after_the_answer(self) -> None:
        """What the bot started after answering (freed slots offered, open screens
        marked): done before the test looks, as it is a moment later in a real chat."""
        await self.client.dp["booking_service"].aftermath.drain()

    async def send(self, text: str) -> None:
        await self.client.send(text)
        await self._after_the_answer()

    async def send_photo(self, file_id: str) -> None:
        """A photo, as Telegram delivers one: BotClient sends only text."""
        message = Message(
            message_id=next(self._ids),
            date=datetime.now(UTC),
            chat=self.client.chat,
            from_user=self.client.user,
            photo=[PhotoSize(file_id=file_id, file_unique_id=file_id, width=800, height=600)],
        )
        await self.client.dp.feed_update(self.client.bot, Update(update_id=next(self._ids), message=message))
        await self._after_the_answer()

    async def tap(self, label: str, message: Message | None = None) -> None:
        """Tap the button whose text matches the regex ``label``."""
        await self.client.click(message or self.last, InlineButtonTextLocator(label))
        await self._after_the_answer()

    async def tap_data(self, pattern: str, message: Message | None = None) -> None:
        await self.client.click(message or self.last, InlineButtonDataLocator(pattern))
        await self._after_the_answer()

    async def tap_day(self, day: date) -> None:
        await self.tap_data(rf".*calendar:{raw_from_date(day)}")

    async def tap_slot(self, key: str) -> None:
        await self.tap_data(rf".*slots:{re.escape(key)}")

    def buttons(self, message: Message | None = None) -> list[InlineKeyboardButton]:
        markup = (message or self.last).reply_markup
        return [b for row in markup.inline_keyboard for b in row] if markup else []

    def button_texts(self, message: Message | None = None) -> list[str]:
        return [b.text for b in self.buttons(message)]


async def open_day(chat: Musician, day: date) -> None:
    """/start → Find a room → Bengaluru → Bass Cave Studio → Book → ``day``: the slots."""
    await chat.send("/start")
    await chat.tap("🎸 Find a room")
    await chat.tap("Bengaluru.*")
    await chat.tap("Bass Cave Studio.*")
    await chat.tap("📅 Book")
    await chat.tap_day(day)


async def confirm_slots(chat: Musician, room: Room, day: date, *hours: int) -> Message:
    """From the room's share link: Book → ``day`` → the slots at ``hours`` → Review →
    Confirm; the screen that follows (the pay screen, or a refusal)."""
    await chat.send(f"/start room_{room.slug}")
    await chat.tap("📅 Book")
    await chat.tap_day(day)
    for key in slot_keys(room, day, *hours):
        await chat.tap_slot(key)
    await chat.tap("Review.*")
    await chat.tap("✅ Confirm")
    return chat.last


def slot_keys(room: Room, day: date, *hours: int) -> list[str]:
    return [slot_key(datetime.combine(day, time(h), tzinfo=room.zone).astimezone(UTC)) for h in hours]


class RedrawsAfterTheAnswer(SlotScreenRedraws):
    """The live-screen job's pass as it runs in the bot, a moment after a change: once
    the marks the change left for after its answer (``BookingService.aftermath``) are
    made. Without this a pass could run first and find nothing due."""

    async def redraw_due(self, limits: RateLimits) -> int:
        await self.bookings.aftermath.drain()
        return await super().redraw_due(limits)
