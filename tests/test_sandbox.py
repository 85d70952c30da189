"""The sandbox gateway end to end over real HTTP: a new user with only a bot token
can pay, and the same verified webhook confirms the booking."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from bot.config import Settings
from bot.services import payments_config
from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from payments.setup import PaymentSetup, SandboxRefusedError, build_payments, build_sandbox
from storage.booking_service import BookingService
from storage.database import Database
from storage.embedded import free_port
from storage.models import Booking, Room, User
from tests.payment_support import TOMORROW, keys, outbox_to, serve_app


@pytest.fixture
async def sandbox(
    db: Database, clock: ManualClock, service: BookingService
) -> AsyncIterator[tuple[PaymentSetup, str, aiohttp.ClientSession]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(_env_file=None, bot_token="42:sandbox-token", port=port, public_base_url=base)
    payments = build_payments(payments_config(settings, "jamroom_test_bot"), clock, service)
    assert payments.sandbox is not None
    app = web.Application()
    payments.install_routes(app)
    runner, _ = await serve_app(app, port)
    async with aiohttp.ClientSession() as session:
        yield payments, base, session
    await payments.service.drain()
    await runner.cleanup()


async def test_pay_in_the_sandbox_confirms_through_the_signed_webhook(
    sandbox: tuple[PaymentSetup, str, aiohttp.ClientSession], room: Room, user: User
) -> None:
    payments, base, session = sandbox
    booking = await payments.service.bookings.create_booking(
        user.id, room.id, TOMORROW, keys(room, TOMORROW, 12)
    )
    link = await payments.service.ensure_payment_link(booking, room, user)
    assert link.url.startswith(f"{base}/sandbox/pay/plink_sbx")
    async with session.get(link.url) as page:
        html = await page.text()
    assert page.status == 200
    assert "₹600.00" in html
    assert booking.code in html
    async with session.post(f"{link.url}/pay", allow_redirects=False) as paid:
        assert paid.status == 303
        callback = paid.headers["Location"]
    assert callback.startswith(f"{base}/payments/callback?")
    async with session.get(callback) as landing:
        assert landing.status == 200
        assert "Payment received" in await landing.text()
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert stored.status is BookingStatus.NOT_STARTED
    assert stored.payment_id is not None
    assert stored.payment_id.startswith("pay_sbx")
    assert [m.dedupe_key.split(":", 1)[1] for m in await outbox_to(user.id)] == [
        "confirmed",
        "invoice",
        "calendar:0",
    ]
    async with session.post(f"{link.url}/pay", allow_redirects=False) as twice:
        assert twice.status == 409
    async with session.get(callback.replace("status=paid", "status=failed")) as forged:
        assert forged.status == 400
        assert "could not verify" in await forged.text()


async def test_fail_in_the_sandbox_tells_the_musician_and_keeps_the_hold(
    sandbox: tuple[PaymentSetup, str, aiohttp.ClientSession], room: Room, user: User
) -> None:
    payments, _, session = sandbox
    booking = await payments.service.bookings.create_booking(
        user.id, room.id, TOMORROW, keys(room, TOMORROW, 14)
    )
    link = await payments.service.ensure_payment_link(booking, room, user)
    async with session.post(f"{link.url}/fail") as failed:
        assert failed.status == 200
        assert "declined" in await failed.text()
    stored = await Booking.get(booking.id)
    assert stored is not None
    assert stored.status is BookingStatus.PENDING_PAYMENT
    assert "did not go through" in (await outbox_to(user.id))[0].text


async def test_a_cancelled_sandbox_link_cannot_be_paid(
    sandbox: tuple[PaymentSetup, str, aiohttp.ClientSession], room: Room, user: User
) -> None:
    payments, _, session = sandbox
    booking = await payments.service.bookings.create_booking(
        user.id, room.id, TOMORROW, keys(room, TOMORROW, 15)
    )
    link = await payments.service.ensure_payment_link(booking, room, user)
    await payments.service.cancel_link_for(await payments.service.bookings.booking(booking.id))
    async with session.get(link.url) as page:
        assert "cannot be paid" in await page.text()
    async with session.post(f"{link.url}/pay", allow_redirects=False) as pay:
        assert pay.status == 409


def test_the_sandbox_refuses_to_start_with_razorpay_keys() -> None:
    settings = Settings(
        _env_file=None,
        bot_token="42:x",
        razorpay_key_id="rzp_live_x",
        razorpay_key_secret="secret",
        razorpay_webhook_secret="whsec",
        public_base_url="https://bot.example.com",
    )
    with pytest.raises(SandboxRefusedError):
        build_sandbox(payments_config(settings, "jamroom_test_bot"), "whsec", "secret")
