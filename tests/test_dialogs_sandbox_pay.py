"""Paying in the chat with the sandbox gateway, as a new user with only a bot token
does (PUBLIC_BASE_URL left at http://localhost:8080, which Telegram refuses on a
button and a phone cannot open).

The real pieces run: build_payments from Settings, the sandbox gateway with its links
in the database, our web server with the Razorpay webhook on a real port (the
sandbox posts its signed events there), the real dispatcher with aiogram-dialog's
test tools keeping Telegram's rules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram_dialog.utils import CB_SEP

from bot.config import Settings
from bot.services import payments_config
from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from payments.razorpay_gateway import RazorpayGateway
from payments.service import PaymentService
from payments.setup import PaymentSetup, build_payments
from storage.booking_service import BookingService
from storage.database import Database
from storage.embedded import free_port
from storage.models import Booking, Room, SlotClaim
from storage.outbox import OutboxMessage
from storage.payment_events import PaymentEvent
from storage.sandbox_links import MongoSandboxLinkStore, SandboxLink
from tests.dialog_support import Musician, confirm_slots, make_dispatcher, make_services
from tests.fakes.razorpay_api import FakeRazorpayAPI
from tests.payment_support import serve_payments

TOMORROW = date(2026, 11, 26)
ASHA, RAVI = 1001, 1002
PAY_TEST = r"💳 Pay ₹1,600 \(test\)"
FAIL_TEST = r"Fail the payment \(test\)"


@pytest.fixture
async def payments(db: Database, clock: ManualClock, service: BookingService) -> AsyncIterator[PaymentSetup]:
    """The README's configuration: a token, no Razorpay keys, no PUBLIC_BASE_URL."""
    settings = Settings(_env_file=None, bot_token="42:first-run", port=free_port())  # type: ignore[call-arg]
    assert settings.public_base_url == "http://localhost:8080"
    payments, runner = await serve_payments(settings, clock, service)
    yield payments
    await payments.service.drain()
    await runner.cleanup()


def chat_of(
    db: Database,
    clock: ManualClock,
    service: BookingService,
    payments: PaymentService | None,
    dialog_storage: BaseStorage,
) -> tuple[Musician, Musician]:
    dispatcher, manager = make_dispatcher(make_services(db, clock, service, payments), dialog_storage)
    return Musician(dispatcher, manager, ASHA, "Asha"), Musician(dispatcher, manager, RAVI, "Ravi")


@pytest.fixture
def chats(
    db: Database,
    clock: ManualClock,
    service: BookingService,
    room: Room,
    payments: PaymentSetup,
    dialog_storage: BaseStorage,
) -> tuple[Musician, Musician]:
    return chat_of(db, clock, service, payments.service, dialog_storage)


@pytest.fixture
def asha(chats: tuple[Musician, Musician]) -> Musician:
    return chats[0]


async def the_booking() -> Booking:
    booking = await Booking.find_one(Booking.user_id == ASHA)
    assert booking is not None
    return booking


async def told(chat_id: int) -> list[str]:
    """What the outbox holds for the chat: texts, and ``invoice`` or ``calendar`` for a
    file made at delivery."""
    queued = await OutboxMessage.find(OutboxMessage.chat_id == chat_id).sort("created_at").to_list()
    return [m.attachment.partition(":")[0] if m.attachment else m.text for m in queued]


async def events(name: str) -> int:
    return await PaymentEvent.find(PaymentEvent.event == name).count()


async def test_the_pay_screen_offers_test_payment_in_the_chat(asha: Musician, room: Room) -> None:
    await confirm_slots(asha, room, TOMORROW, 20, 21)
    assert "Test payments: no real money moves" in asha.text
    assert asha.button_texts()[:2] == ["💳 Pay ₹1,600 (test)", "Fail the payment (test)"]
    assert not any(b.url for b in asha.buttons())
    assert (await the_booking()).status is BookingStatus.PENDING_PAYMENT


async def test_paying_in_the_chat_confirms_through_the_signed_webhook(asha: Musician, room: Room) -> None:
    await confirm_slots(asha, room, TOMORROW, 20, 21)
    await asha.tap(PAY_TEST)

    booking = await the_booking()
    assert booking.status is BookingStatus.NOT_STARTED
    assert booking.payment_id is not None
    assert booking.payment_id.startswith("pay_sbx")
    assert await events("payment_link.paid") == 1  # it came through /webhooks/razorpay
    link = await SandboxLink.get(booking.payment["link_id"])
    assert link is not None
    assert link.status == "paid"
    assert asha.bot.alerts()[-1].startswith("✅ Paid (test)")
    assert "Status: <b>confirmed</b>" in asha.text
    assert not any("(test)" in text for text in asha.button_texts())
    assert "📣 Share with the band" in asha.button_texts()  # the confirmed booking, for the band's chat
    queued = await told(ASHA)
    assert queued[0].startswith("✅ <b>Booking confirmed</b>")
    assert queued[1:] == ["invoice", "calendar"]


