from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import product
from zoneinfo import ZoneInfo

import pytest

from domain.availability import SlotState, day_offers
from domain.free_query import (
    FreeQueryError,
    FreeQueryProblem,
    FreeRoom,
    FreeWindow,
    RoomFreeSlots,
    free_rooms,
    parse_free_query,
    search_day,
)
from domain.pricing import PriceRules
from domain.slots import DayHours, Slot, WeeklyHours, day_slots

IST = ZoneInfo("Asia/Kolkata")
FRIDAY = date(2026, 11, 27)
SATURDAY = date(2026, 11, 28)
FRIDAY_3PM = datetime(2026, 11, 27, 15, 0, tzinfo=IST)
SATURDAY_1AM = datetime(2026, 11, 28, 1, 0, tzinfo=IST)  # still Friday night


def local(window: FreeWindow) -> tuple[str, str, str]:
    return (
        window.day.isoformat(),
        window.starts.astimezone(IST).strftime("%a %d %H:%M"),
        window.ends.astimezone(IST).strftime("%a %d %H:%M"),
    )


@pytest.mark.parametrize(
    ("text", "day", "starts", "ends"),
    [
        ("", "2026-11-27", "Fri 27 15:00", "Sat 28 06:00"),
        ("today", "2026-11-27", "Fri 27 15:00", "Sat 28 06:00"),
        ("tonight", "2026-11-27", "Fri 27 18:00", "Sat 28 06:00"),
        ("tomorrow", "2026-11-28", "Sat 28 00:00", "Sun 29 06:00"),
        ("tomorrow 18-22", "2026-11-28", "Sat 28 18:00", "Sat 28 22:00"),
        ("sat", "2026-11-28", "Sat 28 00:00", "Sun 29 06:00"),
        ("saturday 18:30-22", "2026-11-28", "Sat 28 18:30", "Sat 28 22:00"),
        ("fri", "2026-11-27", "Fri 27 15:00", "Sat 28 06:00"),
        ("friday", "2026-11-27", "Fri 27 15:00", "Sat 28 06:00"),
        ("thu", "2026-12-03", "Thu 03 00:00", "Fri 04 06:00"),
        ("thurs", "2026-12-03", "Thu 03 00:00", "Fri 04 06:00"),
        ("sun", "2026-11-29", "Sun 29 00:00", "Mon 30 06:00"),
        ("2026-12-05", "2026-12-05", "Sat 05 00:00", "Sun 06 06:00"),
        ("2026-12-5 6pm-10pm", "2026-12-05", "Sat 05 18:00", "Sat 05 22:00"),
        ("2026-11-27", "2026-11-27", "Fri 27 15:00", "Sat 28 06:00"),
        ("18-22", "2026-11-27", "Fri 27 18:00", "Fri 27 22:00"),
        ("16-22", "2026-11-27", "Fri 27 16:00", "Fri 27 22:00"),
        ("14-16", "2026-11-27", "Fri 27 15:00", "Fri 27 16:00"),
        ("6pm-10pm", "2026-11-27", "Fri 27 18:00", "Fri 27 22:00"),
        ("6 pm - 10 pm", "2026-11-27", "Fri 27 18:00", "Fri 27 22:00"),
        ("6 p.m. to 10 p.m.", "2026-11-27", "Fri 27 18:00", "Fri 27 22:00"),
        ("18.30–21", "2026-11-27", "Fri 27 18:30", "Fri 27 21:00"),
        ("6-10pm", "2026-11-27", "Fri 27 18:00", "Fri 27 22:00"),
        ("6pm-10", "2026-11-27", "Fri 27 18:00", "Fri 27 22:00"),
        ("6pm-6", "2026-11-27", "Fri 27 18:00", "Sat 28 06:00"),
        ("tomorrow 11-1pm", "2026-11-28", "Sat 28 11:00", "Sat 28 13:00"),
        ("tomorrow 12-3pm", "2026-11-28", "Sat 28 12:00", "Sat 28 15:00"),
        ("10pm-1", "2026-11-27", "Fri 27 22:00", "Sat 28 01:00"),
        ("22-2", "2026-11-27", "Fri 27 22:00", "Sat 28 02:00"),
        ("18-24", "2026-11-27", "Fri 27 18:00", "Sat 28 00:00"),
        ("1-3", "2026-11-27", "Sat 28 01:00", "Sat 28 03:00"),
        ("tonight 9-11", "2026-11-27", "Fri 27 21:00", "Fri 27 23:00"),
        ("tonight 11-1", "2026-11-27", "Fri 27 23:00", "Sat 28 01:00"),
        ("tonight 10-12", "2026-11-27", "Fri 27 22:00", "Sat 28 00:00"),
        ("tonight 12-2", "2026-11-27", "Sat 28 00:00", "Sat 28 02:00"),
        ("tonight 20-23", "2026-11-27", "Fri 27 20:00", "Fri 27 23:00"),
        ("sat night", "2026-11-28", "Sat 28 18:00", "Sun 29 06:00"),
        ("TOMORROW 6PM-10PM", "2026-11-28", "Sat 28 18:00", "Sat 28 22:00"),
        ("  Tonight  ", "2026-11-27", "Fri 27 18:00", "Sat 28 06:00"),
        ("aaj", "2026-11-27", "Fri 27 15:00", "Sat 28 06:00"),
        ("aaj raat", "2026-11-27", "Fri 27 18:00", "Sat 28 06:00"),
        ("Aaj Raat 9-11", "2026-11-27", "Fri 27 21:00", "Fri 27 23:00"),
        ("kal", "2026-11-28", "Sat 28 00:00", "Sun 29 06:00"),
        ("kal raat", "2026-11-28", "Sat 28 18:00", "Sun 29 06:00"),
        ("parso 18-22", "2026-11-29", "Sun 29 18:00", "Sun 29 22:00"),
        ("आज रात", "2026-11-27", "Fri 27 18:00", "Sat 28 06:00"),
        ("कल 18-22", "2026-11-28", "Sat 28 18:00", "Sat 28 22:00"),
    ],
    ids=repr,
)
def test_free_arguments_on_a_friday_afternoon(text: str, day: str, starts: str, ends: str) -> None:
    assert local(parse_free_query(text, now=FRIDAY_3PM)) == (day, starts, ends)


