"""The process-wide services, built once at start-up and handed to handlers,
dialogs, the web app and jobs by name (no globals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.config import Settings
from domain.clock import Clock
from storage.booking_service import BookingRules, BookingService
from storage.database import Database

if TYPE_CHECKING:
    from payments.service import PaymentService


@dataclass
class Services:
    settings: Settings
    clock: Clock
    bookings: BookingService
    database: Database
    payments: PaymentService | None = None
    bot_username: str = "jamroom_bot"
    extra: dict[str, Any] = field(default_factory=dict)

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
            **self.extra,
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
