"""The embedded NX-27017 server: data survives restarts, the process is stopped on exit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from beanie import init_beanie

from storage.database import Database, open_database
from storage.embedded import EmbeddedMongo
from storage.models import Room


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()


async def test_data_survives_a_restart_and_the_server_stops_cleanly(
    tmp_path: Path, database: Database
) -> None:
    first = await open_database(None, tmp_path / "data", database_name="restart_check")
    assert first.embedded is not None
    pid = first.embedded.pid
    assert pid is not None
    await Room(
        slug="keeps", name="Keeps", city="Pune", address="a", hourly_paise=1, peak_hourly_paise=1
    ).insert()
    await first.close()
    assert not process_alive(pid)

    second = await open_database(None, tmp_path / "data", database_name="restart_check")
    try:
        assert second.embedded is not None
        assert second.embedded.port != 0
        kept = await Room.find_one(Room.slug == "keeps")
        assert kept is not None
        assert kept.name == "Keeps"
    finally:
        await second.close()
        await init_beanie(database=database.db, document_models=database.models)
    assert (tmp_path / "data" / "jamroom.db").exists()


def test_a_server_that_cannot_start_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data directory should be")
    with pytest.raises((RuntimeError, OSError)):
        EmbeddedMongo(blocker / "data").start(timeout=5)
