"""The owner's Payouts screen through the real dispatcher, with bookings paid through the
real SDK against the fake Razorpay: per booking paid, the platform's fee, Razorpay's fee
and tax, what was transferred and when; per month what was settled; payouts off said
plainly for a room without a linked account and on the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram.fsm.storage.base import BaseStorage

from bot.config import Settings
from domain.clock import ManualClock
from domain.words.formats import money
from storage.booking_service import BookingService
from storage.database import Database
from storage.models import Booking, Room, User
from storage.payouts import set_payout_account
from tests.dialog_support import Musician, make_dispatcher, make_services
from tests.fakes.razorpay_api import FakeRazorpayAPI
from tests.payment_support import PaymentWorld, held_booking, open_world, razorpay_settings

ACCOUNT = "acc_Owner0000000001"


@pytest.fixture
async def world(
    db: Database, clock: ManualClock, service: BookingService, razorpay_api: FakeRazorpayAPI
) -> AsyncIterator[PaymentWorld]:
    razorpay_api.accounts.add(ACCOUNT)
    async with open_world(razorpay_api, clock, service, commission_bp=1000) as opened:
        yield opened


def owner_chat(
    db: Database, clock: ManualClock, service: BookingService, storage: BaseStorage, settings: Settings
) -> Musician:
    dispatcher, manager = make_dispatcher(make_services(db, clock, service, settings=settings), storage)
    return Musician(dispatcher, manager, user_id=9001, name="Ravi")


async def paid(world: PaymentWorld, room: Room, user: User, *hours: int) -> Booking:
    booking = await held_booking(world, room, user, *hours)
    payment_id = world.api.pay_link(booking.payment["link_id"])
    await world.post_event(world.api.paid_event(booking.payment["link_id"], payment_id))
    await world.payments.drain()
    return await world.payments.bookings.booking(booking.id)


async def open_payouts(owner: Musician) -> str:
    await owner.send("/owner")
    await owner.tap("💸 Payouts")
    return owner.text


async def test_the_owner_sees_each_payout_and_the_month_settled(
    db: Database,
    clock: ManualClock,
    service: BookingService,
    dialog_storage: BaseStorage,
    world: PaymentWorld,
    room: Room,
    user: User,
) -> None:
    linked = await set_payout_account(room, ACCOUNT)
    booking = await paid(world, linked, user, 12, 13)
    owner = owner_chat(db, clock, service, dialog_storage, razorpay_settings(world.api, commission_bp=1000))
    text = await open_payouts(owner)
    fee, tax = world.api.charges(booking.amount_paise)
    assert "Payouts are <b>on</b>" in text
    assert ACCOUNT in text
    assert "the platform keeps 10%" in text
    line = next(line for line in text.splitlines() if booking.code in line)
    assert f"paid {money(120000)}" in line
    assert f"platform fee {money(12000)}" in line
    assert f"Razorpay fee {money(fee)} (incl. tax {money(tax)})" in line
    assert f"transferred {money(108000)} at " in line
    assert "on Wed 25 Nov (IST)" in line  # when: the test clock's moment in the room's zone
    assert f"November 2026: {money(108000)} settled to you (1 transfer)" in text.replace("<b>", "").replace(
        "</b>", ""
    )
    assert "October 2026:" in text
    await owner.tap("‹ Room")
    assert "Bass Cave Studio" in owner.text


async def test_a_room_without_an_account_says_payouts_are_off(
    db: Database,
    clock: ManualClock,
    service: BookingService,
    dialog_storage: BaseStorage,
    world: PaymentWorld,
    room: Room,
    user: User,
) -> None:
    booking = await paid(world, room, user, 12)
    owner = owner_chat(db, clock, service, dialog_storage, razorpay_settings(world.api, commission_bp=1000))
    text = await open_payouts(owner)
    assert "no Razorpay linked account is set" in text
    line = next(line for line in text.splitlines() if booking.code in line)
    assert "not paid out (payouts off)" in line
    assert "platform fee" not in line
    assert "Razorpay fee" in line
    assert world.api.transfers == []


async def test_the_sandbox_says_payouts_are_off_and_starts_without_error(
    db: Database, clock: ManualClock, service: BookingService, dialog_storage: BaseStorage, room: Room
) -> None:
    await set_payout_account(room, ACCOUNT)
    owner = owner_chat(db, clock, service, dialog_storage, Settings(_env_file=None))  # type: ignore[call-arg]
    text = await open_payouts(owner)
    assert "the bot runs without Razorpay" in text
    assert "No paid bookings with sessions this month." in text


async def test_help_tells_owners_about_payouts(
    db: Database, clock: ManualClock, service: BookingService, dialog_storage: BaseStorage
) -> None:
    owner = owner_chat(db, clock, service, dialog_storage, Settings(_env_file=None))  # type: ignore[call-arg]
    await owner.send("/help")
    assert "payouts (each booking's share sent to your Razorpay account" in owner.bot.sent_texts()[-1]
