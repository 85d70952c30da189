"""End to end over HTTP: the real Bot and Dispatcher long-polling the local Bot API
stand-in, dialog state in MongoDB, the sandbox gateway posting its signed webhooks to
our web server. A band books a weekly slot for three weeks, pays once in the chat, then
cancels the last week from My bookings: that week's refund is processed (the sandbox's
refund.processed webhook comes back to it by the notes it echoes) and the other weeks
stay booked."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from aiogram_dialog.widgets.kbd.calendar_kbd import raw_from_date

from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from domain.refund_status import RefundStatus
from payments.sandbox import SandboxGateway
from payments.setup import PaymentSetup
from storage.models import Booking, Room
from storage.series import series_weeks
from tests.dialog_support import slot_keys
from tests.fakes.bot_api import BotApi, button, buttons
from tests.telegram_support import ASHA, Phone

THURSDAY = date(2026, 11, 26)


@pytest.mark.usefixtures("sandbox_bot")
async def test_a_band_pays_a_weekly_slot_in_the_chat_and_cancels_one_week(
    bot_api: BotApi, room: Room, clock: ManualClock, sandbox: PaymentSetup
) -> None:
    phone = Phone(bot_api)
    await phone.send("/start room_bass-cave-indiranagar")
    await phone.tap(button(phone.screen, text="📅 Book"))
    await phone.tap(button(phone.screen, data_suffix=f"calendar:{raw_from_date(THURSDAY)}"))
    for key in slot_keys(room, THURSDAY, 20, 21):
        await phone.tap(button(phone.screen, data_suffix=f"slots:{key}"))
    await phone.tap(button(phone.screen, text="Review"))
    await phone.tap(button(phone.screen, text="🔁 Repeat weekly"))
    await phone.tap(button(phone.screen, text="3 weeks"))
    assert "Total for 3 weeks: <b>₹4,800</b>" in phone.screen["text"]
    await phone.tap(button(phone.screen, text="✅ Confirm 3 weeks"))
    assert "Weekly booking JW-" in phone.screen["text"]
    await phone.tap(button(phone.screen, text="💳 Pay ₹4,800 (test)"))

    weeks = await Booking.find(Booking.user_id == ASHA["id"]).sort("day").to_list()
    code = weeks[0].series.code if weeks[0].series else ""
    assert [w.day for w in weeks] == [THURSDAY + timedelta(weeks=n) for n in range(3)]
    assert {w.status for w in await series_weeks(code)} == {BookingStatus.NOT_STARTED}

    await phone.send("/bookings")
    assert phone.screen["text"].count("🔁 week") == 3
    await phone.tap(button(phone.screen, text=weeks[2].code))
    await phone.tap(button(phone.screen, text="✖ Cancel this booking"))
    assert "The other weeks stay booked." in phone.screen["text"]
    await phone.tap(button(phone.screen, text="Yes, cancel it"))
    assert "₹1,600 will be refunded" in phone.screen["text"]
    gateway = sandbox.service.gateway
    assert isinstance(gateway, SandboxGateway)
    await gateway.drain()

    after = await series_weeks(code)
    assert [w.status for w in after] == [BookingStatus.NOT_STARTED] * 2 + [BookingStatus.CANCELLED]
    assert [[(e.status, e.amount_paise) for e in w.refunds.values()] for w in after] == [
        [],
        [],
        [(RefundStatus.PROCESSED, 160000)],
    ]
    assert [b["text"] for b in buttons(phone.screen)][-1] == "‹ My bookings"
