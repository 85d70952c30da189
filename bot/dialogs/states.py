"""Every dialog's states in one place, so navigation between dialogs reads at a glance."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class MainSG(StatesGroup):
    menu = State()
    help = State()
    language = State()


class RoomsSG(StatesGroup):
    cities = State()
    rooms = State()
    card = State()


class BookingSG(StatesGroup):
    day = State()
    slots = State()
    review = State()
    pay = State()
    gstin = State()
    gst_name = State()
    weeks = State()
    series = State()


class FreeSlotsSG(StatesGroup):
    city = State()
    results = State()


class MyBookingsSG(StatesGroup):
    list = State()
    details = State()
    cancel = State()
    waits = State()


class ChangeSG(StatesGroup):
    """Move a paid session, or add an hour to it (bot/dialogs/moving.py)."""

    day = State()
    slots = State()
    review = State()
    pay = State()
    extend = State()


class OwnerSG(StatesGroup):
    rooms = State()
    room = State()
    earnings = State()
    csv = State()
    payouts = State()


class OwnerDaySG(StatesGroup):
    calendar = State()
    schedule = State()
    booking = State()
    reason = State()
    terminate = State()
    blocks = State()


class RoomSettingsSG(StatesGroup):
    menu = State()
    price = State()
    peak_price = State()
    peak_hours = State()
    hours_days = State()
    hours = State()
    slot_length = State()
    description = State()
    photo = State()
    rules = State()
    rule_weekday_min = State()
    rule_weekend_min = State()
    rule_horizon = State()
    rule_lead = State()
    rule_slot_limit = State()
    rule_refunds = State()
    check_in = State()
    phone = State()


class PrivacySG(StatesGroup):
    policy = State()
    confirm = State()
