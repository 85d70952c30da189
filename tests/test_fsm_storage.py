"""The dialog state storage saves round trips without changing what is stored:
counted with a command listener on a real client to the test database."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from aiogram.fsm.storage.base import StorageKey
from pymongo import AsyncMongoClient, monitoring

from bot.dispatcher import FSM_COLLECTION, mongo_fsm_storage
from bot.fsm_storage import DialogStateStorage
from storage.database import Database


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


STACK = StorageKey(bot_id=1, chat_id=5, user_id=5, destiny="aiogd:stack:")
CONTEXT = StorageKey(bot_id=1, chat_id=5, user_id=5, destiny="aiogd:context:abc")
RAW = StorageKey(bot_id=1, chat_id=5, user_id=5)


@pytest.fixture
async def counted(db: Database) -> AsyncIterator[tuple[DialogStateStorage, Commands]]:
    commands = Commands()
    client: AsyncMongoClient = AsyncMongoClient(db.uri, event_listeners=[commands])
    await client[db.db.name][FSM_COLLECTION].delete_many({})
    commands.seen.clear()
    yield mongo_fsm_storage(client, db.db.name), commands
    await client.close()


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
    other = mongo_fsm_storage(db.client, db.db.name)
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
    await mongo_fsm_storage(db.client, db.db.name).set_data(STACK, {"intents": ["changed"]})
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
