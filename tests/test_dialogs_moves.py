"""Move and Add an hour in the chat (issue 16 §2, §3): from My bookings to a new day and
slots, the difference paid with the sandbox in the chat (its signed webhook doing the
rest), a cheaper move refunded at once, an hour added in the last hour before the start;
and bad inputs (a taken slot, a forged slot, a forged Move on an unpaid booking, a move
past the free deadline) answered in words, changing nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiohttp import web

from bot.config import Settings
from bot.services import payments_config
from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from domain.ledger import PaymentPurpose
from payments.setup import PaymentSetup, build_payments
from storage.booking_service import BookingService
from storage.database import Database
from storage.embedded import free_port
from storage.models import Booking, Room, SlotClaim
from storage.outbox import OutboxMessage
from tests.conftest import make_user
from tests.dialog_support import Musician, RecordingPayments, make_dispatcher, make_services, slot_keys

THU = date(2026, 11, 26)
ASHA = 1001


@pytest.fixture
async def sandbox(db: Database, clock: ManualClock, service: BookingService) -> AsyncIterator[PaymentSetup]:
    settings = Settings(_env_file=None, bot_token="42:moves", port=free_port())  # type: ignore[call-arg]
    payments = build_payments(payments_config(settings, "jamroom_test_bot"), clock, service)
    app = web.Application()
    payments.install_routes(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", settings.port).start()
    yield payments
    await payments.service.drain()
    await runner.cleanup()


@pytest.fixture
async def asha(
    db: Database,
    clock: ManualClock,
    service: BookingService,
    room: Room,
    sandbox: PaymentSetup,
    dialog_storage: BaseStorage,
) -> Musician:
    await make_user(ASHA, "Asha")
    dispatcher, manager = make_dispatcher(make_services(db, clock, service, sandbox.service), dialog_storage)
    return Musician(dispatcher, manager, ASHA, "Asha")


@pytest.fixture
def recording() -> RecordingPayments:
    return RecordingPayments()


@pytest.fixture
async def chat(
    db: Database,
    clock: ManualClock,
    service: BookingService,
    room: Room,
    recording: RecordingPayments,
    dialog_storage: BaseStorage,
) -> Musician:
    await make_user(ASHA, "Asha")
    dispatcher, manager = make_dispatcher(make_services(db, clock, service, recording), dialog_storage)
    return Musician(dispatcher, manager, ASHA, "Asha")


async def paid(service: BookingService, room: Room, *hours: int, day: date = THU) -> Booking:
    booking = await service.create_booking(ASHA, room.id, day, slot_keys(room, day, *hours))
    confirmed = await service.confirm_payment(
        booking, {"payment_id": f"pay_{booking.code}", "amount_paid_paise": booking.amount_paise}
    )
    assert confirmed is not None
    return confirmed


async def open_booking(chat: Musician, booking: Booking) -> None:
    await chat.send("/bookings")
    await chat.tap(f"{booking.code} .*")


async def queued(chat_id: int) -> list[str]:
    found = await OutboxMessage.find(OutboxMessage.chat_id == chat_id).sort("created_at").to_list()
    return [m.attachment.split(":")[0] if m.attachment else m.text for m in found]


def forged(screen: Message, data: str) -> Message:
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="forged", callback_data=data)]])
    return screen.model_copy(update={"reply_markup": markup})


def button_data(screen: Message, widget: str) -> str:
    """Callback data for ``widget`` of the screen's dialog, made from one of its buttons."""
    real = next(
        b.callback_data
        for row in screen.reply_markup.inline_keyboard  # type: ignore[union-attr]
        for b in row
        if b.callback_data and "\x1d" in b.callback_data
    )
    return f"{real.split(chr(0x1D))[0]}\x1d{widget}"


async def everything() -> list[dict]:
    return [
        *await Booking.get_pymongo_collection().find({}).sort("_id").to_list(),
        *await SlotClaim.get_pymongo_collection().find({}).sort("_id").to_list(),
    ]


async def test_a_dearer_move_paid_in_the_chat_moves_the_session_and_tells_both_sides(
    asha: Musician, service: BookingService, room: Room, sandbox: PaymentSetup
) -> None:
    booking = await paid(service, room, 14)  # ₹600
    await open_booking(asha, booking)
    await asha.tap("🔁 Move to another time")
    assert f"Move {booking.code}" in asha.text
    assert "Moves are free until 14:00 on Wed 25 Nov (IST)" in asha.text
    await asha.tap_day(THU)
    await asha.tap_slot(slot_keys(room, THU, 18)[0])  # peak: ₹800
    await asha.tap("Review.*")
    assert "Please check the move" in asha.text
    assert "From: Thu 26 Nov 2026, 14:00–15:00" in asha.text
    assert "To: <b>Thu 26 Nov 2026, 18:00–19:00</b>" in asha.text
    assert "pay the difference of <b>₹200</b>" in asha.text
    await asha.tap("✅ Move it and pay the difference")
    assert "Pay <b>₹200</b> before" in asha.text
    still = await service.booking(booking.id)
    assert still.starts_at == booking.starts_at  # booked where it was until the money lands

    await asha.tap(r"💳 Pay ₹200 \(test\)")
    moved = await service.booking(booking.id)
    assert moved.change is None
    assert moved.slot_starts == [s.start for s in room.slots_on(THU) if s.key in slot_keys(room, THU, 18)]
    assert [p.purpose for p in moved.payments] == [PaymentPurpose.BOOKING, PaymentPurpose.MOVE]
    told = await queued(ASHA)
    assert told[0].startswith("🔁 <b>Session moved</b>")
    assert "Was: <s>Thu 26 Nov 2026, 14:00–15:00</s>" in told[0]
    assert told[1:] == ["invoice", "calendar"]
    (owner_news,) = await queued(9001)
    assert "moved from Thu 26 Nov 2026, 14:00–15:00 to <b>Thu 26 Nov 2026, 18:00–19:00</b>" in owner_news


