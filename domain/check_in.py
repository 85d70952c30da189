"""Check-in info: how a musician gets into the room (door or locker code, floor,
parking, "call on arrival"), and the room's phone number. Pure rules, no I/O.

The check-in info is a secret of the room: it reaches only paid bookings, in the
reminder that goes out at most ``SHOWN_BEFORE`` before the session and under the
booking in My bookings from ``SHOWN_BEFORE`` before the start until its end; never on
the room card, never before payment, never in a log. It is read when a message is
delivered or a screen drawn, so a new code reaches every message not yet sent, and a
message already sent keeps the code it was sent with."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from domain.booking_status import PAID_NOT_OVER, BookingStatus
from domain.room_settings import SettingError
from domain.words import owner_screens as words

MAX_CHECK_IN = 500
SHOWN_BEFORE = timedelta(hours=2)
PAID = PAID_NOT_OVER
"""A booking that is paid and not over: the only kind that is told how to get in."""
REMOVE_WORDS = frozenset({"-", "none", "remove", "delete", "clear"})

_PHONE_PUNCTUATION = re.compile(r"[\s\-().]")
_INDIAN_MOBILE = re.compile(r"[6-9][0-9]{9}")
_INDIAN_NUMBER = re.compile(r"[1-9][0-9]{9}")
"""Ten digits after the trunk 0: a mobile, or an area code and a landline number."""
_INTERNATIONAL = re.compile(r"[1-9][0-9]{7,14}")
"""E.164: a country code and a number, at most 15 digits."""


def parse_check_in(text: str) -> str:
    """The check-in info as typed, trimmed; "" when the owner removes it."""
    cleaned = text.strip()
    if cleaned.casefold() in REMOVE_WORDS:
        return ""
    if not cleaned:
        raise SettingError(words.CHECK_IN_EMPTY)
    if len(cleaned) > MAX_CHECK_IN:
        raise SettingError(words.check_in_too_long(MAX_CHECK_IN))
    return cleaned


def parse_phone(text: str) -> str | None:
    """A phone number in E.164 (``+919845012345``), the form Telegram makes tappable;
    None when the owner removes it. Indian numbers may come as ``98450 12345``,
    ``098450 12345``, ``080 4123 4567`` or ``91 98450 12345``; any other country's with
    its ``+`` or ``00`` prefix."""
    if text.strip().casefold() in REMOVE_WORDS:
        return None
    digits = _PHONE_PUNCTUATION.sub("", text)
    if digits.startswith(("+", "00")):
        international = digits.removeprefix("+") if digits.startswith("+") else digits[2:]
        if _INTERNATIONAL.fullmatch(international) and (
            not international.startswith("91") or _INDIAN_NUMBER.fullmatch(international[2:])
        ):
            return f"+{international}"
    elif _INDIAN_MOBILE.fullmatch(digits):
        return f"+91{digits}"
    elif digits.startswith("0") and _INDIAN_NUMBER.fullmatch(digits[1:]):
        return f"+91{digits[1:]}"
    elif digits.startswith("91") and _INDIAN_MOBILE.fullmatch(digits[2:]):
        return f"+{digits}"
    raise SettingError(words.PHONE_NOT_A_NUMBER)


def check_in_shown(status: BookingStatus, starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    """Whether a booking's screen shows how to get in at ``now``."""
    return status in PAID and starts_at - SHOWN_BEFORE <= now < ends_at


def reminder_brings_check_in(before: timedelta) -> bool:
    """Whether a reminder sent ``before`` the session carries the check-in info (the
    1 h reminder does; the day-before one does not)."""
    return before <= SHOWN_BEFORE
