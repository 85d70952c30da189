"""The new hot queries lean on one single-field index each, the only kind the embedded
database's planner uses (``storage.models``): a series' weeks by ``series.code``, the
refund job's work by ``refund_due_ms``, a refund's bookings by ``payment_id``."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from storage.booking_service import claims_around_query
from storage.database import Database
from storage.models import room_day_key, room_days_between


async def plan(db: Database, query: dict[str, Any]) -> str:
    explained = await db.db.command("explain", {"find": "bookings", "filter": query})
    return str(explained.get("queryPlanner", explained))


@pytest.mark.parametrize(
    "query",
    [
        {"series.code": "JW-ABCDEF"},
        {"refund_due_ms": {"$lte": 1_800_000_000_000}},
        {"payment_id": "pay_1"},
    ],
)
async def test_each_new_hot_query_uses_an_index(db: Database, query: dict[str, Any]) -> None:
    winning = await plan(db, query)
    assert "USING INDEX" in winning or "IXSCAN" in winning, winning


async def test_a_rooms_days_are_one_indexed_range_where_an_in_would_scan(db: Database) -> None:
    """The slot screen's claims (every tap), a room's bookings and its earnings and GST
    documents name a room's days by ``room_days_between``; NX-27017 scans for ``$in``."""
    room_id = "6b0d205a0571dfbd071056b3"
    around = claims_around_query(room_id, date(2026, 11, 26))
    claims = await db.db.command("explain", {"find": "slot_claims", "filter": around})
    bookings = await plan(db, {"room_day": room_days_between(room_id, date(2026, 11, 1), date(2026, 11, 30))})

    for winning in (str(claims.get("queryPlanner", claims)), bookings):
        assert "USING INDEX" in winning or "IXSCAN" in winning, winning
    keys = {room_day_key(room_id, date(2026, 11, d)) for d in (25, 26, 27)}
    assert {k for k in keys if around["room_day"]["$gte"] <= k <= around["room_day"]["$lte"]} == keys
    assert (
        not around["room_day"]["$gte"]
        <= room_day_key(room_id, date(2026, 11, 28))
        <= around["room_day"]["$lte"]
    )
