"""The pay buttons of every pay screen: the booking's pay step and My bookings' details.

With Razorpay, a URL button to the booking's payment link. With the sandbox gateway,
a URL button to its pay page when PUBLIC_BASE_URL is one a phone can open (a tunnel,
a server); otherwise Telegram would refuse the button (a host without a dot) and a
phone could not open the laptop's localhost anyway, so the screen offers the
sandbox's Pay and Fail in the chat. Those take the path of a real payment: the
sandbox marks its link paid (or declines the payment) and sends our webhook the
event, signed as Razorpay signs it; the confirmation and invoice follow from there.

The booking id comes from the dialog's own data, never from the button, and is read
again through ``booking_of_user``: a tap can only pay the tapper's own booking, once,
while it is held, and never where real Razorpay keys are configured."""

from __future__ import annotations

from typing import Any

from aiogram.types import CallbackQuery
from aiogram_dialog import DialogManager
from aiogram_dialog.widgets.kbd import Button, Column, Url

from bot.dialogs.room_cache import room_of
from bot.i18n import Const, Format
from domain.booking_status import BookingStatus
from domain.errors import BookingError
from domain.urls import telegram_accepts_button_url
from domain.words import musician
from payments.sandbox import SandboxGateway
from storage.booking_service import BookingService
from storage.models import Booking


def sandbox_of(payments: Any) -> SandboxGateway | None:
    """The sandbox gateway behind the payment service, or None with Razorpay (or none)."""
    gateway = getattr(payments, "gateway", None)
    return gateway if isinstance(gateway, SandboxGateway) else None


def pay_options(payments: Any, booking: Booking) -> dict[str, Any]:
    """What the pay widgets show for a booking waiting for payment (getter data)."""
    return link_options(payments, booking.payment.get("link_id"), booking.payment.get("link_url"))


def link_options(payments: Any, link_id: str | None, url: str | None) -> dict[str, Any]:
    """What the pay widgets show for a payment link (a booking's, or a move's or an extra
    hour's): its page when Telegram takes the URL, the sandbox's in-chat buttons when a
    phone could not open its page."""
    sandbox = sandbox_of(payments)
    in_chat = False
    if sandbox is not None and link_id:
        url = sandbox.page_url(link_id)  # under today's PUBLIC_BASE_URL
        in_chat = not sandbox.pages_open_on_a_phone
    return {
        "pay_url": url if url and not in_chat and telegram_accepts_button_url(url) else None,
        "pay_in_chat": in_chat,
        "test_payments": sandbox is not None,
    }


NO_PAYMENT = {"pay_url": None, "pay_in_chat": False, "test_payments": False}
"""Getter data for a screen without pay buttons (paid, expired, cancelled...)."""


def pay_notice() -> Const:
    return Const(musician.SANDBOX_NOTICE, when="test_payments")


def pay_buttons() -> Column:
    """The pay buttons; the getter provides ``amount`` and ``pay_options``' keys."""
    return Column(
        Url(Format("💳 Pay {amount}"), Format("{pay_url}"), id="pay", when="pay_url"),
        Button(Format("💳 Pay {amount} (test)"), id="test_pay", on_click=on_test_pay, when="pay_in_chat"),
        Button(Const("Fail the payment (test)"), id="test_fail", on_click=on_test_fail, when="pay_in_chat"),
    )


# ---- handlers ------------------------------------------------------------------------


def _service(manager: DialogManager) -> BookingService:
    return manager.middleware_data["booking_service"]


async def _held_for_test_payment(
    callback: CallbackQuery, manager: DialogManager
) -> tuple[SandboxGateway, Booking, str] | None:
    """(sandbox, booking, link id) when the tapper's booking can be paid in the sandbox
    now; otherwise the tapper is told why and None is returned."""
    sandbox = sandbox_of(manager.middleware_data.get("payments"))
    if sandbox is None:
        await callback.answer(musician.REAL_PAYMENTS_ONLY, show_alert=True)
        return None
    service = _service(manager)
    booking_id = manager.dialog_data.get("booking_id", "")
    try:
        booking = await service.booking_of_user(booking_id, callback.from_user.id)
    except BookingError:
        await callback.answer(musician.SANDBOX_NOT_YOURS, show_alert=True)
        return None
    if booking.status is not BookingStatus.PENDING_PAYMENT:
        await callback.answer(musician.sandbox_nothing_to_pay(booking))
        return None
    if booking.hold_expires_at <= service.clock.now():
        await callback.answer(musician.SANDBOX_HOLD_ENDED, show_alert=True)
        return None
    link_id = booking.payment.get("link_id")
    if not link_id:
        await callback.answer(musician.SANDBOX_NO_LINK_YET, show_alert=True)
        return None
    return sandbox, booking, link_id


def _link_refusal(link: dict[str, Any] | None) -> str:
    if link is None:
        return musician.SANDBOX_LINK_GONE
    if link["status"] == "paid":
        return musician.SANDBOX_ALREADY_PAID
    return musician.sandbox_link_closed(link["status"])


async def on_test_pay(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    held = await _held_for_test_payment(callback, manager)
    if held is None:
        return
    sandbox, booking, link_id = held
    link, refusal = await sandbox.pay(link_id)
    if refusal is not None:
        await callback.answer(_link_refusal(link), show_alert=True)
        return
    settled = await _service(manager).booking(booking.id)
    confirming = settled.status is BookingStatus.PENDING_PAYMENT
    await callback.answer(musician.SANDBOX_PAID_CONFIRMING if confirming else musician.SANDBOX_PAID)


async def on_test_fail(callback: CallbackQuery, button: Button, manager: DialogManager) -> None:
    held = await _held_for_test_payment(callback, manager)
    if held is None:
        return
    sandbox, booking, link_id = held
    link = await sandbox.fail(link_id)
    if link is None or link["status"] != "created":
        await callback.answer(_link_refusal(link), show_alert=True)
        return
    room = await room_of(manager, booking.room_id)
    await callback.answer(musician.sandbox_declined(booking, room), show_alert=True)
