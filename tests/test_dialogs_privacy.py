"""/privacy and Delete my data in the dialogs (aiogram-dialog's test tools, on both
dialog-state storages): the policy, the confirmation that changes nothing until Yes,
the way in from My bookings, a tampered button, an owner with rooms, and a fresh
start afterwards."""

from __future__ import annotations

from datetime import date

import pytest
from aiogram.fsm.storage.base import BaseStorage
from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram_dialog.test_tools import BotClient

from bot.middlewares.groups import place_of
from domain.booking_status import BookingStatus
from domain.start_links import PRIVACY
from domain.words import groups
from storage.booking_service import BookingService
from storage.database import Database
from storage.dialog_state import FSM_COLLECTION
from storage.models import Booking, Room, User
from storage.privacy import dialog_state_key_pattern
from tests.dialog_support import (
    Musician,
    RecordingBot,
    RecordingPayments,
    make_dispatcher,
    make_services,
    slot_keys,
)

IN_TWO_DAYS = date(2026, 11, 27)
ASHA = 1001
OWNER = 9001


@pytest.fixture
def payments() -> RecordingPayments:
    return RecordingPayments()


@pytest.fixture
def dispatcher_and_manager(
    db: Database, clock, service: BookingService, payments, dialog_storage: BaseStorage
):
    return make_dispatcher(make_services(db, clock, service, payments), dialog_storage)


@pytest.fixture
def chat(dispatcher_and_manager, room: Room) -> Musician:
    return Musician(*dispatcher_and_manager, user_id=ASHA, name="Asha")


async def paid_booking(service: BookingService, room: Room, user_id: int, *hours: int) -> Booking:
    booking = await service.create_booking(
        user_id, room.id, IN_TWO_DAYS, slot_keys(room, IN_TWO_DAYS, *hours)
    )
    paid = await service.confirm_payment(booking, {"payment_id": "pay_test"})
    assert paid is not None
    return paid


async def dialog_states_of(db: Database, telegram_id: int) -> int:
    query = {"_id": {"$regex": dialog_state_key_pattern(telegram_id)}}
    return await db.db[FSM_COLLECTION].count_documents(query)


async def test_privacy_says_what_is_kept_why_how_long_and_who_sees_it(chat: Musician) -> None:
    await chat.send("/privacy")
    for part in ("What I keep, and why", "For how long", "Who sees it", "Delete my data"):
        assert part in chat.text
    assert "The owners of a room you book: your name and a link to your Telegram chat" in chat.text
    assert "Razorpay" in chat.text
    assert "72 months" in chat.text
    assert chat.button_texts() == ["🗑 Delete my data", "‹ Back"]
    await chat.tap("‹ Back")
    assert chat.text.startswith("Hi Asha!")


async def test_the_confirmation_changes_nothing_until_yes(
    chat: Musician, service: BookingService, room: Room, user: User, payments: RecordingPayments
) -> None:
    booking = await paid_booking(service, room, user.id, 18, 19)
    await chat.send("/privacy")
    await chat.tap("🗑 Delete my data")
    assert "Your 1 booking to come will be cancelled, ₹1,600 back" in chat.text
    assert "This cannot be undone" in chat.text
    await chat.tap("No, keep my data")
    assert "What I keep, and why" in chat.text
    assert await User.get(ASHA) is not None
    assert (await service.booking(booking.id)).status is BookingStatus.NOT_STARTED
    assert payments.refunds == []


async def test_yes_cancels_refunds_erases_and_a_later_start_begins_afresh(
    chat: Musician, db: Database, service: BookingService, room: Room, user: User, payments: RecordingPayments
) -> None:
    booking = await paid_booking(service, room, user.id, 18, 19)
    await chat.send("/privacy")
    await chat.tap("🗑 Delete my data")
    await chat.tap("🗑 Yes, delete everything")

    (said,) = chat.bot.sent_texts()
    assert said.startswith("✅ Your data is deleted.")
    assert "I cancelled your 1 booking to come" in said
    assert "₹1,600 is on its way back to the account you paid from through Razorpay" in said
    cancelled = await service.booking(booking.id)
    assert cancelled.status is BookingStatus.CANCELLED
    assert cancelled.user_id != ASHA
    assert payments.refunds == [booking.code]
    assert payments.issued == [booking.code]  # the invoice, issued while the name is known
    assert await User.get(ASHA) is None
    assert await dialog_states_of(db, ASHA) == 0

    await chat.send("/start")
    assert chat.text.startswith("Hi Asha!")
    assert await User.get(ASHA) is not None
    await chat.tap("📅 My bookings")
    assert "Nothing here yet" in chat.text
    await chat.tap("Past")
    assert booking.code not in chat.text


