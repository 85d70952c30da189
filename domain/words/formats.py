"""One formatter per concept, for every audience: money, a day, a time of day, a span,
a moment with its zone, a count with its noun, a user link, a list of labels.

Everything here returns text for Telegram's HTML parse mode; facts that people typed
(names, addresses, reasons) go through ``h``. A second language replaces the patterns
here (the ``strftime`` shapes, the noun table), not the callers.

Imports only ``domain.money``, so ``domain.slots`` can say its slots here and the refusals
(which ``domain.errors`` imports) their times."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from babel.dates import format_date

from domain.money import format_inr
from domain.privacy import is_pseudonym
from domain.words.language import N_, Language, _, current_language, ngettext


class SpanFacts(Protocol):
    """What a span reads of a slot (``facts.SlotFacts`` fits)."""

    @property
    def start(self) -> datetime: ...

    @property
    def end(self) -> datetime: ...


class SessionFacts(Protocol):
    """What a session's span reads of a booking (``facts.BookingFacts`` fits). These
    protocols are this module's own so that the refusals, which the errors import, can
    use it without a cycle through facts' BookingStatus."""

    @property
    def day(self) -> date: ...

    @property
    def starts_at(self) -> datetime: ...

    @property
    def ends_at(self) -> datetime: ...

    @property
    def slots(self) -> Sequence[SpanFacts]: ...


class LinkFacts(Protocol):
    """What a user link reads of a person (``facts.PersonFacts`` fits)."""

    @property
    def id(self) -> int: ...

    @property
    def display_name(self) -> str: ...

    @property
    def username(self) -> str | None: ...


money = format_inr
"""``₹1,23,456`` (Indian grouping): domain.money's, the one way money is written."""


def h(text: object) -> str:
    """Text a person typed, made safe for Telegram's HTML."""
    return html.escape(str(text), quote=False)


def amount(paise: int, currency: str) -> str:
    """Money in the currency it came in: rupees as ``money``, anything else as ``12.50 USD``
    (a wrong-currency payment is refunded as it came)."""
    return money(paise) if currency == "INR" else f"{paise / 100:.2f} {h(currency)}"


def _local_date(value: date, english: str, pattern: str) -> str:
    """``value`` as ``english`` (a strftime shape) in English, or in the current language
    through Babel's CLDR ``pattern`` (its month and weekday names)."""
    language = current_language()
    if language is Language.ENGLISH:
        return f"{value:{english}}"
    return format_date(value, pattern, locale=language.value)


# ---- days ------------------------------------------------------------------------------


def day(value: date) -> str:
    """``Thu 26 Nov 2026``"""
    return _local_date(value, "%a %d %b %Y", "EEE d MMM y")


def day_month_year(value: date) -> str:
    """``26 Nov 2026``: a date on a document."""
    return _local_date(value, "%d %b %Y", "d MMM y")


def day_this_year(value: date) -> str:
    """``Thu 26 Nov``: a day close enough that the year goes without saying."""
    return _local_date(value, "%a %d %b", "EEE d MMM")


def day_and_month(value: date) -> str:
    """``26 Nov``: for buttons and short replies."""
    return _local_date(value, "%d %b", "d MMM")


def day_numeric(value: date) -> str:
    """``28/11``: many days in a row."""
    return f"{value:%d/%m}"


def month(value: date) -> str:
    """``November 2026``"""
    return _local_date(value, "%B %Y", "LLLL y")


def weekday(value: date) -> str:
    """``Monday``"""
    return _local_date(value, "%A", "EEEE")


# ---- times -----------------------------------------------------------------------------


def clock(value: datetime, zone: ZoneInfo) -> str:
    """``18:00`` in ``zone``."""
    return f"{value.astimezone(zone):%H:%M}"


def time_span(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """``18:00–20:00`` in ``zone``."""
    return f"{clock(start, zone)}–{clock(end, zone)}"


def slot_span(slot: SpanFacts, zone: ZoneInfo) -> str:
    """A slot's ``18:00–19:00`` in ``zone``."""
    return time_span(slot.start, slot.end, zone)


def session_span(booking: SessionFacts, zone: ZoneInfo) -> str:
    """``Thu 26 Nov 2026, 18:00–20:00``: the booking's day (a night past midnight belongs
    to its evening) and its times (``booking_times``), in the room's time."""
    return _("{day}, {times}").format(day=day(booking.day), times=booking_times(booking, zone))


def booking_times(booking: SessionFacts, zone: ZoneInfo) -> str:
    """``18:00–20:00``: a booking's one contiguous run of slots. A booking made before
    gaps were refused (issue 16 §0) shows each of its runs, ``12:00–13:00 and
    18:00–19:00``, never one span over the hours in between that nobody booked."""
    runs: list[list[datetime]] = []
    for slot in sorted(booking.slots, key=lambda s: s.start):
        if runs and slot.start == runs[-1][1]:
            runs[-1][1] = slot.end
        else:
            runs.append([slot.start, slot.end])
    if len(runs) <= 1:
        return time_span(booking.starts_at, booking.ends_at, zone)
    return join_labels(time_span(start, end, zone) for start, end in runs)


def moment(value: datetime, zone: ZoneInfo) -> str:
    """``12:45 on Wed 25 Nov (IST)``: a deadline in the room's own time, zone named."""
    local = value.astimezone(zone)
    return _("{time} on {day} ({zone})").format(
        time=f"{local:%H:%M}", day=day_this_year(local), zone=local.tzname()
    )


# ---- counts and lists ------------------------------------------------------------------


@dataclass(frozen=True)
class Noun:
    one: str
    many: str


SLOT = Noun("slot", "slots")
ROOM = Noun("room", "rooms")
HOUR = Noun("hour", "hours")
MINUTE = Noun("minute", "minutes")
DAY = Noun("day", "days")
SESSION = Noun("session", "sessions")
WEEK = Noun("week", "weeks")
BOOKING = Noun("booking", "bookings")


def count(number: float, noun: Noun) -> str:
    """``1 slot``, ``3 slots``, ``1.5 hours``."""
    text = str(number) if isinstance(number, int) else f"{number:g}"
    return _("{number} {noun}").format(number=text, noun=ngettext(noun.one, noun.many, number))


def duration(minutes: int) -> str:
    """``2 hours``, ``1.5 hours``, ``45 minutes``: a length of time an owner set."""
    if minutes >= 60 and minutes % 30 == 0:
        return count(minutes // 60 if minutes % 60 == 0 else minutes / 60, HOUR)
    return count(minutes, MINUTE)


def join_labels(labels: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(labels)
    if len(items) <= 1:
        return "".join(items)
    return _("{first} and {last}").format(first=", ".join(items[:-1]), last=items[-1])


# ---- people ----------------------------------------------------------------------------


def phone(number: str) -> str:
    """A phone number as stored, in E.164 (``+919845012345``): written whole, without
    spaces, it is the form Telegram's apps recognise and make tappable to call (a
    ``tel:`` link is no good: Telegram refuses it on an inline button)."""
    return h(number)


DELETED_MUSICIAN = N_("a musician who deleted their data")


def user_link(person: LinkFacts | None, user_id: int) -> str:
    """A person's name as a link to their Telegram chat, with their @username; a
    musician who deleted their data (a pseudonym) has neither."""
    if is_pseudonym(user_id):
        return _(DELETED_MUSICIAN)
    if person is None:
        nobody_known = _("musician")
        return f'<a href="tg://user?id={user_id}">{nobody_known}</a>'
    handle = f" (@{h(person.username)})" if person.username else ""
    return f'<a href="tg://user?id={person.id}">{h(person.display_name)}</a>{handle}'
