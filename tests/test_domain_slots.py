from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.availability import SlotState, day_block, day_offers
from domain.pricing import PriceRules
from domain.slots import (
    DayHours,
    WeeklyHours,
    business_day,
    day_slots,
    describe_hours,
    hours_from_mapping,
    parse_hours,
    parse_slot_key,
    slot_key,
    slot_starting_at,
)

IST = ZoneInfo("Asia/Kolkata")
WEDNESDAY = date(2026, 11, 25)
FRIDAY = date(2026, 11, 27)
SUNDAY = date(2026, 11, 29)


def ist(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=IST).astimezone(UTC)


def test_day_slots_cover_opening_hours_in_whole_slots() -> None:
    hours = WeeklyHours({2: DayHours(time(10), time(13))})
    slots = day_slots(WEDNESDAY, hours, 60, IST)
    assert [s.label(IST) for s in slots] == ["10:00–11:00", "11:00–12:00", "12:00–13:00"]
    assert all(s.start.tzinfo is UTC or s.start.utcoffset() == timedelta(0) for s in slots)


def test_a_trailing_part_slot_is_not_offered() -> None:
    hours = WeeklyHours({2: DayHours(time(10), time(13))})
    slots = day_slots(WEDNESDAY, hours, 90, IST)
    assert [s.label(IST) for s in slots] == ["10:00–11:30", "11:30–13:00"]
    assert [
        s.label(IST) for s in day_slots(WEDNESDAY, WeeklyHours({2: DayHours(time(10), time(12))}), 90, IST)
    ] == ["10:00–11:30"]


def test_midnight_crossing_hours_sell_the_small_hours_as_part_of_the_opening_day() -> None:
    hours = WeeklyHours({4: DayHours(time(22), time(2))})
    slots = day_slots(FRIDAY, hours, 60, IST)
    assert [s.label(IST) for s in slots] == ["22:00–23:00", "23:00–00:00", "00:00–01:00", "01:00–02:00"]
    assert slots[-1].end == ist(FRIDAY + timedelta(days=1), 2)
    assert day_slots(FRIDAY + timedelta(days=1), hours, 60, IST) == []


def test_closing_at_midnight_ends_at_the_next_days_start() -> None:
    hours = WeeklyHours({2: DayHours(time(22), time(0))})
    assert [s.label(IST) for s in day_slots(WEDNESDAY, hours, 60, IST)] == ["22:00–23:00", "23:00–00:00"]


def test_equal_open_and_close_means_around_the_clock() -> None:
    hours = WeeklyHours({2: DayHours(time(6), time(6))})
    assert len(day_slots(WEDNESDAY, hours, 60, IST)) == 24


def test_closed_day_has_no_slots() -> None:
    hours = WeeklyHours({0: DayHours(time(10), time(22))})
    assert day_slots(WEDNESDAY, hours, 60, IST) == []
    assert not hours.is_open(WEDNESDAY)


def test_hours_that_run_into_the_next_days_opening_are_refused() -> None:
    with pytest.raises(ValueError, match="run into"):
        WeeklyHours({4: DayHours(time(20), time(3)), 5: DayHours(time(2), time(10))})


@pytest.mark.parametrize("bad", ["25:00-22:00", "10:00", "ten to two", ""])
def test_malformed_hours_are_refused_with_a_readable_message(bad: str) -> None:
    with pytest.raises(ValueError, match="10:00-22:00"):
        parse_hours(bad)


def test_hours_accept_bare_hours_and_en_dashes() -> None:
    assert parse_hours("10-22") == DayHours(time(10), time(22))
    assert parse_hours("09:30–01:00") == DayHours(time(9, 30), time(1))


def test_hours_round_trip_and_describe() -> None:
    hours = hours_from_mapping({"0": "10:00-22:00", "1": "10:00-22:00", "4": "10:00-02:00", "6": None})
    assert describe_hours(hours) == ["Mon–Tue 10:00–22:00", "Fri 10:00–02:00", "Closed Wed, Thu, Sat, Sun"]


def test_slot_keys_round_trip_and_reject_tampering() -> None:
    start = ist(WEDNESDAY, 18, 30)
    assert slot_key(start) == "20261125T1300Z"
    assert parse_slot_key(slot_key(start)) == start
    for tampered in ["20261125T1300", "2026-11-25", "x", "20261125T1300Z;drop"]:
        with pytest.raises(ValueError):
            parse_slot_key(tampered)


