"""Time as the database keeps it: aware UTC datetimes, and integer epoch milliseconds
for the times that are range-queried after an update (see ``storage.models``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_stored(moment: datetime) -> datetime:
    """``moment`` as the database gives it back: BSON keeps whole milliseconds."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def as_utc(moment: datetime) -> datetime:
    """Aware UTC, whatever came back from the database (a naive value is UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]


def to_ms(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def from_ms(millis: int | None) -> datetime | None:
    return None if millis is None else datetime.fromtimestamp(millis / 1000, UTC)
