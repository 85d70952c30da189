"""Fixtures for payment tests: the fake Razorpay API, the payments built as
``python -m bot`` builds them (the real SDK gateway pointed at the fake), and our web
server on a real port."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pypdf import PdfReader

from bot.config import Settings
from bot.services import payments_config
from domain.clock import ManualClock
from domain.slots import slot_key
from payments import webhook_bodies
from payments.service import PaymentService
from payments.setup import PaymentSetup, build_payments
from storage.booking_service import BookingService
from storage.database import Database
from storage.embedded import free_port
from storage.models import Booking, Room, User
from storage.outbox import OutboxMessage
from tests.fakes.razorpay_api import FakeRazorpayAPI

WEBHOOK_SECRET = "whsec_test_0123456789"
TOMORROW = date(2026, 11, 26)


@dataclass
class PaymentWorld:
    api: FakeRazorpayAPI
    payments: PaymentService
    url: str
    session: aiohttp.ClientSession

    async def post_event(
        self, body: dict[str, Any], *, event_id: str | None = None, secret: str = WEBHOOK_SECRET
    ) -> tuple[int, dict[str, Any]]:
        raw, headers = webhook_bodies.signed(body, secret, event_id)
        return await self.post_raw(raw, headers)

    async def post_raw(self, raw: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        async with self.session.post(f"{self.url}/webhooks/razorpay", data=raw, headers=headers) as response:
            return response.status, json.loads(await response.text())


@pytest.fixture
async def razorpay_api() -> AsyncIterator[FakeRazorpayAPI]:
    api = await FakeRazorpayAPI().start()
    yield api
    await api.stop()


def razorpay_settings(
    api: FakeRazorpayAPI, *, timeout_seconds: float = 2.0, commission_bp: int = 0
) -> Settings:
    """Razorpay's settings for the fake API: the payments ``python -m bot`` builds from them
    (``payments_config``, ``build_payments``) are the ones the payment tests run."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token="42:payment-tests",  # type: ignore[arg-type]
        razorpay_key_id=api.key_id,
        razorpay_key_secret=api.key_secret,  # type: ignore[arg-type]
        razorpay_webhook_secret=WEBHOOK_SECRET,  # type: ignore[arg-type]
        razorpay_api_url=api.base_url,
        razorpay_timeout_seconds=timeout_seconds,
        public_base_url="https://bot.example.test",
        platform_commission_bp=commission_bp,
    )


@pytest.fixture
async def world(
    db: Database, clock: ManualClock, service: BookingService, razorpay_api: FakeRazorpayAPI
) -> AsyncIterator[PaymentWorld]:
    async with open_world(razorpay_api, clock, service) as opened:
        yield opened


async def serve_app(app: web.Application, port: int = 0) -> tuple[web.AppRunner, str]:
    """Our web app on ``port`` of loopback (0: a free one); its runner (clean it up) and
    its base URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


@asynccontextmanager
async def open_world(
    api: FakeRazorpayAPI,
    clock: ManualClock,
    service: BookingService,
    *,
    gateway_timeout: float = 2.0,
    commission_bp: int = 0,
) -> AsyncIterator[PaymentWorld]:
    """The payment service on the real SDK against ``api``, behind our webhook on a real port."""
    settings = razorpay_settings(api, timeout_seconds=gateway_timeout, commission_bp=commission_bp)
    setup = build_payments(
        payments_config(settings, "jamroom_test_bot"),
        clock,
        service,
    )
    payments = setup.service
    app = web.Application()
    setup.install_routes(app)
    runner, url = await serve_app(app)
    async with aiohttp.ClientSession() as session:
        yield PaymentWorld(api, payments, url, session)
    await payments.drain()
    await runner.cleanup()


def keys(room: Room, day: date, *hours: int) -> list[str]:
    return [slot_key(datetime.combine(day, time(h), tzinfo=room.zone).astimezone(UTC)) for h in hours]


async def held_booking(world: PaymentWorld, room: Room, user: User, *hours: int) -> Booking:
    """A PENDING_PAYMENT booking with a real payment link on the fake API."""
    booking = await world.payments.bookings.create_booking(
        user.id, room.id, TOMORROW, keys(room, TOMORROW, *hours)
    )
    await world.payments.ensure_payment_link(booking, room, user)
    return await world.payments.bookings.booking(booking.id)


async def pay(world: PaymentWorld, booking: Booking, amount: int | None = None) -> tuple[str, dict]:
    """Pay the booking's link on the fake API; the payment's id and Razorpay's
    ``payment_link.paid`` event for it (not posted yet)."""
    link_id = booking.payment["link_id"]
    payment_id = world.api.pay_link(link_id, amount)
    return payment_id, world.api.paid_event(link_id, payment_id, amount)


def pdf_text(pdf: bytes) -> tuple[str, PdfReader]:
    """The text of every page of ``pdf``, and the reader."""
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages), reader


async def outbox_to(chat_id: int) -> list[OutboxMessage]:
    return await OutboxMessage.find(OutboxMessage.chat_id == chat_id).sort("created_at").to_list()


async def snapshot() -> dict[str, list[dict[str, Any]]]:
    collections = {"bookings": Booking, "outbox": OutboxMessage}
    return {
        name: await model.get_pymongo_collection().find({}, {"document": 0}).sort("_id").to_list()
        for name, model in collections.items()
    }


async def serve_payments(
    settings: Settings, clock: ManualClock, service: BookingService
) -> tuple[PaymentSetup, web.AppRunner]:
    """The payments of ``settings`` with their web routes on ``settings.port``, where the
    sandbox sends its webhooks."""
    payments = build_payments(payments_config(settings, "jamroom_test_bot"), clock, service)
    app = web.Application()
    payments.install_routes(app)
    runner, _ = await serve_app(app, settings.port)
    return payments, runner


@pytest.fixture
async def sandbox(db: Database, clock: ManualClock, service: BookingService) -> AsyncIterator[PaymentSetup]:
    """The README's first-run payments (a token, no Razorpay setting: the sandbox) with
    their web routes on a free port, where the sandbox posts its signed webhooks."""
    settings = Settings(_env_file=None, bot_token="42:first-run", port=free_port())  # type: ignore[call-arg]
    payments, runner = await serve_payments(settings, clock, service)
    yield payments
    await payments.service.drain()
    await runner.cleanup()
