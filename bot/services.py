"""The process-wide services, built once at start-up by the composition root
(bot/app.py) and handed to handlers, dialogs and the web app by name (no globals);
and the plain values the layers below get from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.config import Settings
from domain.clock import Clock
from payments.gateway import PaymentGateway
from payments.service import PaymentLinkView
from payments.setup import PaymentsConfig, RazorpayKeys
from storage.booking_service import BookingRules, BookingService
from storage.database import Database
from storage.models import Booking, Room, User


class Payments(Protocol):
    """What the bot asks of payments. The payment service (``payments.service``) is one;
    the dialog tests' ``RecordingPayments`` is another."""

    @property
    def gateway(self) -> PaymentGateway | None:
        """The gateway behind the service: when it is the sandbox, the pay screens offer
        test payments in the chat."""
        ...

    async def ensure_payment_link(self, booking: Booking, room: Room, user: User) -> PaymentLinkView:
        """The booking's payment link, made once; raises ``GatewayError`` when the gateway
        fails (the hold stays)."""
        ...

    async def refund_due(self, booking: Booking) -> str:
        """Pay the refund the booking records as due, at most once; a gateway failure
        leaves it due for the retry job."""
        ...

    async def send_invoice(self, booking: Booking) -> bool:
        """Queue the booking's invoice to the musician."""
        ...

    async def issue_invoice(self, booking: Booking) -> None:
        """Give a paid booking its invoice now (number and what it prints), if it has
        none yet: before a musician's data is deleted, while their name is known."""
        ...

    async def ensure_change_link(self, booking: Booking, room: Room, user: User) -> PaymentLinkView:
        """The link for the difference of the booking's pending move or extra hour, made
        once; raises ``GatewayError`` when the gateway fails (the claim stays)."""
        ...

    async def announce_change(
        self, before: Booking, after: Booking, room: Room, refund_paise: int = 0
    ) -> None:
        """Tell both sides of a move or an extra hour applied, and send the invoice issued
        again and the calendar file again."""
        ...


@dataclass(frozen=True)
class Services:
    settings: Settings
    clock: Clock
    bookings: BookingService
    database: Database
    payments: Payments | None
    """None when no payment service runs (a few dialog tests)."""
    bot_username: str

    async def ping_database(self) -> None:
        await self.database.db.command("ping")

    def workflow_data(self) -> dict[str, Any]:
        """What aiogram passes to handlers and getters as keyword arguments."""
        return {
            "services": self,
            "settings": self.settings,
            "clock": self.clock,
            "booking_service": self.bookings,
            "payments": self.payments,
        }


def booking_rules(settings: Settings) -> BookingRules:
    return BookingRules(
        hold=settings.hold,
        min_lead=settings.min_lead,
        max_slots=settings.max_slots_per_booking,
        max_unpaid_holds=settings.max_unpaid_holds,
        horizon_days=settings.booking_horizon_days,
        refund_policy=settings.refund,
    )


def payments_config(settings: Settings, bot_username: str) -> PaymentsConfig:
    """Razorpay when all three keys are set; otherwise the sandbox (the settings refuse
    anything in between, and ``build_payments`` refuses the sandbox beside any of them)."""
    assert settings.bot_token is not None
    razorpay = None
    if settings.razorpay_configured:
        assert settings.razorpay_key_id is not None
        assert settings.razorpay_key_secret is not None
        assert settings.razorpay_webhook_secret is not None
        razorpay = RazorpayKeys(
            key_id=settings.razorpay_key_id,
            key_secret=settings.razorpay_key_secret.get_secret_value(),
            webhook_secret=settings.razorpay_webhook_secret.get_secret_value(),
            api_url=settings.razorpay_api_url,
            timeout_seconds=settings.razorpay_timeout_seconds,
        )
    return PaymentsConfig(
        public_base_url=settings.public_base_url,
        bot_username=bot_username,
        bot_token=settings.bot_token.get_secret_value(),
        port=settings.port,
        razorpay=razorpay,
        razorpay_settings_given=tuple(settings.razorpay_settings_given),
        commission_bp=settings.platform_commission_bp,
    )