async def test_my_bookings_leads_to_the_same_confirmation(
    chat: Musician, service: BookingService, room: Room, user: User
) -> None:
    await chat.send("/bookings")
    await chat.tap("🗑 Delete my data")
    assert "You have no bookings to come." in chat.text
    await chat.tap("🗑 Yes, delete everything")
    assert chat.bot.sent_texts()[-1].startswith("✅ Your data is deleted.")
    assert await User.get(ASHA) is None


async def test_a_tampered_yes_deletes_nothing(
    chat: Musician, service: BookingService, room: Room, user: User, payments: RecordingPayments
) -> None:
    booking = await paid_booking(service, room, user.id, 18)
    await chat.send("/privacy")
    await chat.tap("🗑 Delete my data")
    (yes,) = [b for b in chat.buttons() if b.text.startswith("🗑 Yes")]
    assert yes.callback_data is not None
    intent, _, widget = yes.callback_data.partition("\x1d")
    forged = chat.last.model_copy(
        update={
            "reply_markup": InlineKeyboardMarkup(
                inline_keyboard=[
                    [InlineKeyboardButton(text=yes.text, callback_data=f"{intent}x\x1d{widget}")]
                ]
            )
        }
    )
    await chat.tap("🗑 Yes.*", forged)
    assert await User.get(ASHA) is not None
    assert (await service.booking(booking.id)).status is BookingStatus.NOT_STARTED
    assert payments.refunds == []
    assert not any(text.startswith("✅ Your data is deleted.") for text in chat.bot.sent_texts())


async def test_deleting_twice_from_an_old_screen_finds_the_menu_gone(
    chat: Musician, user: User, payments: RecordingPayments
) -> None:
    await chat.send("/privacy")
    await chat.tap("🗑 Delete my data")
    confirmation = chat.last
    await chat.tap("🗑 Yes, delete everything")
    await chat.tap("🗑 Yes, delete everything", confirmation)
    assert len([t for t in chat.bot.sent_texts() if t.startswith("✅ Your data is deleted.")]) == 1
    assert await User.get(ASHA) is None


async def test_an_owner_with_rooms_is_told_to_ask_the_operator(dispatcher_and_manager, room: Room) -> None:
    await User(id=OWNER, first_name="Ravi", is_owner=True).insert()
    owner = Musician(*dispatcher_and_manager, user_id=OWNER, name="Ravi")
    await owner.send("/privacy")
    await owner.tap("🗑 Delete my data")
    assert "You own Bass Cave Studio here, so I can't delete your data yet" in owner.text
    assert "operator" in owner.text
    assert "🗑 Yes, delete everything" not in owner.button_texts()
    await owner.send("/bookings")
    await owner.tap("🗑 Delete my data")
    assert "You own Bass Cave Studio here" in owner.text
    assert owner.button_texts() == ["No, keep my data"]
    assert await User.get(OWNER) is not None


@pytest.mark.parametrize("command", ["/privacy", "/privacy@jamroom_bot"])
async def test_privacy_sent_in_a_group_continues_in_the_private_chat(
    dispatcher_and_manager, user: User, command: str
) -> None:
    assert place_of(command, "jamroom_bot") == PRIVACY
    bot = RecordingBot()
    group = BotClient(
        dispatcher_and_manager[0], user_id=ASHA, chat_id=-100_555, chat_type="supergroup", bot=bot
    )
    await group.send(command)
    (answer,) = [c for c in bot.calls if isinstance(c, SendMessage)]
    assert answer.text == groups.GROUP_ANSWER
    keyboard = answer.reply_markup.model_dump(exclude_none=True)["inline_keyboard"]  # type: ignore[union-attr]
    assert keyboard == [
        [{"text": groups.CONTINUE_IN_PRIVATE, "url": "https://t.me/jamroom_bot?start=privacy"}]
    ]
    assert dispatcher_and_manager[1].sent_messages == []  # nothing personal, no dialog
    assert await User.get(ASHA) is not None


async def test_the_link_from_a_group_opens_privacy(chat: Musician) -> None:
    await chat.send(f"/start {PRIVACY}")
    assert "What I keep, and why" in chat.text