async def test_a_cheaper_move_is_made_at_once_and_the_difference_refunded(
    chat: Musician, service: BookingService, room: Room, recording: RecordingPayments
) -> None:
    booking = await paid(service, room, 18, 19)  # ₹1,600
    await open_booking(chat, booking)
    await chat.tap("🔁 Move to another time")
    await chat.tap_day(THU)
    # The session's own 19:00 counts as free: 19:00–21:00 is one hour later.
    for key in slot_keys(room, THU, 13, 14):
        await chat.tap_slot(key)
    await chat.tap("Review.*")
    assert "<b>₹400</b> comes back to you" in chat.text
    await chat.tap("✅ Move it")
    assert "✅ Moved. ₹400 will be refunded" in chat.text
    assert f"{booking.code}" in chat.text
    assert recording.changes == [booking.code]
    assert recording.refunds == [booking.code]
    moved = await service.booking(booking.id)
    assert moved.amount_paise == 120_000


async def test_the_sessions_own_slot_counts_as_free_when_moving_an_hour_later(
    chat: Musician, service: BookingService, room: Room
) -> None:
    booking = await paid(service, room, 14, 15)
    await open_booking(chat, booking)
    await chat.tap("🔁 Move to another time")
    await chat.tap_day(THU)
    for key in slot_keys(room, THU, 15, 16):
        await chat.tap_slot(key)
    await chat.tap("Review.*")
    await chat.tap("✅ Move it")
    assert "✅ Moved." in chat.text
    claims = {c.start: c.booking_id for c in await SlotClaim.find_all().to_list()}
    assert sorted(claims) == [s.start for s in room.slots_on(THU) if s.key in slot_keys(room, THU, 15, 16)]
    assert set(claims.values()) == {str(booking.id)}


async def test_an_hour_is_added_from_my_bookings_in_the_last_hour(
    chat: Musician, service: BookingService, room: Room, clock: ManualClock
) -> None:
    booking = await paid(service, room, 14)
    await open_booking(chat, booking)
    assert not any("Add an hour" in t for t in chat.button_texts())  # too early
    clock.set(booking.starts_at - timedelta(minutes=30))
    await open_booking(chat, booking)
    await chat.tap(r"➕ Add an hour · ₹600")
    assert "Add 15:00–16:00 for <b>₹600</b>?" in chat.text
    await chat.tap("✅ Add the hour")
    assert "Add an hour to" in chat.text
    assert "💳 Pay ₹600" in chat.button_texts()
    waiting = await service.booking(booking.id)
    assert waiting.change is not None
    assert waiting.change.due_paise == 60_000
    # Back in My bookings, the waiting hour can be paid from the booking.
    await open_booking(chat, booking)
    assert "➕ Add an hour · ₹600" not in chat.button_texts()
    await chat.tap("💳 Pay for the change")
    assert "Add an hour to" in chat.text
    assert "💳 Pay ₹600" in chat.button_texts()


async def test_moving_into_a_taken_or_forged_slot_changes_nothing(
    chat: Musician, service: BookingService, room: Room
) -> None:
    booking = await paid(service, room, 14)
    band = await make_user(2002)
    await service.create_booking(band.id, room.id, THU, slot_keys(room, THU, 18))
    await open_booking(chat, booking)
    await chat.tap("🔁 Move to another time")
    await chat.tap_day(THU)
    before = await everything()
    await chat.tap_slot(slot_keys(room, THU, 18)[0])
    assert chat.bot.alerts()[-1] == "18:00–19:00 can't be booked: it is booked."
    screen = chat.last
    real = button_data(screen, "slots")
    await chat.tap("forged", forged(screen, f"{real}:not-a-slot"))
    assert chat.bot.alerts()[-1] == "That slot is not on this day's list any more."
    assert await everything() == before


async def test_a_forged_move_on_an_unpaid_booking_is_refused(
    chat: Musician, service: BookingService, room: Room
) -> None:
    held = await service.create_booking(ASHA, room.id, THU, slot_keys(room, THU, 14))
    await open_booking(chat, held)
    assert "🔁 Move to another time" not in chat.button_texts()
    before = await everything()
    await chat.tap("forged", forged(chat.last, button_data(chat.last, "move")))
    assert chat.bot.alerts()[-1].startswith("Only a paid booking can be moved")
    assert await everything() == before
    assert (await service.booking(held.id)).status is BookingStatus.PENDING_PAYMENT


async def test_a_move_after_the_free_deadline_is_refused_naming_it(
    chat: Musician, service: BookingService, room: Room, clock: ManualClock
) -> None:
    booking = await paid(service, room, 14)
    clock.set(booking.starts_at - timedelta(hours=5))
    await open_booking(chat, booking)
    before = await everything()
    await chat.tap("🔁 Move to another time")
    assert "moved until 14:00 on Wed 25 Nov (IST)" in chat.bot.alerts()[-1]
    assert await everything() == before
