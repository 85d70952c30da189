"""The database goes away: the webhook answers 503 so Razorpay retries, nothing is
half-written, and the retry after the database is back confirms the booking."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
from aiohttp import web
from beanie import init_beanie

from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from payments import webhook_bodies
from payments.razorpay_gateway import RazorpayGateway
from payments.service import PaymentService
from payments.web import PaymentSecrets, install_payment_routes
from storage.booking_service import BookingService
from storage.database import Database, open_database
from storage.demo import DEMO_ROOMS
from storage.models import Booking, Room, User
from storage.payment_events import PaymentEvent
from tests.fakes.razorpay_api import FakeRazorpayAPI
from tests.payment_support import TOMORROW, WEBHOOK_SECRET, keys, serve_app


async def test_database_down_means_503_and_the_retry_confirms(
    tmp_path: Path, database: Database, clock: ManualClock, razorpay_api: FakeRazorpayAPI
) -> None:
    own = await open_database(None, tmp_path / "data", database_name="fault_check")
    assert own.embedded is not None
    port = own.embedded.port
    runner = None
    try:
        service = BookingService(clock)
        gateway = RazorpayGateway(
            razorpay_api.key_id, razorpay_api.key_secret, base_url=razorpay_api.base_url
        )
        payments = PaymentService(gateway, clock, service, public_base_url="https://bot.example.test")
        room = await Room(**DEMO_ROOMS[0], owner_ids=[9001]).insert()
        user = await User(id=1001, first_name="Asha").insert()
        booking = await service.create_booking(user.id, room.id, TOMORROW, keys(room, TOMORROW, 12))
        await payments.ensure_payment_link(booking, room, user)
        booking = await service.booking(booking.id)
        payment_id = razorpay_api.pay_link(booking.payment["link_id"])
        raw, headers = webhook_bodies.signed(
            razorpay_api.paid_event(booking.payment["link_id"], payment_id), WEBHOOK_SECRET, "evt_down_1"
        )

        app = web.Application()
        install_payment_routes(app, payments, PaymentSecrets(WEBHOOK_SECRET, razorpay_api.key_secret, "b"))
        runner, base_url = await serve_app(app)
        url = f"{base_url}/webhooks/razorpay"

        own.embedded.kill()
        async with aiohttp.ClientSession() as session:
            async with session.post(url, data=raw, headers=headers) as down:
                assert down.status == 503
                assert json.loads(await down.text())["error"] == "temporarily unavailable"

            own.embedded.port = port
            await own.embedded.astart()
            stored = await Booking.get(booking.id)
            assert stored is not None
            assert stored.status is BookingStatus.PENDING_PAYMENT
            assert await PaymentEvent.count() == 0

            async with session.post(url, data=raw, headers=headers) as retried:
                assert retried.status == 200
                assert json.loads(await retried.text())["outcome"] == "confirmed"
        confirmed = await Booking.get(booking.id)
        assert confirmed is not None
        assert confirmed.status is BookingStatus.NOT_STARTED
    finally:
        if runner is not None:
            await runner.cleanup()
        await own.close()
        await init_beanie(database=database.db, document_models=database.models)