async def test_failing_in_the_chat_tells_the_musician_and_keeps_the_hold(asha: Musician, room: Room) -> None:
    await confirm_slots(asha, room, TOMORROW, 20, 21)
    await asha.tap(FAIL_TEST)

    booking = await the_booking()
    assert booking.status is BookingStatus.PENDING_PAYMENT
    assert await SlotClaim.find(SlotClaim.booking_id == str(booking.id)).count() == 2
    assert await events("payment.failed") == 1
    assert asha.bot.alerts()[-1].startswith(
        "❌ The test payment was declined. Your slots stay held until 10:15"
    )
    assert "did not go through" in (await told(ASHA))[0]
    assert asha.button_texts()[:2] == ["💳 Pay ₹1,600 (test)", "Fail the payment (test)"]

    await asha.tap(PAY_TEST)  # and paying afterwards still works
    assert (await the_booking()).status is BookingStatus.NOT_STARTED


async def test_a_replayed_pay_tap_pays_nothing_twice(asha: Musician, room: Room) -> None:
    pay_screen = await confirm_slots(asha, room, TOMORROW, 20, 21)
    await asha.tap(PAY_TEST)
    await asha.tap(PAY_TEST, pay_screen)  # the same button again, from the old screen
    await asha.tap(FAIL_TEST, pay_screen)

    assert (
        asha.bot.alerts()[-2:]
        == [
            f"Booking {(await the_booking()).code} is confirmed: there is nothing to pay.",
        ]
        * 2
    )
    assert await events("payment_link.paid") == 1
    assert await events("payment.failed") == 0
    assert sum("Booking confirmed" in text for text in await told(ASHA)) == 1


async def test_another_musician_cannot_pay_with_a_copied_button(
    chats: tuple[Musician, Musician], room: Room
) -> None:
    asha, ravi = chats
    pay_screen = await confirm_slots(asha, room, TOMORROW, 20, 21)
    await ravi.send("/start")
    await ravi.tap(PAY_TEST, pay_screen)  # Ravi replays Asha's button

    assert "This menu has expired" in ravi.bot.alerts()[-1]
    booking = await the_booking()
    assert booking.status is BookingStatus.PENDING_PAYMENT
    assert await events("payment_link.paid") == 0
    link = await SandboxLink.get(booking.payment["link_id"])
    assert link is not None
    assert link.status == "created"


async def test_another_musicians_booking_cannot_be_opened_to_pay(
    chats: tuple[Musician, Musician], room: Room
) -> None:
    asha, ravi = chats
    await confirm_slots(asha, room, TOMORROW, 20, 21)
    booking = await the_booking()
    await ravi.send("/bookings")
    select = next(b for b in ravi.buttons() if b.callback_data and CB_SEP in b.callback_data)
    intent = select.callback_data.split(CB_SEP)[0]
    forged = ravi.last.model_copy(
        update={
            "reply_markup": InlineKeyboardMarkup(
                inline_keyboard=[
                    [InlineKeyboardButton(text="x", callback_data=f"{intent}{CB_SEP}booking:{booking.id}")]
                ]
            )
        }
    )
    await ravi.tap("x", forged)

    assert ravi.bot.alerts()[-1] == "I could not find that booking among yours."
    assert not any("(test)" in text for text in ravi.button_texts())
    assert (await the_booking()).status is BookingStatus.PENDING_PAYMENT


async def test_after_the_hold_ends_a_test_payment_pays_nothing(
    asha: Musician, room: Room, clock: ManualClock
) -> None:
    await confirm_slots(asha, room, TOMORROW, 20, 21)
    clock.advance(minutes=16)  # the hold was 15 minutes; the expiry job has not run
    await asha.tap(PAY_TEST)
    await asha.tap(FAIL_TEST)

    assert (
        asha.bot.alerts()[-2:]
        == ["Your hold on these slots has ended, so nothing was paid. Please book the slots again."] * 2
    )
    booking = await the_booking()
    assert booking.status is BookingStatus.PENDING_PAYMENT
    assert booking.payment_id is None
    assert await PaymentEvent.count() == 0


async def test_a_link_already_paid_is_not_paid_again(asha: Musician, room: Room) -> None:
    """Its webhook did not arrive (yet): the chat must not pay the link a second time."""
    await confirm_slots(asha, room, TOMORROW, 20, 21)
    booking = await the_booking()
    await MongoSandboxLinkStore().change(
        booking.payment["link_id"], {"status": "created"}, {"status": "paid"}
    )
    await asha.tap(PAY_TEST)

    assert asha.bot.alerts()[-1] == "This booking is already paid; nothing was paid twice."
    assert await PaymentEvent.count() == 0
    assert (await the_booking()).payment_id is None


