"""The payout job's hot query leans on its single-field index (the only kind the embedded
database's planner uses): bookings with a transfer or reversal due, by ``payout_due_ms``."""

from __future__ import annotations

from storage.database import Database


async def test_the_payout_job_finds_its_work_by_an_index(db: Database) -> None:
    query = {"payout_due_ms": {"$lte": 1_800_000_000_000}}
    explained = await db.db.command(
        "explain", {"find": "bookings", "filter": query, "sort": {"payout_due_ms": 1}}
    )
    winning = str(explained.get("queryPlanner", explained))
    assert "USING INDEX" in winning or "IXSCAN" in winning, winning
