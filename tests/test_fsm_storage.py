"""The dialog state storage saves round trips without changing what is stored:
counted with a command listener on a real client to the test database."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiogram.fsm.storage.base import StorageKey
from pymongo import AsyncMongoClient, monitoring
from pymongo.errors import BulkWriteError, DocumentTooLarge

from bot.dispatcher import FSM_COLLECTION, mongo_fsm_storage
from bot.perf import Speedups
from bot.perf.dialog_state import DialogStateStorage
from bot.perf.state_writes import BatchedStateWrites
from storage.database import Database
from storage.dialog_state import DialogStateDocuments


class Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command.get(event.command_name) == FSM_COLLECTION:
            self.seen[event.command_name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def ours(client: AsyncMongoClient, db_name: str, *, single_process: bool = False) -> DialogStateStorage:
    storage = mongo_fsm_storage(client, db_name, Speedups(), single_process=single_process)
    assert isinstance(storage, DialogStateStorage)
    return storage


STACK = StorageKey(bot_id=1, chat_id=5, user_id=5, destiny="aiogd:stack:")
CONTEXT = StorageKey(bot_id=1, chat_id=5, user_id=5, destiny="aiogd:context:abc")
RAW = StorageKey(bot_id=1, chat_id=5, user_id=5)


@contextlib.asynccontextmanager
async def counting_client(db: Database) -> AsyncIterator[tuple[AsyncMongoClient, Commands]]:
    """A client of its own to the test database, its dialog-state commands counted
    from an empty collection."""
    commands = Commands()
    client: AsyncMongoClient = AsyncMongoClient(db.uri, tz_aware=True, event_listeners=[commands])
    await client[db.db.name][FSM_COLLECTION].delete_many({})
    commands.seen.clear()
    try:
        yield client, commands
    finally:
        await client.close()


@pytest.fixture
async def counted(db: Database) -> AsyncIterator[tuple[DialogStateStorage, Commands]]:
    async with counting_client(db) as (client, commands):
        yield ours(client, db.db.name), commands


async def test_writing_back_what_was_read_costs_nothing(counted: tuple[DialogStateStorage, Commands]) -> None:
    storage, commands = counted
    assert await storage.get_data(STACK) == {}
    await storage.set_data(STACK, {})  # an empty stack written back: nothing to do
    assert commands.seen == Counter({"find": 1})
    await storage.set_data(STACK, {"intents": ["a"]})
    await storage.set_data(STACK, {"intents": ["a"]})
    assert commands.seen["update"] == 1
    commands.seen.clear()
    read = await storage.get_data(STACK)
    read["intents"].append("b")  # callers mutate what they read; the memory must not follow
    await storage.set_data(STACK, read)
    assert commands.seen == Counter({"find": 1, "update": 1})
    assert await storage.get_data(STACK) == {"intents": ["a", "b"]}


async def test_another_processs_change_is_seen_by_the_next_read(
    counted: tuple[DialogStateStorage, Commands], db: Database
) -> None:
    storage, _ = counted
    await storage.set_data(STACK, {"intents": ["a"]})
    other = ours(db.client, db.db.name)
    await other.set_data(STACK, {"intents": ["b"]})
    assert await storage.get_data(STACK) == {"intents": ["b"]}
    await storage.set_data(STACK, {"intents": ["a"]})  # differs from what was read: written
    assert await other.get_data(STACK) == {"intents": ["a"]}


async def test_the_raw_state_is_read_only_once_someone_sets_one(
    counted: tuple[DialogStateStorage, Commands],
) -> None:
    storage, commands = counted
    assert await storage.get_state(RAW) is None
    assert not commands.seen
    await storage.set_state(RAW, "Form:name")
    assert await storage.get_state(RAW) == "Form:name"
    assert commands.seen["find"] == 1


async def test_a_taps_context_and_stack_come_in_one_round_trip(
    counted: tuple[DialogStateStorage, Commands],
) -> None:
    storage, commands = counted
    await storage.set_data(CONTEXT, {"state": "BookingSG:slots"})
    await storage.set_data(STACK, {"intents": ["abc"]})
    commands.seen.clear()
    assert await storage.get_data(CONTEXT) == {"state": "BookingSG:slots"}
    assert await storage.get_data(STACK) == {"intents": ["abc"]}
    assert commands.seen == Counter({"find": 1})
    assert await storage.get_data(STACK) == {"intents": ["abc"]}  # taken once: asked again
    assert commands.seen == Counter({"find": 2})


async def test_a_stack_fetched_along_stays_in_its_own_update(
    counted: tuple[DialogStateStorage, Commands], db: Database
) -> None:
    storage, _ = counted
    await storage.set_data(CONTEXT, {"state": "BookingSG:slots"})
    await storage.set_data(STACK, {"intents": ["abc"]})
    other_update = asyncio.create_task(storage.get_data(CONTEXT))  # read context and stack
    await other_update
    await ours(db.client, db.db.name).set_data(STACK, {"intents": ["changed"]})
    assert await storage.get_data(STACK) == {"intents": ["changed"]}
    assert other_update.done()  # kept alive to the end: what it fetched was still there


async def test_a_write_drops_the_stack_fetched_along(counted: tuple[DialogStateStorage, Commands]) -> None:
    storage, commands = counted
    await storage.set_data(STACK, {"intents": ["abc"]})
    assert await storage.get_data(CONTEXT) == {}  # no such context; the stack came along
    await storage.set_data(STACK, {"intents": ["new"]})
    commands.seen.clear()
    assert await storage.get_data(STACK) == {"intents": ["new"]}
    assert commands.seen == Counter({"find": 1})


async def test_removing_a_dialogs_document_is_one_delete(
    counted: tuple[DialogStateStorage, Commands], db: Database
) -> None:
    storage, commands = counted
    await storage.set_data(CONTEXT, {"state": "BookingSG:slots"})
    commands.seen.clear()
    await storage.set_data(CONTEXT, {})
    assert commands.seen == Counter({"delete": 1})
    assert await db.db[FSM_COLLECTION].count_documents({}) == 0


@pytest.fixture
async def sole(db: Database) -> AsyncIterator[tuple[DialogStateStorage, Commands]]:
    """A storage for a process that serves the bot alone (long polling)."""
    async with counting_client(db) as (client, commands):
        yield ours(client, db.db.name, single_process=True), commands


async def test_a_process_serving_alone_reads_its_own_state_from_memory(
    sole: tuple[DialogStateStorage, Commands], db: Database
) -> None:
    storage, commands = sole
    started = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
    await storage.set_data(CONTEXT, {"state": "BookingSG:slots", "started": started})
    commands.seen.clear()
    first = await storage.get_data(CONTEXT)
    assert first == {"state": "BookingSG:slots", "started": started}
    first["state"] = "changed by the caller"  # what a caller does to its copy stays there
    assert (await storage.get_data(CONTEXT))["state"] == "BookingSG:slots"
    assert not commands.seen
    assert (await ours(db.client, db.db.name).get_data(CONTEXT))["state"] == "BookingSG:slots"


async def test_what_was_read_once_is_not_read_again(
    sole: tuple[DialogStateStorage, Commands], db: Database
) -> None:
    storage, commands = sole
    await ours(db.client, db.db.name).set_data(STACK, {"intents": ["abc"]})
    assert await storage.get_data(STACK) == {"intents": ["abc"]}
    assert await storage.get_data(STACK) == {"intents": ["abc"]}
    assert commands.seen == Counter({"find": 1})


async def test_the_memory_keeps_only_the_latest_keys(db: Database) -> None:
    async with counting_client(db) as (client, commands):
        storage = DialogStateStorage(
            DialogStateDocuments(client, db.db.name), single_process=True, remembered_keys=2
        )
        keys = [StorageKey(bot_id=1, chat_id=n, user_id=n, destiny="aiogd:stack:") for n in (1, 2, 3)]
        for n, key in enumerate(keys):
            await storage.set_data(key, {"intents": [str(n)]})
        commands.seen.clear()
        assert await storage.get_data(keys[2]) == {"intents": ["2"]}
        assert not commands.seen
        assert await storage.get_data(keys[0]) == {"intents": ["0"]}  # forgotten: read again
        assert commands.seen == Counter({"find": 1})


async def test_a_failed_write_is_not_remembered(sole: tuple[DialogStateStorage, Commands]) -> None:
    storage, commands = sole
    await storage.set_data(STACK, {"intents": ["a"]})
    with pytest.raises(DocumentTooLarge):
        await storage.set_data(STACK, {"intents": ["x" * 17_000_000]})
    commands.seen.clear()
    assert await storage.get_data(STACK) == {"intents": ["a"]}
    assert commands.seen == Counter({"find": 1})  # what the database holds, not the failed write


async def test_an_updates_writes_reach_the_database_together(
    counted: tuple[DialogStateStorage, Commands], db: Database
) -> None:
    storage, commands = counted
    other_context = StorageKey(bot_id=1, chat_id=5, user_id=5, destiny="aiogd:context:old")
    await storage.set_data(other_context, {"state": "MainSG:menu"})
    commands.seen.clear()
    async with storage.writes_batched():
        await storage.set_data(CONTEXT, {"state": "BookingSG:slots"})
        await storage.set_data(STACK, {"intents": ["abc"]})
        await storage.set_data(other_context, {})
        assert not commands.seen  # kept until the update is handled...
        assert await storage.get_data(STACK) == {"intents": ["abc"]}  # ...and read back from there
        assert await storage.get_data(other_context) == {}
    assert commands.seen == Counter({"update": 1, "delete": 1})
    reader = ours(db.client, db.db.name)
    assert await reader.get_data(CONTEXT) == {"state": "BookingSG:slots"}
    assert await reader.get_data(STACK) == {"intents": ["abc"]}
    assert await db.db[FSM_COLLECTION].count_documents({}) == 2


async def test_a_write_undone_in_the_same_update_is_not_made(
    counted: tuple[DialogStateStorage, Commands],
) -> None:
    storage, commands = counted
    await storage.set_data(STACK, {"intents": ["abc"]})
    commands.seen.clear()
    async with storage.writes_batched():
        await storage.set_data(STACK, {"intents": ["abc", "def"]})
        await storage.set_data(STACK, {"intents": ["abc"]})
    assert not commands.seen


async def test_a_failed_batch_is_not_remembered(
    sole: tuple[DialogStateStorage, Commands], db: Database
) -> None:
    storage, commands = sole
    await storage.set_data(STACK, {"intents": ["a"]})
    await storage.set_data(CONTEXT, {"state": "MainSG:menu"})
    collection = db.db[FSM_COLLECTION]
    await collection.create_index("data.state", unique=True, sparse=True)

    async def one_update() -> None:  # the stack's write goes, the new context's is refused
        async with storage.writes_batched():
            await storage.set_data(STACK, {"intents": ["b"]})
            await storage.set_data(StorageKey(1, 6, 6, destiny="aiogd:context:x"), {"state": "MainSG:menu"})

    try:
        with pytest.raises(BulkWriteError):
            await one_update()
    finally:
        await collection.drop_index("data.state_1")
    commands.seen.clear()
    assert await storage.get_data(STACK) == {"intents": ["b"]}  # read back: what the database holds
    assert commands.seen == Counter({"find": 1})


async def test_a_write_after_the_update_is_handled_is_made_at_once(
    counted: tuple[DialogStateStorage, Commands], db: Database
) -> None:
    storage, _ = counted
    go = asyncio.Event()

    async def later() -> None:  # a task started by the update, writing after it ended
        await go.wait()
        await storage.set_data(STACK, {"intents": ["late"]})

    async with storage.writes_batched():
        task = asyncio.create_task(later())
    go.set()
    await task
    assert await ours(db.client, db.db.name).get_data(STACK) == {"intents": ["late"]}


async def test_the_middleware_sends_a_taps_writes_as_one(
    counted: tuple[DialogStateStorage, Commands],
) -> None:
    storage, commands = counted

    async def handler(event: object, data: dict[str, object]) -> str:
        await storage.set_data(CONTEXT, {"state": "BookingSG:review"})
        await storage.set_data(STACK, {"intents": ["abc"]})
        return "handled"

    assert await BatchedStateWrites(storage)(handler, object(), {}) == "handled"  # type: ignore[arg-type]
    assert commands.seen == Counter({"update": 1})


async def test_a_single_kept_write_or_removal_is_one_command(
    counted: tuple[DialogStateStorage, Commands], db: Database
) -> None:
    storage, commands = counted
    async with storage.writes_batched():
        await storage.set_data(CONTEXT, {"state": "BookingSG:slots"})
    assert commands.seen == Counter({"update": 1})
    async with storage.writes_batched():
        await storage.set_data(CONTEXT, {})
    assert commands.seen == Counter({"update": 1, "delete": 1})
    assert await db.db[FSM_COLLECTION].count_documents({}) == 0
