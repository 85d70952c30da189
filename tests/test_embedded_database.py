"""The embedded NX-27017 server: data survives restarts, the process is stopped on exit."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from beanie import init_beanie

from storage.database import Database, open_database
from storage.embedded import EmbeddedDatabaseError, EmbeddedMongo
from storage.embedded_sharing import SERVER_RECORD, Role
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


async def test_an_admin_command_uses_the_running_bots_server_and_leaves_it_running(tmp_path: Path) -> None:
    bot = await open_database(None, tmp_path / "data", models=[], role=Role.BOT)
    try:
        assert bot.embedded is not None
        server = bot.embedded.pid
        assert server is not None
        cli = await open_database(None, tmp_path / "data", models=[], role=Role.ADMIN)
        assert cli.embedded is None  # a guest: it started nothing
        assert cli.uri == bot.uri
        assert f"the running bot (PID {os.getpid()}" in cli.description
        await cli.db["rooms_probe"].insert_one({"_id": "seen"})
        await cli.close()
        assert process_alive(server)
        assert await bot.db["rooms_probe"].find_one({"_id": "seen"}) == {"_id": "seen"}
    finally:
        await bot.close()
    assert not process_alive(server)
    assert not (tmp_path / "data" / SERVER_RECORD).exists()


async def test_a_second_bot_on_one_data_directory_is_refused(tmp_path: Path) -> None:
    first = await open_database(None, tmp_path / "data", models=[])
    try:
        with pytest.raises(EmbeddedDatabaseError, match=f"another JamRoom bot \\(PID {os.getpid()}\\)"):
            await open_database(None, tmp_path / "data", models=[])
        assert first.embedded is not None
        assert first.embedded.pid is not None
        assert process_alive(first.embedded.pid)
    finally:
        await first.close()


async def test_a_bot_waits_for_an_admin_commands_server_to_go_then_starts_its_own(tmp_path: Path) -> None:
    cli = await open_database(None, tmp_path / "data", models=[], role=Role.ADMIN)
    assert cli.embedded is not None  # no bot ran: the command started a server of its own
    bot_starting = asyncio.create_task(open_database(None, tmp_path / "data", models=[]))
    await asyncio.sleep(0.5)
    assert not bot_starting.done()
    await cli.close()
    bot = await asyncio.wait_for(bot_starting, 30)
    try:
        assert bot.embedded is not None
        assert "embedded NX-27017" in bot.description
    finally:
        await bot.close()


async def test_an_admin_command_waits_for_another_one_rather_than_share_its_short_lived_server(
    tmp_path: Path,
) -> None:
    first = await open_database(None, tmp_path / "data", models=[], role=Role.ADMIN)
    second_starting = asyncio.create_task(open_database(None, tmp_path / "data", models=[], role=Role.ADMIN))
    await asyncio.sleep(0.5)
    assert not second_starting.done()
    await first.close()
    second = await asyncio.wait_for(second_starting, 30)
    try:
        assert second.embedded is not None
    finally:
        await second.close()