@pytest.mark.parametrize(
    ("text", "day", "starts", "ends"),
    [
        ("", "2026-11-27", "Sat 28 01:00", "Sat 28 06:00"),
        ("today", "2026-11-27", "Sat 28 01:00", "Sat 28 06:00"),
        ("tonight", "2026-11-27", "Sat 28 01:00", "Sat 28 06:00"),
        ("tomorrow", "2026-11-28", "Sat 28 01:00", "Sun 29 06:00"),
        ("tomorrow 18-22", "2026-11-28", "Sat 28 18:00", "Sat 28 22:00"),
        ("sat", "2026-11-28", "Sat 28 01:00", "Sun 29 06:00"),
        ("fri", "2026-11-27", "Sat 28 01:00", "Sat 28 06:00"),
        ("1-3", "2026-11-27", "Sat 28 01:00", "Sat 28 03:00"),
        ("2026-11-28 20-22", "2026-11-28", "Sat 28 20:00", "Sat 28 22:00"),
    ],
    ids=repr,
)
def test_after_midnight_today_is_still_the_night_before(text: str, day: str, starts: str, ends: str) -> None:
    assert search_day(SATURDAY_1AM) == FRIDAY
    assert local(parse_free_query(text, now=SATURDAY_1AM)) == (day, starts, ends)


def test_at_six_in_the_morning_the_new_day_begins() -> None:
    six = datetime(2026, 11, 28, 6, 0, tzinfo=IST)
    assert search_day(six - timedelta(microseconds=1)) == FRIDAY
    assert search_day(six) == SATURDAY
    assert local(parse_free_query("fri", now=six)) == ("2026-12-04", "Fri 04 00:00", "Sat 05 06:00")


