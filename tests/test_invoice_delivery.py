"""The invoice is made when the outbox delivers it: a PDF document with its number
in the caption, sent through a real Bot to a fake Bot API, the same number on every
send of one booking's invoice, and nothing made for an attachment nobody knows."""

from __future__ import annotations

import io

import pytest
from aiogram import Bot
from pypdf import PdfReader

from bot.app import booking_clock, outbox_deliverer
from domain.clock import ManualClock
from jobs.delivery import OutboxDeliverer, RateLimits
from storage.models import Room, User
from storage.outbox import OutboxMessage, OutboxStatus, enqueue
from tests.fakes.telegram import FakeTelegram
from tests.payment_support import PaymentWorld, held_booking, pay


@pytest.fixture
def deliverer(telegram_bot: Bot, world: PaymentWorld, clock: ManualClock) -> OutboxDeliverer:
    jobs = booking_clock(world.payments.bookings, clock, world.payments)
    worker = outbox_deliverer(
        telegram_bot, clock, world.payments.bookings, world.payments, jobs, "jamroom_test_bot"
    )
    worker.limits = RateLimits(per_chat_interval=0)
    return worker  # as python -m bot builds it: the invoice is one of the files it makes


async def deliver_all(deliverer: OutboxDeliverer) -> int:
    """Passes until nothing is left (a pass sends one message per chat)."""
    total = 0
    while sent := await deliverer.deliver_due():
        total += sent
    return total


def sent_documents(telegram: FakeTelegram) -> list[tuple[str, bytes]]:
    """(caption, PDF) of every invoice sent."""
    return [
        (c.fields.get("caption", ""), next(iter(c.files.values())))
        for c in telegram.calls
        if c.method == "senddocument" and c.fields.get("caption", "").startswith("Invoice")
    ]


async def test_a_paid_bookings_invoice_is_made_and_sent_at_delivery(
    world: PaymentWorld, deliverer: OutboxDeliverer, telegram: FakeTelegram, room: Room, user: User
) -> None:
    booking = await held_booking(world, room, user, 12)
    _, body = await pay(world, booking)
    assert (await world.post_event(body))[1]["outcome"] == "confirmed"
    assert await deliver_all(deliverer) == 4  # confirmation (+ venue), invoice, calendar file, owner notice
    stored = await world.payments.bookings.booking(booking.id)
    await world.payments.send_invoice(stored)  # "send the invoice again" from My bookings
    assert await deliver_all(deliverer) == 1
    documents = sent_documents(telegram)
    assert [caption for caption, _ in documents] == [
        f"Invoice JR/26-27/000001 for booking {booking.code}"
    ] * 2
    text = PdfReader(io.BytesIO(documents[0][1])).pages[0].extract_text()
    assert "JR/26-27/000001" in text
    assert booking.code in text
    assert "₹600" in text


async def test_an_attachment_nobody_makes_fails_without_sending(
    world: PaymentWorld, deliverer: OutboxDeliverer, telegram: FakeTelegram, clock: ManualClock
) -> None:
    await enqueue(5, "", dedupe_key="odd", now=clock.now(), attachment="poster:42")
    await enqueue(6, "", dedupe_key="gone", now=clock.now(), attachment="invoice:000000000000000000000000")
    assert await deliverer.deliver_due() == 0
    for key in ("odd", "gone"):
        message = await OutboxMessage.find_one(OutboxMessage.dedupe_key == key)
        assert message is not None
        assert message.status is OutboxStatus.FAILED
    assert sent_documents(telegram) == []
