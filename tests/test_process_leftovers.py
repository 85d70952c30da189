"""A bot that dies hard takes its database server with it, and a server or a PID file
left in the data directory never stops the next start: real processes throughout."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.fakes.bot_api import BotApi
from tests.process_support import (
    BotProcess,
    aadmin,
    alive,
    end,
    orphan_server,
    servers_for,
    start_bot,
    startup_env,
    until,
)
from tests.telegram_support import ASHA

if os.environ.get("MONGODB_URI"):  # these tests are about the embedded database
    pytestmark = pytest.mark.skip(reason="runs on the embedded database only")


async def answers_start(bot_api: BotApi, bot: BotProcess) -> None:
    reply = await bot_api.wait_reply(ASHA["id"], bot_api.send_text(ASHA, "/start"), timeout=60)
    assert "Asha" in reply["text"]
    await bot.finished(updates=1)


async def test_a_sigkilled_bot_takes_its_database_with_it(tmp_path: Path, bot_api: BotApi) -> None:
    data_dir = tmp_path / "data"
    env = startup_env(tmp_path, bot_api.base_url)
    bot = await start_bot(env, tmp_path)
    await answers_start(bot_api, bot)
    (server,) = servers_for(data_dir)

    bot.signal(signal.SIGKILL)
    await bot.exit_code()
    await until(lambda: not alive(server), timeout=20, what="the database server gone with its bot")

    again = await start_bot(env, tmp_path, name="again")
    try:
        await answers_start(bot_api, again)
    finally:
        assert await again.stop() == 0, again.output[-3000:]
    assert servers_for(data_dir) == []


async def listening(server: subprocess.Popen[bytes], data_dir: Path) -> None:
    await until(lambda: (data_dir / "nx-27017.pid").exists(), what="the leftover server running")
    assert server.poll() is None


async def test_a_server_left_running_is_stopped_and_the_bot_starts(tmp_path: Path, bot_api: BotApi) -> None:
    data_dir = tmp_path / "data"
    leftover = orphan_server(data_dir)
    try:
        await listening(leftover, data_dir)
        bot = await start_bot(startup_env(tmp_path, bot_api.base_url), tmp_path)
        try:
            await answers_start(bot_api, bot)
            assert leftover.poll() is not None  # stopped by the bot, not by this test
        finally:
            assert await bot.stop() == 0, bot.output[-3000:]
    finally:
        end(leftover)
    assert f"an embedded database (PID {leftover.pid}) was left running" in bot.output
    assert "Traceback" not in bot.output
    assert servers_for(data_dir) == []


async def test_the_cli_starts_beside_a_server_left_running(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    leftover = orphan_server(data_dir)
    try:
        await listening(leftover, data_dir)
        result = await aadmin(startup_env(tmp_path, "http://127.0.0.1:9"), tmp_path, "seed-demo")
        assert result.returncode == 0, result.stderr
        assert leftover.poll() is not None
    finally:
        end(leftover)
    assert "demo rooms: 3 added" in result.stdout
    assert servers_for(data_dir) == []


async def test_a_pid_file_naming_another_program_is_not_taken_for_a_server(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    stranger = await asyncio.create_subprocess_exec("sleep", "60")
    try:
        (data_dir / "nx-27017.pid").write_text(str(stranger.pid))  # the PID was reused
        result = await aadmin(startup_env(tmp_path, "http://127.0.0.1:9"), tmp_path, "seed-demo")
        assert result.returncode == 0, result.stderr
        assert stranger.returncode is None
        assert alive(stranger.pid)  # never signalled
    finally:
        stranger.kill()
        await stranger.wait()
    assert servers_for(data_dir) == []
