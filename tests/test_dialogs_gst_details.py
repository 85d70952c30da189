"""The musician's GST details before paying: "Add GST details (optional)" on the pay
screen, the GSTIN checked (format and checksum) and refused with a clear reason, the
name, change and removal; none once paid. End to end: the invoice and, after a
cancellation in My bookings, the credit note reach the chat through the outbox, a real
Bot and the fake Bot API, naming the band as the recipient."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from pypdf import PdfReader

from bot.config import Settings
from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from jobs.delivery import OutboxDeliverer, RateLimits
from payments.setup import PaymentSetup
from storage.booking_service import BookingService
from storage.database import Database
from storage.embedded import free_port
from storage.models import Booking, Room
from tests.dialog_support import Musician
from tests.fakes.telegram import FakeTelegram
from tests.test_dialogs_sandbox_pay import ASHA, PAY_TEST, chat_of, confirm_two_slots, serve_payments

ADD = r"🧾 Add GST details \(optional\)"
BAND_GSTIN = "27AAPFU0939F1ZV"


@pytest.fixture
async def payments(db: Database, clock: ManualClock, service: BookingService) -> AsyncIterator[PaymentSetup]:
    settings = Settings(_env_file=None, bot_token="42:gst", port=free_port())  # type: ignore[call-arg]
    payments, runner = await serve_payments(settings, clock, service)
    yield payments
    await payments.service.drain()
    await runner.cleanup()


@pytest.fixture
def asha(
    db: Database, clock: ManualClock, service: BookingService, room: Room, payments: PaymentSetup
) -> Musician:
    return chat_of(db, clock, service, payments.service)[0]


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = await FakeTelegram().start()
    yield fake
    await fake.stop()


@pytest.fixture
async def deliverer(
    telegram: FakeTelegram, payments: PaymentSetup, clock: ManualClock
) -> AsyncIterator[OutboxDeliverer]:
    bot = Bot("123456:TEST-gst", session=AiohttpSession(api=TelegramAPIServer.from_base(telegram.base_url)))
    yield OutboxDeliverer(
        bot, clock, RateLimits(per_chat_interval=0), attachments=payments.service.render_attachment
    )
    await bot.session.close()


async def the_booking() -> Booking:
    booking = await Booking.find_one(Booking.user_id == ASHA)
    assert booking is not None
    return booking


async def add_gst_details(asha: Musician, gstin: str, name: str) -> None:
    await asha.tap(ADD)
    await asha.send(gstin)
    await asha.send(name)


async def test_the_invoice_and_credit_note_name_the_band_given_before_paying(
    asha: Musician,
    room: Room,
    payments: PaymentSetup,
    deliverer: OutboxDeliverer,
    telegram: FakeTelegram,
) -> None:
    await confirm_two_slots(asha, room)
    assert "🧾 Add GST details (optional)" in asha.button_texts()
    await asha.tap(ADD)
    assert "Send its GSTIN" in asha.text
    await asha.send("27 aapfu 0939 f1zv")  # as typed from a certificate: spaces and lower case
    assert "GSTIN <code>27AAPFU0939F1ZV</code> (Maharashtra)" in asha.text
    await asha.send("  Tide   Collective LLP ")
    assert "🧾 Invoice to: <b>Tide Collective LLP</b>, GSTIN <code>27AAPFU0939F1ZV</code>" in asha.text
    assert "The invoice will be made out to <b>Tide Collective LLP</b>" in asha.text
    assert [t for t in asha.button_texts() if "GST" in t] == ["🧾 Change GST details", "✖ Remove GST details"]
    assert (await the_booking()).gst_recipient == {"gstin": BAND_GSTIN, "name": "Tide Collective LLP"}

    await asha.tap(PAY_TEST)
    while await deliverer.deliver_due():
        pass
    await asha.tap("📋 My bookings")
    booking = await the_booking()
    await asha.tap(f".*{booking.code}.*")
    await asha.tap("✖ Cancel this booking")
    await asha.tap("Yes, cancel it")
    await payments.service.drain()
    while await deliverer.deliver_due():
        pass

    to_asha = [c for c in telegram.calls if c.fields.get("chat_id") == str(ASHA)]
    sent = [(c.method, c.fields.get("caption") or c.fields.get("text", "")) for c in to_asha]
    documents = [
        (c.fields["caption"], next(iter(c.files.values()))) for c in to_asha if c.method == "senddocument"
    ]
    assert [caption for caption, _ in documents] == [
        f"Invoice JR/26-27/000001 for booking {booking.code}",
        f"Credit note CN/26-27/000001 for booking {booking.code}: ₹1,600 refunded, "
        "against invoice JR/26-27/000001",
    ]
    refund_message = next(i for i, (_, text) in enumerate(sent) if text.startswith("↩️ Refund of"))
    assert sent[refund_message + 1][0] == "senddocument"  # the credit note right after the refund's message
    for _, pdf in documents:
        lines = [line.strip() for line in PdfReader(io.BytesIO(pdf)).pages[0].extract_text().splitlines()]
        start = lines.index("Tide Collective LLP")
        assert lines[start : start + 4] == [
            "Tide Collective LLP",
            f"GSTIN {BAND_GSTIN}",
            "State: Maharashtra (27)",
            "Place of supply: Karnataka (29)",  # the room's state, not the band's
        ]
        assert "CGST 9%" in lines
        assert "IGST 18%" not in lines


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("27AAPFU0939F1ZW", "This GSTIN's last character does not match the others"),
        ("27AAPFU0939F1Z", "A GSTIN has 15 characters; this one has 14."),
        ("99AAPFU0939F1ZV", "A GSTIN starts with its state's code"),
        ("27AAPF10939F1ZV", "Characters 3 to 12 of a GSTIN are the holder's PAN"),
        ("27AAPFU0939F1AV", "The 14th character of a regular taxpayer's GSTIN is Z"),
        ("27AAPFU0939F₹ZV", "A GSTIN has only the letters A to Z and digits."),
    ],
)
async def test_a_bad_gstin_is_refused_with_its_reason_and_changes_nothing(
    asha: Musician, room: Room, typed: str, why: str
) -> None:
    await confirm_two_slots(asha, room)
    await asha.tap(ADD)
    asking = asha.text
    await asha.send(typed)
    answer = asha.bot.sent_texts()[-1]
    assert answer.startswith(why)
    assert "registration certificate" in answer or "Please send a GSTIN" in answer
    assert typed not in answer  # the number (its holder's PAN) is not repeated
    assert asha.text == asking  # still asking for the GSTIN
    assert (await the_booking()).gst_recipient == {}


async def test_a_name_too_short_or_too_long_is_refused(asha: Musician, room: Room) -> None:
    await confirm_two_slots(asha, room)
    await asha.tap(ADD)
    await asha.send(BAND_GSTIN)
    for name in ("X", "B" * 101):
        await asha.send(name)
        assert asha.bot.sent_texts()[-1].startswith("Please send the name registered with this GSTIN")
    assert "Now send the name registered with this GSTIN" in asha.text
    assert (await the_booking()).gst_recipient == {}
    await asha.tap("‹ Back to payment")
    assert "🧾 Add GST details (optional)" in asha.button_texts()


async def test_gst_details_can_be_changed_and_removed_before_paying(asha: Musician, room: Room) -> None:
    await confirm_two_slots(asha, room)
    await add_gst_details(asha, BAND_GSTIN, "Tide Collective LLP")
    await asha.tap("🧾 Change GST details")
    await asha.send("29AAHCM7727Q1ZI")
    await asha.send("Indiranagar Brass Band")
    assert (await the_booking()).gst_recipient == {
        "gstin": "29AAHCM7727Q1ZI",
        "name": "Indiranagar Brass Band",
    }
    await asha.tap("✖ Remove GST details")
    assert "GST details removed" in asha.text
    assert "Invoice to:" not in asha.text
    assert (await the_booking()).gst_recipient == {}


async def test_once_paid_the_gst_details_cannot_change(asha: Musician, room: Room) -> None:
    pay_screen = await confirm_two_slots(asha, room)
    await asha.tap(PAY_TEST)
    assert (await the_booking()).status is BookingStatus.NOT_STARTED
    assert not any("GST" in text for text in asha.button_texts())
    await asha.tap(ADD, pay_screen)  # the old screen's button
    assert asha.bot.alerts()[-1] == (
        "GST details can be added only while the booking waits for payment; nothing was changed."
    )
    assert (await the_booking()).gst_recipient == {}
