"""Weekly standing slots: the same local times every week, across clock changes, with
the weeks that cannot be booked named. Pure rules, no database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.series import (
    MAX_WEEKS,
    MIN_WEEKS,
    Obstacle,
    Occurrence,
    SeriesProblem,
    SeriesRefusedError,
    WeeklySelection,
    plan_series,
    weekly_occurrences,
)
from domain.slots import DayHours, WeeklyHours, day_slots, index_slots, slot_key

IST = ZoneInfo("Asia/Kolkata")
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def run(day: date, at: time, hours: int, tz: ZoneInfo, *, after_midnight: bool = False) -> WeeklySelection:
    """A run of ``hours`` one-hour slots starting at ``at`` on business day ``day``."""
    calendar_day = day + timedelta(days=1) if after_midnight else day
    first = datetime.combine(calendar_day, at, tzinfo=tz).astimezone(UTC)
    return WeeklySelection(day, tuple(first + timedelta(hours=h) for h in range(hours)), 60, tz)


def local_times(occurrences: tuple[Occurrence, ...]) -> list[tuple[date, str, str]]:
    return [(o.day, f"{o.starts_at:%a %d %b %H:%M}", f"{o.ends_at:%a %d %b %H:%M}") for o in occurrences]


def test_a_weekly_session_in_india_is_the_same_instant_every_week() -> None:
    selection = run(date(2026, 11, 25), time(19), 2, IST)
    occurrences = weekly_occurrences(selection, 4)
    assert local_times(occurrences) == [
        (date(2026, 11, 25), "Wed 25 Nov 19:00", "Wed 25 Nov 21:00"),
        (date(2026, 12, 2), "Wed 02 Dec 19:00", "Wed 02 Dec 21:00"),
        (date(2026, 12, 9), "Wed 09 Dec 19:00", "Wed 09 Dec 21:00"),
        (date(2026, 12, 16), "Wed 16 Dec 19:00", "Wed 16 Dec 21:00"),
    ]
    assert [o.slot_keys for o in occurrences] == [
        ("20261125T1330Z", "20261125T1430Z"),
        ("20261202T1330Z", "20261202T1430Z"),
        ("20261209T1330Z", "20261209T1430Z"),
        ("20261216T1330Z", "20261216T1430Z"),
    ]
    assert [o.week for o in occurrences] == [0, 1, 2, 3]
    assert all(o.obstacle is None for o in occurrences)


def test_the_first_week_is_the_selection_itself() -> None:
    selection = run(date(2026, 11, 25), time(19), 2, IST)
    assert weekly_occurrences(selection, 2)[0].slot_starts == selection.slot_starts


def test_in_london_the_local_time_stays_when_the_clocks_go_forward() -> None:
    # British Summer Time begins on Sunday 29 March 2026.
    occurrences = weekly_occurrences(run(date(2026, 3, 17), time(19), 2, LONDON), 4)
    assert [f"{o.starts_at:%d %b %H:%M %Z}" for o in occurrences] == [
        "17 Mar 19:00 GMT",
        "24 Mar 19:00 GMT",
        "31 Mar 19:00 BST",
        "07 Apr 19:00 BST",
    ]
    assert [o.slot_keys[0] for o in occurrences] == [
        "20260317T1900Z",
        "20260324T1900Z",
        "20260331T1800Z",
        "20260407T1800Z",
    ]
    assert all(o.ends_at - o.starts_at == timedelta(hours=2) for o in occurrences)


def test_in_london_the_local_time_stays_when_the_clocks_go_back() -> None:
    # British Summer Time ends on Sunday 25 October 2026.
    occurrences = weekly_occurrences(run(date(2026, 10, 20), time(19), 1, LONDON), 2)
    assert [(f"{o.starts_at:%H:%M %Z}", o.slot_keys) for o in occurrences] == [
        ("19:00 BST", ("20261020T1800Z",)),
        ("19:00 GMT", ("20261027T1900Z",)),
    ]


def test_a_late_night_session_the_spring_change_cuts_short_is_impossible_that_week() -> None:
    # Saturday's business day sells Sunday 00:00-02:00; on 29 March 01:00-02:00 never happens.
    selection = run(date(2026, 3, 21), time(0), 2, LONDON, after_midnight=True)
    occurrences = weekly_occurrences(selection, 3)
    assert [o.obstacle for o in occurrences] == [None, Obstacle.CLOCK_CHANGE, None]
    cut = occurrences[1]
    assert cut.day == date(2026, 3, 28)
    assert cut.slot_starts == ()
    assert (cut.starts_at.replace(tzinfo=None), cut.ends_at.replace(tzinfo=None)) == (
        datetime(2026, 3, 29, 0, 0),
        datetime(2026, 3, 29, 2, 0),
    )
    after = occurrences[2]
    assert f"{after.starts_at:%a %d %b %H:%M %Z}" == "Sun 05 Apr 00:00 BST"
    assert after.slot_keys == ("20260404T2300Z", "20260405T0000Z")


def test_a_session_starting_in_the_skipped_hour_is_impossible_that_week() -> None:
    selection = run(date(2026, 3, 21), time(1, 30), 1, LONDON, after_midnight=True)
    assert [o.obstacle for o in weekly_occurrences(selection, 2)] == [None, Obstacle.CLOCK_CHANGE]


def test_a_session_starting_in_the_repeated_hour_is_impossible_that_week() -> None:
    # On 25 October 01:00-02:00 happens twice: which one would the band come to?
    selection = run(date(2026, 10, 17), time(1), 1, LONDON, after_midnight=True)
    assert [o.obstacle for o in weekly_occurrences(selection, 3)] == [None, Obstacle.CLOCK_CHANGE, None]


def test_a_short_slot_inside_the_repeated_hour_is_impossible_that_week() -> None:
    first = datetime(2026, 10, 18, 1, tzinfo=LONDON).astimezone(UTC)
    selection = WeeklySelection(date(2026, 10, 17), (first,), 30, LONDON)
    assert [o.obstacle for o in weekly_occurrences(selection, 3)] == [None, Obstacle.CLOCK_CHANGE, None]


def test_a_session_ending_as_the_clocks_go_back_is_still_the_same_session() -> None:
    # 00:00-01:00 BST on 25 October ends at the first 01:00: one hour, as every other week.
    selection = run(date(2026, 10, 17), time(0), 1, LONDON, after_midnight=True)
    occurrences = weekly_occurrences(selection, 2)
    assert [o.obstacle for o in occurrences] == [None, None]
    assert occurrences[1].slot_keys == ("20261024T2300Z",)


def test_a_session_spanning_the_autumn_change_is_impossible_that_week() -> None:
    selection = run(date(2026, 10, 17), time(0), 3, LONDON, after_midnight=True)
    assert [o.obstacle for o in weekly_occurrences(selection, 2)] == [None, Obstacle.CLOCK_CHANGE]


def test_new_york_changes_at_two_in_the_morning() -> None:
    # Daylight time begins Sunday 8 March 2026: 02:00-03:00 is skipped.
    selection = run(date(2026, 2, 28), time(1), 2, NEW_YORK, after_midnight=True)
    assert [o.obstacle for o in weekly_occurrences(selection, 3)] == [None, Obstacle.CLOCK_CHANGE, None]


def test_a_friday_past_midnight_repeats_as_fridays() -> None:
    selection = run(date(2026, 11, 27), time(23), 2, IST)
    assert local_times(weekly_occurrences(selection, 3)) == [
        (date(2026, 11, 27), "Fri 27 Nov 23:00", "Sat 28 Nov 01:00"),
        (date(2026, 12, 4), "Fri 04 Dec 23:00", "Sat 05 Dec 01:00"),
        (date(2026, 12, 11), "Fri 11 Dec 23:00", "Sat 12 Dec 01:00"),
    ]


def test_a_selection_may_come_as_slot_keys_in_any_order() -> None:
    by_keys = WeeklySelection.from_keys(date(2026, 11, 25), ["20261125T1430Z", "20261125T1330Z"], 60, IST)
    assert by_keys == run(date(2026, 11, 25), time(19), 2, IST)


@pytest.mark.parametrize("weeks", [MIN_WEEKS, 3, MAX_WEEKS])
def test_two_to_twelve_weeks_are_allowed(weeks: int) -> None:
    assert len(weekly_occurrences(run(date(2026, 11, 25), time(19), 1, IST), weeks)) == weeks


@pytest.mark.parametrize("weeks", [-1, 0, 1, 13, 52])
def test_weeks_outside_two_to_twelve_are_refused(weeks: int) -> None:
    with pytest.raises(SeriesRefusedError) as refused:
        weekly_occurrences(run(date(2026, 11, 25), time(19), 1, IST), weeks)
    assert refused.value.problem is SeriesProblem.WEEKS_OUT_OF_RANGE
    assert refused.value.weeks == weeks


def test_a_selection_of_no_slots_is_refused() -> None:
    with pytest.raises(SeriesRefusedError) as refused:
        WeeklySelection(date(2026, 11, 25), (), 60, IST)
    assert refused.value.problem is SeriesProblem.NO_SLOTS


@pytest.mark.parametrize(
    "keys",
    [
        ["20261125T1330Z", "20261125T1530Z"],  # 19:00 and 21:00: a gap
        ["20261125T1330Z", "20261125T1330Z"],  # the same slot twice
        ["20261125T1330Z", "20261125T1400Z"],  # half an hour apart with hour slots
    ],
)
def test_a_selection_that_is_not_one_run_is_refused(keys: list[str]) -> None:
    with pytest.raises(SeriesRefusedError) as refused:
        WeeklySelection.from_keys(date(2026, 11, 25), keys, 60, IST)
    assert refused.value.problem is SeriesProblem.NOT_ONE_RUN


def test_a_selection_across_the_clock_change_cannot_repeat() -> None:
    # 00:00 GMT and 02:00 BST on 29 March 2026 are one contiguous hour apart in real time.
    with pytest.raises(SeriesRefusedError) as refused:
        run(date(2026, 3, 28), time(0), 2, LONDON, after_midnight=True)
    assert refused.value.problem is SeriesProblem.CROSSES_CLOCK_CHANGE


def test_naive_times_and_empty_slot_lengths_are_programming_errors() -> None:
    with pytest.raises(ValueError, match="aware"):
        WeeklySelection(date(2026, 11, 25), (datetime(2026, 11, 25, 13, 30),), 60, IST)
    with pytest.raises(ValueError, match="positive"):
        WeeklySelection(date(2026, 11, 25), (datetime(2026, 11, 25, 13, 30, tzinfo=UTC),), 0, IST)


# --- which weeks can be booked ------------------------------------------------------------

WEDNESDAYS = WeeklyHours({2: DayHours(time(10), time(22))})


def room_obstacles(
    hours: WeeklyHours, blocked_days: set[date], taken: set[str]
) -> Callable[[Occurrence], Obstacle | None]:
    """What a caller passes: closed when the room does not sell those slots that day,
    taken when any of them is claimed."""

    def obstacle_of(occurrence: Occurrence) -> Obstacle | None:
        sold = (
            {} if occurrence.day in blocked_days else index_slots(day_slots(occurrence.day, hours, 60, IST))
        )
        if any(key not in sold for key in occurrence.slot_keys):
            return Obstacle.CLOSED
        if any(key in taken for key in occurrence.slot_keys):
            return Obstacle.TAKEN
        return None

    return obstacle_of


def test_weeks_that_are_closed_or_taken_are_named_and_the_rest_can_be_booked() -> None:
    selection = run(date(2026, 11, 25), time(19), 2, IST)
    taken = {slot_key(datetime(2026, 12, 16, 20, tzinfo=IST))}
    obstacle_of = room_obstacles(WEDNESDAYS, {date(2026, 12, 9)}, taken)
    plan = plan_series(selection, 5, obstacle_of)
    assert [(o.day, o.obstacle) for o in plan.occurrences] == [
        (date(2026, 11, 25), None),
        (date(2026, 12, 2), None),
        (date(2026, 12, 9), Obstacle.CLOSED),
        (date(2026, 12, 16), Obstacle.TAKEN),
        (date(2026, 12, 23), None),
    ]
    assert [o.week for o in plan.bookable] == [0, 1, 4]
    assert [o.week for o in plan.impossible] == [2, 3]


def test_a_series_past_a_change_of_opening_hours_finds_the_closed_weeks() -> None:
    # The room stops opening on Wednesdays late: 19:00-21:00 is not sold on a day that closes at 20:00.
    short_days = {date(2026, 12, 9), date(2026, 12, 16)}

    def obstacle_of(occurrence: Occurrence) -> Obstacle | None:
        closes = time(20) if occurrence.day in short_days else time(22)
        sold = index_slots(day_slots(occurrence.day, WeeklyHours({2: DayHours(time(10), closes)}), 60, IST))
        return None if all(key in sold for key in occurrence.slot_keys) else Obstacle.CLOSED

    plan = plan_series(run(date(2026, 11, 25), time(19), 2, IST), 4, obstacle_of)
    assert [o.obstacle for o in plan.occurrences] == [None, None, Obstacle.CLOSED, Obstacle.CLOSED]


def test_the_room_is_not_asked_about_weeks_the_clocks_rule_out() -> None:
    selection = run(date(2026, 3, 21), time(0), 2, LONDON, after_midnight=True)
    asked: list[int] = []

    def free(occurrence: Occurrence) -> Obstacle | None:
        asked.append(occurrence.week)
        return None

    plan = plan_series(selection, 3, free)
    assert asked == [0, 2]
    assert [o.obstacle for o in plan.occurrences] == [None, Obstacle.CLOCK_CHANGE, None]


def test_the_first_week_can_be_taken_too() -> None:
    selection = run(date(2026, 11, 25), time(19), 1, IST)
    plan = plan_series(selection, 2, lambda o: Obstacle.TAKEN if o.week == 0 else None)
    assert [o.obstacle for o in plan.occurrences] == [Obstacle.TAKEN, None]
