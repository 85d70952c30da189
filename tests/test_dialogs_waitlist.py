"""The waitlist in the chat, through the real dispatcher: 🔔 on a taken slot and after a
choice lost slots, 🔔 My waits in My bookings, and an offer's buttons (Confirm & Pay,
No thanks), with tampered, lapsed and someone else's taps."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message

from domain.booking_status import BookingStatus
from domain.waitlist import MAX_OPEN_WAITS, OFFER_WINDOW
from storage.booking_service import BookingService
from storage.database import Database
from storage.models import Booking, Room, SlotClaim, User, claim_id
from storage.outbox import OutboxMessage
from storage.waitlist import waits_of
from tests.conftest import make_user
from tests.dialog_support import (
    Musician,
    RecordingPayments,
    make_dispatcher,
    make_services,
    open_day,
    slot_keys,
)

TOMORROW = date(2026, 11, 26)  # Thursday, Bass Cave open 10:00–22:00 IST


@pytest.fixture
def world(db: Database, clock, service: BookingService, room: Room, dialog_storage: BaseStorage):
    dispatcher, manager = make_dispatcher(
        make_services(db, clock, service, RecordingPayments()), dialog_storage
    )
    return dispatcher, manager


@pytest.fixture
def chat(world) -> Musician:
    return Musician(*world, user_id=1001, name="Asha")


@pytest.fixture
def other_chat(world) -> Musician:
    return Musician(*world, user_id=1002, name="Bela")


@pytest.fixture
async def rival(db) -> User:
    return await make_user(2002, "Ravi")


def offer_message(stored: OutboxMessage) -> Message:
    """The offer as Telegram shows it in the musician's chat, with its buttons."""
    return Message(
        message_id=99_000,
        date=datetime.now(UTC),
        chat=Chat(id=stored.chat_id, type="private"),
        text=stored.text,
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(**b) for b in row] for row in stored.buttons]
        ),
    )


async def the_offer_to(user_id: int) -> OutboxMessage:
    (offer,) = [
        m
        for m in await OutboxMessage.find(OutboxMessage.chat_id == user_id).to_list()
        if m.dedupe_key.startswith("offer:")
    ]
    return offer


async def test_a_taken_slot_offers_to_wait_and_the_screen_marks_the_wait(
    chat: Musician, room: Room, service: BookingService, rival: User
) -> None:
    taken = slot_keys(room, TOMORROW, 12)
    await service.create_booking(rival.id, room.id, TOMORROW, taken)
    await open_day(chat, TOMORROW)
    assert "🔔 Tell me if it frees" not in chat.button_texts()

    await chat.tap_slot(taken[0])
    assert "can't be booked: it is booked" in chat.bot.alerts()[-1]
    assert "Tap below and I'll tell you the moment it frees" in chat.text
    await chat.tap("🔔 Tell me if it frees")

    assert "I'll tell you if 12:00–13:00 frees up" in chat.text
    assert "🔔 12:00–13:00 · booked" in chat.button_texts()
    assert "🔔 Tell me if it frees" not in chat.button_texts()
    (wait,) = await waits_of(1001)
    assert wait.claim_id == claim_id(room.id, taken[0])


async def test_a_musician_who_waits_for_nothing_has_their_waits_read_once_per_dialog(
    chat: Musician, room: Room, service: BookingService, rival: User
) -> None:
    """Waits are made only by 🔔 in this dialog, so once it has seen the musician wait for
    nothing it reads no waits for the next screens (a wait made behind its back, here
    straight through the service, is not looked for) until 🔔 makes one."""
    noon, one = slot_keys(room, TOMORROW, 12, 13)
    await service.create_booking(rival.id, room.id, TOMORROW, [noon, one])
    await open_day(chat, TOMORROW)
    await service.wait_for_slots(1001, room.id, TOMORROW, [one])

    await chat.tap_slot(slot_keys(room, TOMORROW, 17)[0])
    assert "✕ 13:00–14:00 · booked" in chat.button_texts()  # not read: no 🔔 mark

    await chat.tap_slot(noon)
    await chat.tap("🔔 Tell me if it frees")
    assert {"🔔 12:00–13:00 · booked", "🔔 13:00–14:00 · booked"} <= set(chat.button_texts())


