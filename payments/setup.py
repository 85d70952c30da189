"""Choosing the gateway: Razorpay when its keys are given; the sandbox, which mimics
Razorpay's payment links on our own web server so a new user can walk the whole flow
with only a bot token, when no Razorpay setting is given at all. The settings have
already refused anything in between (a partial setup, a live key beside
PAYMENTS=sandbox, webhook mode without keys or PAYMENTS=sandbox); the composition root
(bot/app.py) passes what they say as a ``PaymentsConfig``."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from aiohttp import web

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


@dataclass(frozen=True)
class RazorpayKeys:
    key_id: str
    key_secret: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    api_url: str | None = None
    """Another Razorpay API (the tests' fake); None for Razorpay's own."""
    timeout_seconds: float = 10.0


@dataclass(frozen=True)
class PaymentsConfig:
    """What payments need to know from the settings, as plain values."""

    public_base_url: str
    bot_username: str
    bot_token: str = field(repr=False)
    """The sandbox's secrets derive from it (``derived_secret``)."""
    port: int
    """Our web server's port, where the sandbox posts its webhooks."""
    razorpay: RazorpayKeys | None
    """All three keys, or None for the sandbox."""
    razorpay_settings_given: tuple[str, ...] = ()
    """The names of the Razorpay settings that are set: any one rules the sandbox out."""
    commission_bp: int = 0
    """The platform's commission on each payment, in basis points: the owner's Route
    transfer is the rest (``domain.payouts``). Payouts run only with Razorpay."""


@dataclass(frozen=True)
class PaymentSetup:
    """The payment service with what its web routes need."""

    service: PaymentService
    secrets: PaymentSecrets
    sandbox: SandboxGateway | None

    def install_routes(self, app: web.Application) -> None:
        install_payment_routes(app, self.service, self.secrets)
        if self.sandbox is not None:
            app.add_routes(sandbox_routes(self.sandbox))


def derived_secret(bot_token: str, purpose: str) -> str:
    """A stable per-deployment secret for the sandbox, derived from the bot token, so
    every process of one deployment agrees on it without more configuration."""
    return hmac.new(bot_token.encode(), f"jamroom-sandbox:{purpose}".encode(), hashlib.sha256).hexdigest()


def build_sandbox(
    config: PaymentsConfig, webhook_secret: str, key_secret: str, clock: Clock | None = None
) -> SandboxGateway:
    if config.razorpay is not None or config.razorpay_settings_given:
        given = ", ".join(config.razorpay_settings_given) or "Razorpay keys"
        raise SandboxRefusedError(f"{given} set: the sandbox gateway refuses to start")
    local_webhook = f"http://127.0.0.1:{config.port}/webhooks/razorpay"
    return SandboxGateway(
        public_base_url=config.public_base_url,
        webhook_url=local_webhook,
        webhook_secret=webhook_secret,
        key_secret=key_secret,
        store=MongoSandboxLinkStore(),
        clock=clock,
    )


def build_payments(config: PaymentsConfig, clock: Clock, bookings: BookingService) -> PaymentSetup:
    gateway: PaymentGateway
    sandbox: SandboxGateway | None = None
    if config.razorpay is not None:
        keys = config.razorpay
        key_secret, webhook_secret = keys.key_secret, keys.webhook_secret
        gateway = RazorpayGateway(
            keys.key_id, key_secret, base_url=keys.api_url, timeout=keys.timeout_seconds
        )
    else:
        webhook_secret = derived_secret(config.bot_token, "webhook")
        key_secret = derived_secret(config.bot_token, "key")
        sandbox = build_sandbox(config, webhook_secret, key_secret, clock)
        gateway = sandbox
    service = PaymentService(
        gateway,
        clock,
        bookings,
        public_base_url=config.public_base_url,
        bot_username=config.bot_username,
        commission_bp=config.commission_bp,
    )
    secrets = PaymentSecrets(
        webhook_secret=webhook_secret, key_secret=key_secret, bot_username=config.bot_username
    )
    return PaymentSetup(service=service, secrets=secrets, sandbox=sandbox)
