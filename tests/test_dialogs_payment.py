"""The payment step with the real payment service and the sandbox gateway: the Pay
button carries the booking's link, a gateway failure keeps the hold and offers Try
again, and nothing is ever shown as paid before the money is in."""

from __future__ import annotations

from datetime import date

import pytest
from aiogram.fsm.storage.base import BaseStorage

from domain.booking_status import BookingStatus
from payments.gateway import GatewayError, PaymentLink, PaymentLinkRequest
from payments.sandbox import SandboxGateway
from payments.service import PaymentService
from storage.booking_service import BookingService
from storage.database import Database
from storage.models import Booking, Room, SlotClaim
from storage.sandbox_links import MongoSandboxLinkStore
from tests.dialog_support import Musician, confirm_slots, make_dispatcher, make_services

TOMORROW = date(2026, 11, 26)
PUBLIC = "https://bot.example.test"


class FlakyGateway(SandboxGateway):
    """The sandbox gateway, unreachable until ``up`` is set."""

    up = False

    async def create_link(self, request: PaymentLinkRequest) -> PaymentLink:
        if not self.up:
            raise GatewayError("connection refused")
        return await super().create_link(request)


@pytest.fixture
def gateway() -> FlakyGateway:
    return FlakyGateway(
        public_base_url=PUBLIC,
        webhook_url=f"{PUBLIC}/webhooks/razorpay",
        webhook_secret="whsec_test_0123456789",
        key_secret="sandbox_secret",
        store=MongoSandboxLinkStore(),
    )


@pytest.fixture
def chat(
    db: Database,
    clock,
    service: BookingService,
    room: Room,
    gateway: FlakyGateway,
    dialog_storage: BaseStorage,
) -> Musician:
    payments = PaymentService(gateway, clock, service, public_base_url=PUBLIC)
    dispatcher, manager = make_dispatcher(make_services(db, clock, service, payments), dialog_storage)
    return Musician(dispatcher, manager, user_id=1001, name="Asha")


async def test_pay_button_opens_the_bookings_sandbox_link(
    chat: Musician, room: Room, gateway: FlakyGateway
) -> None:
    gateway.up = True
    await confirm_slots(chat, room, TOMORROW, 20, 21)
    booking = await Booking.find_one(Booking.user_id == 1001)
    assert booking is not None
    pay = next(b for b in chat.buttons() if b.text == "💳 Pay ₹1,600")
    assert pay.url == booking.payment["link_url"]
    assert pay.url.startswith(f"{PUBLIC}/sandbox/pay/plink_sbx")
    assert booking.status is BookingStatus.PENDING_PAYMENT
    assert "Status:" not in chat.text  # nothing claims it is paid


async def test_gateway_failure_keeps_the_hold_and_try_again_gets_the_link(
    chat: Musician, room: Room, gateway: FlakyGateway
) -> None:
    await confirm_slots(chat, room, TOMORROW, 20, 21)
    assert "could not reach the payment service" in chat.text
    assert not any(b.url for b in chat.buttons())
    booking = await Booking.find_one(Booking.user_id == 1001)
    assert booking is not None
    assert booking.status is BookingStatus.PENDING_PAYMENT
    assert await SlotClaim.find(SlotClaim.booking_id == str(booking.id)).count() == 2

    await chat.tap("🔁 Try again")
    assert chat.bot.alerts()[-1].startswith("The payment service is still not answering")
    gateway.up = True
    await chat.tap("🔁 Try again")

    pay = next(b for b in chat.buttons() if b.text == "💳 Pay ₹1,600")
    assert pay.url is not None
    assert "/sandbox/pay/" in pay.url
    assert await Booking.find(Booking.user_id == 1001).count() == 1