async def test_a_choice_that_lost_a_slot_at_confirm_offers_to_wait_for_it(
    chat: Musician, room: Room, service: BookingService, rival: User
) -> None:
    mine, contested = slot_keys(room, TOMORROW, 17, 18)
    await open_day(chat, TOMORROW)
    await chat.tap_slot(mine)
    await chat.tap_slot(contested)
    await chat.tap("Review.*")
    await service.create_booking(rival.id, room.id, TOMORROW, [contested])

    await chat.tap("✅ Confirm")
    assert "18:00 was just taken" in chat.text
    await chat.tap("🔔 Tell me if it frees")

    assert "I'll tell you if 18:00–19:00 frees up" in chat.text
    assert [w.slot.key for w in await waits_of(1001)] == [contested]
    assert "✅ 17:00–18:00 · ₹600" in chat.button_texts()  # the rest of the choice stays


async def test_my_waits_lists_the_waits_and_drops_one(
    chat: Musician, room: Room, service: BookingService, rival: User
) -> None:
    keys = slot_keys(room, TOMORROW, 12, 13)
    await service.create_booking(rival.id, room.id, TOMORROW, keys)
    await chat.send("/start")
    await service.wait_for_slots(1001, room.id, TOMORROW, keys)

    await chat.tap("📅 My bookings")
    await chat.tap(r"🔔 My waits \(2\)")
    assert "Bass Cave Studio · Thu 26 Nov 2026, 12:00–13:00" in chat.text
    assert "Bass Cave Studio · Thu 26 Nov 2026, 13:00–14:00" in chat.text
    await chat.tap("✖ 12:00–13:00 · 26 Nov")

    assert "I stopped waiting for that slot" in chat.text
    assert [w.slot.key for w in await waits_of(1001)] == [keys[1]]
    assert "✖ 12:00–13:00 · 26 Nov" not in chat.button_texts()


async def test_an_offer_in_the_chat_books_the_slot_and_opens_its_pay_screen(
    chat: Musician, room: Room, service: BookingService, rival: User
) -> None:
    taken = slot_keys(room, TOMORROW, 18)
    booking = await service.create_booking(rival.id, room.id, TOMORROW, taken)
    await chat.send("/start")
    await service.wait_for_slots(1001, room.id, TOMORROW, taken)
    await service.cancel_by_musician(booking.id, rival.id)
    await service.aftermath.drain()  # the offer follows the answer
    offer = await the_offer_to(1001)

    await chat.tap("✅ Confirm & Pay", offer_message(offer))

    mine = await Booking.find_one(Booking.user_id == 1001)
    assert mine is not None
    assert mine.status is BookingStatus.PENDING_PAYMENT
    assert f"Booking {mine.code}" in chat.text
    assert "18:00–19:00" in chat.text
    assert "💳 Pay ₹800" in chat.button_texts()
    assert await waits_of(1001) == []


async def test_an_offer_can_be_paid_from_my_waits_too(
    chat: Musician, room: Room, service: BookingService, rival: User
) -> None:
    taken = slot_keys(room, TOMORROW, 18)
    booking = await service.create_booking(rival.id, room.id, TOMORROW, taken)
    await chat.send("/start")
    await service.wait_for_slots(1001, room.id, TOMORROW, taken)
    await service.cancel_by_musician(booking.id, rival.id)
    await service.aftermath.drain()

    await chat.tap("📅 My bookings")
    await chat.tap(r"🔔 My waits \(1\)")
    assert "Free and held for you until 10:10 on Wed 25 Nov (IST)" in chat.text
    await chat.tap("✅ Pay for 18:00–19:00 · 26 Nov")

    mine = await Booking.find_one(Booking.user_id == 1001)
    assert mine is not None
    assert f"Booking {mine.code}" in chat.text


