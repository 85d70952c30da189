"""Reads of weekly series: a series is the bookings that carry its code
(``Booking.series``), found by the single-field index on ``series.code``."""

from __future__ import annotations

from storage.models import Booking


async def series_weeks(series_code: str) -> list[Booking]:
    """Every booking of the series, first week first."""
    found = await Booking.find({"series.code": series_code}).to_list()
    return sorted(found, key=lambda b: b.series.index if b.series else 0)


async def series_code_taken(series_code: str) -> bool:
    found = await Booking.get_pymongo_collection().find_one({"series.code": series_code}, {"_id": 1})
    return found is not None


async def series_of(booking: Booking) -> list[Booking]:
    """The weeks of ``booking``'s series, or just ``booking`` when it is not one."""
    return await series_weeks(booking.series.code) if booking.series else [booking]


def news_key(booking: Booking, news: str) -> str:
    """The dedupe key of news that concerns a whole series when ``booking`` is one of its
    weeks (its hold expired: one message, whichever week the clock or the webhook saw
    first), else the booking's own (``announce``'s ``<booking id>:<news>``)."""
    return f"{booking.series.code}:{news}" if booking.series else f"{booking.id}:{news}"
