"""My bookings: list, details, cancel with the refund preview, invoice again, and no
way to reach another musician's booking."""

from __future__ import annotations

from datetime import date

import pytest
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import InlineKeyboardMarkup, Message

from domain.booking_status import BookingStatus
from storage.booking_service import BookingService
from storage.database import Database
from storage.models import Booking, Room, User
from tests.conftest import make_user
from tests.dialog_support import Musician, RecordingPayments, make_dispatcher, make_services, slot_keys

IN_TWO_DAYS = date(2026, 11, 27)  # Friday


@pytest.fixture
def payments() -> RecordingPayments:
    return RecordingPayments()


@pytest.fixture
def chat(
    db: Database, clock, service: BookingService, room: Room, payments, dialog_storage: BaseStorage
) -> Musician:
    dispatcher, manager = make_dispatcher(make_services(db, clock, service, payments), dialog_storage)
    return Musician(dispatcher, manager, user_id=1001, name="Asha")


async def paid_booking(service: BookingService, room: Room, user_id: int, day: date, *hours: int) -> Booking:
    booking = await service.create_booking(user_id, room.id, day, slot_keys(room, day, *hours))
    paid = await service.confirm_payment(booking, {"payment_id": "pay_test"})
    assert paid is not None
    return paid


async def open_booking(chat: Musician, booking: Booking) -> None:
    await chat.send("/bookings")
    await chat.tap(f"{booking.code} .*")


async def test_list_shows_code_room_date_slots_amount_and_status(
    chat: Musician, service: BookingService, room: Room, user: User
) -> None:
    booking = await paid_booking(service, room, user.id, IN_TWO_DAYS, 18, 19)
    await chat.send("/bookings")
    assert "Your upcoming bookings" in chat.text
    assert f"<b>{booking.code}</b> · Bass Cave Studio" in chat.text
    assert "Fri 27 Nov 2026, 18:00–20:00 (2 slots) · ₹1,600 · confirmed" in chat.text
    await chat.tap("Past")
    assert "Your past bookings" in chat.text
    assert "Nothing here yet" in chat.text


async def test_cancel_shows_the_refund_first_and_then_cancels(
    chat: Musician, service: BookingService, room: Room, user: User, payments: RecordingPayments
) -> None:
    booking = await paid_booking(service, room, user.id, IN_TWO_DAYS, 18, 19)
    await open_booking(chat, booking)
    assert "Status: <b>confirmed</b>" in chat.text
    await chat.tap("✖ Cancel this booking")
    assert "you get <b>₹1,600</b> back (100% of ₹1,600)" in chat.text
    await chat.tap("No, keep it")
    assert (await Booking.get(booking.id)).status is BookingStatus.NOT_STARTED  # type: ignore[union-attr]
    await chat.tap("✖ Cancel this booking")
    await chat.tap("Yes, cancel it")
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert stored.status is BookingStatus.CANCELLED
    assert "✅ Cancelled. ₹1,600 will be refunded" in chat.text
    assert "Status: <b>cancelled</b>" in chat.text
    assert "✖ Cancel this booking" not in chat.button_texts()
    assert payments.refunds == [booking.code]


async def test_late_cancel_previews_the_smaller_refund(
    chat: Musician, service: BookingService, room: Room, user: User, clock
) -> None:
    booking = await paid_booking(service, room, user.id, IN_TWO_DAYS, 18)
    clock.advance(hours=2 * 24 - 10)  # 8 h before the 18:00 IST session
    await open_booking(chat, booking)
    await chat.tap("✖ Cancel this booking")
    assert "you get <b>₹400</b> back (50% of ₹800)" in chat.text


async def test_unpaid_hold_cancel_releases_the_slots(
    chat: Musician, service: BookingService, room: Room, user: User
) -> None:
    booking = await service.create_booking(user.id, room.id, IN_TWO_DAYS, slot_keys(room, IN_TWO_DAYS, 12))
    await open_booking(chat, booking)
    assert "waiting for payment" in chat.text
    await chat.tap("✖ Cancel this booking")
    assert "Nothing has been paid yet" in chat.text
    await chat.tap("Yes, cancel it")
    offers = {o.slot.key: o.bookable for o in await service.offers(room, IN_TWO_DAYS)}
    assert offers[slot_keys(room, IN_TWO_DAYS, 12)[0]] is True


async def test_invoice_can_be_sent_again_for_a_paid_booking(
    chat: Musician, service: BookingService, room: Room, user: User, payments: RecordingPayments
) -> None:
    booking = await paid_booking(service, room, user.id, IN_TWO_DAYS, 11)
    await open_booking(chat, booking)
    await chat.tap("📄 Send the invoice again")
    assert payments.invoices == [booking.code]
    assert chat.bot.alerts()[-1] == "I'll send the invoice here in a moment."


def forged(message: Message, old: str, new: str) -> Message:
    """The message as a tampering client would present it: ``old`` swapped for ``new``
    in every button's callback data."""
    markup = message.reply_markup
    assert isinstance(markup, InlineKeyboardMarkup)
    rows = [
        [
            button.model_copy(update={"callback_data": (button.callback_data or "").replace(old, new)})
            if button.callback_data
            else button
            for button in row
        ]
        for row in markup.inline_keyboard
    ]
    return message.model_copy(update={"reply_markup": InlineKeyboardMarkup(inline_keyboard=rows)})


async def test_another_musicians_booking_cannot_be_opened_or_cancelled(
    chat: Musician, service: BookingService, room: Room, user: User
) -> None:
    mine = await paid_booking(service, room, user.id, IN_TWO_DAYS, 11)
    rival = await make_user(2002, "Ravi")
    theirs = await paid_booking(service, room, rival.id, IN_TWO_DAYS, 15)
    await chat.send("/bookings")

    await chat.tap(f"{mine.code} .*", forged(chat.last, str(mine.id), str(theirs.id)))

    assert chat.bot.alerts()[-1] == "I could not find that booking among yours."
    assert theirs.code not in chat.text
    stored = await Booking.get(theirs.id)
    assert stored is not None
    assert stored.status is BookingStatus.NOT_STARTED
    await chat.tap(f"{mine.code} .*")  # the untampered button still works
    assert f"<b>Booking {mine.code}</b>" in chat.text