def test_the_window_is_in_the_musicians_zone_when_told() -> None:
    london = ZoneInfo("Europe/London")
    window = parse_free_query("tomorrow 18-22", now=FRIDAY_3PM, zone=london)
    assert window.starts == datetime(2026, 11, 28, 18, 0, tzinfo=london)
    assert window.starts.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "problem", "part", "day"),
    [
        ("blah", FreeQueryProblem.UNKNOWN_DAY, "blah", None),
        ("next week", FreeQueryProblem.UNKNOWN_DAY, "next", None),
        ("yesterday", FreeQueryProblem.UNKNOWN_DAY, "yesterday", None),
        ("2026-02-30", FreeQueryProblem.BAD_DATE, "2026-02-30", None),
        ("2026-13-01 18-22", FreeQueryProblem.BAD_DATE, "2026-13-01", None),
        ("2026-11-26", FreeQueryProblem.PAST_DAY, "2026-11-26", date(2026, 11, 26)),
        ("2025-12-31 18-22", FreeQueryProblem.PAST_DAY, "2025-12-31", date(2025, 12, 31)),
        ("tomorrow evening late", FreeQueryProblem.BAD_HOURS, "late", SATURDAY),
        ("tomorrow 18", FreeQueryProblem.BAD_HOURS, "18", SATURDAY),
        ("18-25", FreeQueryProblem.BAD_HOURS, "18-25", FRIDAY),
        ("24:30-2", FreeQueryProblem.BAD_HOURS, "24:30-2", FRIDAY),
        ("18:75-22", FreeQueryProblem.BAD_HOURS, "18:75-22", FRIDAY),
        ("13pm-2pm", FreeQueryProblem.BAD_HOURS, "13pm-2pm", FRIDAY),
        ("0am-2am", FreeQueryProblem.BAD_HOURS, "0am-2am", FRIDAY),
        ("18-22-23", FreeQueryProblem.BAD_HOURS, "18-22-23", FRIDAY),
        ("18-22 please", FreeQueryProblem.BAD_HOURS, "18-22 please", FRIDAY),
        ("sat sun", FreeQueryProblem.BAD_HOURS, "sun", SATURDAY),
        ("18-18", FreeQueryProblem.EMPTY_HOURS, "18-18", FRIDAY),
        ("6pm-18", FreeQueryProblem.EMPTY_HOURS, "6pm-18", FRIDAY),
        ("today 10-12", FreeQueryProblem.OVER, "today 10-12", FRIDAY),
        ("9am-3pm", FreeQueryProblem.OVER, "9am-3pm", FRIDAY),
    ],
    ids=repr,
)
def test_arguments_that_say_no_window_are_refused_as_data(
    text: str, problem: FreeQueryProblem, part: str, day: date | None
) -> None:
    with pytest.raises(FreeQueryError) as refused:
        parse_free_query(text, now=FRIDAY_3PM)
    assert (refused.value.problem, refused.value.part, refused.value.day) == (problem, part, day)


QUERIES = ["", "today", "tonight", "tomorrow", "sat", "18-22", "tonight 11-1", "22-2", "1-3", "kal raat"]
MOMENTS = [datetime(2026, 11, 27, 0, 0, tzinfo=IST) + timedelta(minutes=37 * n) for n in range(80)]


def window_unless_over(text: str, now: datetime) -> FreeWindow | None:
    try:
        return parse_free_query(text, now=now)
    except FreeQueryError as refused:
        if refused.problem is not FreeQueryProblem.OVER:
            raise
        return None


@pytest.mark.parametrize("text", QUERIES)
def test_a_window_never_starts_in_the_past_and_never_is_empty(text: str) -> None:
    for now in MOMENTS:
        window = window_unless_over(text, now)
        if window is not None:
            assert now <= window.starts < window.ends, now
            assert window.day >= search_day(now), now


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_free_query("", now=datetime(2026, 11, 27, 15, 0))


# ---- which rooms answer ---------------------------------------------------------------------


@dataclass(frozen=True)
class Free:
    slot: Slot
    price_paise: int


def ist(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=IST).astimezone(UTC)


def free(day: date, hour: int, price: int) -> Free:
    return Free(Slot(ist(day, hour), ist(day, hour) + timedelta(hours=1)), price)


TONIGHT = parse_free_query("tonight 18-22", now=FRIDAY_3PM)


