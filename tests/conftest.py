"""Test fixtures: one real MongoDB wire-protocol server per session.

By default an embedded NX-27017 process (in memory) is started once; with
``MONGODB_URI`` set, the same suite runs against that MongoDB in a throwaway
database that is dropped at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from beanie import init_beanie

from bot.perf import Speedups
from bot.perf.database_reads import read_directly_from
from domain.clock import ManualClock
from storage.booking_service import BookingRules, BookingService
from storage.database import Database, open_database
from storage.demo import DEMO_ROOMS
from storage.documents import document_models
from storage.models import Room, User

pytest_plugins = [
    "tests.payment_support",
    "tests.dialog_support",
    "tests.telegram_support",
    "tests.delivery_support",
]

# A Wednesday, 10:00 in India.
NOW = datetime(2026, 11, 25, 4, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
async def database() -> AsyncIterator[Database]:
    uri = os.environ.get("MONGODB_URI")
    name = f"jamroom_test_{uuid.uuid4().hex[:8]}" if uri else None
    database = await open_database(uri, data_dir=None, database_name=name)
    read_directly_from(uri, Speedups.from_setting(os.environ.get("SPEEDUPS", "on")))  # as python -m bot
    yield database
    if uri:
        await database.client.drop_database(database.db.name)
    await database.close()


@pytest.fixture
async def own_database(
    tmp_path: Path, database: Database, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Database]:
    """A private embedded server on a data dir, so a test can kill it and start it
    again; the session database is Beanie's again afterwards."""
    monkeypatch.setattr("storage.database.SERVER_SELECTION_TIMEOUT_MS", 500)
    own = await open_database(None, tmp_path / "data", database_name="own")
    yield own
    await own.close()
    await init_beanie(database=database.db, document_models=database.models)


@pytest.fixture
async def db(database: Database) -> Database:
    """The session database, emptied before the test (and re-bound, should a test have
    pointed Beanie at another database)."""
    if (
        User.get_pymongo_collection().database.name != database.db.name
        or database.models != document_models()
    ):
        database.models = document_models()
        await init_beanie(database=database.db, document_models=database.models)
    for model in document_models():
        await model.get_pymongo_collection().delete_many({})
    return database


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def service(clock: ManualClock) -> BookingService:
    return BookingService(clock, BookingRules())


@pytest.fixture
async def room(db: Database) -> Room:
    """Bass Cave: Mon–Thu 10–22, Fri 10–02, Sat 09–02, Sun 09–21; ₹600/h, peak ₹800/h."""
    return await Room(**DEMO_ROOMS[0], owner_ids=[9001]).insert()


@pytest.fixture
async def user(db: Database) -> User:
    return await User(id=1001, first_name="Asha", username="asha_drums").insert()


async def make_user(telegram_id: int, name: str = "Musician") -> User:
    return await User(id=telegram_id, first_name=name).insert()