def test_availability_excludes_past_too_soon_taken_and_blocked() -> None:
    hours = WeeklyHours({2: DayHours(time(10), time(15))})
    slots = day_slots(WEDNESDAY, hours, 60, IST)
    now = ist(WEDNESDAY, 10, 30)
    offers = day_offers(
        slots,
        prices=PriceRules(60000, 80000),
        tz=IST,
        now=now,
        min_lead=timedelta(minutes=45),
        taken={slots[3].key},
        blocked={slots[4].key},
    )
    assert [o.state for o in offers] == [
        SlotState.PAST,  # 10:00, already running
        SlotState.TOO_SOON,  # 11:00 is 30 min away, lead is 45
        SlotState.FREE,  # 12:00
        SlotState.TAKEN,
        SlotState.BLOCKED,
    ]
    assert [o.bookable for o in offers] == [False, False, True, False, False]


def test_a_slot_exactly_at_the_lead_boundary_is_bookable() -> None:
    hours = WeeklyHours({2: DayHours(time(11), time(12))})
    slots = day_slots(WEDNESDAY, hours, 60, IST)
    at_boundary = day_offers(
        slots, prices=PriceRules(1, 1), tz=IST, now=ist(WEDNESDAY, 10, 30), min_lead=timedelta(minutes=30)
    )
    just_inside = day_offers(
        slots, prices=PriceRules(1, 1), tz=IST, now=ist(WEDNESDAY, 10, 31), min_lead=timedelta(minutes=30)
    )
    assert at_boundary[0].state is SlotState.FREE
    assert just_inside[0].state is SlotState.TOO_SOON


FRIDAY_NIGHTS = WeeklyHours({4: DayHours(time(10), time(2)), 5: DayHours(time(9), time(2))})


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (ist(FRIDAY, 23, 59), FRIDAY),
        (ist(FRIDAY + timedelta(days=1), 0, 10), FRIDAY),  # Friday's session runs until 02:00
        (ist(FRIDAY + timedelta(days=1), 1, 59), FRIDAY),
        (ist(FRIDAY + timedelta(days=1), 2, 0), FRIDAY + timedelta(days=1)),
        (ist(FRIDAY + timedelta(days=1), 8, 0), FRIDAY + timedelta(days=1)),
        (ist(FRIDAY, 0, 10), FRIDAY),  # Thursday is closed
        (ist(WEDNESDAY, 0, 10), WEDNESDAY),
    ],
)
def test_the_business_day_holds_until_its_session_closes(moment: datetime, day: date) -> None:
    assert business_day(moment, IST, FRIDAY_NIGHTS.on) == day


def test_a_business_day_ending_at_midnight_or_going_round_the_clock() -> None:
    midnight = WeeklyHours({2: DayHours(time(22), time(0))})
    assert business_day(ist(WEDNESDAY + timedelta(days=1), 0, 0), IST, midnight.on) == date(2026, 11, 26)
    around = WeeklyHours({2: DayHours(time(6), time(6))})
    assert business_day(ist(WEDNESDAY + timedelta(days=1), 5, 59), IST, around.on) == WEDNESDAY


def test_a_time_names_the_slot_of_that_business_days_session() -> None:
    slots = day_slots(FRIDAY, FRIDAY_NIGHTS, 60, IST)
    saturday = FRIDAY + timedelta(days=1)
    after_midnight = slot_starting_at(slots, time(0), IST)
    assert after_midnight is not None
    assert after_midnight.start == ist(saturday, 0)
    last = slot_starting_at(slots, time(1), IST)
    assert last is not None
    assert last.start == ist(saturday, 1)
    assert slot_starting_at(slots, time(2), IST) is None
    assert slot_starting_at(slots, time(9, 30), IST) is None


def test_blocking_a_day_takes_the_free_slots_and_leaves_the_booked() -> None:
    hours = WeeklyHours({2: DayHours(time(10), time(15))})
    slots = day_slots(WEDNESDAY, hours, 60, IST)
    offers = day_offers(
        slots,
        prices=PriceRules(1, 1),
        tz=IST,
        now=ist(WEDNESDAY, 10, 30),
        min_lead=timedelta(minutes=45),
        taken={slots[3].key},
        blocked={slots[4].key},
    )
    plan = day_block(offers)
    assert [o.slot for o in plan.free] == [slots[1], slots[2]]  # too soon to book, not to block
    assert [o.slot for o in plan.booked] == [slots[3]]