def names(found: list[FreeRoom[Free]]) -> list[tuple[str, list[int], int]]:
    return [(r.name, [s.slot.start.astimezone(IST).hour for s in r.slots], r.cheapest_paise) for r in found]


def test_rooms_with_free_slots_in_the_window_come_cheapest_first() -> None:
    rooms = [
        RoomFreeSlots("1", "Bass Cave", [free(FRIDAY, 19, 90_000), free(FRIDAY, 18, 80_000)]),
        RoomFreeSlots("2", "Attic", [free(FRIDAY, 20, 60_000), free(FRIDAY, 12, 10_000)]),
        RoomFreeSlots("3", "Drum Den", [free(FRIDAY, 22, 5_000), free(FRIDAY, 16, 5_000)]),
        RoomFreeSlots("4", "Echo", []),
        RoomFreeSlots("5", "Cellar", [free(FRIDAY, 21, 70_000), free(FRIDAY, 18, 120_000)]),
    ]
    assert names(free_rooms(rooms, TONIGHT)) == [
        ("Attic", [20], 60_000),
        ("Cellar", [18, 21], 70_000),
        ("Bass Cave", [18, 19], 80_000),
    ]


def test_a_slot_must_lie_wholly_inside_the_window() -> None:
    half_past = Free(
        Slot(ist(FRIDAY, 21) + timedelta(minutes=30), ist(FRIDAY, 22) + timedelta(minutes=30)), 1
    )
    early = Free(Slot(ist(FRIDAY, 17) + timedelta(minutes=30), ist(FRIDAY, 18) + timedelta(minutes=30)), 1)
    edges = [free(FRIDAY, 18, 2), free(FRIDAY, 21, 2)]
    found = free_rooms([RoomFreeSlots("1", "Edge", [half_past, early, *edges])], TONIGHT)
    assert names(found) == [("Edge", [18, 21], 2)]


def test_equal_prices_are_ordered_by_name_then_id() -> None:
    rooms = [
        RoomFreeSlots(room_id, name, [free(FRIDAY, 19, 50_000)])
        for room_id, name in [("9", "beat box"), ("2", "Zed"), ("7", "Alpha"), ("3", "Beat Box")]
    ]
    assert [(r.name, r.room_id) for r in free_rooms(rooms, TONIGHT)] == [
        ("Alpha", "7"),
        ("Beat Box", "3"),
        ("beat box", "9"),
        ("Zed", "2"),
    ]


def test_slot_offers_answer_as_they_are() -> None:
    thursday = date(2026, 12, 3)
    offers = day_offers(
        day_slots(thursday, WeeklyHours({3: DayHours(time(10), time(2))}), 60, IST),
        prices=PriceRules(hourly_paise=50_000, peak_hourly_paise=80_000),
        tz=IST,
        now=FRIDAY_3PM,
        min_lead=timedelta(minutes=30),
        taken={Slot(ist(thursday, 23), ist(thursday, 23) + timedelta(hours=1)).key},
    )
    late = parse_free_query("thu night 22-2", now=FRIDAY_3PM)
    bookable = [o for o in offers if o.state is SlotState.FREE]
    (found,) = free_rooms([RoomFreeSlots("1", "Night Owl", bookable)], late)
    assert [o.slot.label(IST) for o in found.slots] == ["22:00–23:00", "00:00–01:00", "01:00–02:00"]
    assert [o.peak for o in found.slots] == [True, False, False]
    assert found.cheapest_paise == 50_000


def test_every_room_and_slot_pairing_keeps_the_order_rule() -> None:
    prices = [30_000, 50_000, 50_000]
    for a, b, c in product(prices, repeat=3):
        rooms = [
            RoomFreeSlots("a", "A", [free(FRIDAY, 19, a)]),
            RoomFreeSlots("b", "B", [free(FRIDAY, 20, b), free(FRIDAY, 11, 1)]),
            RoomFreeSlots("c", "C", [free(FRIDAY, 21, c)]),
        ]
        found = free_rooms(rooms, TONIGHT)
        keys = [(r.cheapest_paise, r.name) for r in found]
        assert keys == sorted(keys)
        assert len(found) == 3
