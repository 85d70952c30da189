from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from domain.sessions import (
    NotOneSessionError,
    SelectionProblem,
    Session,
    is_one_session,
    one_session,
    sessions_in,
)
from domain.slots import DayHours, Slot, WeeklyHours, day_slots, slot_starting_at

IST = ZoneInfo("Asia/Kolkata")
FRIDAY = date(2026, 11, 27)
LATE_FRIDAY = WeeklyHours({4: DayHours(time(10), time(2))})  # Friday 10:00 to Saturday 02:00
GRID = day_slots(FRIDAY, LATE_FRIDAY, 60, IST)


def at(*clock: str) -> list[Slot]:
    """Friday's slots starting at these times on the room's clock ("00:00" is the night after)."""
    found = [slot_starting_at(GRID, time.fromisoformat(c), IST) for c in clock]
    assert None not in found
    return [s for s in found if s is not None]


def spans(sessions: tuple[Session, ...]) -> list[str]:
    return [f"{s.start.astimezone(IST):%H:%M}-{s.end.astimezone(IST):%H:%M}" for s in sessions]


@pytest.mark.parametrize(
    ("picked", "runs"),
    [
        (["12:00"], ["12:00-13:00"]),
        (["12:00", "13:00", "14:00"], ["12:00-15:00"]),
        (["14:00", "12:00", "13:00"], ["12:00-15:00"]),
        (["12:00", "18:00"], ["12:00-13:00", "18:00-19:00"]),
        (["18:00", "12:00", "13:00"], ["12:00-14:00", "18:00-19:00"]),
        (["10:00", "12:00", "14:00"], ["10:00-11:00", "12:00-13:00", "14:00-15:00"]),
        (["23:00", "00:00", "01:00"], ["23:00-02:00"]),
        (["00:00", "22:00", "23:00"], ["22:00-01:00"]),
        (["01:00", "10:00"], ["10:00-11:00", "01:00-02:00"]),
        (["12:00", "12:00", "13:00"], ["12:00-14:00"]),
    ],
    ids=lambda v: ",".join(v),
)
def test_a_selection_splits_into_its_contiguous_runs(picked: list[str], runs: list[str]) -> None:
    found = sessions_in(at(*picked))
    assert spans(found) == runs
    assert is_one_session(at(*picked)) is (len(runs) == 1)


def test_slots_after_midnight_continue_their_evening_not_start_the_day() -> None:
    session = one_session(at("00:00", "23:00"))
    assert session.start == datetime(2026, 11, 27, 17, 30, tzinfo=UTC)  # Friday 23:00 IST
    assert session.end == datetime(2026, 11, 27, 19, 30, tzinfo=UTC)  # Saturday 01:00 IST
    assert session.minutes == 120


def test_one_contiguous_run_is_the_session() -> None:
    session = one_session(reversed(at("18:00", "19:00", "20:00")))
    assert [s.key for s in session.slots] == [s.key for s in at("18:00", "19:00", "20:00")]
    assert session.minutes == 180


def test_a_selection_with_a_gap_is_refused_naming_each_run() -> None:
    with pytest.raises(NotOneSessionError) as refused:
        one_session(at("12:00", "18:00", "19:00"))
    assert refused.value.problem is SelectionProblem.GAPS
    assert spans(refused.value.sessions) == ["12:00-13:00", "18:00-20:00"]


def test_nothing_chosen_is_refused_as_no_slots() -> None:
    with pytest.raises(NotOneSessionError) as refused:
        one_session([])
    assert refused.value.problem is SelectionProblem.NO_SLOTS
    assert refused.value.sessions == ()
    assert sessions_in([]) == ()
    assert is_one_session([]) is False


def test_slots_of_different_lengths_touch_when_one_ends_where_the_next_starts() -> None:
    first = Slot(datetime(2026, 11, 27, 6, 30, tzinfo=UTC), datetime(2026, 11, 27, 7, 0, tzinfo=UTC))
    second = Slot(first.end, datetime(2026, 11, 27, 8, 30, tzinfo=UTC))
    apart = Slot(datetime(2026, 11, 27, 8, 31, tzinfo=UTC), datetime(2026, 11, 27, 9, 0, tzinfo=UTC))
    assert one_session([second, first]).minutes == 120
    assert len(sessions_in([first, second, apart])) == 2


def test_overlapping_slots_are_a_callers_mistake() -> None:
    start = datetime(2026, 11, 27, 6, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="overlap"):
        sessions_in([Slot(start, start.replace(hour=8)), Slot(start.replace(hour=7), start.replace(hour=9))])


def test_a_session_cannot_be_made_with_a_gap() -> None:
    with pytest.raises(ValueError, match="without a gap"):
        Session(tuple(at("12:00", "14:00")))
    with pytest.raises(ValueError, match="at least one"):
        Session(())
