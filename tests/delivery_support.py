"""Fixtures for delivery tests: the fake Bot API on a real port, and the outbox
deliverer built as ``python -m bot`` builds it (``bot.app.outbox_deliverer``: the
invoice, the calendar file and the reminder that tells the check-in info are all made
at delivery), talking to it through a real Bot."""

from __future__ import annotations

import pytest
from aiogram import Bot

from bot.app import booking_clock, outbox_deliverer
from domain.clock import ManualClock
from jobs.delivery import OutboxDeliverer, RateLimits
from storage.outbox import due_messages
from storage.times import to_ms
from tests.fakes.telegram import Call
from tests.payment_support import PaymentWorld

BOT_USERNAME = "jamroom_test_bot"


@pytest.fixture
def bot_deliverer(telegram_bot: Bot, world: PaymentWorld, clock: ManualClock) -> OutboxDeliverer:
    """Talks to the ``telegram`` fake (tests.telegram_support) through the production Bot."""
    service = world.payments.bookings
    jobs = booking_clock(service, clock, world.payments, bot_username=BOT_USERNAME)
    worker = outbox_deliverer(telegram_bot, clock, service, world.payments, jobs, BOT_USERNAME)
    worker.limits = RateLimits(per_chat_interval=0, clock=ManualClock(clock.now()))
    return worker


async def deliver_all(deliverer: OutboxDeliverer) -> int:
    """Passes until nothing due is left (a pass sends one message per chat, and a
    message that fails sends nothing); returns how many were sent."""
    total = 0
    for _ in range(20):
        total += await deliverer.deliver_due()
        if not await due_messages(to_ms(deliverer.clock.now()) or 0, 1):
            return total
    raise AssertionError("the outbox did not drain")


def document_name(call: Call) -> str:
    """A sent file's name (aiogram sends it as an ``attach://<part>`` part)."""
    return call.fields.get(f"{call.fields['document'].removeprefix('attach://')}:filename", "")


def document_bytes(call: Call) -> bytes:
    return call.files[call.fields["document"].removeprefix("attach://")]
