"""Repeat weekly, in the chat: from the review screen to a number of weeks, the weeks
that can be had (the others named), one confirm and one payment; then one week cancelled
from My bookings and refunded by its own date, the other weeks untouched. Paid with the
sandbox gateway in the chat, its refund coming back through the signed webhook; bad
inputs (tampered week counts, a closed week, one that went meanwhile) change nothing."""

from __future__ import annotations

import re
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
from domain.refund_status import RefundStatus
from payments.sandbox import SandboxGateway
from payments.setup import PaymentSetup, build_payments
from storage.booking_service import BookingService
from storage.database import Database
from storage.embedded import free_port
from storage.holds import HoldClaim
from storage.models import Booking, Room, SlotClaim
from storage.outbox import OutboxMessage
from storage.payment_events import PaymentEvent
from storage.series import series_weeks
from tests.conftest import make_user
from tests.dialog_support import Musician, RecordingPayments, make_dispatcher, make_services, slot_keys

THURSDAY = date(2026, 11, 26)  # Bass Cave, 20:00–22:00 at ₹800 an hour (peak)
ASHA = 1001


def thursday(week: int) -> date:
    return THURSDAY + timedelta(weeks=week)


async def to_review(chat: Musician, room: Room, *hours: int) -> None:
    await chat.send("/start room_bass-cave-indiranagar")
    await chat.tap("📅 Book")
    await chat.tap_day(THURSDAY)
    for key in slot_keys(room, THURSDAY, *hours):
        await chat.tap_slot(key)
    await chat.tap("Review.*")


async def to_weeks(chat: Musician, room: Room, weeks: int, *hours: int) -> None:
    await to_review(chat, room, *hours)
    await chat.tap("🔁 Repeat weekly")
    await chat.tap(f"{weeks} weeks")


def forged(screen: Message, data: str) -> Message:
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="forged", callback_data=data)]])
    return screen.model_copy(update={"reply_markup": markup})


def with_item(screen: Message, widget: str, item: str) -> str:
    """The screen's own callback data for ``widget``, pointing at ``item`` instead."""
    real = next(
        b.callback_data
        for row in screen.reply_markup.inline_keyboard  # type: ignore[union-attr]
        for b in row
        if b.callback_data and f"\x1d{widget}:" in b.callback_data
    )
    return re.sub(rf"\x1d{widget}:.*$", f"\x1d{widget}:{item}", real)


async def everything() -> dict[str, list[dict]]:
    return {
        "bookings": await Booking.get_pymongo_collection().find({}).sort("_id").to_list(),
        "claims": await SlotClaim.get_pymongo_collection().find({}).sort("_id").to_list(),
        "holds": await HoldClaim.get_pymongo_collection().find({}).sort("_id").to_list(),
    }


# ---- paid with the sandbox, in the chat ---------------------------------------------------


@pytest.fixture
async def sandbox(db: Database, clock: ManualClock, service: BookingService) -> AsyncIterator[PaymentSetup]:
    """The README's configuration: a token, no Razorpay keys, no PUBLIC_BASE_URL; the web
    routes served where the sandbox sends its signed webhooks."""
    settings = Settings(_env_file=None, bot_token="42:first-run", port=free_port())  # type: ignore[call-arg]
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
def asha(
    db: Database,
    clock: ManualClock,
    service: BookingService,
    room: Room,
    sandbox: PaymentSetup,
    dialog_storage: BaseStorage,
) -> Musician:
    dispatcher, manager = make_dispatcher(make_services(db, clock, service, sandbox.service), dialog_storage)
    return Musician(dispatcher, manager, ASHA, "Asha")


async def queued(chat_id: int) -> list[str]:
    found = await OutboxMessage.find(OutboxMessage.chat_id == chat_id).sort("created_at").to_list()
    return [m.attachment.split(":")[0] if m.attachment else m.text for m in found]


async def test_a_weekly_booking_paid_in_the_chat_then_one_week_cancelled_and_refunded(
    asha: Musician, room: Room, clock: ManualClock, sandbox: PaymentSetup
) -> None:
    await to_review(asha, room, 20, 21)
    await asha.tap("🔁 Repeat weekly")
    assert "For how many weeks?" in asha.text
    assert "Thursdays, 20:00–22:00" in asha.text
    assert asha.button_texts()[:11] == [f"{n} weeks" for n in range(2, 13)]
    await asha.tap("4 weeks")
    assert "Please check your weekly booking" in asha.text
    for n in range(4):
        assert f"✅ {thursday(n):%a %d %b %Y} — ₹1,600" in asha.text
    assert "Total for 4 weeks: <b>₹6,400</b>" in asha.text
    await asha.tap(r"✅ Confirm 4 weeks · ₹6,400")

    weeks = await Booking.find(Booking.user_id == ASHA).sort("day").to_list()
    assert len(weeks) == 4
    code = weeks[0].series.code if weeks[0].series else ""
    assert f"Weekly booking {code}" in asha.text
    assert all(w.code in asha.text for w in weeks)
    assert asha.button_texts()[:2] == ["💳 Pay ₹6,400 (test)", "Fail the payment (test)"]
    await asha.tap(r"💳 Pay ₹6,400 \(test\)")
    assert {w.status for w in await series_weeks(code)} == {BookingStatus.NOT_STARTED}
    told = await queued(ASHA)
    assert told[0].startswith("✅ <b>Weekly booking confirmed</b>")
    assert told[1:] == ["invoice", "calendar"]

    # A week after the first session, Asha cannot make the 17 Dec one.
    clock.set(weeks[0].ends_at + timedelta(days=1))
    await asha.send("/bookings")
    assert asha.text.count("🔁 week") == 3  # the first is past
    await asha.tap(rf"{weeks[3].code} .*")
    assert f"Week 4 of 4 of the weekly booking {code}" in asha.text
    await asha.tap("✖ Cancel this booking")
    assert f"Cancel week 4 of 4 of the weekly booking <b>{code}</b>" in asha.text
    assert "you get <b>₹1,600</b> back (100% of this week's ₹1,600)" in asha.text
    assert "The other weeks stay booked." in asha.text
    await asha.tap("Yes, cancel it")
    assert "₹1,600 will be refunded" in asha.text

    gateway = sandbox.service.gateway
    assert isinstance(gateway, SandboxGateway)
    await gateway.drain()  # the sandbox's refund.processed webhook, as Razorpay sends it
    after = await series_weeks(code)
    assert [w.status for w in after] == [BookingStatus.NOT_STARTED] * 3 + [BookingStatus.CANCELLED]
    (refund,) = after[3].refunds.values()
    assert (refund.status, refund.amount_paise) == (RefundStatus.PROCESSED, 160000)
    assert all(not w.refunds for w in after[:3])
    assert any("Refund of ₹1,600" in t for t in await queued(ASHA))
    (news,) = await PaymentEvent.find(PaymentEvent.event == "refund.processed").to_list()
    assert news.outcome == "refund already processed"  # found by the notes the sandbox echoed
    assert await SlotClaim.count() == 6  # three weeks, two slots each


