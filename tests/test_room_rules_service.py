"""One session per booking and each room's own booking rules (issue 16 §0 and §4), held by
the booking service whatever a dialog sends, on the real wire-protocol database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.booking_status import BookingStatus
from domain.clock import ManualClock
from domain.errors import (
    NotOwnerError,
    RoomClosedError,
    SessionTooShortError,
    SlotsNotBookableError,
    SlotsNotContiguousError,
    TooManySlotsError,
)
from domain.refund import RefundPolicy
from domain.room_rules import RoomRuleError, RuleField, RuleProblem
from storage.booking_service import BookingRules, BookingService
from storage.models import Booking, Room, SlotClaim, User
from storage.room_settings import reset_room_rules, save_room_changes, save_room_rule
from tests.dialog_support import slot_keys

THURSDAY = date(2026, 11, 26)  # tomorrow by the test clock; Bass Cave open 10:00–22:00 IST
SATURDAY = date(2026, 11, 28)  # open 09:00–02:00
OWNER = 9001


async def snapshot() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    bookings = await Booking.get_pymongo_collection().find({}).sort("_id").to_list()
    claims = await SlotClaim.get_pymongo_collection().find({}).sort("_id").to_list()
    rooms = await Room.get_pymongo_collection().find({}).sort("_id").to_list()
    return bookings, claims, rooms


async def with_rules(room: Room, **rules: Any) -> Room:
    await Room.get_pymongo_collection().update_one({"_id": room.id}, {"$set": {"rules": rules}})
    stored = await Room.get(room.id)
    assert stored is not None
    return stored


# ---- §0: one session is one contiguous run ----------------------------------------------------


async def test_slots_with_a_gap_are_refused_naming_each_run_and_nothing_is_held(
    service: BookingService, room: Room, user: User
) -> None:
    before = await snapshot()
    with pytest.raises(SlotsNotContiguousError) as refused:
        await service.create_booking(user.id, room.id, THURSDAY, slot_keys(room, THURSDAY, 12, 18, 19))
    assert [(s.astimezone(room.zone).hour, e.astimezone(room.zone).hour) for s, e in refused.value.runs] == [
        (12, 13),
        (18, 20),
    ]
    assert str(refused.value) == (
        "12:00–13:00 and 18:00–20:00 are not next to each other: book them as two bookings."
    )
    assert await snapshot() == before


async def test_three_runs_are_named_and_asked_for_as_separate_bookings(
    service: BookingService, room: Room
) -> None:
    with pytest.raises(SlotsNotContiguousError) as refused:
        service.check_selection(room, THURSDAY, slot_keys(room, THURSDAY, 10, 12, 14))
    assert str(refused.value) == (
        "10:00–11:00, 12:00–13:00 and 14:00–15:00 are not next to each other: book them as separate bookings."
    )


async def test_a_contiguous_run_is_one_booking_even_across_midnight(
    service: BookingService, room: Room, user: User
) -> None:
    friday = date(2026, 11, 27)  # open 10:00 to 02:00
    booking = await service.create_booking(user.id, room.id, friday, slot_keys(room, friday, 23, 22))
    late = [k for k in (s.key for s in room.slots_on(friday)) if k.startswith("20261127T18")]  # 00:00 IST
    assert booking.starts_at.astimezone(room.zone).hour == 22
    assert booking.ends_at.astimezone(room.zone).hour == 0
    with pytest.raises(SlotsNotContiguousError):
        service.check_selection(room, friday, [*slot_keys(room, friday, 20), *late])


# ---- §4: the room's own rules, enforced by the service ----------------------------------------


async def test_a_room_without_rules_follows_the_settings(clock: ManualClock, room: Room, user: User) -> None:
    service = BookingService(clock, BookingRules(max_slots=2, horizon_days=10))
    rules = service.room_rules(room)
    assert (rules.max_slots, rules.horizon_days, rules.lead_minutes) == (2, 10, 30)
    assert rules.refund_policy == RefundPolicy()
    with pytest.raises(TooManySlotsError) as refused:
        await service.create_booking(user.id, room.id, THURSDAY, slot_keys(room, THURSDAY, 12, 13, 14))
    assert refused.value.limit == 2
    assert service.last_bookable_day(room) == date(2026, 12, 5)


async def test_the_rooms_slot_limit_lead_and_horizon_hold_whatever_the_dialog_sends(
    service: BookingService, room: Room, user: User
) -> None:
    room = await with_rules(room, max_slots=3, lead_minutes=26 * 60, horizon_days=7)
    before = await snapshot()
    with pytest.raises(TooManySlotsError) as too_many:
        await service.create_booking(user.id, room.id, THURSDAY, slot_keys(room, THURSDAY, 15, 16, 17, 18))
    assert too_many.value.limit == 3
    with pytest.raises(SlotsNotBookableError):  # 11:00 Thursday is 25 h away; the room wants 26 h
        await service.create_booking(user.id, room.id, THURSDAY, slot_keys(room, THURSDAY, 11))
    far = date(2026, 12, 3)  # today + 8 days
    with pytest.raises(RoomClosedError):
        await service.create_booking(user.id, room.id, far, slot_keys(room, far, 12))
    assert await snapshot() == before
    assert service.last_bookable_day(room) == date(2026, 12, 2)
    offers = {o.slot.key: o.bookable for o in await service.offers(room, THURSDAY)}
    assert offers[slot_keys(room, THURSDAY, 11)[0]] is False
    assert offers[slot_keys(room, THURSDAY, 13)[0]] is True
    booking = await service.create_booking(user.id, room.id, THURSDAY, slot_keys(room, THURSDAY, 13, 14, 15))
    assert booking.status is BookingStatus.PENDING_PAYMENT


async def test_a_weekend_minimum_refuses_a_short_saturday_and_lets_a_weekday_be(
    service: BookingService, room: Room, user: User
) -> None:
    room = await with_rules(room, weekend_min_session_minutes=120)
    before = await snapshot()
    with pytest.raises(SessionTooShortError) as refused:
        await service.create_booking(user.id, room.id, SATURDAY, slot_keys(room, SATURDAY, 12))
    assert (refused.value.chosen_minutes, refused.value.minimum_minutes) == (60, 120)
    assert str(refused.value) == (
        "Sessions here are at least 2 hours on that day; you picked 1 hour. Add the slots next to yours."
    )
    assert await snapshot() == before
    await service.create_booking(user.id, room.id, THURSDAY, slot_keys(room, THURSDAY, 12))
    await service.create_booking(user.id, room.id, SATURDAY, slot_keys(room, SATURDAY, 12, 13))


async def test_cancelling_refunds_by_the_tiers_shown_when_booking_even_if_the_owner_changes_them(
    service: BookingService, clock: ManualClock, room: Room, user: User
) -> None:
    room = await with_rules(room, refund_tiers=[{"notice_minutes": 48 * 60, "percent": 100}])
    deadlines = service.refund_deadlines(room, datetime(2026, 11, 28, 6, 30, tzinfo=UTC))
    assert [(d.until, d.percent) for d in deadlines.deadlines] == [
        (datetime(2026, 11, 26, 6, 30, tzinfo=UTC), 100)
    ]
    booking = await service.create_booking(user.id, room.id, SATURDAY, slot_keys(room, SATURDAY, 12))
    assert booking.refund_tiers == [{"notice_minutes": 2880, "percent": 100}]
    paid = await service.confirm_payment(booking, {"payment_id": "pay_1"})
    assert paid is not None
    await save_room_rule(room, OWNER, RuleField.REFUND_TIERS, RefundPolicy(()), service.rules.room_defaults)
    clock.set(paid.starts_at - timedelta(hours=49))
    outcome = await service.cancel_by_musician(str(paid.id), user.id)
    assert (outcome.refund.percent, outcome.refund.amount_paise) == (100, paid.amount_paise)


async def test_a_booking_from_before_room_rules_follows_its_rooms_tiers(
    service: BookingService, clock: ManualClock, room: Room, user: User
) -> None:
    booking = await service.create_booking(user.id, room.id, SATURDAY, slot_keys(room, SATURDAY, 12))
    paid = await service.confirm_payment(booking, {"payment_id": "pay_1"})
    assert paid is not None
    await Booking.get_pymongo_collection().update_one({"_id": paid.id}, {"$unset": {"refund_tiers": ""}})
    await with_rules(room, refund_tiers=[{"notice_minutes": 12 * 60, "percent": 25}])
    clock.set(paid.starts_at - timedelta(hours=30))  # the settings' tiers would give 100%
    old = await service.booking(paid.id)
    assert old.refund_tiers is None
    quote = await service.refund_quote(old)
    assert (quote.percent, quote.amount_paise) == (25, paid.amount_paise // 4)


# ---- saving the rules ---------------------------------------------------------------------------


async def test_an_owner_sets_one_rule_and_the_others_keep_following_the_settings(
    service: BookingService, room: Room
) -> None:
    saved = await save_room_rule(room, OWNER, RuleField.SLOT_LIMIT, 4, service.rules.room_defaults)
    assert saved.rules == {"max_slots": 4}
    assert service.room_rules(saved).max_slots == 4
    assert service.room_rules(saved).horizon_days == service.rules.horizon_days
    tiers = RefundPolicy.parse("48:100,12:50")
    saved = await save_room_rule(saved, OWNER, RuleField.REFUND_TIERS, tiers, service.rules.room_defaults)
    assert saved.rules["refund_tiers"] == [
        {"notice_minutes": 2880, "percent": 100},
        {"notice_minutes": 720, "percent": 50},
    ]
    reset = await reset_room_rules(saved, OWNER)
    assert reset.rules == {}
    assert service.room_rules(reset) == service.rules.room_defaults


@pytest.mark.parametrize(
    ("rule", "value", "problem"),
    [
        (RuleField.SLOT_LIMIT, 0, RuleProblem.OUT_OF_RANGE),
        (RuleField.SLOT_LIMIT, 25, RuleProblem.OUT_OF_RANGE),
        (RuleField.HORIZON, 400, RuleProblem.OUT_OF_RANGE),
        (RuleField.LEAD, 49 * 60, RuleProblem.OUT_OF_RANGE),
        (RuleField.WEEKEND_MIN_SESSION, 90, RuleProblem.NOT_WHOLE_SLOTS),
        (RuleField.WEEKDAY_MIN_SESSION, 9 * 60, RuleProblem.OUT_OF_RANGE),
    ],
)
async def test_a_rule_the_room_cannot_keep_is_refused_and_changes_nothing(
    service: BookingService, room: Room, rule: RuleField, value: int, problem: RuleProblem
) -> None:
    before = await snapshot()
    with pytest.raises(RoomRuleError) as refused:
        await save_room_rule(room, OWNER, rule, value, service.rules.room_defaults)
    assert (refused.value.rule, refused.value.problem) == (rule, problem)
    assert await snapshot() == before


async def test_a_minimum_longer_than_the_slot_limit_allows_is_refused(
    service: BookingService, room: Room
) -> None:
    room = await save_room_rule(room, OWNER, RuleField.SLOT_LIMIT, 2, service.rules.room_defaults)
    with pytest.raises(RoomRuleError) as refused:
        await save_room_rule(room, OWNER, RuleField.WEEKEND_MIN_SESSION, 180, service.rules.room_defaults)
    assert refused.value.problem is RuleProblem.OVER_SLOT_LIMIT


async def test_someone_who_does_not_own_the_room_changes_no_rule(service: BookingService, room: Room) -> None:
    before = await snapshot()
    with pytest.raises(NotOwnerError):
        await save_room_rule(room, 7007, RuleField.SLOT_LIMIT, 2, service.rules.room_defaults)
    with pytest.raises(NotOwnerError):
        await reset_room_rules(await with_rules(room, max_slots=3), 7007)
    after = await snapshot()
    assert after[0:2] == before[0:2]
    assert [r.get("rules") for r in after[2]] == [{"max_slots": 3}]


async def test_a_slot_length_the_rooms_minimum_does_not_fit_is_refused(
    service: BookingService, room: Room
) -> None:
    room = await with_rules(room, weekend_min_session_minutes=120)
    defaults = service.rules.room_defaults
    with pytest.raises(RoomRuleError) as refused:
        await save_room_changes(room, {"slot_minutes": 45}, THURSDAY, rules_defaults=defaults)
    assert refused.value.problem is RuleProblem.NOT_WHOLE_SLOTS
    assert (await Room.get(room.id)).slot_minutes == 60  # type: ignore[union-attr]
    saved = await save_room_changes(room, {"slot_minutes": 30}, THURSDAY, rules_defaults=defaults)
    assert saved.slot_minutes == 30