async def test_declining_an_offer_passes_it_on(
    chat: Musician, other_chat: Musician, room: Room, service: BookingService, rival: User
) -> None:
    taken = slot_keys(room, TOMORROW, 18)
    booking = await service.create_booking(rival.id, room.id, TOMORROW, taken)
    await chat.send("/start")
    await other_chat.send("/start")
    await service.wait_for_slots(1001, room.id, TOMORROW, taken)
    await service.wait_for_slots(1002, room.id, TOMORROW, taken)
    await service.cancel_by_musician(booking.id, rival.id)
    await service.aftermath.drain()

    await chat.tap("✖ No thanks.*", offer_message(await the_offer_to(1001)))

    assert chat.bot.alerts()[-1] == "Okay, I passed it on to the next musician waiting."
    claim = await SlotClaim.get(claim_id(room.id, taken[0]))
    assert claim is not None
    assert claim.created_by == 1002
    await the_offer_to(1002)


async def test_a_lapsed_or_someone_elses_or_a_tampered_offer_books_nothing(
    chat: Musician, other_chat: Musician, clock, room: Room, service: BookingService, rival: User
) -> None:
    taken = slot_keys(room, TOMORROW, 18)
    booking = await service.create_booking(rival.id, room.id, TOMORROW, taken)
    await chat.send("/start")
    await other_chat.send("/start")
    await service.wait_for_slots(1001, room.id, TOMORROW, taken)
    await service.cancel_by_musician(booking.id, rival.id)
    await service.aftermath.drain()
    offer = offer_message(await the_offer_to(1001))

    await other_chat.tap("✅ Confirm & Pay", offer)  # forwarded, or its data replayed
    assert other_chat.bot.alerts()[-1] == "This offer is not yours, so nothing was booked."
    await other_chat.tap("✖ No thanks.*", offer)
    assert other_chat.bot.alerts()[-1] == "This offer is not yours, so nothing was booked."

    tampered = offer.model_copy(
        update={
            "reply_markup": InlineKeyboardMarkup(
                inline_keyboard=[
                    [InlineKeyboardButton(text="✅ Confirm & Pay", callback_data="wl:pay:" + "z" * 24)]
                ]
            )
        }
    )
    await chat.tap("✅ Confirm & Pay", tampered)
    assert "this offer has lapsed or was already used" in chat.bot.alerts()[-1]

    clock.set(clock.now() + OFFER_WINDOW)
    await service.waitlist.tick()
    await chat.tap("✅ Confirm & Pay", offer)
    assert "this offer has lapsed or was already used" in chat.bot.alerts()[-1]
    assert await Booking.find({"user_id": {"$in": [1001, 1002]}}).count() == 0


async def test_a_tampered_slot_tap_waits_for_nothing(
    chat: Musician, room: Room, service: BookingService, rival: User
) -> None:
    saturday = slot_keys(room, date(2026, 11, 28), 12)
    await service.create_booking(rival.id, room.id, date(2026, 11, 28), saturday)
    await open_day(chat, TOMORROW)
    real = next(b.callback_data for b in chat.buttons() if b.callback_data and "slots:" in b.callback_data)
    forged = real.rsplit(":", 1)[0] + ":" + saturday[0]  # Saturday's taken slot, on Thursday's screen
    screen = chat.last.model_copy(
        update={
            "reply_markup": InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="forged", callback_data=forged)]]
            )
        }
    )

    await chat.tap("forged", screen)

    assert chat.bot.alerts()[-1] == "That slot is not on this day's list any more."
    assert "🔔 Tell me if it frees" not in chat.button_texts()
    assert await waits_of(1001) == []


async def test_an_eleventh_wait_is_refused_on_the_screen(
    chat: Musician, room: Room, service: BookingService, rival: User
) -> None:
    keys = slot_keys(room, TOMORROW, *range(10, 21))
    await service.block_slots(room, TOMORROW, keys, owner_id=9001)
    await open_day(chat, TOMORROW)
    await service.wait_for_slots(1001, room.id, TOMORROW, keys[:MAX_OPEN_WAITS])

    await chat.tap_slot(keys[MAX_OPEN_WAITS])
    await chat.tap("🔔 Tell me if it frees")

    assert "You already wait for 10 slots, the most at once" in chat.text
    assert len(await waits_of(1001)) == MAX_OPEN_WAITS
