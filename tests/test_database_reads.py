"""The ``direct_database_reads`` speed-up (bot/perf/database_reads.py): pymongo reads
every reply through the pool module's ``async_receive_message``, which the speed-up
replaces; replies read directly are the replies, and a server that dies fails the read
in flight at once, as with pymongo's own. (The whole suite reads this way when it runs
on the embedded database, as ``python -m bot`` does: tests/conftest.py.)"""

from __future__ import annotations

import asyncio
import inspect

import pytest
from pymongo.asynchronous import pool
from pymongo.errors import PyMongoError
from pymongo.network_layer import PyMongoProtocol

from bot.perf import database_reads
from bot.perf.database_reads import STOCK_RECEIVE, read_as_pymongo_ships, read_directly, receive_directly
from storage.database import Database


def test_pymongo_reads_replies_through_the_function_the_speed_up_replaces() -> None:
    """direct_database_reads: AsyncConnection.receive_message calls the pool module's
    async_receive_message by its global name, and the protocol reads a message by id."""
    assert "async_receive_message(self, request_id, self.max_message_size)" in inspect.getsource(
        pool.AsyncConnection.receive_message
    )
    assert list(inspect.signature(STOCK_RECEIVE).parameters) == ["conn", "request_id", "max_message_size"]
    assert list(inspect.signature(PyMongoProtocol.read).parameters) == [
        "self",
        "request_id",
        "max_message_size",
    ]


async def test_replies_read_directly_are_the_replies(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    read = []

    async def counted(*args: object) -> object:
        read.append(args[1])
        return await receive_directly(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(pool, "async_receive_message", counted)
    collection = db.db["direct_reads"]
    await collection.insert_many([{"_id": n, "band": f"band {n}"} for n in range(300)])

    found = await collection.find({"_id": {"$gte": 100}}).sort("_id").to_list()
    changed = await collection.update_one({"_id": 7}, {"$set": {"band": "The Sevens"}})

    assert [d["_id"] for d in found] == list(range(100, 300))
    assert changed.modified_count == 1
    assert (await collection.find_one({"_id": 7}))["band"] == "The Sevens"  # type: ignore[index]
    assert len(read) >= 4  # every reply came through the replaced function
    await collection.drop()


async def test_a_read_fails_at_once_when_the_server_has_died(
    own_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pool, "async_receive_message", receive_directly)
    assert own_database.embedded is not None
    collection = own_database.db["direct_reads"]
    await collection.insert_one({"_id": 1})
    own_database.embedded.kill()

    async with asyncio.timeout(5):  # no read waits on a connection nobody will answer
        with pytest.raises(PyMongoError):
            await collection.find_one({"_id": 1})


def test_the_speed_up_can_be_put_back() -> None:
    before = pool.async_receive_message
    try:
        read_as_pymongo_ships()
        assert pool.async_receive_message is STOCK_RECEIVE
        read_directly()
        read_directly()
        assert pool.async_receive_message is database_reads.receive_directly
    finally:
        pool.async_receive_message = before
