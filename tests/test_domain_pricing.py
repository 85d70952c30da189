from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.money import format_inr, group_indian, rupees
from domain.pricing import PriceRules, prorate
from domain.slots import Slot

IST = ZoneInfo("Asia/Kolkata")
RULES = PriceRules(hourly_paise=rupees(600), peak_hourly_paise=rupees(800))


def slot_at(day: date, hour: int, minute: int = 0, minutes: int = 60) -> Slot:
    start = datetime.combine(day, time(hour, minute), tzinfo=IST).astimezone(UTC)
    return Slot(start, start + timedelta(minutes=minutes))


WEDNESDAY = date(2026, 11, 25)
SATURDAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("hour", "minute", "peak"),
    [(17, 59, False), (18, 0, True), (22, 59, True), (23, 0, False), (10, 0, False)],
)
def test_peak_window_boundaries_on_a_weekday(hour: int, minute: int, peak: bool) -> None:
    assert RULES.is_peak(slot_at(WEDNESDAY, hour, minute), IST) is peak


def test_weekends_are_peak_all_day_unless_turned_off() -> None:
    assert RULES.is_peak(slot_at(SATURDAY, 10), IST)
    off = PriceRules(rupees(600), rupees(800), weekends_are_peak=False)
    assert not off.is_peak(slot_at(SATURDAY, 10), IST)


def test_peak_window_across_midnight() -> None:
    rules = PriceRules(100, 200, peak_starts=time(22), peak_ends=time(2))
    assert rules.is_peak(slot_at(WEDNESDAY, 23), IST)
    assert rules.is_peak(slot_at(WEDNESDAY, 1, 30), IST)
    assert not rules.is_peak(slot_at(WEDNESDAY, 2), IST)
    assert not rules.is_peak(slot_at(WEDNESDAY, 21, 59), IST)


def test_prices_are_prorated_to_the_slot_length_in_paise() -> None:
    assert RULES.price(slot_at(WEDNESDAY, 10), IST) == 60000
    assert RULES.price(slot_at(WEDNESDAY, 19, minutes=90), IST) == 120000
    assert prorate(99999, 1) == 1667  # 1666.65 rounds half up
    assert prorate(50, 45) == 38  # 37.5 rounds up


def test_non_positive_prices_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        PriceRules(0, 100)


@pytest.mark.parametrize(
    ("paise", "text"),
    [
        (0, "₹0"),
        (99, "₹0.99"),
        (60000, "₹600"),
        (120000, "₹1,200"),
        (12345650, "₹1,23,456.50"),
        (100000000000, "₹1,00,00,00,000"),
        (-5000, "-₹50"),
    ],
)
def test_rupees_are_shown_with_indian_grouping(paise: int, text: str) -> None:
    assert format_inr(paise) == text


def test_grouping_of_small_and_large_numbers() -> None:
    assert [group_indian(n) for n in (7, 999, 1000, 99999, 100000)] == [
        "7",
        "999",
        "1,000",
        "99,999",
        "1,00,000",
    ]
