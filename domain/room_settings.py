"""Reading a room's settings from what a person typed (an owner in Telegram or the
admin CLI). Each parser returns the stored form or raises SettingError with a
message that says what to send instead."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from domain.money import rupees
from domain.slots import hours_from_mapping, hours_to_mapping, parse_hours

SLOT_LENGTHS = (30, 45, 60, 90, 120)
MAX_RUPEES_PER_HOUR = 100_000
MAX_DESCRIPTION = 800
CLOSED_WORDS = frozenset({"closed", "close", "off", "shut", "-"})
_RUPEE_NOISE = re.compile(r"(₹|rs\.?|inr|/h(ou)?r?|per hour|,|\s)", re.IGNORECASE)


class SettingError(ValueError):
    """Input that cannot be a room setting; ``str(error)`` is fit to show the owner."""


def parse_rupees_per_hour(text: str) -> int:
    """``"₹1,200"``, ``"1200/h"`` or ``"1200"`` → 120000 paise."""
    cleaned = _RUPEE_NOISE.sub("", text)
    if not cleaned.isdigit() or len(cleaned) > 7:
        raise SettingError("Send the price in whole rupees per hour, like 800.")
    amount = int(cleaned)
    if not 1 <= amount <= MAX_RUPEES_PER_HOUR:
        raise SettingError("The price must be between ₹1 and ₹1,00,000 an hour.")
    return rupees(amount)


def check_peak_price(hourly_paise: int, peak_hourly_paise: int) -> None:
    """The price rule every room keeps, whoever sets its prices (owner dialog or admin
    CLI): the peak price is never below the normal price."""
    if peak_hourly_paise < hourly_paise:
        raise SettingError("The peak price cannot be lower than the normal price.")


def parse_window(text: str) -> tuple[str, str]:
    """``"18:00-23:00"`` → ``("18:00", "23:00")``; may run past midnight."""
    try:
        window = parse_hours(text.strip())
    except ValueError as error:
        raise SettingError("Send the hours like 18:00-23:00.") from error
    return f"{window.opens:%H:%M}", f"{window.closes:%H:%M}"


def parse_day_hours(text: str) -> str | None:
    """One day's opening hours: ``"10:00-22:00"``, or None for "closed"."""
    if text.strip().casefold() in CLOSED_WORDS:
        return None
    opens, closes = parse_window(text)
    return f"{opens}-{closes}"


def with_day_hours(
    opening_hours: Mapping[str, str], weekdays: Iterable[int], hours: str | None
) -> dict[str, str]:
    """The weekly hours with ``weekdays`` set to ``hours`` (None closes them); refused
    when a day's session would run into the next day's."""
    changed = {k: v for k, v in opening_hours.items() if v}
    for weekday in weekdays:
        if weekday not in range(7):
            raise SettingError("Weekdays are 0 (Monday) to 6 (Sunday).")
        if hours is None:
            changed.pop(str(weekday), None)
        else:
            changed[str(weekday)] = hours
    try:
        return hours_to_mapping(hours_from_mapping(changed))
    except ValueError as error:
        raise SettingError(f"Those hours clash: {error}.") from error


def parse_weekly_hours(text: str) -> dict[str, str]:
    """``'0-4=10:00-22:00,5=09:00-02:00'`` (0 = Monday; unlisted days closed)."""
    result: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        days, _, hours = part.partition("=")
        if not hours:
            raise SettingError(f"{part!r} must look like 0-4=10:00-22:00")
        first, _, last = days.partition("-")
        try:
            span = range(int(first), int(last or first) + 1)
        except ValueError as error:
            raise SettingError(f"days {days!r} must be numbers 0 (Mon) to 6 (Sun)") from error
        if not span or span.start < 0 or span.stop > 7:
            raise SettingError(f"days {days!r} must be 0 (Mon) to 6 (Sun)")
        day_hours = parse_day_hours(hours)
        for day in span:
            if day_hours is not None:
                result[str(day)] = day_hours
    return with_day_hours(result, (), None)


def parse_slot_minutes(value: int | str) -> int:
    try:
        minutes = int(value)
    except ValueError as error:
        raise SettingError("The slot length is a number of minutes.") from error
    if minutes not in SLOT_LENGTHS:
        raise SettingError("A slot is 30, 45, 60, 90 or 120 minutes long.")
    return minutes


def parse_description(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise SettingError("Send a few words about the room: gear, vibe, how to get in.")
    if len(cleaned) > MAX_DESCRIPTION:
        raise SettingError(f"Please keep the description under {MAX_DESCRIPTION} characters.")
    return cleaned