# ---- bad inputs ---------------------------------------------------------------------------


@pytest.fixture
def chat(
    db: Database, clock: ManualClock, service: BookingService, room: Room, dialog_storage: BaseStorage
) -> Musician:
    dispatcher, manager = make_dispatcher(
        make_services(db, clock, service, RecordingPayments()), dialog_storage
    )
    return Musician(dispatcher, manager, ASHA, "Asha")


async def test_a_series_crossing_a_closed_day_names_it_and_books_the_rest(
    chat: Musician, room: Room, service: BookingService
) -> None:
    await service.block_slots(room, thursday(1), [s.key for s in room.slots_on(thursday(1))], owner_id=9001)
    await to_weeks(chat, room, 3, 20)
    assert f"✕ {thursday(1):%a %d %b %Y} — the room is closed then" in chat.text
    assert "The weeks marked ✕ can't be booked; confirming books the others." in chat.text
    await chat.tap(r"✅ Confirm 2 weeks · ₹1,600")
    weeks = await Booking.find(Booking.user_id == ASHA).sort("day").to_list()
    assert [w.day for w in weeks] == [thursday(0), thursday(2)]
    assert "💳 Pay ₹1,600" in chat.button_texts()


async def test_weeks_taken_while_looking_are_named_and_the_rest_can_be_confirmed(
    chat: Musician, room: Room, service: BookingService
) -> None:
    await to_weeks(chat, room, 3, 20)
    rival = await make_user(2002)
    await service.create_booking(rival.id, room.id, thursday(2), slot_keys(room, thursday(2), 20))
    await chat.tap(r"✅ Confirm 3 weeks · ₹2,400")
    assert "just went to another musician; nothing was booked" in chat.text
    assert f"✕ {thursday(2):%a %d %b %Y} — already booked" in chat.text
    assert await Booking.find(Booking.user_id == ASHA).count() == 0
    await chat.tap(r"✅ Confirm 2 weeks · ₹1,600")
    assert await Booking.find(Booking.user_id == ASHA).count() == 2


async def test_tampered_week_counts_are_refused_and_change_nothing(chat: Musician, room: Room) -> None:
    await to_review(chat, room, 20)
    await chat.tap("🔁 Repeat weekly")
    screen = chat.last
    before = await everything()
    for item in ("1", "13", "0", "-4", "abc", "99999999999999999999"):
        await chat.tap("forged", forged(screen, with_item(screen, "weeks", item)))
        assert chat.bot.alerts()[-1].startswith("A weekly booking repeats for 2 to 12 weeks")
        assert "For how many weeks?" in chat.text
    assert await everything() == before


async def test_only_one_unbroken_run_of_slots_can_repeat(chat: Musician, room: Room) -> None:
    """Slots with a gap are two sessions: Review refuses them (one booking is one run), so
    Repeat weekly is never offered for them."""
    await to_review(chat, room, 12, 15)
    assert "are not next to each other" in chat.text
    assert "Please check your booking" not in chat.text
    assert "🔁 Repeat weekly" not in chat.button_texts()


async def test_no_week_free_offers_no_confirm_and_back_goes_to_the_weeks(
    chat: Musician, room: Room, service: BookingService
) -> None:
    await to_review(chat, room, 20)
    await chat.tap("🔁 Repeat weekly")
    rival = await make_user(2002)
    for n in range(2):  # another band books both Thursdays meanwhile
        await service.create_booking(rival.id, room.id, thursday(n), slot_keys(room, thursday(n), 20))
    await chat.tap("2 weeks")
    assert "None of these weeks can be booked" in chat.text
    assert not any(t.startswith("✅ Confirm") for t in chat.button_texts())
    await chat.tap("‹ Weeks")
    assert "For how many weeks?" in chat.text
    await chat.tap("‹ Review")
    assert "Please check your booking" in chat.text
    assert await Booking.find(Booking.user_id == ASHA).count() == 0
