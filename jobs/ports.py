"""What the jobs need from payments, named on the jobs' side so that jobs never import
payments: the composition root (bot/app.py) hands in the payment service, which is one
of these."""

from __future__ import annotations

from typing import Protocol

from domain.gateway_errors import GatewayError
from domain.payment_outcomes import Outcome
from storage.models import Booking

__all__ = ["GatewayError", "JobPayments", "SlotScreenPainter"]


class JobPayments(Protocol):
    """Each call raises ``GatewayError`` when the gateway fails or cannot be reached;
    anything else is a bug."""

    async def reconcile(self, booking: Booking) -> Outcome:
        """Ask the gateway about the booking's link and settle it as its webhook would;
        returns what that did."""
        ...

    async def reconcile_change(self, booking: Booking) -> Outcome:
        """Ask the gateway about the link of the booking's pending move or extra hour and
        settle it as its webhook would; returns what that did."""
        ...

    async def cancel_link_for(self, booking: Booking) -> None:
        """Close the link of a booking that can no longer be paid (quietly on failure)."""
        ...

    async def cancel_change_link(self, link_id: str | None) -> None:
        """Close the link of a move or an extra hour that lapsed unpaid (quietly on failure)."""
        ...

    async def retry_due_refunds(self) -> int:
        """Ask again for the refunds left due; returns how many the gateway took."""
        ...

    async def retry_due_payouts(self) -> int:
        """Make the owners' transfers and reversals left due; returns how many bookings
        have none due after."""
        ...

    async def render_attachment(self, attachment: str) -> tuple[str, bytes, str]:
        """(file name, content, caption) for an outbox message's ``attachment``."""
        ...


class SlotScreenPainter(Protocol):
    """Draws a musician's slot screen again (the composition root makes one from the
    dialogs' background manager: ``bot.live_screens.slot_screen_painter``)."""

    async def __call__(self, user_id: int, chat_id: int, room_day: str) -> str | None:
        """Redraw the screen if it still shows ``room_day``; returns what it shows now
        (``domain.live_screens.states_shown``), None when the musician has moved on."""
        ...
