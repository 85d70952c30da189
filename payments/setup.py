"""Choosing the gateway: Razorpay when its keys are set; the sandbox, which mimics
Razorpay's payment links on our own web server so a new user can walk the whole flow
with only a bot token, when no Razorpay setting is given at all. Settings has
already refused anything in between (a partial setup, a live key beside
PAYMENTS=sandbox, webhook mode without keys or PAYMENTS=sandbox)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from aiohttp import web

from bot.config import Settings
from domain.clock import Clock
from payments.gateway import PaymentGateway
from payments.razorpay_gateway import RazorpayGateway
from payments.sandbox import SandboxGateway, sandbox_routes
from payments.service import PaymentService
from payments.web import PaymentSecrets, install_payment_routes
from storage.booking_service import BookingService
from storage.sandbox_links import MongoSandboxLinkStore


class SandboxRefusedError(RuntimeError):
    """The sandbox confirms bookings without money: it never runs beside a Razorpay setting."""


@dataclass
class Payments:
    service: PaymentService
    secrets: PaymentSecrets
    sandbox: SandboxGateway | None

    def install_routes(self, app: web.Application) -> None:
        install_payment_routes(app, self.service, self.secrets)
        if self.sandbox is not None:
            app.add_routes(sandbox_routes(self.sandbox))


def derived_secret(settings: Settings, purpose: str) -> str:
    """A stable per-deployment secret for the sandbox, derived from the bot token, so
    every process of one deployment agrees on it without more configuration."""
    assert settings.bot_token is not None
    key = settings.bot_token.get_secret_value().encode()
    return hmac.new(key, f"jamroom-sandbox:{purpose}".encode(), hashlib.sha256).hexdigest()


def build_sandbox(
    settings: Settings, webhook_secret: str, key_secret: str, clock: Clock | None = None
) -> SandboxGateway:
    if not settings.uses_sandbox:
        given = ", ".join(settings.razorpay_settings_given)
        raise SandboxRefusedError(f"{given} set: the sandbox gateway refuses to start")
    local_webhook = f"http://127.0.0.1:{settings.port}/webhooks/razorpay"
    return SandboxGateway(
        public_base_url=settings.public_base_url,
        webhook_url=local_webhook,
        webhook_secret=webhook_secret,
        key_secret=key_secret,
        store=MongoSandboxLinkStore(),
        clock=clock,
    )


def build_payments(settings: Settings, clock: Clock, bookings: BookingService, bot_username: str) -> Payments:
    gateway: PaymentGateway
    sandbox: SandboxGateway | None = None
    if settings.razorpay_configured:
        assert settings.razorpay_key_id is not None
        assert settings.razorpay_key_secret is not None
        assert settings.razorpay_webhook_secret is not None
        key_secret = settings.razorpay_key_secret.get_secret_value()
        webhook_secret = settings.razorpay_webhook_secret.get_secret_value()
        gateway = RazorpayGateway(
            settings.razorpay_key_id,
            key_secret,
            base_url=settings.razorpay_api_url,
            timeout=settings.razorpay_timeout_seconds,
        )
    else:
        webhook_secret = derived_secret(settings, "webhook")
        key_secret = derived_secret(settings, "key")
        sandbox = build_sandbox(settings, webhook_secret, key_secret, clock)
        gateway = sandbox
    service = PaymentService(
        gateway, clock, bookings, public_base_url=settings.public_base_url, bot_username=bot_username
    )
    secrets = PaymentSecrets(webhook_secret=webhook_secret, key_secret=key_secret, bot_username=bot_username)
    return Payments(service=service, secrets=secrets, sandbox=sandbox)