async def test_my_bookings_offers_the_test_payment_too(asha: Musician, room: Room) -> None:
    await confirm_slots(asha, room, TOMORROW, 20, 21)
    booking = await the_booking()
    await asha.tap("📋 My bookings")
    await asha.tap(f".*{booking.code}.*")
    assert "Test payments: no real money moves" in asha.text
    assert not any(b.url for b in asha.buttons())
    await asha.tap(PAY_TEST)

    assert (await the_booking()).status is BookingStatus.NOT_STARTED
    assert asha.bot.alerts()[-1].startswith("✅ Paid (test)")
    assert not any("(test)" in text for text in asha.button_texts())
    assert "📄 Send the invoice again" in asha.button_texts()


async def test_with_a_public_base_url_the_pay_page_button_stays(
    db: Database, clock: ManualClock, service: BookingService, room: Room, dialog_storage: BaseStorage
) -> None:
    public = "https://jamroom-demo.trycloudflare.com"
    settings = Settings(_env_file=None, bot_token="42:tunnel", port=free_port(), public_base_url=public)  # type: ignore[call-arg]
    payments, runner = await serve_payments(settings, clock, service)
    try:
        asha, _ = chat_of(db, clock, service, payments.service, dialog_storage)
        await confirm_slots(asha, room, TOMORROW, 20, 21)
        booking = await the_booking()
        assert "Test payments: no real money moves" in asha.text
        pay = next(b for b in asha.buttons() if b.url)
        assert pay.text == "💳 Pay ₹1,600"
        assert pay.url == f"{public}/sandbox/pay/{booking.payment['link_id']}"
        assert not any("(test)" in text for text in asha.button_texts())
    finally:
        await runner.cleanup()


async def test_with_razorpay_there_are_no_test_buttons_and_a_forged_tap_pays_nothing(
    db: Database,
    clock: ManualClock,
    service: BookingService,
    room: Room,
    razorpay_api: FakeRazorpayAPI,
    dialog_storage: BaseStorage,
) -> None:
    gateway = RazorpayGateway(
        razorpay_api.key_id, razorpay_api.key_secret, base_url=razorpay_api.base_url, timeout=2.0
    )
    real = PaymentService(gateway, clock, service, public_base_url="https://bot.example.test")
    asha, _ = chat_of(db, clock, service, real, dialog_storage)
    await confirm_slots(asha, room, TOMORROW, 20, 21)
    assert "Test payments" not in asha.text
    assert [b.text for b in asha.buttons() if b.url] == ["💳 Pay ₹1,600"]
    assert not any("(test)" in text for text in asha.button_texts())

    mine = next(b for b in asha.buttons() if b.text == "📋 My bookings")
    assert mine.callback_data is not None
    forged_data = mine.callback_data.replace(f"{CB_SEP}mine", f"{CB_SEP}test_pay")
    forged = asha.last.model_copy(
        update={
            "reply_markup": InlineKeyboardMarkup(
                inline_keyboard=[
                    [InlineKeyboardButton(text="💳 Pay ₹1,600 (test)", callback_data=forged_data)]
                ]
            )
        }
    )
    await asha.tap(PAY_TEST, forged)

    assert asha.bot.alerts()[-1].startswith("Test payments are off here: this bot takes real payments.")
    booking = await the_booking()
    assert booking.status is BookingStatus.PENDING_PAYMENT
    assert booking.payment_id is None


async def test_a_lost_webhook_is_said_and_reconciliation_confirms_the_booking(
    db: Database, clock: ManualClock, service: BookingService, room: Room, dialog_storage: BaseStorage
) -> None:
    """Nothing listens where the sandbox posts its event: the link is paid, the musician is
    told the confirmation follows, and the reconciliation job's path confirms it."""
    settings = Settings(_env_file=None, bot_token="42:lost", port=free_port())  # type: ignore[call-arg]
    payments = build_payments(payments_config(settings, "jamroom_test_bot"), clock, service)
    asha, _ = chat_of(db, clock, service, payments.service, dialog_storage)
    await confirm_slots(asha, room, TOMORROW, 20, 21)
    await asha.tap(PAY_TEST)

    assert asha.bot.alerts()[-1].startswith("Paid (test). I am confirming your booking")
    booking = await the_booking()
    assert booking.status is BookingStatus.PENDING_PAYMENT
    assert await payments.service.reconcile(booking) == "confirmed"
    assert (await the_booking()).status is BookingStatus.NOT_STARTED
