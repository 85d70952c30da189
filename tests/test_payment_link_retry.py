"""A payment link that Razorpay made while our create call timed out is found on the
next try (by the booking's reference, which Razorpay will not take twice) and shown,
through the real SDK against the fake Razorpay API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiogram.fsm.storage.base import BaseStorage

from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from payments.gateway import GatewayError, GatewayTimeoutError, PaymentLinkRequest
from payments.sandbox import SandboxGateway
from storage.booking_service import BookingService
from storage.database import Database
from storage.models import Booking, Room, User
from storage.sandbox_links import MongoSandboxLinkStore
from tests.dialog_support import Musician, make_dispatcher, make_services
from tests.fakes.razorpay_api import FakeRazorpayAPI
from tests.payment_support import TOMORROW, PaymentWorld, keys, open_world

TIMEOUT = 0.5


@pytest.fixture
async def impatient(
    db: Database, clock: ManualClock, service: BookingService, razorpay_api: FakeRazorpayAPI
) -> AsyncIterator[PaymentWorld]:
    """The world with a gateway that gives up on Razorpay after half a second."""
    async with open_world(razorpay_api, clock, service, gateway_timeout=TIMEOUT) as world:
        yield world


async def hold(world: PaymentWorld, room: Room, user: User, *hours: int) -> Booking:
    return await world.payments.bookings.create_booking(
        user.id, room.id, TOMORROW, keys(room, TOMORROW, *hours)
    )


async def test_a_link_made_while_create_timed_out_is_found_and_paid(
    impatient: PaymentWorld, room: Room, user: User
) -> None:
    world, api = impatient, impatient.api
    booking = await hold(world, room, user, 12)
    api.answer_late_next("/v1/payment_links", delay=TIMEOUT * 2)
    with pytest.raises(GatewayTimeoutError):
        await world.payments.ensure_payment_link(booking, room, user)
    [made] = api.links_with_reference(booking.code)  # Razorpay made it all the same
    view = await world.payments.ensure_payment_link(
        await world.payments.bookings.booking(booking.id), room, user
    )
    assert view.url == made["short_url"]
    assert api.links_with_reference(booking.code) == [made]
    stored = await world.payments.bookings.booking(booking.id)
    assert (stored.payment["link_id"], stored.payment["link_url"]) == (made["id"], made["short_url"])
    payment_id = api.pay_link(made["id"])
    assert (await world.post_event(api.paid_event(made["id"], payment_id)))[1]["outcome"] == "confirmed"


async def test_try_again_in_the_chat_shows_the_link_made_earlier(
    impatient: PaymentWorld,
    db: Database,
    clock: ManualClock,
    service: BookingService,
    room: Room,
    user: User,
    dialog_storage: BaseStorage,
) -> None:
    world, api = impatient, impatient.api
    dispatcher, manager = make_dispatcher(make_services(db, clock, service, world.payments), dialog_storage)
    chat = Musician(dispatcher, manager, user_id=user.id, name="Asha")
    api.answer_late_next("/v1/payment_links", delay=TIMEOUT * 2)
    await chat.send("/start room_bass-cave-indiranagar")
    await chat.tap("📅 Book")
    await chat.tap_day(TOMORROW)
    await chat.tap_slot(keys(room, TOMORROW, 20)[0])
    await chat.tap("Review.*")
    await chat.tap("✅ Confirm")
    assert "could not reach the payment service" in chat.text
    booking = await Booking.find_one(Booking.user_id == user.id)
    assert booking is not None
    [made] = api.links_with_reference(booking.code)
    await chat.tap("🔁 Try again")
    pay = next(b for b in chat.buttons() if b.text == "💳 Pay ₹800")
    assert pay.url == made["short_url"]
    assert not chat.bot.alerts()
    assert booking.status is BookingStatus.PENDING_PAYMENT


async def test_racing_retries_keep_the_one_link_made_earlier(
    impatient: PaymentWorld, room: Room, user: User
) -> None:
    world, api = impatient, impatient.api
    booking = await hold(world, room, user, 12)
    api.answer_late_next("/v1/payment_links", delay=TIMEOUT * 2)
    with pytest.raises(GatewayTimeoutError):
        await world.payments.ensure_payment_link(booking, room, user)
    [made] = api.links_with_reference(booking.code)
    views = await asyncio.gather(*(world.payments.ensure_payment_link(booking, room, user) for _ in range(4)))
    assert {v.url for v in views} == {made["short_url"]}
    assert made["status"] == "created"  # no racer cancelled the link the others show


async def test_a_create_that_failed_before_taking_effect_makes_a_fresh_link(
    impatient: PaymentWorld, room: Room, user: User
) -> None:
    world, api = impatient, impatient.api
    booking = await hold(world, room, user, 12)
    api.fail_next("/v1/payment_links", status=500)
    with pytest.raises(GatewayError):
        await world.payments.ensure_payment_link(booking, room, user)
    assert api.links_with_reference(booking.code) == []
    view = await world.payments.ensure_payment_link(booking, room, user)
    [made] = api.links_with_reference(booking.code)
    assert view.url == made["short_url"]


async def test_the_gateway_finds_a_link_by_its_reference_through_the_sdk(
    impatient: PaymentWorld, room: Room, user: User
) -> None:
    world, api = impatient, impatient.api
    booking = await hold(world, room, user, 12)
    assert await world.payments.gateway.find_link(booking.code) is None
    await world.payments.ensure_payment_link(booking, room, user)
    found = await world.payments.gateway.find_link(booking.code)
    assert found is not None
    assert (found.reference_id, found.status, found.amount_paise) == (booking.code, "created", 60000)
    method, path, _, _ = api.requests[-1]
    assert (method, path) == ("GET", "/v1/payment_links")


async def test_the_sandbox_finds_its_links_by_reference_too(db: Database) -> None:
    gateway = SandboxGateway(
        public_base_url="https://bot.example.test",
        webhook_url="https://bot.example.test/webhooks/razorpay",
        webhook_secret="whsec_test_0123456789",
        key_secret="sandbox_secret",
        store=MongoSandboxLinkStore(),
    )
    request = PaymentLinkRequest(
        booking_id="b1",
        reference_id="JR-SBX234",
        amount_paise=60000,
        description="Bass Cave",
        expire_by=datetime(2026, 11, 25, 5, 0, tzinfo=UTC),
        callback_url="https://bot.example.test/payments/callback",
    )
    assert await gateway.find_link("JR-SBX234") is None
    made = await gateway.create_link(request)
    assert await gateway.find_link("JR-SBX234") == made
