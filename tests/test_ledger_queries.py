"""The new hot queries lean on one single-field index each, the only kind the embedded
database's planner uses (``storage.models``): a series' weeks by ``series.code``, the
refund job's work by ``refund_due_ms``, a refund's bookings by ``payment_id``."""

from __future__ import annotations

from typing import Any

import pytest

from storage.database import Database


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
