"""The calendar's day marks (issue 17 §2): closed, full, a few left, open; decided by the
slot screen's own rule (unclaimed and far enough ahead), without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.day_marks import FEW_LEFT, ClaimedSpans, DayMark, day_mark, marked, month_marks
from domain.slots import DayHours, Slot, session_slots

IST = ZoneInfo("Asia/Kolkata")
NOW = datetime(2026, 11, 25, 4, 30, tzinfo=UTC)  # Wed 10:00 IST
LEAD = timedelta(minutes=30)
THURSDAY = date(2026, 11, 26)


def slots(day: date, opens: int = 10, closes: int = 22, minutes: int = 60) -> list[Slot]:
    return session_slots(day, DayHours(time(opens), time(closes % 24)), minutes, IST)


def at(day: date, hour: int, minutes: int = 60) -> Slot:
    start = datetime.combine(day, time(hour), tzinfo=IST).astimezone(UTC)
    return Slot(start, start + timedelta(minutes=minutes))


def mark(day_slots: list[Slot], claims: list[Slot], now: datetime = NOW) -> DayMark:
    return day_mark(day_slots, ClaimedSpans(claims), now=now, min_lead=LEAD)


def test_a_day_without_slots_is_closed() -> None:
    assert mark([], []) is DayMark.CLOSED


def test_an_untouched_day_is_open() -> None:
    assert mark(slots(THURSDAY), []) is DayMark.OPEN


@pytest.mark.parametrize(
    ("left", "expected"), [(0, DayMark.FULL), (1, DayMark.FEW), (FEW_LEFT, DayMark.FEW), (3, DayMark.OPEN)]
)
def test_the_free_slots_left_decide_between_full_few_and_open(left: int, expected: DayMark) -> None:
    day_slots = slots(THURSDAY)
    assert mark(day_slots, day_slots[left:]) is expected


def test_an_owner_block_or_a_claim_of_another_length_counts_as_taken() -> None:
    """A claim under another grid (a kept day, another slot length) overlaps slots it
    does not equal: they are taken, as the slot screen says."""
    day_slots = slots(THURSDAY, 10, 14)  # 10, 11, 12, 13
    two_hours = [at(THURSDAY, 10, 120), at(THURSDAY, 12, 90)]  # 10-12 and 12-13:30
    assert mark(day_slots, two_hours) is DayMark.FULL
    assert mark(day_slots, [at(THURSDAY, 10, 90)]) is DayMark.FEW  # 10 and 11 taken, 12 and 13 left


def test_today_counts_only_slots_far_enough_ahead() -> None:
    today = date(2026, 11, 25)
    day_slots = slots(today, 10, 13)  # 10, 11, 12
    assert mark(day_slots, []) is DayMark.FEW  # at 10:00 the 10:00 slot has started: 11 and 12 left
    later = NOW + timedelta(hours=1, minutes=40)  # 11:40: 12:00 is within the 30 minutes' lead
    assert mark(day_slots, [], now=later) is DayMark.FULL


def test_a_late_night_claim_of_the_evening_before_reaches_into_the_next_day() -> None:
    friday, saturday = date(2026, 11, 27), date(2026, 11, 28)
    late = [at(saturday, 0), at(saturday, 1)]  # Friday's night, on Saturday's date
    marks = month_marks(
        {friday: slots(friday, 22, 2), saturday: slots(saturday, 0, 2)},
        ClaimedSpans(late),
        now=NOW,
        min_lead=LEAD,
    )
    assert marks == {friday: DayMark.FEW, saturday: DayMark.FULL}
    assert marked(marks, DayMark.FULL) == frozenset({saturday})


def test_the_claimed_spans_agree_with_a_plain_overlap_scan() -> None:
    """The bisect's answer for every slot of a busy fortnight, against checking every claim."""
    day_slots = [s for d in range(14) for s in slots(THURSDAY + timedelta(days=d), 9, 23, 30)]
    claims = [
        at(THURSDAY + timedelta(days=d), h, m) for d in range(14) for h, m in ((9, 45), (13, 120), (20, 30))
    ]
    spans = ClaimedSpans(claims)
    for slot in day_slots:
        assert spans.holds(slot) == any(c.start < slot.end and slot.start < c.end for c in claims)
    assert not ClaimedSpans([]).holds(day_slots[0])
