"""One formatter per concept, for every audience: money, a day, a time of day, a span,
a moment with its zone, a count with its noun, a user link, a list of labels.

Everything here returns text for Telegram's HTML parse mode; facts that people typed
(names, addresses, reasons) go through ``h``. A second language replaces the patterns
here (the ``strftime`` shapes, the noun table), not the callers.

Imports only ``domain.money`` at run time, so ``domain.slots`` can say its slots here."""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from domain.money import format_inr

if TYPE_CHECKING:
    from domain.words.facts import BookingFacts, PersonFacts, SlotFacts

money = format_inr
"""``₹1,23,456`` (Indian grouping): domain.money's, the one way money is written."""


def h(text: object) -> str:
    """Text a person typed, made safe for Telegram's HTML."""
    return html.escape(str(text), quote=False)


def amount(paise: int, currency: str) -> str:
    """Money in the currency it came in: rupees as ``money``, anything else as ``12.50 USD``
    (a wrong-currency payment is refunded as it came)."""
    return money(paise) if currency == "INR" else f"{paise / 100:.2f} {h(currency)}"


# ---- days ------------------------------------------------------------------------------


def day(value: date) -> str:
    """``Thu 26 Nov 2026``"""
    return f"{value:%a %d %b %Y}"


def day_month_year(value: date) -> str:
    """``26 Nov 2026``: a date on a document."""
    return f"{value:%d %b %Y}"


def day_this_year(value: date) -> str:
    """``Thu 26 Nov``: a day close enough that the year goes without saying."""
    return f"{value:%a %d %b}"


def day_and_month(value: date) -> str:
    """``26 Nov``: for buttons and short replies."""
    return f"{value:%d %b}"


def day_numeric(value: date) -> str:
    """``28/11``: many days in a row."""
    return f"{value:%d/%m}"


def month(value: date) -> str:
    """``November 2026``"""
    return f"{value:%B %Y}"


def weekday(value: date) -> str:
    """``Monday``"""
    return f"{value:%A}"


# ---- times -----------------------------------------------------------------------------


def clock(value: datetime, zone: ZoneInfo) -> str:
    """``18:00`` in ``zone``."""
    return f"{value.astimezone(zone):%H:%M}"


def time_span(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """``18:00–20:00`` in ``zone``."""
    return f"{clock(start, zone)}–{clock(end, zone)}"


def slot_span(slot: SlotFacts, zone: ZoneInfo) -> str:
    """A slot's ``18:00–19:00`` in ``zone``."""
    return time_span(slot.start, slot.end, zone)


def session_span(booking: BookingFacts, zone: ZoneInfo) -> str:
    """``Thu 26 Nov 2026, 18:00–20:00``: the booking's day (a night past midnight belongs
    to its evening) and its first start to last end, in the room's time."""
    return f"{day(booking.day)}, {time_span(booking.starts_at, booking.ends_at, zone)}"


def moment(value: datetime, zone: ZoneInfo) -> str:
    """``12:45 on Wed 25 Nov (IST)``: a deadline in the room's own time, zone named."""
    local = value.astimezone(zone)
    return f"{local:%H:%M} on {local:%a %d %b} ({local:%Z})"


# ---- counts and lists ------------------------------------------------------------------


@dataclass(frozen=True)
class Noun:
    one: str
    many: str


SLOT = Noun("slot", "slots")
ROOM = Noun("room", "rooms")
HOUR = Noun("hour", "hours")
WEEK = Noun("week", "weeks")


def count(number: float, noun: Noun) -> str:
    """``1 slot``, ``3 slots``, ``1.5 hours``."""
    text = str(number) if isinstance(number, int) else f"{number:g}"
    return f"{text} {noun.one if number == 1 else noun.many}"


def join_labels(labels: Iterable[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = list(labels)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# ---- people ----------------------------------------------------------------------------


def user_link(person: PersonFacts | None, user_id: int) -> str:
    """A person's name as a link to their Telegram chat, with their @username."""
    if person is None:
        return f'<a href="tg://user?id={user_id}">musician</a>'
    handle = f" (@{h(person.username)})" if person.username else ""
    return f'<a href="tg://user?id={person.id}">{h(person.display_name)}</a>{handle}'
